#!/usr/bin/env bash
# Regenerates fixtures/formats/<set>/<tool>/<lockfile>: the lockfiles that
# npm, pnpm 10, 11 and 12, Yarn 1, Yarn Berry 4 and Bun write for the
# dependency sets of fixtures/example and fixtures/bench-300 (their
# package.json), plus pnpm 12 with one config dependency
# (`is-number`, in pnpm-workspace.yaml), which makes it write the
# two-document lockfile (the env document first).
#
# Lockfiles only: every tool runs in a temporary folder holding a copy of
# the set's package.json, with install scripts off; only Yarn 1, which has
# no lockfile-only mode, and pnpm's config dependency write a node_modules
# there (deleted with it).
# The tools are installed from the npm registry into TOOLS (default
# /tmp/lockproof-pm-tools), outside the repository; the versions used are
# written to fixtures/formats/VERSIONS. Needs the npm registry.
#
# Versions resolve against the registry of the day: npm's lockfile is
# written in the same run (fixtures/formats/<set>/npm), so that every tool
# resolves against the same registry and tests/it/lockfile_formats.rs can
# compare them; fixtures/<set>/package-lock.json is older.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tools=${TOOLS:-/tmp/lockproof-pm-tools}
out=$repo/fixtures/formats

install_tool() { # folder, npm spec
  if [ ! -d "$tools/$1/node_modules" ]; then
    mkdir -p "$tools/$1"
    (cd "$tools/$1" && echo '{}' >package.json &&
      npm install --no-audit --no-fund --loglevel=error "$2" >/dev/null)
  fi
}
install_tool pnpm10 pnpm@10
install_tool pnpm11 @pnpm/exe@11
install_tool pnpm12 @pnpm/exe@12
install_tool yarn1 yarn@1
install_tool berry4 @yarnpkg/cli-dist@4
install_tool bun bun

pnpm10=$tools/pnpm10/node_modules/.bin/pnpm
pnpm11=$tools/pnpm11/node_modules/.bin/pnpm
pnpm12=$tools/pnpm12/node_modules/.bin/pnpm
yarn1=$tools/yarn1/node_modules/.bin/yarn
berry4="node $tools/berry4/node_modules/@yarnpkg/cli-dist/bin/yarn.js"
bun=$tools/bun/node_modules/.bin/bun

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=0 YARN_ENABLE_IMMUTABLE_INSTALLS=0
export BUN_INSTALL_CACHE_DIR=$work/bun-cache

# generate SET TOOL LOCKFILE COMMAND…: runs COMMAND in a fresh copy of the
# set's package.json and keeps LOCKFILE.
generate() {
  local set=$1 tool=$2 lockfile=$3
  shift 3
  local dir=$work/$set-$tool
  mkdir -p "$dir" "$out/$set/$tool"
  cp "fixtures/$set/package.json" "$dir/"
  if [ "$tool" = pnpm12-env ]; then
    printf 'configDependencies:\n  is-number: 7.0.0\n' >"$dir/pnpm-workspace.yaml"
  fi
  [ "$lockfile" = yarn.lock ] && [ "$tool" = berry4 ] && : >"$dir/yarn.lock"
  echo "== $set / $tool"
  (cd "$dir" && "$@" >"$work/$set-$tool.log" 2>&1) || {
    cat "$work/$set-$tool.log"
    exit 1
  }
  cp "$dir/$lockfile" "$out/$set/$tool/$lockfile"
}

for set in example bench-300; do
  generate "$set" npm package-lock.json npm install --package-lock-only --ignore-scripts \
    --no-audit --no-fund --omit-lockfile-registry-resolved=false
  generate "$set" pnpm10 pnpm-lock.yaml "$pnpm10" install --lockfile-only --ignore-scripts
  generate "$set" pnpm11 pnpm-lock.yaml "$pnpm11" install --lockfile-only --ignore-scripts
  generate "$set" pnpm12 pnpm-lock.yaml "$pnpm12" install --lockfile-only --ignore-scripts
  generate "$set" pnpm12-env pnpm-lock.yaml "$pnpm12" install --lockfile-only --ignore-scripts
  generate "$set" yarn1 yarn.lock "$yarn1" install --ignore-scripts --non-interactive \
    --no-progress --cache-folder "$work/yarn1-cache"
  # shellcheck disable=SC2086 # berry4 is a command and its script
  generate "$set" berry4 yarn.lock $berry4 install --mode=update-lockfile
  generate "$set" bun bun.lock "$bun" install --lockfile-only --ignore-scripts
done

{
  echo "# Tools that wrote fixtures/formats (scripts/generate-format-fixtures.sh)"
  echo "node $(node --version)"
  echo "npm $(npm --version)"
  echo "pnpm10 $("$pnpm10" --version)"
  echo "pnpm11 $("$pnpm11" --version)"
  echo "pnpm12 $("$pnpm12" --version)"
  echo "yarn1 $("$yarn1" --version)"
  echo "berry4 $($berry4 --version)"
  echo "bun $("$bun" --version)"
} >"$out/VERSIONS"
cat "$out/VERSIONS"
