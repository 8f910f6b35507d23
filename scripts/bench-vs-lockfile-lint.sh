#!/usr/bin/env bash
# Time `lockproof audit` against `lockfile-lint` on the same npm lockfile.
#
# Usage: scripts/bench-vs-lockfile-lint.sh [LOCKFILE]
#
#   LOCKFILE defaults to ../shared/fixtures/lockfiles/
#   pub-create-react-app-v2-workspaces-large.package-lock.json (repo-relative).
#
# Environment:
#   BENCH_RUNS=N       timed runs per command (default 20)
#   BENCH_JSON=PATH    keep the results as JSON at PATH
#   LOCKPROOF_BIN=PATH benchmark this lockproof binary instead of building
#                      target/release/lockproof with cargo
#
# Builds lockproof in release mode, installs lockfile-lint into
# <repo>/.tools/lockfile-lint/ with `npm ci` from scripts/peers/lockfile-lint/
# (its whole dependency tree pinned: a ratio from another day then times the
# same peer code, and only the machine can have changed), and runs both in
# turn (scripts/interleave.py: lockproof, lockfile-lint, lockproof, …) so
# that a noisy machine slows both alike. Names the machine it ran on, and
# prints each tool's median wall time and peak RSS and the median of the
# per-pair ratios. Both commands exit 1 when they report findings;
# anything above 1 stops the benchmark.
set -euo pipefail

RUNS="${BENCH_RUNS:-20}"
WARMUP=3

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
PEER="$ROOT/scripts/peers/lockfile-lint"
TOOLS="$ROOT/.tools/lockfile-lint"
DEFAULT_LOCKFILE="$ROOT/../shared/fixtures/lockfiles/pub-create-react-app-v2-workspaces-large.package-lock.json"

die() {
    printf 'bench-vs-lockfile-lint: %s\n' "$*" >&2
    exit 1
}
log() {
    printf '==> %s\n' "$*" >&2
}

(($# <= 1)) || die "usage: $0 [LOCKFILE]"
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 2 ]] || die "BENCH_RUNS must be an integer >= 2"

# --- the lockfile ------------------------------------------------------------
if (($# == 1)); then
    arg="$1"
    if [[ -f "$arg" ]]; then
        lockfile="$arg"
    elif [[ "$arg" != /* && -f "$ROOT/$arg" ]]; then
        lockfile="$ROOT/$arg"
    else
        die "lockfile not found: $arg"
    fi
else
    [[ -f "$DEFAULT_LOCKFILE" ]] ||
        die "default lockfile not found: $DEFAULT_LOCKFILE (is ../shared/ beside the repo? pass a LOCKFILE argument)"
    lockfile="$DEFAULT_LOCKFILE"
fi
lockfile="$(cd -- "$(dirname -- "$lockfile")" && pwd -P)/$(basename -- "$lockfile")"

command -v python3 >/dev/null || die "python3 is required"

# --- lockproof ---------------------------------------------------------------
if [[ -n "${LOCKPROOF_BIN:-}" ]]; then
    lockproof="$LOCKPROOF_BIN"
    log "using LOCKPROOF_BIN=$lockproof (not building)"
else
    command -v cargo >/dev/null || die "cargo is required to build lockproof"
    log "building lockproof (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet)
    target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
    [[ "$target_dir" == /* ]] || target_dir="$ROOT/$target_dir"
    lockproof="$target_dir/release/lockproof"
fi
[[ -x "$lockproof" ]] || die "lockproof binary not found or not executable: $lockproof"

# --- lockfile-lint -----------------------------------------------------------
lockfile_lint="$TOOLS/node_modules/.bin/lockfile-lint"
# Installed again whenever the pinned tree changed or the install is
# incomplete.
if [[ ! -x "$lockfile_lint" ]] || ! cmp -s "$PEER/package-lock.json" "$TOOLS/package-lock.json" ||
    ! cmp -s "$PEER/package.json" "$TOOLS/package.json"; then
    command -v npm >/dev/null || die "npm is required to install lockfile-lint"
    log "installing lockfile-lint (pinned by $PEER/package-lock.json) into $TOOLS"
    rm -rf -- "$TOOLS"
    mkdir -p "$TOOLS"
    cp -- "$PEER/package.json" "$PEER/package-lock.json" "$TOOLS/"
    npm ci --prefix "$TOOLS" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
    [[ -x "$lockfile_lint" ]] || die "install finished but $lockfile_lint is missing"
fi
peer_version="$(node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/lockfile-lint/package.json")"

# --- the two commands ----------------------------------------------------------
lp_cmd=("$lockproof" audit --offline --quiet --format json --output /dev/null "$lockfile")
ll_cmd=("$lockfile_lint" --path "$lockfile" --type npm --validate-https
    --allowed-hosts npm --validate-integrity --validate-package-names)

quote() {
    local out="" a
    for a in "$@"; do out+="$(printf '%q' "$a") "; done
    printf '%s' "${out% }"
}

# The lockproof run uses a cache folder of its own that does not exist: an
# offline audit then reads nothing from disk but the lockfile, whatever
# earlier runs left in the user's cache.
cache="$(mktemp -d)"
trap 'rm -rf -- "$cache"' EXIT
export LOCKPROOF_CACHE_DIR="$cache/none"

log "lockfile: $lockfile ($(wc -c <"$lockfile") bytes)"
# A ratio is only comparable with one taken on the same machine: say which.
# A virtual machine's CPU name is often generic: its family and model are not.
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo 2>/dev/null | head -n 1; }
cpu="$(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model))"
log "machine: ${cpu}, $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores; node $(node --version); lockfile-lint $peer_version"
json_args=()
[[ -z "${BENCH_JSON:-}" ]] || json_args=(--json "$BENCH_JSON")
python3 "$ROOT/scripts/interleave.py" --runs "$RUNS" --warmup "$WARMUP" "${json_args[@]}" \
    "lockproof=$(quote "${lp_cmd[@]}")" \
    "lockfile-lint=$(quote "${ll_cmd[@]}")"
