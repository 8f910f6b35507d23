#!/usr/bin/env bash
# Fuzz smoke test: builds every cargo-fuzz target of fuzz/ (nightly, with
# AddressSanitizer) and runs each for a short time (FUZZ_SMOKE_SECONDS,
# default 20) on its seeds and its regressions, which are replayed first.
# Any crash, panic, leak, timeout or out-of-memory fails the script, naming
# the target and the input libFuzzer saved (under fuzz/artifacts/). The grown corpus goes to a
# temporary folder; nothing in fuzz/seeds or fuzz/regressions changes.
# Installs cargo-fuzz (and the nightly toolchain) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SMOKE_SECONDS:-20}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz-smoke: installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cargo +nightly fuzz build
targets=$(cargo +nightly fuzz list)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for target in $targets; do
  printf '\n--- %s (%s s)\n' "$target" "$seconds"
  corpora=("fuzz/seeds/$target")
  [ -d "fuzz/regressions/$target" ] && corpora+=("fuzz/regressions/$target")
  mkdir -p "$work/$target"
  dict=()
  [ -f "fuzz/dicts/$target.dict" ] && dict=("-dict=fuzz/dicts/$target.dict")
  # A failing input is saved under fuzz/artifacts/<target>/ (cargo fuzz's
  # default); the log's tail names it and how to reproduce it.
  if ! cargo +nightly fuzz run "$target" "$work/$target" "${corpora[@]}" -- \
    -max_total_time="$seconds" -timeout=20 -print_final_stats=1 "${dict[@]}" \
    2>"$work/$target.log"; then
    tail -n 60 "$work/$target.log"
    echo "fuzz-smoke: $target FAILED (input saved under fuzz/artifacts/$target/)"
    failed+=("$target")
    continue
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target.log" || true
  grep -E '^#[0-9]+ +DONE' "$work/$target.log" | tail -n 1 || true
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo
  echo "fuzz-smoke: FAILED: ${failed[*]}"
  exit 1
fi
echo
echo "fuzz-smoke: every target ran ${seconds} s without a crash"
