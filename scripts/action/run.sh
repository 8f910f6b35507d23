#!/usr/bin/env bash
# The audit step of lockproof's GitHub Action (action.yml): one audit whose
# results become annotations on the lockfile lines (standard output), a
# Markdown job summary, an optional SARIF file and step outputs.
#
# action.yml hands every input over as an environment variable, never as
# text spliced into this script, so nothing a workflow passes is run as
# shell:
#   INPUT_PATH     lockfiles or folders holding one, one per line, relative
#                  to the workspace (default: the workspace itself)
#   INPUT_FAIL_ON  --fail-on (default: lockproof's, i.e. high or the config's)
#   INPUT_STRICT   `true` (the default when unset) passes --strict; `false`
#                  does not
#   INPUT_CONFIG   --config
#   INPUT_BASE     --base (a git revision or a base lockfile). Empty: on
#                  pull_request, pull_request_target and merge_group events,
#                  the base commit from the event, so a pull request is
#                  judged on what it changes. `none`: always a full audit.
#   INPUT_SARIF    also write a SARIF report to this file
#   INPUT_ARGS     more lockproof arguments, split as a shell splits words
#                  (quotes and backslashes), without any expansion
#   LOCKPROOF_BIN  the lockproof binary (default: lockproof on PATH)
# and reads the runner's GITHUB_WORKSPACE, GITHUB_EVENT_NAME,
# GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP.
#
# If the event's base commit is not in the checkout, and fetching it from
# origin fails too, the step says so (a warning annotation and a line in the
# summary) and runs a full audit instead: that reports everything a diff
# audit would and more, so it never lets a change through that diff mode
# would stop. Use actions/checkout with fetch-depth: 0 to avoid it.
#
# LOCKPROOF_SUMMARY_LIMIT (bytes, default 900000) caps the report written
# to the job summary, which GitHub refuses over 1 MiB.
#
# Outputs: findings (count), highest-severity (critical … info, or none),
# trust-summary (`staged=0 trusted-publisher=0 provenance=3 signed=10 none=0
# unknown=0`), sarif (the SARIF file, if written) and report (the JSON
# report). They are empty when lockproof could not run the audit.
#
# Exit code: lockproof's (0 pass, 1 a finding fails the policy, 2 error),
# after the outputs and the summary are written.
set -euo pipefail

# Workflow-command data must not carry raw newlines or `%` (they would end
# the command or be decoded).
escape_data() {
    local s=${1//'%'/%25}
    s=${s//$'\r'/%0D}
    printf '%s' "${s//$'\n'/%0A}"
}

die() {
    printf '::error title=lockproof::%s\n' "$(escape_data "$*")"
    exit 2
}

warn() {
    printf '::warning title=lockproof::%s\n' "$(escape_data "$*")"
}

# `name=value` lines in GITHUB_OUTPUT; values here are single-line, and one
# holding a newline is refused rather than allowed to forge another output.
set_output() {
    [[ "$2" != *$'\n'* ]] || die "output $1 would hold a newline"
    printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:-/dev/null}"
}

summary() {
    cat >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
}
summary_limit=${LOCKPROOF_SUMMARY_LIMIT:-900000}

command -v jq >/dev/null || die "jq is needed (GitHub-hosted runners have it)"
bin=${LOCKPROOF_BIN:-lockproof}
command -v "$bin" >/dev/null || die "lockproof not found at '$bin'"

workspace=${GITHUB_WORKSPACE:-$PWD}
cd "$workspace"
workspace=$(pwd -P)

out=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/lockproof.XXXXXX")

# Paths: one per line, trimmed; absolute ones inside the workspace are made
# relative, so annotations attach to the files in the pull request.
paths=()
while IFS= read -r line || [[ -n "$line" ]]; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -n "$line" ]] || continue
    [[ "$line" == "$workspace"/* ]] && line=${line#"$workspace"/}
    paths+=("$line")
done <<<"${INPUT_PATH:-}"
((${#paths[@]})) || paths=(.)

# Extra arguments, split by xargs: it honours quotes and backslashes like a
# shell and expands nothing (no variables, globs or command substitution).
args=${INPUT_ARGS:-}
extra=()
if [[ -n "${args//[[:space:]]/}" ]]; then
    printf '%s' "$args" | xargs printf '%s\0' >"$out/args" ||
        die "args: cannot split '$args' (an unmatched quote?)"
    mapfile -d '' -t extra <"$out/args"
fi
for a in "${extra[@]}"; do
    # The step's own outputs depend on these three.
    case "$a" in
    --format* | --output* | --quiet | -[foq]*)
        die "args: $a is set by the action (annotations on standard output, reports to files); use the sarif input or --write FORMAT=FILE" ;;
    esac
done

# The base: the input, else the event's base commit.
base=${INPUT_BASE:-}
base_note=
if [[ "$base" == none ]]; then
    base=
elif [[ -z "$base" && -n "${GITHUB_EVENT_PATH:-}" && -f "${GITHUB_EVENT_PATH}" ]]; then
    case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target)
        base=$(jq -r '.pull_request.base.sha // empty' "$GITHUB_EVENT_PATH") ;;
    merge_group)
        base=$(jq -r '.merge_group.base_sha // empty' "$GITHUB_EVENT_PATH") ;;
    esac
    if [[ -n "$base" ]]; then
        [[ "$base" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] ||
            die "the event's base commit is not a commit id: $base"
        if ! git cat-file -e "$base^{commit}" 2>/dev/null &&
            git remote get-url origin >/dev/null 2>&1; then
            GIT_TERMINAL_PROMPT=0 git fetch --quiet --no-tags --depth=1 origin "$base" >&2 || true
        fi
        if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
            base_note="The pull request's base commit $base is not in the checkout (use actions/checkout with fetch-depth: 0), so every entry was audited, not only what the pull request changes."
            warn "$base_note"
            base=
        fi
    fi
fi

json="$out/report.json"
markdown="$out/report.md"
sarif=${INPUT_SARIF:-}
cmd=("$bin" audit --format github --write "json=$json" --write "markdown=$markdown")
if [[ -n "$sarif" ]]; then
    mkdir -p -- "$(dirname -- "$sarif")"
    cmd+=(--write "sarif=$sarif")
fi
[[ -z "${INPUT_FAIL_ON:-}" ]] || cmd+=(--fail-on "$INPUT_FAIL_ON")
case "${INPUT_STRICT:-true}" in
true) cmd+=(--strict) ;;
false) ;;
*)
    echo "::error::lockproof: the strict input must be true or false"
    exit 2
    ;;
esac
[[ -z "${INPUT_CONFIG:-}" ]] || cmd+=(--config "$INPUT_CONFIG")
[[ -z "$base" ]] || cmd+=(--base "$base")
cmd+=("${extra[@]}" -- "${paths[@]}")

# Annotations go straight to standard output, where the runner reads them;
# standard error is kept for the summary if the audit could not run.
rc=0
"${cmd[@]}" 2>"$out/stderr" || rc=$?
cat "$out/stderr" >&2

if ((rc <= 1)) && [[ -f "$json" ]]; then
    set_output findings "$(jq '.findings | length' "$json")"
    set_output highest-severity "$(jq -r '.summary.findings as $c
        | first(("critical", "high", "medium", "low", "info") | select($c[.] > 0)) // "none"' "$json")"
    set_output trust-summary "$(jq -r '.summary.evidence.trust
        | "staged=\(.staged) trusted-publisher=\(.trusted_publisher) provenance=\(.provenance) signed=\(.signed) none=\(.none) unknown=\(.unknown)"' "$json")"
    set_output report "$json"
    if [[ -n "$sarif" && -f "$sarif" ]]; then
        set_output sarif "$sarif"
    else
        set_output sarif ""
    fi
    {
        [[ -z "$base_note" ]] || printf '> [!WARNING]\n> %s\n\n' "$base_note"
        # GitHub refuses a step summary over 1 MiB: cut a huge report at a
        # line end and say where the rest is.
        if (($(wc -c <"$markdown") > summary_limit)); then
            head -c "$summary_limit" "$markdown" | sed '$d'
            printf '\n\n*The report was cut to fit the job summary; the JSON report (the step output report) has all of it.*\n'
        else
            cat "$markdown"
        fi
    } | summary
else
    for name in findings highest-severity trust-summary report sarif; do
        set_output "$name" ""
    done
    # HTML-escaped inside <pre>: the message may quote paths from the
    # pull request, and a <pre> block is not read as Markdown.
    {
        printf '## ⚠️ lockproof could not run the audit (exit %d)\n\n<pre>\n' "$rc"
        sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$out/stderr"
        printf '</pre>\n'
    } | summary
fi
exit "$rc"
