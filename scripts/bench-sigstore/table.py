"""Prints the comparison table of scripts/bench-sigstore.sh.

Usage: python3 table.py WORK_DIR ROUNDS

Reads WORK_DIR/out/<tool>.<round>.txt (tool: lockproof, sigstore-js,
sigstore-python), each the output of one harness run, and prints, per kind,
the best rate over the rounds of each tool (on a shared machine the best
round is the one least disturbed by other work), the ratios, the spread over
rounds, the versions, and what a tool could not do. Standard library only.
"""

from __future__ import annotations

import sys
from pathlib import Path

KINDS = ["provenance-v0.1", "provenance-v0.3", "publish"]
TOOLS = ["lockproof", "sigstore-js", "sigstore-python"]
# Which mode of each harness is the "full verification including parsing the
# bundle's JSON text" figure, and which is "verification of a parsed bundle".
PARSE_MODE = {"lockproof": "value", "sigstore-js": "text", "sigstore-python": "text"}
NO_PARSE_MODE = {"lockproof": "verify", "sigstore-js": "verify", "sigstore-python": "verify"}


def main() -> None:
    work, rounds = Path(sys.argv[1]), int(sys.argv[2])
    rates: dict[tuple[str, str, str], list[float]] = {}
    versions: dict[str, list[str]] = {t: [] for t in TOOLS}
    unsupported: dict[tuple[str, str], list[str]] = {}
    for tool in TOOLS:
        for r in range(1, rounds + 1):
            for line in (work / "out" / f"{tool}.{r}.txt").read_text().splitlines():
                f = line.split()
                if not f:
                    continue
                if f[0] == "RESULT" and len(f) >= 4:
                    rates.setdefault((tool, f[1], f[2]), []).append(float(f[3]))
                elif f[0] == "VERSION" and r == 1:
                    versions[tool].append(f"{f[1]} {f[2]}")
                elif f[0] == "UNSUPPORTED" and r == 1:
                    why = " ".join(f[3:])
                    unsupported.setdefault((tool, f[1]), []).append(f"{f[2]}: {why}")

    def best(tool: str, kind: str, mode: str) -> float | None:
        got = rates.get((tool, kind, mode))
        return max(got) if got else None

    def cell(tool: str, kind: str, mode: str) -> str:
        v = best(tool, kind, mode)
        if v is not None:
            return f"{v:,.0f}"
        return "cannot load" if (tool, kind) in unsupported else "n/a"

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}x" if a and b else "-"

    def table(title: str, modes: dict[str, str]) -> None:
        print(title)
        head = f"{'kind':<17}" + "".join(f"{t:>17}" for t in TOOLS)
        head += f"{'lockproof/js':>14}{'lockproof/py':>14}"
        print(head)
        print("-" * len(head))
        for kind in KINDS:
            row = f"{kind:<17}" + "".join(f"{cell(t, kind, modes[t]):>17}" for t in TOOLS)
            lp = best("lockproof", kind, modes["lockproof"])
            row += f"{ratio(lp, best('sigstore-js', kind, modes['sigstore-js'])):>14}"
            row += f"{ratio(lp, best('sigstore-python', kind, modes['sigstore-python'])):>14}"
            print(row)
        print()

    print(f"bundles verified per second, one core, best of {rounds} round(s)\n")
    table(
        "Full verification from the bundle's JSON text (lockproof: text -> Value -> Bundle::from_value,"
        " as its CLI; sigstore-js: JSON.parse + bundleFromJSON + toSignedEntity;"
        " sigstore-python: Bundle.from_json)",
        PARSE_MODE,
    )
    table("Verification of an already parsed bundle", NO_PARSE_MODE)

    print("lockproof by parse path (bundles/s):")
    for kind in KINDS:
        parts = [f"{m}={cell('lockproof', kind, m)}" for m in ("value", "text", "verify")]
        print(f"  {kind:<17} " + "  ".join(parts))
    print("  (value: serde_json::Value + Bundle::from_value; text: Bundle::from_json;"
          " verify: parsed Bundle)\n")

    js = [best("sigstore-js", k, PARSE_MODE["sigstore-js"]) for k in KINDS]
    lp = [best("lockproof", k, PARSE_MODE["lockproof"]) for k in KINDS]
    print("target: lockproof >= 10x sigstore-js on each kind (with parsing):")
    for kind, a, b in zip(KINDS, lp, js):
        verdict = "n/a" if not (a and b) else ("MET" if a >= 10 * b else "NOT MET")
        print(f"  {kind:<17} {ratio(a, b):>8}  {verdict}")
    print()

    if rounds > 1:
        print("spread over rounds (min-max bundles/s, with parsing):")
        for tool in TOOLS:
            for kind in KINDS:
                got = rates.get((tool, kind, PARSE_MODE[tool]))
                if got:
                    print(f"  {tool:<16} {kind:<17} {min(got):>9,.0f} - {max(got):,.0f}")
        print()

    print("versions:")
    for tool in TOOLS:
        print(f"  {tool:<16} " + ", ".join(versions[tool]))
    if unsupported:
        print("\nnot supported:")
        for (tool, kind), whys in sorted(unsupported.items()):
            for why in whys:
                print(f"  {tool} {kind} {why}")


if __name__ == "__main__":
    main()
