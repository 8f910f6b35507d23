"""What the benchmark's fake registry needs to stand in for npm's registry.

Used by scripts/bench-registry.py; Python 3.11 standard library only, so the
benchmark runs on a clean machine. Four pieces:

- a P-256 ECDSA signing key (`SigningKey`): npm registries sign
  `name@version:integrity` with ECDSA P-256 / SHA-256 and publish the public
  key at `/-/npm/v1/keys`. The standard library has no ECDSA, so the curve
  arithmetic is here (signing only; the tools under test do the verifying).
  It is a test key made from a fixed seed: nothing here is secret or meant
  to resist side channels.
- a self-signed TLS certificate and a TUF repository (`tls_identity`,
  `tuf_repository`): `npm audit signatures` always refreshes Sigstore's TUF
  metadata from https://tuf-repo-cdn.sigstore.dev before it looks up a
  registry's keys, and fails outright if it cannot. The benchmark reaches no
  host but 127.0.0.1, so it plays that mirror itself behind an HTTPS proxy
  (see bench-registry.py) with metadata under a root of its own.
- an installed tree (`write_installed_tree`): `npm audit signatures` audits
  `node_modules` (Arborist's loadActual), not the lockfile, so the lockfile's
  entries are laid out as package folders holding only a package.json, plus
  npm's hidden lockfile: no tarball is downloaded or unpacked.
"""

import base64
import hashlib
import hmac
import json
import os
import time
from pathlib import Path

# --- P-256 (secp256r1) ------------------------------------------------------

_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
_GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5


def _double(pt):
    """2·pt in Jacobian coordinates (formulas for a = -3)."""
    if pt is None:
        return None
    x, y, z = pt
    if y == 0:
        return None
    delta = z * z % _P
    gamma = y * y % _P
    beta = x * gamma % _P
    alpha = 3 * (x - delta) * (x + delta) % _P
    x3 = (alpha * alpha - 8 * beta) % _P
    z3 = ((y + z) ** 2 - gamma - delta) % _P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % _P
    return x3, y3, z3


def _add_affine(pt, q):
    """pt + q, pt Jacobian (or None for the point at infinity), q affine."""
    if pt is None:
        return q[0], q[1], 1
    x1, y1, z1 = pt
    zz = z1 * z1 % _P
    h = (q[0] * zz - x1) % _P
    r = 2 * (q[1] * z1 * zz - y1) % _P
    if h == 0:
        # Same x: the same point (double it) or its negation (infinity).
        return _double((q[0], q[1], 1)) if r == 0 else None
    hh = h * h % _P
    i = 4 * hh % _P
    j = h * i % _P
    v = x1 * i % _P
    x3 = (r * r - j - 2 * v) % _P
    y3 = (r * (v - x3) - 2 * y1 * j) % _P
    z3 = ((z1 + h) ** 2 - zz - hh) % _P
    return x3, y3, z3


def _affine(pt):
    x, y, z = pt
    zi = pow(z, -1, _P)
    zi2 = zi * zi % _P
    return x * zi2 % _P, y * zi2 * zi % _P


def _comb_table():
    """rows[i][j] = j·16^i·G (affine), so k·G is 64 additions: signing the
    few thousand locked versions of a big lockfile then takes about a second
    instead of a minute of double-and-add."""
    rows, base = [], (_GX, _GY)
    for _ in range(64):
        row, acc = [None, base], (base[0], base[1], 1)
        for _ in range(2, 17):
            acc = _add_affine(acc, base)
            row.append(_affine(acc))
        base = row.pop()  # 16·base starts the next row
        rows.append(row)
    return rows


_ROWS = None


def _mul_g(k):
    global _ROWS
    if _ROWS is None:
        _ROWS = _comb_table()
    acc = None
    for i in range(64):
        nibble = (k >> (4 * i)) & 15
        if nibble:
            acc = _add_affine(acc, _ROWS[i][nibble])
    return _affine(acc)


# --- DER --------------------------------------------------------------------


def _der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        size = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(size)]) + size
    return bytes([tag]) + head + body


def _seq(*parts):
    return _der(0x30, b"".join(parts))


def _int(v):
    return _der(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def _oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, body)


def _pem(label, der):
    text = base64.b64encode(der).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_PRIME256V1 = "1.2.840.10045.3.1.7"
_ECDSA_SHA256 = "1.2.840.10045.4.3.2"


class SigningKey:
    """A P-256 key derived from `seed` (same seed, same key: the packuments,
    and so their ETags, are identical from run to run)."""

    def __init__(self, seed: bytes):
        self.d = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (_N - 1) + 1
        self.x, self.y = _mul_g(self.d)
        self.point = b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")
        # SubjectPublicKeyInfo DER, base64: the `key` of a /-/npm/v1/keys entry.
        self.spki = _seq(_seq(_oid(_EC_PUBLIC_KEY), _oid(_PRIME256V1)),
                         _der(0x03, b"\x00" + self.point))

    @property
    def npm_keyid(self):
        """`SHA256:` + unpadded base64 of SHA-256 over the key's SSH wire form
        (what `ssh-keygen -l` prints): how npm names its keys, and what
        lockproof recomputes and insists on."""
        blob = b""
        for part in (b"ecdsa-sha2-nistp256", b"nistp256", self.point):
            blob += len(part).to_bytes(4, "big") + part
        return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")

    def keys_entry(self):
        """This key as one entry of a `/-/npm/v1/keys` body."""
        return {"expires": None, "keyid": self.npm_keyid, "keytype": "ecdsa-sha2-nistp256",
                "scheme": "ecdsa-sha2-nistp256", "key": base64.b64encode(self.spki).decode()}

    def public_pem(self):
        return _pem("PUBLIC KEY", self.spki)

    def private_pem(self):
        """SEC1 `EC PRIVATE KEY` PEM, which Python's ssl module loads."""
        body = (_int(1) + _der(0x04, self.d.to_bytes(32, "big"))
                + _der(0xA0, _oid(_PRIME256V1)) + _der(0xA1, _der(0x03, b"\x00" + self.point)))
        return _pem("EC PRIVATE KEY", _der(0x30, body))

    def sign(self, message: bytes) -> bytes:
        """DER ECDSA signature over SHA-256(message). The nonce is derived
        from the key and the message (HMAC-SHA512, reduced mod n), so the
        output is reproducible."""
        e = int.from_bytes(hashlib.sha256(message).digest(), "big")
        secret = self.d.to_bytes(32, "big")
        counter = 0
        while True:
            mac = hmac.new(secret, counter.to_bytes(4, "big") + message, hashlib.sha512).digest()
            k = int.from_bytes(mac, "big") % (_N - 1) + 1
            r = _mul_g(k)[0] % _N
            s = pow(k, -1, _N) * (e + r * self.d) % _N
            if r and s:
                return _seq(_int(r), _int(s))
            counter += 1

    def sign_npm(self, name, version, integrity):
        """`dist.signatures` entry as the npm registry publishes it."""
        sig = self.sign(f"{name}@{version}:{integrity}".encode())
        return {"keyid": self.npm_keyid, "sig": base64.b64encode(sig).decode()}


# --- TLS identity and TUF mirror --------------------------------------------

TUF_HOST = "tuf-repo-cdn.sigstore.dev"


def _utc(t):
    return _der(0x17, time.strftime("%y%m%d%H%M%SZ", time.gmtime(t)).encode())


def tls_identity(key: SigningKey, host: str):
    """(certificate PEM, private key PEM): a self-signed certificate for
    `host`, valid from a day ago for 30 days, that is its own CA. Node is
    told to trust it with NODE_EXTRA_CA_CERTS, so npm's TLS verification
    stays on."""
    name = _seq(_der(0x31, _seq(_oid("2.5.4.3"), _der(0x0C, host.encode()))))
    now = int(time.time())
    extensions = _seq(
        # basicConstraints (critical): CA:TRUE.
        _seq(_oid("2.5.29.19"), _der(0x01, b"\xff"), _der(0x04, _seq(_der(0x01, b"\xff")))),
        # keyUsage (critical): digitalSignature, keyCertSign.
        _seq(_oid("2.5.29.15"), _der(0x01, b"\xff"), _der(0x04, _der(0x03, b"\x02\x84"))),
        # subjectAltName: DNS:host (what Node checks the host name against).
        _seq(_oid("2.5.29.17"), _der(0x04, _seq(_der(0x82, host.encode())))),
    )
    tbs = _seq(
        _der(0xA0, _int(2)),
        _int(int.from_bytes(hashlib.sha256(key.point + host.encode()).digest()[:8], "big")),
        _seq(_oid(_ECDSA_SHA256)),
        name,
        _seq(_utc(now - 86400), _utc(now + 30 * 86400)),
        name,
        key.spki,
        _der(0xA3, extensions),
    )
    cert = _seq(tbs, _seq(_oid(_ECDSA_SHA256)), _der(0x03, b"\x00" + key.sign(tbs)))
    return _pem("CERTIFICATE", cert), key.private_pem()


def _canonical(obj):
    """OLPC canonical JSON, which TUF signs: sorted keys, no spaces, and
    strings escaped only for `"` and `\\` (a PEM's newlines stay raw, unlike
    in json.dumps). Enough for this metadata: no floats."""
    if isinstance(obj, dict):
        items = (_canonical(str(k)) + b":" + _canonical(v) for k, v in sorted(obj.items()))
        return b"{" + b",".join(items) + b"}"
    if isinstance(obj, list):
        return b"[" + b",".join(_canonical(v) for v in obj) + b"]"
    if isinstance(obj, str):
        return b'"' + obj.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'
    return json.dumps(obj).encode()  # int, bool, None


def tuf_repository(key: SigningKey):
    """(trusted root.json bytes, {path: bytes} to serve): a one-key TUF
    repository whose targets list nothing. That is what the real Sigstore
    repository says about a registry on 127.0.0.1: npm finds no
    `<host>/keys.json` target there and falls back to the registry's own
    `/-/npm/v1/keys`, as it does for any registry other than npm's."""
    pub = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
           "keyval": {"public": key.public_pem()}}
    keyid = hashlib.sha256(_canonical(pub)).hexdigest()
    expires = "2099-01-01T00:00:00Z"
    role = {"keyids": [keyid], "threshold": 1}

    def signed(body):
        body = {"spec_version": "1.0.31", "version": 1, "expires": expires, **body}
        sig = key.sign(_canonical(body)).hex()
        return json.dumps({"signatures": [{"keyid": keyid, "sig": sig}], "signed": body}).encode()

    root = signed({"_type": "root", "consistent_snapshot": False, "keys": {keyid: pub},
                   "roles": {r: role for r in ("root", "snapshot", "targets", "timestamp")}})
    files = {
        "/1.root.json": root,
        "/timestamp.json": signed({"_type": "timestamp", "meta": {"snapshot.json": {"version": 1}}}),
        "/snapshot.json": signed({"_type": "snapshot", "meta": {"targets.json": {"version": 1}}}),
        "/targets.json": signed({"_type": "targets", "targets": {}}),
    }
    return root, files


def seed_npm_cache(cache: Path, tuf_root: bytes):
    """An otherwise empty npm cache whose TUF folder trusts `tuf_root`.

    Without it, @sigstore/tuf copies Sigstore's own root (bundled with npm)
    into the cache, and no metadata a local mirror serves could satisfy it.
    Writing the root is all that copy would have done, so the run stays
    cold: no packument, no TUF metadata beyond the root, nothing else."""
    folder = cache / "_tuf" / TUF_HOST
    (folder / "targets").mkdir(parents=True)
    (folder / "root.json").write_bytes(tuf_root)


# --- installed tree ----------------------------------------------------------

# The fields of a lockfile entry that Arborist turns into edges; with the name
# and version they are what `npm audit signatures` reads from a package.json.
_EDGE_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies",
                "peerDependenciesMeta", "devDependencies")


def write_installed_tree(lock: dict, folder: Path):
    """Lay out `lock` (a v2/v3 lockfile with `packages`) in `folder` as npm
    would after `npm install`, minus the package contents. Returns the number
    of installed packages.

    Every entry gets a folder, including optional packages for other
    platforms that a real install would skip, so npm sees the same entries
    lockproof reads. The hidden lockfile `node_modules/.package-lock.json`
    is written last and dated after every folder: Arborist then builds the
    tree from it, as it does in a real project, instead of reading each
    package.json (it checks that no folder is newer and none is missing)."""
    packages = lock["packages"]
    root = packages.get("", {})
    manifest = {"name": root.get("name", lock.get("name", "project")),
                "version": root.get("version", "1.0.0")}
    manifest.update({f: root[f] for f in _EDGE_FIELDS if f in root})
    (folder / "package.json").write_text(json.dumps(manifest, indent=2))
    (folder / "package-lock.json").write_text(json.dumps(lock, indent=2))
    installed = {}
    for loc, entry in packages.items():
        if not loc or entry.get("link") or "node_modules/" not in loc:
            continue
        pkg = folder / loc
        pkg.mkdir(parents=True, exist_ok=True)
        doc = {"name": entry.get("name") or loc.rsplit("node_modules/", 1)[1],
               "version": entry.get("version")}
        doc.update({f: entry[f] for f in _EDGE_FIELDS if f in entry})
        (pkg / "package.json").write_text(json.dumps(doc))
        installed[loc] = entry
    hidden = folder / "node_modules" / ".package-lock.json"
    hidden.write_text(json.dumps({"name": manifest["name"], "version": manifest["version"],
                                  "lockfileVersion": 3, "requires": True,
                                  "packages": installed}, indent=2))
    later = time.time() + 5
    os.utime(hidden, (later, later))
    return len(installed)
