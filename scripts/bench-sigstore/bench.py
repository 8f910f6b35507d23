"""sigstore-python side of scripts/bench-sigstore.sh.

Verifies the real npm bundles offline with sigstore.verify.Verifier and
prints bundles/s per kind.

Usage: VENV/bin/python bench.py FIXTURES_DIR SECONDS

The trusted root is the fixtures' file (TrustedRoot.from_file: no TUF, no
network). Provenance bundles are verified with Verifier.verify_dsse under
the UnsafeNoOp policy (any identity, as lockproof's Policy::AnyIdentity and
sigstore-js without a policy); like the other harnesses it then checks that
the statement names the tarball's sha512, which verify_dsse leaves to the
caller. sigstore-python has no API for key-signed bundles (npm's publish
attestations) and refuses some older bundles; those are reported as
`UNSUPPORTED <kind> <label> <reason>` and not timed.

Output lines, read by the script:
  VERSION <package> <version>
  verified <kind> <label> <signer>
  UNSUPPORTED <kind> <label> <reason>
  RESULT <kind> <mode> <bundles/s> <verifications> <seconds>
Modes: `text` is Bundle.from_json on the bundle's JSON text + verify_dsse;
`verify` reuses a parsed Bundle.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
from importlib.metadata import version
from pathlib import Path

from cryptography.x509 import SubjectAlternativeName, UniformResourceIdentifier
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import UnsafeNoOp

PUBLISH = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"
KINDS = ["provenance-v0.1", "provenance-v0.3", "publish"]
WARM_UP = 0.3
MEDIA_TYPES = {
    "application/vnd.dev.sigstore.bundle+json;version=0.1": "v0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2": "v0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3": "v0.3",
    "application/vnd.dev.sigstore.bundle.v0.3+json": "v0.3",
}


def fail(msg: str) -> None:
    print(f"bench.py: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def one_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {' '.join(str(e).split())}"[:160]


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: bench.py FIXTURES_DIR SECONDS")
    folder = Path(sys.argv[1])
    try:
        seconds = float(sys.argv[2])
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        fail(f"seconds must be a positive number, not {sys.argv[2]!r}")
    # The library logs a warning per old bundle; keep the output to results.
    logging.disable(logging.WARNING)

    for pkg in ["sigstore", "cryptography", "sigstore-models", "rfc3161-client"]:
        try:
            print(f"VERSION {pkg} {version(pkg)}")
        except Exception:  # noqa: BLE001 - an optional dependency's absence is fine
            pass
    print(f"VERSION python {sys.version.split()[0]}")

    try:
        root = TrustedRoot.from_file(str(folder / "sigstore-trusted_root.json"))
        digests = {}
        for line in (folder / "tarball-digests.txt").read_text().splitlines():
            parts = line.split()
            hexes = [p[len("sha512hex=") :] for p in parts[1:] if p.startswith("sha512hex=")]
            if parts and hexes:
                digests[parts[0]] = hexes[0]
    except Exception as e:  # noqa: BLE001
        fail(one_line(e))
    verifier = Verifier(trusted_root=root)
    policy = UnsafeNoOp()

    cases = []
    for file in sorted(folder.glob("*.attestations.json")):
        stem = file.name[: -len(".attestations.json")]
        sha512 = digests.get(f"{stem}.tgz") or fail(f"{file.name}: no digest for {stem}.tgz")
        for att in json.loads(file.read_text())["attestations"]:
            bundle = att["bundle"]
            v = MEDIA_TYPES.get(bundle.get("mediaType")) or fail(
                f"{file.name}: unknown bundle media type {bundle.get('mediaType')}"
            )
            kind = "publish" if att["predicateType"] == PUBLISH else f"provenance-{v}"
            if kind not in KINDS:
                fail(f"{file.name}: {kind} fits no measured kind")
            # The same compact JSON text as the other harnesses.
            text = json.dumps(bundle, separators=(",", ":"))
            cases.append({"kind": kind, "label": f"{stem}_bundle_{v}", "sha512": sha512, "text": text})
    if not cases:
        fail(f"no attestation bundles in {folder}")

    def verify(bundle: Bundle, sha512: str) -> None:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
        if payload_type != "application/vnd.in-toto+json":
            raise ValueError(f"payload type {payload_type}")
        statement = json.loads(payload)
        if not any(s.get("digest", {}).get("sha512") == sha512 for s in statement["subject"]):
            raise ValueError("the tarball digest is not a subject of the statement")

    def verify_text(c: dict) -> None:
        verify(Bundle.from_json(c["text"]), c["sha512"])

    # Verify every bundle once before timing: failures are never timed, and
    # what sigstore-python cannot load or verify is reported, not fatal.
    supported = []
    for c in cases:
        try:
            bundle = Bundle.from_json(c["text"])
        except Exception as e:  # noqa: BLE001
            print(f"UNSUPPORTED {c['kind']} {c['label']} cannot load: {one_line(e)}")
            continue
        try:
            verify(bundle, c["sha512"])
        except Exception as e:  # noqa: BLE001
            print(f"UNSUPPORTED {c['kind']} {c['label']} cannot verify: {one_line(e)}")
            continue
        try:
            san = bundle.signing_certificate.extensions.get_extension_for_class(
                SubjectAlternativeName
            )
            who = san.value.get_values_for_type(UniformResourceIdentifier)[0]
        except Exception:  # noqa: BLE001 - only for the listing
            who = "?"
        print(f"verified {c['kind']} {c['label']} by {who}")
        supported.append(c)

    def timed(n: int, budget: float, step) -> tuple[int, float]:
        start = time.perf_counter()
        count = 0
        while True:
            step(count % n)
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                return count, elapsed

    for kind in KINDS:
        of_kind = [c for c in supported if c["kind"] == kind]
        if not of_kind:
            print(f"SKIP {kind}: no bundle of this kind that sigstore-python verifies")
            continue
        parsed = [Bundle.from_json(c["text"]) for c in of_kind]
        modes = [
            ("text", lambda i: verify_text(of_kind[i])),
            ("verify", lambda i: verify(parsed[i], of_kind[i]["sha512"])),
        ]
        for mode, step in modes:
            try:
                timed(len(of_kind), WARM_UP, step)
                count, secs = timed(len(of_kind), seconds, step)
            except Exception as e:  # noqa: BLE001
                fail(f"{kind} {mode}: {one_line(e)}")
            print(f"RESULT {kind} {mode} {count / secs:.1f} {count} {secs:.3f}")


if __name__ == "__main__":
    main()
