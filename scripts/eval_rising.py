#!/usr/bin/env python3
"""Quality of `murmur run rising` on a sample organisation's planted truth.

Generates the organisation (unless --sample exists), ingests it, runs the daily ranking for
every day from --warmup-days after the start to the end, and reports per planted emerging
problem the detection delay (days from onset to its first day in the top 5), whether it
stays in the top 5 while it grows (onset .. peak), whether the recurring topic ever enters
the top 5 (days less than a month into the data, before one cycle of its rhythm can have
been seen, are listed apart), false alarms per week, and id stability of every topic over weekly runs.

A top-5 entry is matched to the planted topic most of its threads belong to
(truth_posts.csv). A false alarm is an entry whose planted topic is no emerging problem and
that is no real surge: its planted daily posts that day are below twice its mean of the
previous 28 days.

The same figures are also reported (`by_counted_posts`) with each entry matched instead to
the planted topic most of its counted posts belong to: the posts in its `counted_hours`
before the end of the day, which are what made it rise and what its `rising_terms` and
examples show. The two differ when a new problem is merged into an older topic: most of the
topic's threads are then the old subject while the day's posts are the new one.

Each planted problem also gets its `evidence`: its new threads per day from onset, its rate
in the 28 days before onset, and per day the smallest Poisson tail probability of its thread
count in a window of 1-7 days ending that day. That is what an oracle knowing the problem's
threads could see, so no detector can name it earlier with less risk of flagging noise.
`--evidence-only` reports just that, in seconds (no daily runs).

Each run starts from no derived outputs (the topic registry shapes later runs), so a second
run in the same --work directory reuses the sample and lake and gives the same figures.
"""
import argparse, bisect, csv, json, math, os, shutil, statistics, subprocess, sys
from collections import Counter, defaultdict
from datetime import date, timedelta

KEY = "00112233445566778899aabbccddeeff"


def sh(args, cwd, **kw):
    env = dict(os.environ, MURMUR__PRIVACY__KEY=KEY)
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--weeks", type=int, default=26)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup-days", type=int, default=35)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--evidence-only", action="store_true",
                    help="only report how much evidence each planted problem gives in its first"
                         " days (no daily runs)")
    a = ap.parse_args()
    w = os.path.abspath(a.work)
    os.makedirs(w, exist_ok=True)
    b = os.path.abspath(a.binary)
    if not os.path.exists(os.path.join(w, "sample", "truth.json")):
        sh([b, "fixtures", "generate", "--people", str(a.people), "--weeks", str(a.weeks),
            "--seed", str(a.seed), "--out", "sample"], w)
        sh([b, "--lake", "lake", "--catalog", "sample/catalog", "ingest", "file",
            "sample/posts.jsonl", "sample/feedback.jsonl"], w)
    # The job's outputs, the topic registry among them, shape later runs (topic ids, young
    # topics), so an evaluation starts from none: a second evaluation in the same work
    # directory then gives the same figures as the first.
    shutil.rmtree(os.path.join(w, "derived"), ignore_errors=True)
    truth = json.load(open(os.path.join(w, "sample", "truth.json")))
    post_topic, thread_topic = {}, {}
    with open(os.path.join(w, "sample", "truth_posts.csv")) as f:
        for r in csv.DictReader(f):
            post_topic[r["post_id"]] = r["topic"]
            if r["post_id"] == r["thread_id"]:
                thread_topic[r["thread_id"]] = r["topic"]
    topics = {t["key"]: t for t in truth["topics"]}
    emerging = {k: t for k, t in topics.items() if t["kind"] == "emerging"}
    recurring = [k for k, t in topics.items() if t["kind"] == "recurring"]
    start = date.fromisoformat(truth["span"]["start"])
    end = date.fromisoformat(truth["span"]["end"])
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    lake_posts = ds.dataset(os.path.join(w, "lake", "posts"), format="parquet",
                            partitioning="hive").to_table(columns=["post_id", "thread_id", "created_at"])
    lake_posts = sorted(zip(lake_posts.column("created_at").cast("int64").to_pylist(),
                            lake_posts.column("thread_id").to_pylist(),
                            lake_posts.column("post_id").to_pylist()))
    post_times = [p[0] for p in lake_posts]

    def assignments_of(day):
        tab = pq.read_table(os.path.join(w, "derived", "topic_assignments", f"as_of={day}",
                                         "assignments.parquet")).to_pylist()
        return {r["thread_id"]: r["topic_id"] for r in tab}

    def planted_of(assigned):
        c = defaultdict(Counter)
        for thread, topic in assigned.items():
            c[topic][thread_topic.get(thread, "?")] += 1
        return {t: cnt.most_common(1)[0][0] for t, cnt in c.items()}

    def planted_of_counted(assigned, day, topic_id, hours):
        """The planted topic most of the entry's counted posts belong to."""
        end_us = (day + timedelta(days=1) - date(1970, 1, 1)).days * 86_400_000_000
        lo = bisect.bisect_left(post_times, end_us - hours * 3_600_000_000)
        hi = bisect.bisect_left(post_times, end_us)
        c = Counter(post_topic.get(p, "?") for _, thread, p in lake_posts[lo:hi]
                    if assigned.get(thread) == topic_id)
        return c.most_common(1)[0][0] if c else "?"

    def surge(key, day):
        dc = topics[key]["daily_counts"]
        prev = [dc.get(str(day - timedelta(days=i)), 0) for i in range(1, 29)]
        return dc.get(str(day), 0) >= 2 * (sum(prev) / 28) and dc.get(str(day), 0) >= 5

    # New threads per planted topic and UTC day, for the evidence below.
    threads_by_day = defaultdict(Counter)
    for us, thread, post in lake_posts:
        if thread == post and thread in thread_topic:
            threads_by_day[thread_topic[thread]][date(1970, 1, 1) + timedelta(microseconds=us)] += 1
    evidence = {k: early_evidence(date.fromisoformat(t["onset"]), threads_by_day[k])
                for k, t in emerging.items()}
    if a.evidence_only:
        print(json.dumps({"seed": a.seed, "people": a.people, "weeks": a.weeks,
                          "evidence": evidence}, indent=1))
        return

    day = start + timedelta(days=a.warmup_days)
    # Per day, the entries as (topic_id, planted by threads, planted by counted posts, score).
    days = {}
    ids_by_week = defaultdict(dict)
    while day < end:
        out = sh([b, "--lake", "lake", "--catalog", "sample/catalog", "run", "rising",
                  "--as-of", str(day), "--window", "day", "--top", str(a.top), "--format", "json"], w)
        rep = json.loads(out.stdout)
        assigned = assignments_of(day)
        planted = planted_of(assigned)
        days[day] = [(t["topic_id"], planted.get(t["topic_id"], "?"),
                      planted_of_counted(assigned, day, t["topic_id"], t["counted_hours"]), t["score"])
                     for t in rep["topics"]]
        if (day - start).days % 7 == 0:
            for tid, p in planted.items():
                ids_by_week[day][p] = ids_by_week[day].get(p) or tid
        print(day, [(p, c, s) for _, p, c, s in days[day]], file=sys.stderr)
        day += timedelta(days=1)

    def quality(match):
        """Delays, misses, recurring days and false alarms with entries named by `match`
        (1: by threads, 2: by counted posts)."""
        top_by_day = {d: [(e[0], e[match], e[3]) for e in entries] for d, entries in days.items()}
        false_alarms = [(str(d), tid, p, score) for d, entries in top_by_day.items()
                        for tid, p, score in entries
                        if p not in emerging and not (p in topics and surge(p, d))]
        r = {"emerging": {}}
        delays = []
        for k, t in emerging.items():
            onset, peak = date.fromisoformat(t["onset"]), date.fromisoformat(t["peak"])
            first = next((d for d in sorted(top_by_day) if d >= onset and any(p == k for _, p, _ in top_by_day[d])), None)
            delay = (first - onset).days if first else None
            missing = [str(d) for d in sorted(top_by_day) if first and first <= d <= peak
                       and not any(p == k for _, p, _ in top_by_day[d])]
            r["emerging"][k] = {"onset": str(onset), "delay_days": delay,
                                "stays_while_growing": first is not None and not missing,
                                "missing_days": missing}
            if delay is not None:
                delays.append(delay)
        r["median_delay_days"] = statistics.median(delays) if delays else None
        # A monthly rhythm can only be known once one cycle is in the history: days less than a
        # month after the data starts are reported apart (the job has nothing to compare them with).
        def one_cycle_seen(d):
            m = d.month - 1 or 12
            y = d.year - (d.month == 1)
            return date(y, m, min(d.day, 28)) >= start
        in_top = [d for d, e in sorted(top_by_day.items()) if any(p in recurring for _, p, _ in e)]
        r["recurring_in_top"] = [str(d) for d in in_top if one_cycle_seen(d)]
        r["recurring_in_top_first_cycle"] = [str(d) for d in in_top if not one_cycle_seen(d)]
        weeks = len(top_by_day) / 7
        r["false_alarms"] = len(false_alarms)
        r["false_alarms_per_week"] = round(len(false_alarms) / weeks, 2) if weeks else None
        r["false_alarm_list"] = false_alarms[:20]
        return r

    result = {"seed": a.seed, "people": a.people, "weeks": a.weeks, **quality(1)}
    for k, e in evidence.items():
        result["emerging"][k]["evidence"] = e
    result["by_counted_posts"] = quality(2)
    # Id stability: planted topics with the same id in 4 consecutive weekly runs.
    wk = sorted(ids_by_week)
    stable = {}
    for key in topics:
        best = run = 0
        prev = None
        for d in wk:
            cur = ids_by_week[d].get(key)
            run = run + 1 if cur is not None and cur == prev else (1 if cur else 0)
            prev = cur
            best = max(best, run)
        stable[key] = best
    result["longest_same_id_weekly_runs"] = stable
    print(json.dumps(result, indent=1))


def poisson_sf(k, mean):
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    term, below = math.exp(-mean), 0.0
    for i in range(k):
        below += term
        term *= mean / (i + 1)
    return max(0.0, 1.0 - below)


def early_evidence(onset, per_day, days=8, max_window=7):
    """How far a planted problem's first days stand out from its own past, seen by an oracle
    that knows which threads are the problem's: its new threads per day from onset, its rate
    in the 28 days before onset, and for each day the smallest Poisson tail probability of
    its thread count in any window of 1 to `max_window` days ending that day. No detector that
    must tell the problem from its own pre-onset trickle can do better than this oracle.
    `per_day` counts the problem's new threads by date."""
    before = sum(per_day[onset - timedelta(days=i)] for i in range(1, 29)) / 28
    from_onset = [per_day[onset + timedelta(days=i)] for i in range(days)]
    smallest_p = []
    for d in range(days):
        smallest_p.append(min(
            poisson_sf(sum(per_day[onset + timedelta(days=d - j)] for j in range(w)), before * w)
            for w in range(1, max_window + 1)))
    return {"onset_weekday": onset.strftime("%A"),
            "threads_per_day_before_onset": round(before, 3),
            "threads_per_day_from_onset": from_onset,
            "smallest_p_by_day": [float(f"{p:.2g}") for p in smallest_p]}


if __name__ == "__main__":
    main()
