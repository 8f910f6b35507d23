#!/usr/bin/env bash
# Runs the CI recipes of docs/ci.md that can run here, as written:
#   - every file of docs/examples/ appears in docs/ci.md word for word, so
#     the page shows what is checked;
#   - the shell gate (docs/examples/gate.sh): npm ci runs after a clean
#     lockfile, and not after one that fails the policy or cannot be read
#     (npm is a stub that records its arguments);
#   - the GitLab job's script lines (docs/examples/gitlab-ci.yml, the job
#     `lockproof`), in a project of their own: exit code, the code quality
#     report's fields, the SARIF and JSON artifacts, and diff mode when
#     CI_MERGE_REQUEST_DIFF_BASE_SHA is set.
# The GitHub workflow is linted by check-action.sh, the pre-commit config
# run by check-pre-commit.sh. lockproof runs offline with a cache of its own
# (LOCKPROOF_OFFLINE, LOCKPROOF_CACHE_DIR), so no registry is asked.
#
# LOCKPROOF_BIN: the binary (default target/release/lockproof, built if
# missing). Python 3 with PyYAML reads the GitLab file (.tools/ci-venv has
# it after check-action.sh; else the system python3).
# The checks are functions run through `check`, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${LOCKPROOF_BIN:-$root/target/release/lockproof}
[[ -x "$bin" ]] || (cd "$root" && cargo build --release --locked --quiet)
python=python3
[[ -x "$root/.tools/ci-venv/bin/python" ]] && python="$root/.tools/ci-venv/bin/python"
failed=0

check() { # DESCRIPTION CONDITION...: prints ok/FAIL
    local what=$1
    shift
    if "$@"; then
        printf 'ok   %s\n' "$what"
    else
        printf 'FAIL %s\n' "$what"
        failed=1
    fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
# `lockproof` on PATH, as the recipes call it, and a stub npm.
ln -s "$(cd -- "$(dirname -- "$bin")" && pwd -P)/$(basename -- "$bin")" "$work/bin/lockproof"
cat >"$work/bin/npm" <<'EOF'
#!/bin/sh
echo "$*" >>"$NPM_CALLS"
EOF
chmod +x "$work/bin/npm"
export PATH="$work/bin:$PATH" LOCKPROOF_OFFLINE=1 LOCKPROOF_CACHE_DIR="$work/cache"
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1 GIT_CEILING_DIRECTORIES="$work"

# A project holding one fixture's lockfile.
project() { # NAME FIXTURE
    mkdir -p "$work/$1"
    [[ -z "$2" ]] || cp "$root/fixtures/$2/package-lock.json" "$work/$1/package-lock.json"
    printf '%s' "$work/$1"
}

in_docs() {
    "$python" - "$root/docs/ci.md" "$root/docs/examples"/* <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
missing = [p for p in sys.argv[2:] if open(p, encoding="utf-8").read() not in page]
for p in missing:
    print(f"   docs/ci.md does not show docs/examples/{p.rsplit('/', 1)[-1]} as it is")
sys.exit(1 if missing else 0)
PY
}
check "docs/ci.md shows every file of docs/examples/ word for word" in_docs

# The shell gate.
gate() { # FIXTURE EXPECTED_EXIT EXPECTED_NPM_CALLS
    local dir rc=0
    dir=$(project "gate-${1:-none}" "$1")
    export NPM_CALLS="$dir/npm-calls"
    : >"$NPM_CALLS"
    (cd "$dir" && sh "$root/docs/examples/gate.sh" >"$dir/out" 2>&1) || rc=$?
    [[ "$rc" == "$2" && "$(cat "$NPM_CALLS")" == "$3" ]] || {
        echo "   exit $rc (want $2), npm calls: '$(cat "$NPM_CALLS")' (want '$3')"
        sed 's/^/   | /' "$dir/out" | tail -n 5
        return 1
    }
}
check "shell gate: a clean lockfile passes and npm ci runs" gate clean 0 ci
check "shell gate: a failing lockfile stops before npm ci (exit 1)" gate risky 1 ""
check "shell gate: no lockfile stops before npm ci (exit 2)" gate "" 2 ""

# The GitLab job's script lines, run the way GitLab's shell runs them:
# stopping at the first failing line.
"$python" - "$root/docs/examples/gitlab-ci.yml" >"$work/gitlab-script.sh" <<'PY'
import sys, yaml
job = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["lockproof"]
print("set -eo pipefail")
print("\n".join(job["script"]))
PY
gitlab() { # FIXTURE EXPECTED_EXIT EXPECTED_FINDINGS [BASE]
    local dir rc=0
    dir=$(project "gitlab-$1${4:+-diff}" "$1")
    if [[ -n "${4:-}" ]]; then
        # A merge request: the base commit holds the clean lockfile.
        cp "$root/fixtures/clean/package-lock.json" "$dir/package-lock.json"
        git -C "$dir" init --quiet
        git -C "$dir" add package-lock.json
        git -C "$dir" -c user.name=ci -c user.email=ci@example.invalid commit --quiet -m base
        cp "$root/fixtures/$1/package-lock.json" "$dir/package-lock.json"
    fi
    (cd "$dir" && CI_MERGE_REQUEST_DIFF_BASE_SHA=${4:+$(git -C "$dir" rev-parse HEAD)} \
        bash "$work/gitlab-script.sh" >"$dir/out" 2>&1) || rc=$?
    "$python" - "$dir" "$rc" "$2" "$3" "${4:-}" <<'PY' || { sed 's/^/   | /' "$dir/out" | tail -n 5; return 1; }
import json, os, sys
dir, rc, want_rc, want_n, diff = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
problems = []
if rc != want_rc:
    problems.append(f"exit {rc}, want {want_rc}")
issues = json.load(open(os.path.join(dir, "gl-code-quality.json")))
report = json.load(open(os.path.join(dir, "lockproof.json")))
sarif = json.load(open(os.path.join(dir, "lockproof.sarif")))
if len(issues) != want_n or len(report["findings"]) != want_n:
    problems.append(f"{len(issues)} code quality issues, {len(report['findings'])} findings, want {want_n}")
for i in issues:
    if set(i) != {"description", "check_name", "fingerprint", "severity", "location"} \
            or i["severity"] not in {"info", "minor", "major", "critical", "blocker"} \
            or i["location"]["path"] != "package-lock.json" \
            or not isinstance(i["location"]["lines"]["begin"], int):
        problems.append(f"malformed issue {i}")
        break
if len({i["fingerprint"] for i in issues}) != len(issues):
    problems.append("fingerprints are not unique")
if sarif.get("version") != "2.1.0":
    problems.append("lockproof.sarif is not SARIF 2.1.0")
if bool(diff) != ("diff" in report):
    problems.append("diff mode " + ("missing" if diff else "unexpected"))
for p in problems:
    print("   " + p)
sys.exit(1 if problems else 0)
PY
}
check "GitLab job: a clean lockfile passes, empty code quality report" gitlab clean 0 0
check "GitLab job: a failing lockfile fails the job, 15 code quality issues, SARIF" gitlab risky 1 15
check "GitLab job: a merge request is judged on what it changes (--base)" gitlab risky 1 15 diff

exit "$failed"
