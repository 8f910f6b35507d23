#!/usr/bin/env bash
# Fetch-and-verify of a real lockfile's tarballs (default
# fixtures/bench-300: jest, eslint, typescript; 338 entries), against the
# registry this machine reaches, compared in one run with:
#   - the network bound: curl --parallel --parallel-max 16 (HTTP/2, one
#     process) over the same URLs, plus sha512sum of what it fetched;
#   - npm ci --ignore-scripts --no-audit --cache <empty folder>;
#   - lockproof audit --tarballs with an empty tarball store (registry
#     metadata already cached), and with a warm store.
# The set is what npm installs here: optional entries for other platforms
# are left out on every side. Each timing is the median of RUNS runs
# (default 3). Prints a table and the ratios. Needs the network.
set -euo pipefail
cd "$(dirname "$0")/.."
lock_dir=${1:-fixtures/bench-300}
runs=${RUNS:-3}
cargo build --release --locked --quiet
bin=$PWD/target/release/lockproof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The URLs and integrities npm would fetch on this machine.
python3 - "$lock_dir/package-lock.json" "$work" <<'EOF'
import json, platform, sys
lock, work = sys.argv[1], sys.argv[2]
node_os = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}[platform.system()]
node_cpu = {"x86_64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
def allowed(value, wanted):
    if not wanted or wanted == ["any"]:
        return True
    neg = [w[1:] for w in wanted if w.startswith("!")]
    pos = [w for w in wanted if not w.startswith("!")]
    return value not in neg and (not pos or value in pos)
with open(f"{work}/urls", "w") as urls, open(f"{work}/curl.cfg", "w") as cfg:
    n = 0
    for path, e in json.load(open(lock))["packages"].items():
        if not path or "resolved" not in e or "integrity" not in e:
            continue
        if (e.get("optional") or e.get("devOptional")) and not (
            allowed(node_os, e.get("os", [])) and allowed(node_cpu, e.get("cpu", []))
        ):
            continue
        urls.write(f"{e['resolved']} {e['integrity']}\n")
        cfg.write(f'url = "{e["resolved"]}"\noutput = "{work}/curl/{n}.tgz"\n')
        n += 1
print(f"{n} tarballs npm would install here")
EOF

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }

curl_run() {
  rm -rf "$work/curl" && mkdir -p "$work/curl"
  local t0 t1
  t0=$(now)
  curl --silent --show-error --fail --no-progress-meter --parallel --parallel-max 16 --http2 -K "$work/curl.cfg"
  (cd "$work/curl" && sha512sum -- *.tgz >/dev/null)
  t1=$(now)
  elapsed "$t0" "$t1"
}

npm_run() {
  rm -rf "$work/npm" "$work/npm-cache" && mkdir -p "$work/npm"
  cp "$lock_dir/package.json" "$lock_dir/package-lock.json" "$work/npm/"
  local t0 t1
  t0=$(now)
  (cd "$work/npm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
    --cache "$work/npm-cache" >/dev/null)
  t1=$(now)
  elapsed "$t0" "$t1"
}

lockproof_run() {
  local t0 t1 rc=0
  t0=$(now)
  "$bin" audit --tarballs --quiet --cache-dir "$work/lp-cache" \
    --format json --output "$work/lp.json" "$lock_dir" || rc=$?
  t1=$(now)
  [ "$rc" -le 1 ] || { echo "lockproof exited $rc" >&2; exit 1; }
  elapsed "$t0" "$t1"
}

# Registry metadata once, so the lockproof timings are about tarballs.
"$bin" audit --quiet --cache-dir "$work/lp-cache" "$lock_dir" || true
baseline=()
cold=()
warm=()
curls=()
npms=()
for _ in $(seq "$runs"); do
  curls+=("$(curl_run)")
  npms+=("$(npm_run)")
  baseline+=("$("$bin" --version >/dev/null; t0=$(now); "$bin" audit --quiet --cache-dir "$work/lp-cache" "$lock_dir" || true; elapsed "$t0" "$(now)")")
  rm -rf "$work/lp-cache/tarballs-v1"
  cold+=("$(lockproof_run)")
  warm+=("$(lockproof_run)")
done
python3 - "$work/lp.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["summary"]["tarballs"]
print(f"lockproof: {t['verified']} verified ({t['bytes']/1e6:.1f} MB), {t['mismatched']} mismatched, "
      f"{t['failed']} failed, skipped {t['skipped']}")
if t["mismatched"] or t["failed"]:
    sys.exit("FAIL: not every tarball matched its lockfile integrity")
EOF
c=$(printf '%s\n' "${curls[@]}" | median)
n=$(printf '%s\n' "${npms[@]}" | median)
b=$(printf '%s\n' "${baseline[@]}" | median)
l=$(printf '%s\n' "${cold[@]}" | median)
w=$(printf '%s\n' "${warm[@]}" | median)
bytes=$(du -sb "$work/curl" | cut -f1)
echo
echo "median of $runs runs, $(wc -l <"$work/urls") tarballs, $((bytes / 1000000)) MB"
printf '%-52s %8s s\n' "curl --parallel-max 16 + sha512sum (network bound)" "$c"
printf '%-52s %8s s\n' "npm ci --ignore-scripts --cache <empty>" "$n"
printf '%-52s %8s s\n' "lockproof audit (metadata only, warm cache)" "$b"
printf '%-52s %8s s\n' "lockproof audit --tarballs (empty store)" "$l"
printf '%-52s %8s s\n' "lockproof audit --tarballs (warm store)" "$w"
awk -v c="$c" -v n="$n" -v l="$l" -v b="$b" 'BEGIN {
  printf "\nlockproof (empty store) / curl bound: %.2fx (target <= 1.5x)\n", l / c
  printf "tarball phase alone (minus metadata audit) / curl: %.2fx\n", (l - b) / c
  printf "npm ci / lockproof (empty store): %.2fx (target >= 2x)\n", n / l
}'
