#!/usr/bin/env python3
"""Ingest benchmark: generated events from JSONL files into an empty lake.

Generates sample organisations sized to about 1M and 3M events (posts + feedback), then
times `murmur ingest file` on them (release build) and reads its peak RSS from
/usr/bin/time. Target (issue 2): >= 150,000 events/s on 2 cores; peak memory that does
not grow with the input size.

Usage: bench_ingest.py --binary target/release/murmur [--sizes 1000000,3000000] [--work DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            n += chunk.count(b"\n")
    return n


def generate(binary, people, weeks, out):
    subprocess.run([binary, "fixtures", "generate", "--people", str(people), "--weeks", str(weeks),
                    "--seed", "7", "--out", out], check=True, stdout=subprocess.DEVNULL)
    return count_lines(os.path.join(out, "posts.jsonl")) + count_lines(os.path.join(out, "feedback.jsonl"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--sizes", default="1000000,3000000")
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="murmur-bench-")
    os.makedirs(work, exist_ok=True)
    # Calibrate events per person over the span.
    calib = os.path.join(work, "calib")
    shutil.rmtree(calib, ignore_errors=True)
    per_person = generate(args.binary, 500, args.weeks, calib) / 500
    shutil.rmtree(calib, ignore_errors=True)
    results = []
    for target in [int(s) for s in args.sizes.split(",")]:
        people = max(20, round(target / per_person))
        data = os.path.join(work, f"data-{target}")
        shutil.rmtree(data, ignore_errors=True)
        events = generate(args.binary, people, args.weeks, data)
        size = sum(os.path.getsize(os.path.join(data, f)) for f in ("posts.jsonl", "feedback.jsonl"))
        lake = os.path.join(work, f"lake-{target}")
        shutil.rmtree(lake, ignore_errors=True)
        env = dict(os.environ, MURMUR__PRIVACY__KEY="62656e63686d61726b2d6b65792d303030", MURMUR_LOG="warn")
        cmd = ["/usr/bin/time", "-f", "%M %e", args.binary, "--lake", lake, "ingest", "file", "--json",
               os.path.join(data, "posts.jsonl"), os.path.join(data, "feedback.jsonl")]
        t0 = time.time()
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.time() - t0
        if p.returncode != 0:
            print(p.stdout, p.stderr, file=sys.stderr)
            sys.exit(1)
        summary = json.loads(p.stdout)
        rss_kb, _elapsed = p.stderr.strip().splitlines()[-1].split()
        results.append({
            "events": events, "people": people, "input_mb": round(size / 1e6, 1),
            "seconds": round(wall, 2), "events_per_s": round(events / wall),
            "peak_rss_mb": round(int(rss_kb) / 1024, 1),
            "files_written": summary["files_written"],
            "lake_mb": round(summary["bytes_written"] / 1e6, 1),
        })
        shutil.rmtree(lake, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    print(f"{'events':>10} {'input MB':>9} {'seconds':>8} {'events/s':>10} {'peak RSS MB':>12} {'files':>6} {'lake MB':>8}")
    for r in results:
        print(f"{r['events']:>10} {r['input_mb']:>9} {r['seconds']:>8} {r['events_per_s']:>10} "
              f"{r['peak_rss_mb']:>12} {r['files_written']:>6} {r['lake_mb']:>8}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
