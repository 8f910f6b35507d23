#!/usr/bin/env bash
# `lockproof install` against a plain `npm ci` on the same lockfile
# (default fixtures/bench-install: next, react, typescript, eslint, vite,
# webpack, @swc/core, ...; 308 entries, 119 MB of tarballs on linux-x64, the
# size issue 15 measured; fixtures/bench-300 is a smaller one), from the
# registry this machine reaches, both from empty caches:
#   npm        npm ci --ignore-scripts --no-audit --no-fund --cache <empty>
#   lockproof  lockproof install --cache-dir <empty> -- --ignore-scripts
# (lockproof turns npm's audit and fund requests off itself, so the plain
# npm run does too). Runs them in turn (scripts/interleave.py: medians and
# the median of the per-pair ratios); before each run, untimed, the
# project's node_modules and every cache of that run are removed and the
# disk is synced, so no run pays for the last one's files. A first run of
# each must install the same tree. Then BREAKDOWN more lockproof runs
# (default 3), through a stand-in npm that notes the time, split its wall
# time: before npm starts (the audit and filling npm's cache), npm, and
# after (removing the cache folder).
#
# The registry mirror this machine reaches strips signatures, which
# lockproof reports as `registry-signatures-stripped` (high, failing the
# install): the benchmark's lockproof.toml lowers it to a warning, and only
# it. Advisories come from a local OSV export of one record
# (`--advisory-db`), as after `lockproof advisories update`: where the OSV
# API cannot be reached (this machine), asking it costs seconds of retries
# that measure the network, not the install.
#
# The argument is a folder with package.json and package-lock.json, or a
# lockfile alone (its package.json is written from the lockfile's root
# entry), e.g. a larger one from ../shared/fixtures/lockfiles, read in
# place.
#
# Environment: RUNS (default 10), WARMUP (default 1); BASELINE=<a lockproof
# binary> adds a third command, that binary's install, e.g. an older build
# to compare with. Target: lockproof/npm <= 1.15x. Needs the network.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
lock=${1:-fixtures/bench-install}
runs=${RUNS:-10}
warmup=${WARMUP:-1}
cargo build --release --locked --quiet
bin=$root/target/release/lockproof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/lockproof.toml" <<'EOF'
[levels]
# The registry mirror this benchmark runs against strips registry
# signatures; everything else keeps its default level.
registry-signatures-stripped = "warn"
EOF

# A local advisory database of one record, for a package no lockfile has.
python3 - "$work/osv.zip" <<'EOF'
import json, sys, zipfile
record = {
    "id": "GHSA-0000-0000-0000",
    "modified": "2026-01-01T00:00:00Z",
    "published": "2026-01-01T00:00:00Z",
    "summary": "benchmark stand-in",
    "affected": [{
        "package": {"ecosystem": "npm", "name": "lockproof-bench-no-such-package"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
    }],
}
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("GHSA-0000-0000-0000.json", json.dumps(record))
EOF

# One project folder per command, the same lockfile in each.
for name in npm lockproof baseline; do
  mkdir -p "$work/$name"
  if [ -d "$lock" ]; then
    cp "$lock/package.json" "$lock/package-lock.json" "$work/$name/"
  else
    cp "$lock" "$work/$name/package-lock.json"
    python3 - "$lock" "$work/$name/package.json" <<'EOF'
import json, sys
root = json.load(open(sys.argv[1]))["packages"][""]
fields = ("name", "version", "dependencies", "devDependencies",
          "optionalDependencies", "peerDependencies", "workspaces")
json.dump({k: v for k, v in root.items() if k in fields}, open(sys.argv[2], "w"), indent=2)
EOF
  fi
done

# Empties one command's project and caches, untimed, before its run.
cat >"$work/prepare.sh" <<'EOF'
#!/bin/sh
set -e
rm -rf "$1/node_modules" "$1-cache"
sync
EOF
chmod +x "$work/prepare.sh"

# A stand-in npm for the breakdown: notes when npm starts and ends.
cat >"$work/timed-npm.sh" <<EOF
#!/bin/sh
date +%s.%N >"$work/npm-start"
npm "\$@"
status=\$?
date +%s.%N >"$work/npm-end"
exit \$status
EOF
chmod +x "$work/timed-npm.sh"

npm_cmd="npm --prefix $work/npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --cache $work/npm-cache"
lp_install() { # binary, project folder, [lockproof options]
  echo "$1 install --quiet --config $work/lockproof.toml --advisory-db $work/osv.zip --cache-dir $2-cache ${3:-} $2 -- --ignore-scripts --loglevel=error"
}

entries=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["packages"]) - 1)' "$work/npm/package-lock.json")
echo "lockfile $lock: $entries entries"
echo "npm $(npm --version), node $(node --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# A first run of each must install the same tree, or the timings mean
# nothing.
packages() {
  python3 -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["packages"])))' \
    "$1/node_modules/.package-lock.json"
}
"$work/prepare.sh" "$work/npm" && $npm_cmd >/dev/null
check_install() { # name, binary
  "$work/prepare.sh" "$work/$1"
  $(lp_install "$2" "$work/$1") >"$work/$1.log" 2>&1 ||
    { cat "$work/$1.log" >&2; echo "FAIL: $1 install failed" >&2; exit 1; }
  [ "$(packages "$work/npm")" = "$(packages "$work/$1")" ] ||
    { echo "FAIL: npm and $1 installed different trees" >&2; exit 1; }
}
check_install lockproof "$bin"
[ -z "${BASELINE:-}" ] || check_install baseline "$(realpath "$BASELINE")"
echo "npm ci and lockproof install installed the same $(packages "$work/npm" | wc -l) packages"
echo "tarballs: $(du -sm "$work/lockproof-cache/tarballs-v1" | cut -f1) MB in lockproof's store"

commands=(--prepare "npm=$work/prepare.sh $work/npm" "npm=$npm_cmd"
  --prepare "lockproof=$work/prepare.sh $work/lockproof" "lockproof=$(lp_install "$bin" "$work/lockproof")")
if [ -n "${BASELINE:-}" ]; then
  commands+=(--prepare "baseline=$work/prepare.sh $work/baseline"
    "baseline=$(lp_install "$(realpath "$BASELINE")" "$work/baseline")")
fi
echo "interleaved, $runs runs after $warmup warm-up (empty caches each run):"
# Exit 0 only: an audit that fails (1) installs nothing and times nothing.
(cd "$work" && python3 "$root/scripts/interleave.py" --runs "$runs" --warmup "$warmup" \
  --max-exit 0 --json "$work/result.json" "${commands[@]}")
python3 - "$work/result.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ratio = r["lockproof"]["median_ratio_vs_npm"]
print(f"\nlockproof install / npm ci: {ratio:.2f}x (median of pairs; target <= 1.15x)")
EOF

# Where lockproof's time goes: BREAKDOWN runs (default 3) through the
# stand-in npm.
for _ in $(seq "${BREAKDOWN:-3}"); do
  "$work/prepare.sh" "$work/lockproof"
  t0=$(date +%s.%N)
  $(lp_install "$bin" "$work/lockproof" "--npm $work/timed-npm.sh") >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  echo "$t0 $(cat "$work/npm-start") $(cat "$work/npm-end") $t1" >>"$work/breakdown"
done
python3 - "$work/breakdown" <<'EOF'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
parts = {
    "audit (registry, tarballs) and filling npm's cache": [s - t0 for t0, s, e, t1 in rows],
    "npm ci --offline": [e - s for t0, s, e, t1 in rows],
    "removing npm's cache folder, exit": [t1 - e for t0, s, e, t1 in rows],
    "total": [t1 - t0 for t0, s, e, t1 in rows],
}
print(f"\nlockproof install, median of {len(rows)} runs:")
for name, values in parts.items():
    print(f"  {name:<52} {statistics.median(values):6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
