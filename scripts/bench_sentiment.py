#!/usr/bin/env python3
"""Sentiment benchmark (issue 5), release build.

1. Scoring throughput on one core: `murmur sentiment` (single-threaded) over post texts of
   40-80 words, made by joining consecutive generated post bodies. Target >= 50,000
   posts/s per core.
2. The shift job over about 1,000,000 posts: a generated organisation of 12 weeks sized to
   ~1M posts is ingested, then `murmur run sentiment` runs with a baseline long enough that
   the windows hold every post. The first run scores all posts (parallel) and tests; the
   second finds the scores stored and only runs the shift job. Target <= 30 s.

Usage: bench_sentiment.py --binary target/release/murmur [--posts 1000000] [--work DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time

KEY = "62656e63686d61726b2d6b65792d303030"


def generate(binary, people, weeks, out):
    subprocess.run([binary, "fixtures", "generate", "--people", str(people), "--weeks", str(weeks),
                    "--seed", "7", "--out", out], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "truth.json")) as f:
        truth = json.load(f)
    return truth["expected"]["posts_valid_distinct"], truth["span"]["end"]


def timed(cmd, env, stdin=None, stdout=subprocess.PIPE):
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %e %U %S"] + cmd, env=env, stdin=stdin,
                       stdout=stdout, stderr=subprocess.PIPE, check=True)
    wall = time.monotonic() - t
    rss_kb, _, user, sys_ = p.stderr.decode().strip().splitlines()[-1].split()
    return p, wall, float(user) + float(sys_), int(rss_kb) // 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--texts", type=int, default=200_000)
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="murmur-bench-sentiment-")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, MURMUR__PRIVACY__KEY=KEY, MURMUR_LOG="warn")
    cores = os.cpu_count()

    calib = os.path.join(work, "calib")
    shutil.rmtree(calib, ignore_errors=True)
    per_person = generate(args.binary, 500, args.weeks, calib)[0] / 500
    shutil.rmtree(calib, ignore_errors=True)
    people = max(20, round(args.posts / per_person))
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    posts, span_end = generate(args.binary, people, args.weeks, data)

    # 1. Scoring, one core.
    texts, words, cur = [], [], []
    with open(os.path.join(data, "posts.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                body = json.loads(line)["body"]
            except Exception:
                continue
            if not isinstance(body, str):
                continue
            cur.extend(body.split())
            if len(cur) >= 40:
                cur = cur[:80]
                texts.append(" ".join(cur).replace("\n", " "))
                words.append(len(cur))
                cur = []
                if len(texts) >= args.texts:
                    break
    path = os.path.join(work, "texts.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    with open(path, "rb") as stdin:
        _, wall, cpu, rss = timed([args.binary, "sentiment"], env, stdin=stdin,
                                  stdout=subprocess.DEVNULL)
    scoring = {
        "texts": len(texts), "mean_words": round(sum(words) / len(words), 1),
        "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "posts_per_s_per_core": round(len(texts) / wall),
    }
    print("scoring (murmur sentiment, one thread):", json.dumps(scoring))

    # 2. The job over ~1M posts.
    lake = os.path.join(work, "lake")
    shutil.rmtree(lake, ignore_errors=True)
    shutil.rmtree(os.path.join(work, "derived"), ignore_errors=True)
    subprocess.run([args.binary, "--lake", lake, "ingest", "file", os.path.join(data, "posts.jsonl")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    days = args.weeks * 7 + 7
    jenv = dict(env, MURMUR__SENTIMENT__BASELINE_DAYS=str(days))
    cmd = [args.binary, "--lake", lake, "run", "sentiment", "--as-of", span_end, "--format", "json"]
    p1, wall1, cpu1, rss1 = timed(cmd, jenv)
    first = json.loads(p1.stdout)
    p2, wall2, cpu2, rss2 = timed(cmd, jenv)
    second = json.loads(p2.stdout)
    job = {
        "posts_in_lake": posts, "cores": cores,
        "first_run_s": round(wall1, 2), "first_run_posts_scored": first["scores"]["posts_scored"],
        "first_run_peak_rss_mb": rss1,
        "shift_job_s": round(wall2, 2), "shift_job_peak_rss_mb": rss2,
        "groups_tested": second["tested"], "shifts_flagged": len(second["shifts"]),
        "rescored_days_on_second_run": second["scores"]["days_scored"],
    }
    scored = first["scores"]["posts_scored"]
    if wall1 > wall2 and scored:
        job["scoring_in_job_posts_per_s_per_core"] = round(scored / (wall1 - wall2) / cores)
    print("shift job:", json.dumps(job))
    ok = scoring["posts_per_s_per_core"] >= 50_000 and wall2 <= 30
    print("targets (>= 50,000 posts/s/core; shift job <= 30 s):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
