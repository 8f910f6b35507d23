#!/usr/bin/env bash
# Audits every real lockfile in ../shared/fixtures/lockfiles offline and
# checks the entry count against that folder's README table. Prints one line
# per file (entries, findings, exit code); fails when the folder is missing,
# when a run exits 2 (input or internal error), or when a count differs.
#
# Then the reports people read, on the 1,357-entry unversioned shrinkwrap
# (1,360 findings): the table at 120 columns must fit in under 60 lines of
# at most 120 columns with the verdict on its first line, `--verbose` must
# still list every finding, the Markdown must stay under GitHub's comment
# limit and the annotations within what a step shows. Prints the measures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_FIXTURES:-$root/../shared/fixtures}"
bin="${LOCKPROOF_BIN:-$root/target/release/lockproof}"
if [ ! -d "$shared/lockfiles" ]; then
  echo "FAIL: $shared/lockfiles is missing: the real-lockfile check cannot run" >&2
  exit 1
fi
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked --quiet)
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
python3 - "$shared" "$bin" "$cache" <<'PY'
import json, os, re, subprocess, sys
shared, binary, cache = sys.argv[1], sys.argv[2], sys.argv[3]
expected = {}
for line in open(os.path.join(shared, "README.md"), encoding="utf-8"):
    m = re.match(r"\|\s*(\S+\.json)\s*\|\s*(\w+)\s*\|\s*(\d+)\s*\|", line)
    if m:
        expected[m.group(1)] = int(m.group(3))
folder = os.path.join(shared, "lockfiles")
files = sorted(os.listdir(folder))
failed = 0
if set(files) != set(expected):
    print(f"FAIL: README lists {sorted(expected)} but the folder holds {files}")
    failed += 1
for name in files:
    r = subprocess.run([binary, "audit", "--offline", "--cache-dir", cache, "--format", "json",
                        os.path.join(folder, name)],
                       capture_output=True, text=True)
    if r.returncode == 2:
        print(f"FAIL {name}: exit 2: {r.stderr.strip()}")
        failed += 1
        continue
    report = json.loads(r.stdout)
    entries = report["summary"]["entries"]
    counts = ", ".join(f"{n} {s}" for s, n in report["summary"]["findings"].items() if n)
    ok = entries == expected.get(name)
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {entries} entries (README: {expected.get(name)}), "
          f"{len(report['findings'])} findings ({counts or 'none'}), exit {r.returncode}")
print(f"{len(files)} lockfiles checked, {failed} failed")


def columns(line):
    """Display width: East Asian wide and fullwidth characters take two."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def audit(*args, env=None):
    return subprocess.run([binary, "audit", "--offline", "--cache-dir", cache, *args],
                          capture_output=True, text=True, env=env)


def check(ok, what):
    global failed
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what}")


# The long path relative to the repository (../shared/...) is the widest
# location a run from the repository shows.
shrinkwrap = os.path.realpath(os.path.join(folder, "pub-etcher-2017-noversion-npm4.npm-shrinkwrap.json"))
if os.path.exists(shrinkwrap):
    name = os.path.basename(shrinkwrap)
    report = json.loads(audit("--format", "json", shrinkwrap).stdout)
    total = len(report["findings"])
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["COLUMNS"] = "120"
    table = audit(shrinkwrap, env=env).stdout.splitlines()
    widest = max(map(columns, table), default=0)
    check(len(table) < 60 and widest <= 120 and table[0].startswith(("FAIL", "PASS")),
          f"{name} table at 120 columns: {len(table)} lines (< 60), widest {widest} columns "
          f"(<= 120), first line: {table[0] if table else '(none)'}")
    verbose = audit("--verbose", shrinkwrap, env=env).stdout.splitlines()
    rows = sum(1 for l in verbose if re.match(r"│ (critical|high|medium|low|info)\b", l))
    check(rows == total, f"{name} --verbose: {rows} finding rows of {total} findings, "
          f"{len(verbose)} lines")
    markdown = audit("--format", "markdown", shrinkwrap).stdout
    size = len(markdown.encode())
    cut = re.search(r"\*(\d+) more findings are not listed", markdown)
    check(size <= 60000 and len(markdown) <= 65536 and markdown.count("<details>") == markdown.count("</details>"),
          f"{name} Markdown: {size} bytes, {len(markdown)} characters, {markdown.count(chr(10))} lines "
          f"(<= 60000 bytes; {cut.group(1) if cut else 0} findings left to the JSON report)")
    github = audit("--format", "github", shrinkwrap).stdout.splitlines()
    kinds = {k: sum(1 for l in github if l.startswith(f"::{k} ")) for k in ("error", "warning", "notice")}
    check(all(n <= 10 for n in kinds.values()),
          f"{name} annotations: {len(github)} lines, {len(chr(10).join(github)) + 1} bytes, "
          f"{kinds['error']} errors, {kinds['warning']} warnings, {kinds['notice']} notices (<= 10 each)")
else:
    check(False, f"{shrinkwrap} is missing: the report-length check cannot run")
sys.exit(1 if failed else 0)
PY
