#!/usr/bin/env bash
# Runs `lockproof verify-bundle` over the bundle-verify cases of the Sigstore
# client conformance suite (sigstore/sigstore-conformance,
# test/assets/bundle-verify), each case twice: the artifact by path, and by
# digest (`sha256:<hex>`). Prints one line per mismatch and the counts; exits
# 1 unless every run matches its expectation.
#
# usage: scripts/conformance.sh CASES_DIR
#
# CASES_DIR holds one folder per case, as the suite lays them out:
#   bundle.sigstore.json   the bundle
#   trusted_root.json      optional: the case's own trusted root
#   key.pub                optional: verify with this key, not an identity
#   identity, issuer       optional: the certificate identity and issuer
#   artifact               optional: the signed file (else CASES_DIR/a.txt)
# A folder whose name ends in `_fail` must be refused (exit 1, a verdict; an
# input error, exit 2, is not a refusal), every other must verify.
#
# The suite runs bundles made on Sigstore's staging instance with the staging
# trusted root; put it at CASES_DIR/staging_trusted_root.json (the `sigstore`
# wheel on PyPI ships it) and cases whose logs are staging ones use it.
#
# environment: LOCKPROOF_BIN=PATH runs that binary instead of building
#              target/debug/lockproof with cargo.
set -u

cases=${1:?usage: scripts/conformance.sh CASES_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${LOCKPROOF_BIN:-}" ]; then
  cargo build --quiet --manifest-path "$here/Cargo.toml" || exit 2
  LOCKPROOF_BIN="$here/target/debug/lockproof"
fi
default_identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
default_issuer="https://token.actions.githubusercontent.com"

pass=0
fail=0
skipped=0
for dir in "$cases"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  if [ ! -f "$dir/bundle.sigstore.json" ]; then
    echo "skip  $name: no bundle.sigstore.json"
    skipped=$((skipped + 1))
    continue
  fi
  artifact="$dir/artifact"
  [ -f "$artifact" ] || artifact="$cases/a.txt"
  args=(verify-bundle --bundle "$dir/bundle.sigstore.json")
  if [ -f "$dir/trusted_root.json" ]; then
    args+=(--trusted-root "$dir/trusted_root.json")
  elif grep -q 'sigstage\.dev' "$dir/bundle.sigstore.json" \
    && [ -f "$cases/staging_trusted_root.json" ]; then
    args+=(--trusted-root "$cases/staging_trusted_root.json")
  fi
  if [ -f "$dir/key.pub" ]; then
    args+=(--key "$dir/key.pub")
  else
    identity=$default_identity
    issuer=$default_issuer
    [ -f "$dir/identity" ] && identity=$(cat "$dir/identity")
    [ -f "$dir/issuer" ] && issuer=$(cat "$dir/issuer")
    args+=(--certificate-identity "$identity" --certificate-oidc-issuer "$issuer")
  fi
  case $name in
    *_fail) want=1 ;;
    *) want=0 ;;
  esac
  digest="sha256:$(sha256sum "$artifact" | cut -d' ' -f1)"
  for mode in path digest; do
    target=$artifact
    [ "$mode" = digest ] && target=$digest
    out=$("$LOCKPROOF_BIN" "${args[@]}" "$target" 2>&1)
    got=$?
    if [ "$got" = "$want" ]; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL  $name ($mode): exit $got, expected $want: $out"
    fi
  done
done
echo "conformance: $pass passed, $fail failed, $skipped cases skipped (no bundle)"
[ "$fail" = 0 ]
