#!/usr/bin/env bash
# Installs lockproof for the GitHub Action (action.yml), in two steps around
# actions/cache:
#
#   install.sh plan      step outputs: key (the cache key), root (the folder
#                        cached and installed into) and bin (the binary)
#   install.sh install   cargo install --locked into root, unless the cache
#                        restored a working binary there
#
# What is built (environment, set by action.yml from its inputs):
#   INPUT_VERSION        empty (default): the action's own source, i.e. the
#                        lockproof of the ref written in `uses:`. Otherwise a
#                        tag or commit of the action's repository
#                        (INPUT_REPOSITORY, from github.action_repository),
#                        built with `cargo install --git … --rev VERSION`. A
#                        branch name works but is cached by its name, so the
#                        cache keeps the first build: use a tag or commit.
#
# The key names the runner's OS and architecture and a digest of the sources
# (or of the version asked for), so a new action ref builds anew and a cached
# binary is only reused for the same sources.
set -euo pipefail

action_root=${GITHUB_ACTION_PATH:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
version=${INPUT_VERSION:-}

die() {
    local s=${*//'%'/%25}
    printf '::error title=lockproof install::%s\n' "${s//$'\n'/%0A}"
    exit 2
}

if command -v sha256sum >/dev/null; then
    sha=(sha256sum)
else
    sha=(shasum -a 256) # macOS
fi

digest() {
    "${sha[@]}" | cut -c1-16
}

# What cargo reads to build the binary (Cargo.toml, the lockfile, the code
# and the files it embeds): each file's digest and name, in a stable order.
source_digest() {
    (
        cd -- "$action_root"
        find Cargo.toml Cargo.lock src assets docs/codes -type f -print0 |
            LC_ALL=C sort -z |
            xargs -0 "${sha[@]}" |
            digest
    )
}

if [[ -n "$version" && ! "$version" =~ ^[A-Za-z0-9][A-Za-z0-9._/+-]*$ ]]; then
    die "version must be a tag or commit of lockproof, got '$version'"
fi

case "${1:-}" in
plan)
    if [[ -z "$version" ]]; then
        id="source-$(source_digest)"
    else
        id="git-$(printf '%s' "$version" | digest)"
    fi
    os=${RUNNER_OS:-$(uname -s)}
    arch=${RUNNER_ARCH:-$(uname -m)}
    root="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/lockproof-action/$id"
    {
        printf 'key=lockproof-%s-%s-%s\n' "$os" "$arch" "$id"
        printf 'root=%s\n' "$root"
        printf 'bin=%s\n' "$root/bin/lockproof"
    } >>"${GITHUB_OUTPUT:-/dev/stdout}"
    ;;
install)
    root=${LOCKPROOF_ROOT:?LOCKPROOF_ROOT is set by action.yml from the plan step}
    if [[ -x "$root/bin/lockproof" ]] && "$root/bin/lockproof" --version >/dev/null 2>&1; then
        echo "lockproof: using the cached $("$root/bin/lockproof" --version)"
        exit 0
    fi
    command -v cargo >/dev/null ||
        die "cargo is needed to build lockproof: GitHub-hosted runners have it; elsewhere add a Rust toolchain step before this action"
    if [[ -z "$version" ]]; then
        cargo install --locked --root "$root" --path "$action_root"
    else
        repository=${INPUT_REPOSITORY:-}
        [[ -n "$repository" ]] ||
            die "version is set but the action's repository is unknown to this runner; leave version empty and pin the action's ref in uses: instead"
        cargo install --locked --root "$root" \
            --git "${GITHUB_SERVER_URL:-https://github.com}/$repository" --rev "$version" lockproof
    fi
    "$root/bin/lockproof" --version
    ;;
*)
    echo "usage: install.sh plan|install" >&2
    exit 2
    ;;
esac
