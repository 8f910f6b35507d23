#!/usr/bin/env bash
# Sigstore bundle verifications per second: lockproof against sigstore-js
# and sigstore-python, on the same real npm bundles, offline, with the same
# trusted root, each pinned to one core.
#
# Usage: scripts/bench-sigstore.sh [FIXTURES_DIR]
#
#   FIXTURES_DIR defaults to ../shared/fixtures/real (repo-relative). It must
#   hold *.attestations.json, sigstore-trusted_root.json, npm-keys.v1.json and
#   tarball-digests.txt; they are read in place.
#
# Environment:
#   BENCH_SECS=S      timed seconds per kind and mode, per tool (default 2)
#   BENCH_ROUNDS=N    run all three tools N times, report the best (default 1)
#   BENCH_CPU=C       the core to pin every tool to (default 0)
#   BENCH_WORK=DIR    work folder for npm packages, the venv and raw output
#                     (default <repo>/target/bench-sigstore, ignored by git)
#   BENCH_UPDATE=1    reinstall sigstore-js and sigstore-python at their
#                     latest versions even if the work folder has them
#
# Builds examples/bench_bundles.rs in release mode, installs sigstore-js
# (`npm i sigstore @sigstore/verify ...`) and sigstore-python (a venv with
# `pip install sigstore`) into the work folder when absent, runs the three
# harnesses (examples/bench_bundles.rs, scripts/bench-sigstore/bench.cjs,
# scripts/bench-sigstore/bench.py) under `taskset -c $BENCH_CPU`, and prints
# one table (scripts/bench-sigstore/table.py). Every harness verifies each
# bundle once before timing and stops with an error if one fails, except
# that sigstore-python's refusals (old v0.1 bundles, key-signed bundles) are
# reported as "cannot load". Needs only cargo, node/npm and python3.
set -euo pipefail

SECS="${BENCH_SECS:-2}"
ROUNDS="${BENCH_ROUNDS:-1}"
CPU="${BENCH_CPU:-0}"

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
HERE="$ROOT/scripts/bench-sigstore"
WORK="${BENCH_WORK:-$ROOT/target/bench-sigstore}"

die() {
    printf 'bench-sigstore: %s\n' "$*" >&2
    exit 1
}
log() {
    printf '==> %s\n' "$*" >&2
}

(($# <= 1)) || die "usage: $0 [FIXTURES_DIR]"
[[ "$SECS" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_SECS must be a positive number"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[[ "$CPU" =~ ^[0-9]+$ ]] || die "BENCH_CPU must be a core number"

# --- the fixtures ------------------------------------------------------------
fixtures="${1:-$ROOT/../shared/fixtures/real}"
[[ -d "$fixtures" ]] || die "fixtures folder not found: $fixtures (pass FIXTURES_DIR)"
fixtures="$(cd -- "$fixtures" && pwd -P)"
for f in sigstore-trusted_root.json npm-keys.v1.json tarball-digests.txt; do
    [[ -f "$fixtures/$f" ]] || die "missing $fixtures/$f"
done
compgen -G "$fixtures/*.attestations.json" >/dev/null || die "no *.attestations.json in $fixtures"

for cmd in cargo node npm python3 taskset; do
    command -v "$cmd" >/dev/null || die "$cmd is required"
done
taskset -c "$CPU" true 2>/dev/null || die "cannot pin to core $CPU (set BENCH_CPU)"
mkdir -p "$WORK/out"

# --- lockproof -----------------------------------------------------------------
log "building examples/bench_bundles.rs (cargo build --release)"
(cd "$ROOT" && cargo build --release --quiet --example bench_bundles)
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$target_dir" == /* ]] || target_dir="$ROOT/$target_dir"
lockproof_bench="$target_dir/release/examples/bench_bundles"
[[ -x "$lockproof_bench" ]] || die "not built: $lockproof_bench"

# --- sigstore-js ---------------------------------------------------------------
node_dir="$WORK/node"
if [[ "${BENCH_UPDATE:-}" == 1 || ! -f "$node_dir/node_modules/@sigstore/verify/package.json" ]]; then
    log "installing sigstore-js into $node_dir"
    mkdir -p "$node_dir"
    [[ -f "$node_dir/package.json" ]] || printf '{ "private": true }\n' >"$node_dir/package.json"
    # sigstore@latest is what `npm i sigstore` gives; the harness uses its
    # verify layer directly, so those packages are named too.
    (cd "$node_dir" && npm install --no-audit --no-fund --loglevel=error \
        sigstore@latest @sigstore/verify@latest @sigstore/bundle@latest @sigstore/protobuf-specs@latest)
fi

engines="$(node -p 'require(process.argv[1]).engines?.node ?? ""' "$node_dir/node_modules/@sigstore/verify/package.json")"
log "sigstore-js wants node ${engines:-any}; this is node $(node --version)"

# --- sigstore-python -----------------------------------------------------------
venv="$WORK/venv"
if [[ "${BENCH_UPDATE:-}" == 1 || ! -x "$venv/bin/python" ]] ||
    ! "$venv/bin/python" -c 'import sigstore.verify' 2>/dev/null; then
    log "installing sigstore-python into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade sigstore
fi

# --- runs ------------------------------------------------------------------------
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_before="$(load)"
for ((r = 1; r <= ROUNDS; r++)); do
    log "round $r/$ROUNDS: lockproof (${SECS}s per kind and mode, core $CPU)"
    {
        echo "VERSION rustc $(rustc --version | cut -d' ' -f2)"
        echo "VERSION commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
            git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+dirty'
        )"
        taskset -c "$CPU" "$lockproof_bench" "$fixtures" "$SECS"
    } >"$WORK/out/lockproof.$r.txt" ||
        die "lockproof harness failed: $(tail -n 3 "$WORK/out/lockproof.$r.txt")"

    log "round $r/$ROUNDS: sigstore-js"
    taskset -c "$CPU" node "$HERE/bench.cjs" "$fixtures" "$SECS" "$node_dir" \
        >"$WORK/out/sigstore-js.$r.txt" ||
        die "sigstore-js harness failed (output in $WORK/out/sigstore-js.$r.txt)"

    log "round $r/$ROUNDS: sigstore-python"
    taskset -c "$CPU" "$venv/bin/python" "$HERE/bench.py" "$fixtures" "$SECS" \
        >"$WORK/out/sigstore-python.$r.txt" ||
        die "sigstore-python harness failed (output in $WORK/out/sigstore-python.$r.txt)"
done
load_after="$(load)"

echo
echo "fixtures: $fixtures"
echo "bundles verified before timing (lockproof):"
grep '^verified' "$WORK/out/lockproof.1.txt" | sed 's/^/  /'
echo
python3 "$HERE/table.py" "$WORK" "$ROUNDS"
echo
echo "load average (1/5/15 min) before: $load_before; after: $load_after; $(nproc) cores"
echo "raw output: $WORK/out/"
