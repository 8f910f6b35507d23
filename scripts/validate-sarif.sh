#!/usr/bin/env bash
# Validate SARIF 2.1.0 files with Microsoft's SARIF Multitool (`sarif validate`).
#
# Usage: scripts/validate-sarif.sh [--notes] [--strict] FILE...
#
#   --notes   also print note-level findings (never fail the run)
#   --strict  warnings fail the run too
#
# The validator is installed on first use into <repo>/.tools/ (gitignored) from
# the npm registry, at the pinned version below. It is a self-contained .NET
# single-file executable: no .NET runtime is needed. ICU is not needed either:
# we run it with DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1.
#
# Why the exit status is computed here: `Sarif.Multitool validate` exits 0 even
# when the file has schema or rule errors (it only exits non-zero when it could
# not run at all), so we parse its diagnostics:
#   FILE(LINE,COL): error|warning|note RULEID: message
# We call the native binary directly rather than `npx sarif-multitool`, whose
# bin.js wrapper spawns it with `shell: true` and so mangles arguments that
# contain spaces or semicolons.
#
# Exit status: 0 if every file has no error-level finding (warnings are
# printed but allowed, unless --strict), 1 if any file has errors (or, with
# --strict, warnings) or could not be validated, 2 on usage errors.
set -euo pipefail

SARIF_MULTITOOL_VERSION=5.7.0

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS="$ROOT/.tools"

die() {
    printf 'validate-sarif: %s\n' "$*" >&2
    exit 2
}

usage() {
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

levels="Error;Warning"
strict=0
files=()
while (($#)); do
    case "$1" in
        --notes) levels="Error;Warning;Note" ;;
        --strict) strict=1 ;;
        -h | --help) usage ;;
        --) shift; files+=("$@"); break ;;
        -*) die "unknown option: $1" ;;
        *) files+=("$1") ;;
    esac
    shift
done
((${#files[@]})) || usage

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64 | Linux-amd64) platform=linux ;;
    Darwin-*) platform=darwin ;;
    *) die "no SARIF Multitool build for $(uname -s)-$(uname -m)" ;;
esac

pkg_dir="$TOOLS/node_modules/@microsoft/sarif-multitool-$platform"
validator="$pkg_dir/Sarif.Multitool"

installed_version() {
    node -p 'require(process.argv[1]).version' "$pkg_dir/package.json" 2>/dev/null || true
}

if [[ ! -f "$validator" || "$(installed_version)" != "$SARIF_MULTITOOL_VERSION" ]]; then
    command -v npm >/dev/null || die "npm is required to install the SARIF Multitool"
    echo "validate-sarif: installing @microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION into $TOOLS" >&2
    mkdir -p "$TOOLS"
    # The platform package is an optionalDependency with a caret range; name it
    # explicitly so the binary is pinned too.
    npm install --prefix "$TOOLS" --no-audit --no-fund --save-exact --loglevel=error \
        "@microsoft/sarif-multitool@$SARIF_MULTITOOL_VERSION" \
        "@microsoft/sarif-multitool-$platform@$SARIF_MULTITOOL_VERSION" >&2
    [[ -f "$validator" ]] || die "install finished but $validator is missing"
fi
# Its postinstall (`chmod u+x`) may be skipped by npm's install-script policy.
[[ -x "$validator" ]] || chmod u+x "$validator"

export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1

diag_re=' (error|warning|note) [A-Za-z0-9._]+ ?: '
failed=0
for arg in "${files[@]}"; do
    # Paths are taken relative to the caller's cwd, falling back to the repo root.
    if [[ -f "$arg" ]]; then
        path="$(cd -- "$(dirname -- "$arg")" && pwd -P)/$(basename -- "$arg")"
    elif [[ "$arg" != /* && -f "$ROOT/$arg" ]]; then
        path="$ROOT/$arg"
    else
        printf 'FAIL  %s: no such file\n' "$arg"
        failed=1
        continue
    fi

    rc=0
    output="$("$validator" validate --level "$levels" "$path" 2>&1)" || rc=$?

    diags="$(grep -E -- "$diag_re" <<<"$output" || true)"
    errors="$(grep -cE -- ' error [A-Za-z0-9._]+ ?: ' <<<"$diags" || true)"
    warnings="$(grep -cE -- ' warning [A-Za-z0-9._]+ ?: ' <<<"$diags" || true)"
    notes="$(grep -cE -- ' note [A-Za-z0-9._]+ ?: ' <<<"$diags" || true)"

    summary="$errors error(s), $warnings warning(s)"
    [[ "$levels" == *Note* ]] && summary+=", $notes note(s)"

    if ((rc != 0)) || ! grep -q 'Analysis completed successfully' <<<"$output"; then
        printf 'FAIL  %s: validator did not complete (exit %d)\n' "$arg" "$rc"
        # Show its own diagnostics, or the start of whatever it printed.
        if [[ -n "$diags" ]]; then
            printf '%s\n' "$diags" | sed 's/^/      /'
        else
            printf '%s\n' "$output" | head -n 15 | sed 's/^/      /'
        fi
        failed=1
        continue
    elif ((errors > 0)); then
        printf 'FAIL  %s: %s\n' "$arg" "$summary"
        failed=1
    elif ((warnings > 0 && strict)); then
        printf 'FAIL  %s: %s\n' "$arg" "$summary"
        failed=1
    elif ((warnings > 0)); then
        printf 'WARN  %s: %s\n' "$arg" "$summary"
    else
        printf 'OK    %s: %s\n' "$arg" "$summary"
    fi
    # Print findings without the (long, absolute) file path prefix.
    if [[ -n "$diags" ]]; then
        while IFS= read -r line; do
            printf '      %s\n' "${line#"$path"}"
        done <<<"$diags"
    fi
done

exit "$failed"
