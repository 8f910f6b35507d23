#!/usr/bin/env python3
"""Fail when two source files of src/ import each other, directly or
through others (ARCHITECTURE.md, "Invariants").

Reads every `use crate::…`, `use super::…` and `use self::…` tree and every
path written inline (`crate::a::f(…)`, `super::b::C`) in each file under
src/ (test modules included: a cycle through a test is still a tangle),
resolves it to the file that defines the module it names, and looks for
cycles in that graph (Tarjan's strongly connected components). `super`
inside an inline `mod x { … }` first leaves that block, staying in the
file. A `mod x;` declaration is structure, not an import. Prints each
cycle and exits 1, or prints the number of files and edges and exits 0.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
INLINE = re.compile(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)")
INLINE_MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def module_of(path):
    """The module path (list of names) of a file under src/."""
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return rel


def file_of(module, files):
    """The file defining `module`, or None."""
    base = os.path.join(ROOT, *module) if module else os.path.join(ROOT, "lib")
    for candidate in (base + ".rs", os.path.join(base, "mod.rs")):
        if candidate in files:
            return candidate
    return None


def expand(tree):
    """The paths of a use tree: `a::{b, c::d}` gives a::b and a::c::d."""
    tree = re.sub(r"\s+", "", tree)
    depth, start = 0, None
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix, inner, rest = tree[:start], tree[start + 1 : i], tree[i + 1 :]
                parts, level, last = [], 0, 0
                for j, c in enumerate(inner):
                    level += c == "{"
                    level -= c == "}"
                    if c == "," and level == 0:
                        parts.append(inner[last:j])
                        last = j + 1
                parts.append(inner[last:])
                out = []
                for p in parts:
                    if p:
                        out.extend(expand(prefix + p + rest))
                return out
    return [tree]


def paths(text):
    """Every imported path of `text`, with how many inline `mod { }`
    blocks enclose it."""
    out, stack, depth = [], [], 0
    # Strings and comments could hold braces or paths: drop them first.
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"//[^\n]*", "", text)
    statements = {m.start(): m.group(1) for m in USE.finditer(text)}
    offset = 0
    for line in text.split("\n"):
        if INLINE_MOD.match(line):
            stack.append(depth)
        for start, tree in statements.items():
            if offset <= start < offset + len(line) + 1:
                out.extend((item, len(stack)) for item in expand(tree))
        if not USE.match(line):
            out.extend((m, len(stack)) for m in INLINE.findall(line))
        depth += line.count("{") - line.count("}")
        while stack and depth <= stack[-1]:
            stack.pop()
        offset += len(line) + 1
    return out


def targets(path, text, files):
    """The files `path` imports from."""
    here = module_of(path)
    # A file's own `super` is its parent module, for mod.rs and x.rs alike.
    out = set()
    for item, inline in paths(text):
        item = item.split(" as ")[0]
        parts = [p for p in item.split("::") if p]
        if not parts:
            continue
        if parts[0] == "crate":
            base, rest = [], parts[1:]
        elif parts[0] in ("super", "self"):
            base, rest = here, parts
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    if inline:
                        inline -= 1
                    else:
                        base = base[:-1]
                rest = rest[1:]
        else:
            continue
        # The longest prefix that is a module file is what is imported.
        for n in range(len(rest), -1, -1):
            target = file_of(base + rest[:n], files)
            if target:
                if target != path:
                    out.add(target)
                break
    return out


def cycles(graph):
    """Strongly connected components with more than one file."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    files = set()
    for folder, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".rs"):
                files.add(os.path.join(folder, name))
    graph = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            graph[path] = targets(path, f.read(), files)
    found = cycles(graph)
    rel = lambda p: os.path.relpath(p, os.path.join(ROOT, ".."))
    if found:
        for component in found:
            print("import cycle: " + ", ".join(rel(p) for p in component))
            for p in component:
                back = sorted(rel(t) for t in graph[p] if t in component)
                print(f"  {rel(p)} imports {', '.join(back)}")
        sys.exit(1)
    edges = sum(len(t) for t in graph.values())
    print(f"no import cycles: {len(files)} files, {edges} imports between them")


if __name__ == "__main__":
    main()
