#!/usr/bin/env bash
# Runs this repository's pre-commit hooks with the real pre-commit, the way
# a user's repository does: docs/examples/pre-commit-config.yaml (its repo
# and rev pointed at this checkout's HEAD) in a temporary git repository.
#
# pre-commit installs hooks from committed content: it clones HEAD, so
# uncommitted changes are not part of what is checked (CI runs a clean
# clone). The first run builds lockproof with `cargo install` (a release
# build, into target/pre-commit-hook so later runs reuse it).
#
# Checks, each printed, and any failure ends the script non-zero:
#   1. committing two clean lockfiles (package-lock.json and
#      npm-shrinkwrap.json in two folders) passes, with the network cut off
#      where `unshare -n` is allowed: the offline hook must not need it;
#   2. the hook audits several files in one run and names each;
#   3. committing a lockfile whose `resolved` points at a non-registry host
#      fails (host-not-allowed, high) and the commit is not made;
#   4. a commit without lockfiles skips the hook;
#   5. the lockproof-online hook (manual stage) asks the registry: pointed at
#      a closed port on 127.0.0.1, it reports the evidence as unknown.
#
# pre-commit is pip-installed (pinned) into .tools/ci-venv unless
# PRE_COMMIT names a pre-commit to use.
set -euo pipefail

PRE_COMMIT_VERSION=4.7.0

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
venv="$root/.tools/ci-venv"
start=$SECONDS

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

ok() {
    printf 'ok   %s\n' "$*"
}

# Runs a command with its output in LOG; unless it exits 0, shows LOG and
# fails with WHY.
must_pass() { # LOG WHY COMMAND...
    local log=$1 why=$2
    shift 2
    "$@" >"$log" 2>&1 || {
        cat "$log"
        fail "$why"
    }
}

# Unless LOG holds every string WANT, shows LOG and fails.
must_say() { # LOG WANT...
    local log=$1 want
    shift
    for want in "$@"; do
        grep -qF -- "$want" "$log" || {
            cat "$log"
            fail "$(basename "$log" .log) does not say '$want'"
        }
    done
}

if [[ -n "${PRE_COMMIT:-}" ]]; then
    pre_commit=$PRE_COMMIT
else
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"
    pre_commit="$venv/bin/pre-commit"
fi
echo "pre-commit $("$pre_commit" --version | awk '{print $2}')"

rev=$(git -C "$root" rev-parse HEAD)
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]]; then
    echo "note: uncommitted changes in $root are not checked: pre-commit installs HEAD ($rev)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/a" "$repo/b"
# Everything pre-commit and lockproof keep goes under the temporary folder;
# the build goes to target/ so a second run does not rebuild.
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="$root/target/pre-commit-hook"
export LOCKPROOF_CACHE_DIR="$work/lockproof-cache"
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
git config --global user.name "lockproof pre-commit check"
git config --global user.email "check@example.invalid"
git config --global init.defaultBranch main
git config --global commit.gpgsign false

cd "$repo"
git init --quiet
# The documented config, pointed at this checkout.
sed -e "s|^\(  - repo: \).*|\1$root|" -e "s|^\(    rev: \).*|\1\"$rev\"|" \
    "$root/docs/examples/pre-commit-config.yaml" >.pre-commit-config.yaml
if ! grep -q "repo: $root" .pre-commit-config.yaml || ! grep -q "rev: \"$rev\"" .pre-commit-config.yaml; then
    fail "docs/examples/pre-commit-config.yaml no longer has the repo and rev lines this script sets"
fi
git add .pre-commit-config.yaml
git commit --quiet --no-verify -m "pre-commit config"
"$pre_commit" install >/dev/null

build_start=$SECONDS
must_pass "$work/install.log" "pre-commit could not install the hooks" "$pre_commit" install-hooks
ok "pre-commit installed the hooks from $root@${rev:0:12} ($((SECONDS - build_start)) s)"

# Without network where the kernel lets us make a namespace: an offline
# hook that reached for the registry would show it here.
offline=()
if unshare -rn true 2>/dev/null; then
    offline=(unshare -rn)
    echo "offline commits run with no network (unshare -rn)"
else
    echo "note: unshare -rn is not allowed here; offline commits run with the network up"
fi

cp "$root/fixtures/clean/package-lock.json" a/package-lock.json
cp "$root/fixtures/clean/package-lock.json" b/npm-shrinkwrap.json
git add a b
must_pass "$work/commit1.log" "committing clean lockfiles was refused" \
    "${offline[@]}" git commit --quiet -m "clean lockfiles"
must_say "$work/commit1.log" "lockproof (lockfile checks, offline)" "Passed"
ok "a commit of two clean lockfiles passes the lockproof hook"

must_pass "$work/run.log" "pre-commit run lockproof failed on clean lockfiles" \
    "${offline[@]}" "$pre_commit" run lockproof --verbose --files a/package-lock.json b/npm-shrinkwrap.json
must_say "$work/run.log" "a/package-lock.json" "b/npm-shrinkwrap.json" "in 2 lockfiles"
ok "one hook run audits both lockfiles and names each"

# A lockfile entry whose tarball comes from another host.
python3 - a/package-lock.json <<'PY'
import json, sys
path = sys.argv[1]
lock = json.load(open(path, encoding="utf-8"))
lock["packages"]["node_modules/left-pad"] = {
    "version": "1.3.0",
    "resolved": "https://evil.example.com/x.tgz",
    "integrity": "sha512-" + "A" * 86 + "==",
}
with open(path, "w", encoding="utf-8") as f:
    json.dump(lock, f, indent=2)
    f.write("\n")
PY
git add a/package-lock.json
head_before=$(git rev-parse HEAD)
if "${offline[@]}" git commit --quiet -m "evil host" >"$work/commit2.log" 2>&1; then
    cat "$work/commit2.log"
    fail "a lockfile with a non-registry host was committed"
fi
[[ "$(git rev-parse HEAD)" == "$head_before" ]] || fail "the refused commit moved HEAD"
must_say "$work/commit2.log" "lockproof (lockfile checks, offline)" "Failed" "host-not-allowed" \
    "a/package-lock.json" "evil.example.com"
ok "a commit of a lockfile resolving to evil.example.com fails (host-not-allowed):"
grep -F "host-not-allowed" "$work/commit2.log" | sed 's/^/       /'

git reset --quiet --hard

# The other package managers' lockfiles go through the same hook.
mkdir -p c d
cp "$root/fixtures/formats/example/pnpm10/pnpm-lock.yaml" c/pnpm-lock.yaml
cp "$root/fixtures/formats/example/yarn1/yarn.lock" d/yarn.lock
git add c d
must_pass "$work/commit4.log" "committing pnpm and Yarn lockfiles was refused" \
    "${offline[@]}" git commit --quiet -m "pnpm and yarn lockfiles"
must_say "$work/commit4.log" "lockproof (lockfile checks, offline)" "Passed"
ok "a commit of a pnpm-lock.yaml and a yarn.lock runs the hook and passes"

# A binary bun.lockb, which lockproof cannot read, is refused, not passed.
printf '#!/usr/bin/env bun\nbun-lockfile-format-v0\n' >bun.lockb
git add bun.lockb
if "${offline[@]}" git commit --quiet -m "binary bun lockfile" >"$work/commit5.log" 2>&1; then
    cat "$work/commit5.log"
    fail "a binary bun.lockb was committed unread"
fi
must_say "$work/commit5.log" "bun.lockb" "--save-text-lockfile"
ok "a commit of a binary bun.lockb fails with the way to a text lockfile"
git reset --quiet --hard

echo "notes" >README.md
git add README.md
must_pass "$work/commit3.log" "a commit without lockfiles was refused" \
    "${offline[@]}" git commit --quiet -m "no lockfile"
must_say "$work/commit3.log" "lockproof (lockfile checks, offline)" "Skipped"
ok "a commit without lockfiles skips the hook"

# The full audit asks the registry; port 9 on 127.0.0.1 refuses, so the
# evidence is unknown (fetch-failed, a warning) and the clean file passes.
must_pass "$work/online.log" "the lockproof-online hook failed on a clean lockfile" \
    env npm_config_registry=http://127.0.0.1:9/ LOCKPROOF_TUF_URL=http://127.0.0.1:9 \
    "$pre_commit" run --hook-stage manual lockproof-online --verbose --files a/package-lock.json
must_say "$work/online.log" "fetch-failed"
ok "the lockproof-online hook (manual stage) asks the registry (fetch-failed from a closed port)"

echo "pre-commit check passed in $((SECONDS - start)) s"
