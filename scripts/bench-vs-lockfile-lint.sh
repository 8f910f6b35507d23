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
# Builds lockproof in release mode, installs the pinned lockfile-lint into
# <repo>/.tools/ if absent, and runs both in turn (scripts/interleave.py:
# lockproof, lockfile-lint, lockproof, …) so that a noisy machine slows
# both alike. Prints each tool's median wall time and peak RSS and the
# median of the per-pair ratios. Both commands exit 1 when they report
# findings; anything above 1 stops the benchmark.
set -euo pipefail

LOCKFILE_LINT_VERSION=5.0.1
# lockfile-lint depends on lockfile-lint-api with a caret range: pin it too.
LOCKFILE_LINT_API_VERSION=5.9.2
RUNS="${BENCH_RUNS:-20}"
WARMUP=3

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS="$ROOT/.tools"
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
installed_version() {
    node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/$1/package.json" 2>/dev/null || true
}
if [[ ! -x "$lockfile_lint" ||
    "$(installed_version lockfile-lint)" != "$LOCKFILE_LINT_VERSION" ||
    "$(installed_version lockfile-lint-api)" != "$LOCKFILE_LINT_API_VERSION" ]]; then
    command -v npm >/dev/null || die "npm is required to install lockfile-lint"
    log "installing lockfile-lint@$LOCKFILE_LINT_VERSION into $TOOLS"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --save-exact --loglevel=error \
        "lockfile-lint@$LOCKFILE_LINT_VERSION" \
        "lockfile-lint-api@$LOCKFILE_LINT_API_VERSION" >&2
    [[ -x "$lockfile_lint" ]] || die "install finished but $lockfile_lint is missing"
fi

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
json_args=()
[[ -z "${BENCH_JSON:-}" ]] || json_args=(--json "$BENCH_JSON")
python3 "$ROOT/scripts/interleave.py" --runs "$RUNS" --warmup "$WARMUP" "${json_args[@]}" \
    "lockproof=$(quote "${lp_cmd[@]}")" \
    "lockfile-lint=$(quote "${ll_cmd[@]}")"
