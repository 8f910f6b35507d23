#!/usr/bin/env python3
"""Benchmark a full registry audit against a local fake registry.

Serves, on 127.0.0.1, a full packument for every package of a lockfile
(default: the 1,615-entry generated toolchain lockfile in ../shared), each
padded with realistic version history so sizes follow what the public
registry serves, with ETags so warm runs revalidate (304). Then runs
`lockproof audit` cold (empty cache) and warm, and prints wall time, CPU
share (user+sys over wall), bytes of packuments parsed per second and peak
RSS. Nothing leaves the machine.

usage: scripts/bench-registry.py [LOCKFILE] [--runs N]
"""

import argparse
import hashlib
import http.server
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared/fixtures/lockfiles/gen-toolchain-xl-v3.package-lock.json"


def packuments(lock):
    """name -> packument JSON bytes, with the locked versions and history."""
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
            docs[v] = {"name": name, "version": v,
                       "dist": {"integrity": integrity, "tarball": f"http://127.0.0.1/{name}/-/x-{v}.tgz"},
                       "_npmUser": {"name": "maintainer", "email": "m@example.com"}}
            times[v] = "2024-01-01T00:00:00.000Z"
        body = json.dumps({"name": name, "versions": docs, "time": times}).encode()
        out["/" + name.replace("/", "%2f")] = body
    return out


def serve(routes):
    etags = {p: '"' + hashlib.sha256(b).hexdigest()[:16] + '"' for p, b in routes.items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = routes.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lockfile", nargs="?", default=str(DEFAULT))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    lockfile = Path(args.lockfile)
    if not lockfile.is_file():
        sys.exit(f"lockfile not found: {lockfile} (is ../shared beside the repo?)")
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target/release/lockproof"
    lock = json.loads(lockfile.read_text())
    routes = packuments(lock)
    total = sum(len(b) for b in routes.values())
    server = serve(routes)
    registry = f"http://127.0.0.1:{server.server_address[1]}/"
    work = Path(tempfile.mkdtemp())
    try:
        folder = work / "project"
        folder.mkdir()
        # No `resolved`: the entries come from the fake registry, and the
        # lockfile's own URL checks stay out of the measurement.
        for entry in lock.get("packages", {}).values():
            entry.pop("resolved", None)
        (folder / "package-lock.json").write_text(json.dumps(lock))
        entries = sum(1 for k in lock["packages"] if k)
        print(f"{lockfile.name}: {entries} entries, {len(routes)} packuments, "
              f"{total / 1e6:.1f} MB served")
        for label, fresh in [("cold", True), ("warm", False)]:
            walls, cpus, rss = [], [], 0
            for _ in range(args.runs):
                cache = work / "cache"
                if fresh and cache.exists():
                    shutil.rmtree(cache)
                wall, cpu, rss = run(binary, registry, cache, folder)
                walls.append(wall)
                cpus.append(cpu)
            wall = sorted(walls)[len(walls) // 2]
            cpu = sorted(cpus)[len(cpus) // 2]
            rate = f", {total / wall / 1e6:.0f} MB/s of packuments parsed" if fresh else ""
            print(f"{label}: median {wall * 1000:.0f} ms wall, CPU {cpu * 1000:.0f} ms "
                  f"({cpu / wall:.0%} of wall, 2 cores){rate}; peak RSS {rss / 1024:.0f} MB")
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
