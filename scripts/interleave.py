#!/usr/bin/env python3
"""Time whole commands side by side: runs them in turn (A B A B …) so a
machine whose speed drifts slows both alike, and reports per command the
median wall time and peak resident memory, and for each later command the
median of the per-pair ratios against the first.

Usage: interleave.py [--runs N] [--warmup N] [--json FILE] [--max-exit N]
                     [--prepare NAME=COMMAND]... NAME=COMMAND...
Each COMMAND is split as a shell splits words (no shell runs it). Its
output is discarded; an exit code above --max-exit (default 1: lockproof's
and lockfile-lint's "error") stops the benchmark, since a crashed run times
nothing. A --prepare command for NAME runs, untimed, before each run of
NAME (warmups too), e.g. to empty its caches; it must exit 0.

Peak RSS comes from three more, untimed runs of each command under GNU
time (`time -f %M`), which starts the command from its own small process.
A command this script starts itself would report at least this script's
own peak: Linux carries a process's peak RSS across exec, so `wait4` sees
Python's size (about 15 MiB) as the floor of every reading. Without GNU
time, the `wait4` figure is printed with that floor named.
"""

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Untimed runs per command for its peak RSS.
RSS_RUNS = 3


def run_once(argv, max_exit):
    """Wall seconds and peak RSS (MiB) of one run."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(argv, stdout=null, stderr=null)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code > max_exit or code < 0:
        sys.exit(f"interleave: {shlex.join(argv)} exited {code}")
    # ru_maxrss is in KiB on Linux.
    return wall, usage.ru_maxrss / 1024


def own_peak_mib():
    """This script's own peak RSS (MiB): the floor of what wait4 reports
    for a command it starts."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_under_time(gnu_time, argv, max_exit):
    """The command's peak RSS (MiB) as GNU time reports it, or None."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        with open(os.devnull, "wb") as null:
            code = subprocess.call(
                [gnu_time, "-f", "%M", "-o", out.name, *argv], stdout=null, stderr=null
            )
        if code > max_exit or code < 0:
            sys.exit(f"interleave: {shlex.join(argv)} exited {code} under {gnu_time}")
        lines = out.read().strip().splitlines()
    try:
        return int(lines[-1]) / 1024
    except (IndexError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--max-exit", type=int, default=1)
    parser.add_argument("--prepare", action="append", default=[])
    parser.add_argument("commands", nargs="+")
    args = parser.parse_intermixed_args()

    def split(item):
        name, sep, command = item.partition("=")
        if not sep or not command:
            sys.exit(f"interleave: expected NAME=COMMAND, got {item!r}")
        return name, shlex.split(command)

    named = [split(item) for item in args.commands]
    prepare = dict(split(item) for item in args.prepare)
    unknown = set(prepare) - {name for name, _ in named}
    if unknown:
        sys.exit(f"interleave: --prepare for no command: {sorted(unknown)}")

    def run(name, argv):
        if name in prepare:
            subprocess.run(prepare[name], check=True)
        return run_once(argv, args.max_exit)

    for _ in range(args.warmup):
        for name, argv in named:
            run(name, argv)
    results = {name: [] for name, _ in named}
    for _ in range(args.runs):
        for name, argv in named:
            results[name].append(run(name, argv))
    # GNU time, not a shell's keyword: a program in PATH that takes -f.
    gnu_time = shutil.which("time")
    if gnu_time and subprocess.call(
        [gnu_time, "-f", "%M", "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ):
        gnu_time = None
    floor = own_peak_mib()
    first = named[0][0]
    report = {}
    width = max(len(n) for n, _ in named)
    for name, argv in named:
        walls = [w for w, _ in results[name]]
        peak, source = None, "gnu-time"
        if gnu_time:
            readings = []
            for _ in range(RSS_RUNS):
                if name in prepare:
                    subprocess.run(prepare[name], check=True)
                readings.append(peak_under_time(gnu_time, argv, args.max_exit))
            if None not in readings:
                peak = statistics.median(readings)
        if peak is None:
            peak, source = statistics.median(p for _, p in results[name]), "wait4"
        row = {
            "median_s": statistics.median(walls),
            "min_s": min(walls),
            "max_s": max(walls),
            "median_peak_mib": peak,
            "peak_source": source,
            "runs": len(walls),
        }
        shown = f"{peak:.1f} MiB"
        if source == "wait4":
            row["peak_floor_mib"] = floor
            shown += f" (no GNU time: at least this script's own {floor:.1f} MiB)"
        line = (
            f"{name:<{width}}  median {row['median_s'] * 1000:8.1f} ms"
            f"  (min {row['min_s'] * 1000:.1f}, max {row['max_s'] * 1000:.1f})"
            f"  peak RSS {shown}"
        )
        if name != first:
            ratios = [
                b / a for (a, _), (b, _) in zip(results[first], results[name])
            ]
            row["median_ratio_vs_" + first] = statistics.median(ratios)
            line += f"  {name}/{first} = {statistics.median(ratios):.2f}x (median of pairs)"
        report[name] = row
        print(line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
