#!/usr/bin/env bash
# Audits every real lockfile in ../shared/fixtures/lockfiles offline and
# checks the entry count against that folder's README table. Prints one line
# per file (entries, findings, exit code); fails when the folder is missing,
# when a run exits 2 (input or internal error), or when a count differs.
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
sys.exit(1 if failed else 0)
PY
