#!/usr/bin/env python3
"""Benchmark a full registry audit against a local fake registry.

Serves, on 127.0.0.1, a full packument for every package of a lockfile
(default: the 1,615-entry generated toolchain lockfile in ../shared), each
padded with realistic version history so sizes follow what the public
registry serves, with ETags so warm runs revalidate (304). Then runs
`lockproof audit` cold (empty cache) and warm, and prints wall time, CPU
share (user+sys over wall), bytes of packuments parsed per second and peak
RSS. Nothing leaves the machine.

Every locked version carries `dist.signatures` by a test key (made from a
fixed seed, see fake_npm.py) that the registry lists at `/-/npm/v1/keys`, as
npm's registry does, so the audit verifies real signatures.

With --compare-npm it also times `npm audit signatures` (the system npm) on
the same entries against the same registry, cold each run, and prints one
table of both. npm audits an installed tree, so the lockfile is laid out as
a node_modules of package.json stubs (no tarballs); npm's mandatory Sigstore
TUF refresh is served locally through an HTTPS proxy (see fake_npm.py).

usage: scripts/bench-registry.py [LOCKFILE] [--runs N] [--compare-npm]
environment: LOCKPROOF_BIN=PATH times that binary instead of building
             target/release/lockproof with cargo
"""

import argparse
import collections
import hashlib
import http.server
import json
import os
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ left in scripts/ by the import below
import fake_npm  # noqa: E402  (scripts/fake_npm.py, beside this file)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared/fixtures/lockfiles/gen-toolchain-xl-v3.package-lock.json"


def packuments(lock, signer):
    """name -> packument JSON bytes, with the locked versions, signed by
    `signer`, and history."""
    wanted = {}
    for key, entry in lock.get("packages", {}).items():
        if not key or "node_modules/" not in key or entry.get("link"):
            continue
        name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
        if "version" in entry:
            wanted.setdefault(name, {})[entry["version"]] = entry.get("integrity")
    rng = random.Random(42)
    out = {}
    for name, versions in wanted.items():
        docs, times = {}, {"created": "2015-01-01T00:00:00.000Z"}
        # History: popular packages have hundreds of versions, most a few.
        history = int(rng.paretovariate(1.2) * 8) % 400 + 1
        for i in range(history):
            v = f"0.{i}.0"
            docs[v] = {
                "name": name, "version": v,
                "description": "x" * 200, "readme": "r" * rng.randint(200, 4000),
                "dependencies": {f"dep-{j}": "^1.0.0" for j in range(rng.randint(0, 12))},
                "dist": {"integrity": "sha512-" + "A" * 86 + "==",
                         "tarball": f"http://127.0.0.1/{name}/-/x-{v}.tgz"},
            }
            times[v] = "2016-01-01T00:00:00.000Z"
        for v, integrity in versions.items():
            dist = {"integrity": integrity, "tarball": f"http://127.0.0.1/{name}/-/x-{v}.tgz"}
            if integrity:
                # What the registry signs: name@version:integrity.
                dist["signatures"] = [signer.sign_npm(name, v, integrity)]
            docs[v] = {"name": name, "version": v, "dist": dist,
                       "_npmUser": {"name": "maintainer", "email": "m@example.com"}}
            times[v] = "2024-01-01T00:00:00.000Z"
        body = json.dumps({"name": name, "versions": docs, "time": times}).encode()
        out["/" + name.replace("/", "%2f")] = body
    return out


class Traffic:
    """What clients asked the fake registry for since the last `take()`:
    requests by (kind, status), the paths of each kind with how often each
    was asked for, and bytes of bodies sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts, self.paths, self.bytes = collections.Counter(), {}, 0

    def record(self, kind, status, path, sent):
        with self.lock:
            self.counts[kind, status] += 1
            self.paths.setdefault(kind, collections.Counter())[path] += 1
            self.bytes += sent

    def take(self):
        with self.lock:
            old = self.counts, self.paths, self.bytes
            self.counts, self.paths, self.bytes = collections.Counter(), {}, 0
        return old


def kind_of(path):
    if path == "/-/npm/v1/keys":
        return "keys"
    if path.count("/") == 1:  # /name or /@scope%2fname
        return "packument"
    return "other"


def serve(routes, tuf=None, max_age=0):
    """The fake registry on 127.0.0.1. With `tuf` = (certificate file, key
    file, {path: bytes}) it is also an HTTPS proxy that accepts CONNECT to
    Sigstore's TUF mirror host only, ends the TLS itself with that
    certificate and serves those files: npm reaches "the mirror" without a
    byte leaving the machine. Any other CONNECT is refused. With `max_age`
    it sends `Cache-Control: public, max-age=N` on 200 and 304, as
    registry.npmjs.org does (300) and mirrors often do not (0: no header)."""
    etags = {p: '"' + hashlib.sha256(b).hexdigest()[:16] + '"' for p, b in routes.items()}
    traffic = Traffic()
    tls = None
    if tuf:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(tuf[0], tuf[1])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        tunnel = None  # the host of a CONNECT this connection serves

        def reply(self, kind, status, body=b"", etag=None):
            self.send_response(status)
            if status == 200:
                self.send_header("Content-Type", "application/json")
            if etag:
                self.send_header("ETag", etag)
            if max_age and status in (200, 304):
                self.send_header("Cache-Control", f"public, max-age={max_age}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            traffic.record(kind, status, self.path, len(body))

        def do_CONNECT(self):
            host = self.path.rsplit(":", 1)[0]
            if tls is None or host != fake_npm.TUF_HOST or self.tunnel:
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.close_connection = True
                return
            self.send_response(200, "Connection Established")
            self.end_headers()
            try:
                conn = tls.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
            # The rest of this connection is HTTP inside the TLS tunnel.
            self.connection, self.tunnel = conn, host
            self.rfile = conn.makefile("rb")
            self.wfile = conn.makefile("wb")

        def do_GET(self):
            if self.tunnel:
                body = tuf[2].get(self.path)
                kind = "TUF " + self.path
                if body is None:
                    return self.reply(kind, 404)
                return self.reply(kind, 200, body)
            kind = kind_of(self.path)
            body = routes.get(self.path)
            if body is None:
                return self.reply(kind, 404)
            if self.headers.get("If-None-Match") == etags[self.path]:
                return self.reply(kind, 304)
            return self.reply(kind, 200, body, etags[self.path])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.traffic = traffic
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(binary, registry, cache, folder):
    """One audit: wall seconds, CPU seconds, peak RSS in KiB (of lockproof
    alone: wait4 gives the child's own usage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "audit", "--quiet", "--registry", registry, "--cache-dir", str(cache),
         str(folder)], env={**os.environ, "LOCKPROOF_OFFLINE": "0"})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"lockproof exited {code}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def median(values):
    return sorted(values)[len(values) // 2]


# `npm audit signatures` prints counts, not a machine-readable summary (its
# --json lists only the failures), so these read its plain output.
NPM_AUDITED = re.compile(r"audited (\d+) packages? in")
NPM_COUNTS = {
    what: re.compile(rf"(\d+) packages? ha(?:s an?|ve) {what} registry signature")
    for what in ("verified", "missing", "invalid")
}


def npm_env(port, cert, empty_rc):
    """npm's environment: the caller's, less anything that would point npm
    at other settings (user and global npmrc, npm_config_*, proxies,
    NODE_OPTIONS, NODE_ENV=production's implied --omit=dev), plus:
    - https_proxy: the fake registry, which plays Sigstore's TUF mirror
      (npm's TUF client honours it; nothing else npm fetches is https);
    - no_proxy=127.0.0.1: registry requests go straight to the registry,
      as lockproof's do;
    - NODE_EXTRA_CA_CERTS: the mirror's self-signed certificate, so TLS is
      verified, not switched off."""
    drop = {"http_proxy", "https_proxy", "proxy", "no_proxy", "node_options", "node_env"}
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in drop and not k.lower().startswith("npm_config_")}
    env.update({"https_proxy": f"http://127.0.0.1:{port}", "no_proxy": "127.0.0.1",
                "NODE_EXTRA_CA_CERTS": str(cert),
                # Two files: npm refuses one file loaded as both.
                "npm_config_userconfig": str(empty_rc[0]),
                "npm_config_globalconfig": str(empty_rc[1])})
    return env


def run_npm(npm, registry, cache, folder, env):
    """One `npm audit signatures` in `folder`: wall seconds, CPU seconds,
    peak RSS in KiB (of npm's node process: /usr/bin/npm is a node script,
    so the child is node itself), exit code, stdout, stderr.

    --cache is a fresh folder each run (cold: no packument, no TUF
    metadata but the trusted root); --no-update-notifier stops npm asking
    the registry for npm's own packument, which is not part of an audit."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [npm, "audit", "signatures", "--registry", registry, "--cache", str(cache),
         "--no-update-notifier"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Drain both pipes while npm runs, then collect its rusage with wait4.
    out, err = [], []
    readers = [threading.Thread(target=lambda f, b: b.append(f.read()), args=(f, b))
               for f, b in ((proc.stdout, out), (proc.stderr, err))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode,
            out[0].decode(errors="replace"), err[0].decode(errors="replace"))


def lockproof_verified(binary, registry, folder, work):
    """(entries whose signatures lockproof verified, entries it judged):
    one extra cold run, untimed, with the JSON report. An entry is judged
    when its signatures were found and checked (`present`); it is verified
    when no signature-* finding names it."""
    cache, report = work / "count-cache", work / "report.json"
    subprocess.run([str(binary), "audit", "--quiet", "--registry", registry, "--cache-dir",
                    str(cache), "--format", "json", "--output", str(report), str(folder)],
                   env={**os.environ, "LOCKPROOF_OFFLINE": "0"})
    doc = json.loads(report.read_text())
    judged = doc["summary"]["evidence"]["signatures"]["present"]
    bad = {(f.get("location", {}).get("file"), f.get("package", {}).get("path"))
           for f in doc.get("findings", []) if f.get("code", "").startswith("signature-")}
    shutil.rmtree(cache, ignore_errors=True)
    return judged - len(bad), judged


def describe(traffic):
    """One line per kind of request: count, distinct paths, statuses."""
    counts, paths, sent = traffic
    lines = []
    for kind in sorted(paths, key=lambda k: (k.startswith("TUF"), k)):
        statuses = ", ".join(f"{n}x {st}" for (k, st), n in sorted(counts.items()) if k == kind)
        distinct = len(paths[kind])
        total = sum(paths[kind].values())
        repeat = f" for {distinct} distinct paths" if distinct != total else ""
        lines.append(f"    {kind}: {total} request{'s' * (total != 1)}{repeat} ({statuses})")
    lines.append(f"    {sent / 1e6:.1f} MB of bodies sent")
    return "\n".join(lines)


def compare_npm(args, lock, server, registry, work, lockproof_cold, binary, folder, tuf_root,
                cert):
    """Time `npm audit signatures` cold on the same entries and registry and
    print the comparison table. Prints why, instead, when npm cannot run."""
    print("\nnpm audit signatures on the same entries and registry (--compare-npm):")
    npm = shutil.which("npm")
    if npm is None:
        print("  not run: no `npm` on PATH (the comparison uses the system npm and node)")
        return
    empty_rc = (work / "user-npmrc", work / "global-npmrc")
    for rc in empty_rc:
        rc.write_text("")
    env = npm_env(server.server_address[1], cert, empty_rc)
    version = subprocess.run([npm, "--version"], env=env, capture_output=True, text=True)
    node = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True)
    tree = work / "npm-project"
    tree.mkdir()
    installed = fake_npm.write_installed_tree(lock, tree)
    print(f"  npm {version.stdout.strip()} on node {node.stdout.strip()}; "
          f"installed tree of {installed} package.json stubs + hidden lockfile")
    walls, cpus, rss, regs, traffic = [], [], 0, [], None
    for i in range(args.runs):
        cache = work / "npm-cache"
        shutil.rmtree(cache, ignore_errors=True)
        fake_npm.seed_npm_cache(cache, tuf_root)
        server.traffic.take()
        reg = time.process_time()
        wall, cpu, maxrss, code, out, err = run_npm(npm, registry, cache, tree, env)
        regs.append(time.process_time() - reg)
        traffic = server.traffic.take()
        audited = NPM_AUDITED.search(out)
        counts = {k: int(m.group(1)) if (m := r.search(out)) else 0 for k, r in NPM_COUNTS.items()}
        if audited is None or code not in (0, 1):
            # Say exactly what npm said: this is the "why not" of the issue.
            print(f"  not comparable: `npm audit signatures` exited {code} without an audit "
                  f"summary.\n  stdout:\n{out.strip()[-2000:]}\n  stderr:\n{err.strip()[-3000:]}")
            print("  requests it made:\n" + describe(traffic))
            return
        if i == 0:
            said = " / ".join(ln.strip() for ln in out.splitlines() if ln.strip())
            print(f"  npm said: {said}")
            stderr_lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
            if stderr_lines:
                print("  npm stderr: " + " / ".join(stderr_lines[:4]))
            if counts["missing"] or counts["invalid"]:
                print(f"  WARNING: npm found {counts['missing']} missing and {counts['invalid']} "
                      "invalid signatures: the fixture, not npm, needs fixing")
        walls.append(wall)
        cpus.append(cpu)
        rss = max(rss, maxrss)
    npm_row = (median(walls), median(cpus), rss, counts["verified"], int(audited.group(1)),
               median(regs))
    print("  requests npm made (last run):\n" + describe(traffic))
    print("  requests lockproof made (last cold run):\n" + describe(lockproof_cold["traffic"]))

    verified, judged = lockproof_verified(binary, registry, folder, work)
    lp_row = (lockproof_cold["wall"], lockproof_cold["cpu"], lockproof_cold["rss"], verified,
              judged, lockproof_cold["registry_cpu"])
    print(f"\ncold runs, median of {args.runs} (each with an empty cache), same registry, "
          f"{installed} entries:")
    head = ("tool", "wall", "CPU", "peak RSS", "verified/checked", "registry CPU")
    rows = [("lockproof audit", *lp_row), ("npm audit signatures", *npm_row)]
    print(f"  {head[0]:<22}{head[1]:>10}{head[2]:>10}{head[3]:>10}{head[4]:>18}{head[5]:>14}")
    for name, wall, cpu, kib, ok, of, reg in rows:
        print(f"  {name:<22}{wall * 1000:>8.0f}ms{cpu * 1000:>8.0f}ms{kib / 1024:>8.0f}MB"
              f"{f'{ok}/{of}':>18}{reg * 1000:>12.0f}ms")
    ratio = [lp / n for lp, n in zip(lp_row[:3], npm_row[:3])]
    print(f"  {'lockproof / npm':<22}{ratio[0]:>9.2f}x{ratio[1]:>9.2f}x{ratio[2]:>9.2f}x")
    for name, runs in (("lockproof", lockproof_cold["walls"]), ("npm", walls)):
        print(f"  {name} wall per run: " + ", ".join(f"{w * 1000:.0f}" for w in runs) + " ms")
    print("  CPU: user+sys of the tool's process. registry CPU: this script's Python process,\n"
          "  which serves both tools and shares the machine's 2 cores with them.\n"
          "  Not in npm's time: the 4 HTTPS round trips of its TUF refresh would go to\n"
          "  Sigstore's CDN on a real network; here they stay on 127.0.0.1.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lockfile", nargs="?", default=str(DEFAULT))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-age", type=int, default=0,
                    help="send Cache-Control max-age=N (registry.npmjs.org sends 300); "
                         "0 sends none, so warm runs revalidate every packument")
    ap.add_argument("--compare-npm", action="store_true",
                    help="also time `npm audit signatures` on the same entries and registry")
    args = ap.parse_args()
    lockfile = Path(args.lockfile)
    if not lockfile.is_file():
        sys.exit(f"lockfile not found: {lockfile} (is ../shared beside the repo?)")
    if os.environ.get("LOCKPROOF_BIN"):
        binary = Path(os.environ["LOCKPROOF_BIN"])
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = ROOT / "target/release/lockproof"
    lock = json.loads(lockfile.read_text())
    # The registry's signing key, listed at /-/npm/v1/keys like npm's.
    key = fake_npm.SigningKey(b"lockproof bench-registry test key")
    routes = packuments(lock, key)
    total = sum(len(b) for b in routes.values())
    routes["/-/npm/v1/keys"] = json.dumps({"keys": [key.keys_entry()]}).encode()
    work = Path(tempfile.mkdtemp())
    tuf = tuf_root = cert = None
    if args.compare_npm:
        # The TUF mirror's TLS identity and metadata, each under its own
        # test key (made from fixed seeds, like the registry's).
        cert, private = fake_npm.tls_identity(fake_npm.SigningKey(b"bench tls"),
                                              fake_npm.TUF_HOST)
        (work / "tuf-cert.pem").write_text(cert)
        (work / "tuf-key.pem").write_text(private)
        cert = work / "tuf-cert.pem"
        tuf_root, files = fake_npm.tuf_repository(fake_npm.SigningKey(b"bench tuf"))
        tuf = (cert, work / "tuf-key.pem", files)
    server = serve(routes, tuf, args.max_age)
    registry = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        folder = work / "project"
        folder.mkdir()
        # No `resolved`: the entries come from the fake registry, and the
        # lockfile's own URL checks stay out of the measurement.
        for entry in lock.get("packages", {}).values():
            entry.pop("resolved", None)
        (folder / "package-lock.json").write_text(json.dumps(lock))
        entries = sum(1 for k in lock["packages"] if k)
        print(f"{lockfile.name}: {entries} entries, {len(routes) - 1} packuments, "
              f"{total / 1e6:.1f} MB served")
        cold = {}
        for label, fresh in [("cold", True), ("warm", False)]:
            walls, cpus, regs, rss, maxrss = [], [], [], 0, 0
            for _ in range(args.runs):
                cache = work / "cache"
                if fresh and cache.exists():
                    shutil.rmtree(cache)
                server.traffic.take()
                reg = time.process_time()
                wall, cpu, rss = run(binary, registry, cache, folder)
                regs.append(time.process_time() - reg)
                walls.append(wall)
                cpus.append(cpu)
                maxrss = max(maxrss, rss)
            wall = median(walls)
            cpu = median(cpus)
            if fresh:
                cold = {"wall": wall, "cpu": cpu, "rss": maxrss, "registry_cpu": median(regs),
                        "walls": walls, "traffic": server.traffic.take()}
            rate = f", {total / wall / 1e6:.0f} MB/s of packuments parsed" if fresh else ""
            print(f"{label}: median {wall * 1000:.0f} ms wall, CPU {cpu * 1000:.0f} ms "
                  f"({cpu / wall:.0%} of wall, 2 cores){rate}; peak RSS {rss / 1024:.0f} MB")
        if args.compare_npm:
            compare_npm(args, lock, server, registry, work, cold, binary, folder, tuf_root, cert)
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
