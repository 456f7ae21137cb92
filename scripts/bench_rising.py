#!/usr/bin/env python3
"""Speed of `murmur run rising` over ~1,000,000 posts spanning 52 weeks.

Builds the lake once (the same organisation as scripts/bench_rising_sql.py: 14,950 people,
52 weeks, seed 7 — about 1M posts), then times the job with its default history (16 weeks)
and with the whole year as history, reporting wall time and peak memory (GNU time).
Targets (issue 4): at most 60 s and 4 GB.
"""
import argparse, os, re, subprocess, sys, tempfile

KEY = "00112233445566778899aabbccddeeff"


def timed(cmd, env, cwd):
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) / 1024
    return secs, rss, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "murmur-bench-rising"))
    ap.add_argument("--people", type=int, default=14950)
    ap.add_argument("--weeks", type=int, default=52)
    a = ap.parse_args()
    b, w = os.path.abspath(a.binary), os.path.abspath(a.work)
    os.makedirs(w, exist_ok=True)
    env = dict(os.environ, MURMUR__PRIVACY__KEY=KEY, MURMUR_LOG="warn")
    if not os.path.isdir(os.path.join(w, "lake", "posts")):
        print(f"building the lake in {w} ({a.people} people, {a.weeks} weeks) …", flush=True)
        subprocess.run([b, "fixtures", "generate", "--people", str(a.people), "--weeks", str(a.weeks),
                        "--seed", "7", "--out", "sample"], cwd=w, env=env, check=True, capture_output=True)
        subprocess.run([b, "--lake", "lake", "ingest", "file", "sample/posts.jsonl", "sample/feedback.jsonl"],
                       cwd=w, env=env, check=True, capture_output=True)
    posts = subprocess.run([b, "--lake", "lake", "query", "--format", "csv", "SELECT COUNT(*) AS n, "
                            "CAST(MAX(created_at) AS DATE) AS last FROM posts"], cwd=w, env=env,
                           check=True, capture_output=True, text=True).stdout.splitlines()[1].split(",")
    n, last = int(posts[0]), posts[1]
    print(f"{n:,} posts up to {last}")
    print("| history | wall s | peak MB |")
    print("|---|---|---|")
    for label, extra in [("16 weeks (default)", {}), ("52 weeks", {"MURMUR__TOPICS__HISTORY_DAYS": "364"})]:
        secs, rss, _ = timed([b, "--lake", "lake", "--catalog", "sample/catalog", "run", "rising",
                              "--as-of", last, "--derived", "derived-bench"], dict(env, **extra), w)
        print(f"| {label} | {secs:.2f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
