#!/usr/bin/env bash
# Measures what auditing the nested lockfileVersion 1 file of issue 13 costs:
# peak memory (GNU time's maximum resident set size), time, exit status and
# output size, for `audit --offline --format json` and `--quiet`.
#
# Usage: scripts/measure-deep-lockfile.sh [LOCKPROOF_BINARY]
#   (default: target/release/lockproof; the example that writes the file is
#   built in release mode either way)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/lockproof}"
[[ -x /usr/bin/time ]] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo run --release --quiet --example deep_lockfile -- "$dir/project"
export LOCKPROOF_CACHE_DIR="$dir/cache" HOME="$dir/home"
mkdir -p "$HOME"
measure() {
    local name="$1"
    shift
    local rc=0
    /usr/bin/time -v "$bin" audit --offline "$@" "$dir/project" >"$dir/$name.out" 2>"$dir/$name.err" || rc=$?
    printf '%-6s exit %d, peak RSS %s KB, %s, output %s bytes\n' "$name" "$rc" \
        "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/$name.err")" \
        "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): /wall /p' "$dir/$name.err")" \
        "$(wc -c <"$dir/$name.out")"
    grep '^lockproof: ' "$dir/$name.err" | cut -c1-300 || true
}
measure json --format json
measure quiet --quiet
