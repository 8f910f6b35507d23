#!/usr/bin/env bash
# Time `lockproof audit` against `lockfile-lint` on the same npm lockfile.
#
# Usage: scripts/bench-vs-lockfile-lint.sh [LOCKFILE]
#
#   LOCKFILE defaults to ../shared/fixtures/lockfiles/
#   pub-create-react-app-v2-workspaces-large.package-lock.json (repo-relative).
#
# Environment:
#   BENCH_RUNS=N       minimum timed runs per command (default 20)
#   BENCH_JSON=PATH    keep hyperfine's JSON export at PATH (default: temp file)
#   LOCKPROOF_BIN=PATH benchmark this lockproof binary instead of building
#                      target/release/lockproof with cargo
#
# Builds lockproof in release mode, installs the pinned lockfile-lint into
# <repo>/.tools/ if absent, and runs both with hyperfine (installed with
# apt-get when missing; a plain timing loop is the fallback). Both commands
# exit 1 when they report findings, so failures are ignored (-i); the script
# checks once beforehand that neither exits with anything but 0 or 1.
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

# One checked run of each, so that -i cannot hide a crash or a usage error.
check_once() {
    local name="$1"
    shift
    local out rc=0
    out="$("$@" 2>&1)" || rc=$?
    if ((rc > 1)); then
        printf '%s\n' "$out" | tail -n 20 >&2
        die "$name exited $rc (expected 0 or 1): $*"
    fi
    log "$name: exit $rc on a single run"
}
check_once lockproof "${lp_cmd[@]}"
check_once lockfile-lint "${ll_cmd[@]}"

quote() {
    local out="" a
    for a in "$@"; do out+="$(printf '%q' "$a") "; done
    printf '%s' "${out% }"
}

json="${BENCH_JSON:-}"
tmpdir="$(mktemp -d)"
trap 'rm -rf -- "$tmpdir"' EXIT
[[ -n "$json" ]] || json="$tmpdir/hyperfine.json"

# --- hyperfine ---------------------------------------------------------------
if ! command -v hyperfine >/dev/null; then
    log "hyperfine not found; trying apt-get install -y hyperfine"
    sudo=()
    ((EUID == 0)) || sudo=(sudo -n)
    if command -v apt-get >/dev/null; then
        "${sudo[@]}" apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
            { "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 &&
                "${sudo[@]}" apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
            true
    fi
    command -v hyperfine >/dev/null ||
        log "could not install hyperfine; falling back to a timing loop"
fi

if command -v hyperfine >/dev/null; then
    hf_opts=(--warmup "$WARMUP" --min-runs "$RUNS" -i --export-json "$json")
    # -N (no intermediate shell) keeps shell start-up out of short timings.
    hf_help="$(hyperfine --help 2>&1 || true)"
    if [[ "$hf_help" == *"--shell=none"* ]]; then
        hf_opts+=(-N)
    fi
    log "hyperfine $(hyperfine --version | awk '{print $2}'): ${hf_opts[*]}"
    hyperfine "${hf_opts[@]}" \
        -n lockproof "$(quote "${lp_cmd[@]}")" \
        -n lockfile-lint "$(quote "${ll_cmd[@]}")" >&2
else
    # Fallback: warm up, then time each run with date +%s%N, and write the
    # results in hyperfine's JSON shape so the report below is shared.
    time_runs() {
        local name="$1" i t0 t1 rc
        shift
        for ((i = 0; i < WARMUP; i++)); do "$@" >/dev/null 2>&1 || true; done
        for ((i = 0; i < RUNS; i++)); do
            t0="$(date +%s%N)"
            rc=0
            "$@" >/dev/null 2>&1 || rc=$?
            t1="$(date +%s%N)"
            printf '%s\t%s\t%s\n' "$name" "$((t1 - t0))" "$rc"
        done
    }
    log "timing $RUNS runs of each (after $WARMUP warm-up runs)"
    {
        time_runs lockproof "${lp_cmd[@]}"
        time_runs lockfile-lint "${ll_cmd[@]}"
    } >"$tmpdir/loop.tsv"
    python3 - "$tmpdir/loop.tsv" "$json" <<'EOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, ns, rc = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append((int(ns) / 1e9, int(rc)))
results = []
for name, runs in rows.items():
    times = [t for t, _ in runs]
    results.append({
        "command": name,
        "mean": statistics.mean(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "times": times,
        "exit_codes": [rc for _, rc in runs],
    })
json.dump({"results": results}, open(sys.argv[2], "w"), indent=2)
EOF
fi

# --- report ------------------------------------------------------------------
python3 - "$json" "$lockfile" <<'EOF'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def ms(s):
    return f"{s * 1000:.1f} ms"
print(f"lockfile: {sys.argv[2]}")
for name in ("lockproof", "lockfile-lint"):
    r = results[name]
    codes = ",".join(str(c) for c in sorted(set(r.get("exit_codes") or [])))
    print(f"{name:14s} mean {ms(r['mean']):>10s} ± {ms(r['stddev'])}"
          f"  (min {ms(r['min'])}, max {ms(r['max'])}, {len(r['times'])} runs, exit {codes})")
ratio = results["lockfile-lint"]["mean"] / results["lockproof"]["mean"]
print(f"ratio lockfile-lint/lockproof: {ratio:.2f}x")
EOF
if [[ -n "${BENCH_JSON:-}" ]]; then
    log "hyperfine JSON kept at $BENCH_JSON"
fi
