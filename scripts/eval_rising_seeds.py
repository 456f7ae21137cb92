#!/usr/bin/env python3
"""Rising-topic quality over several seeds: runs scripts/eval_rising.py once per seed (each
in its own work directory, from no derived outputs) and prints one line per seed and the
totals, twice: with each top-5 entry named by the planted topic of most of its threads, and
by that of most of its counted posts (see eval_rising.py). So a change to topic discovery or scoring can be judged on all of them at once.

Small changes to the topic model move which day a young topic is found or wobbles on, so a
change that helps one seed can hurt another; compare the totals, not one seed.

  python scripts/eval_rising_seeds.py --binary target/release/murmur --work /tmp/ev \\
      [--seeds 1,2,3,4,5] [--people 4000] [--weeks 20] [--json out.json]
"""
import argparse, json, os, statistics, subprocess, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--work", required=True, help="one sub-directory per seed is kept here")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--people", type=int, default=4000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--warmup-days", type=int, default=28)
    ap.add_argument("--json", help="also write every seed's full result here")
    a = ap.parse_args()
    try:
        seeds = [int(s) for s in a.seeds.split(",") if s.strip()]
    except ValueError:
        sys.exit(f"--seeds: expected comma-separated integers, got {a.seeds!r}")
    if not seeds:
        sys.exit("--seeds: expected at least one seed")
    here = os.path.dirname(os.path.abspath(__file__))
    results = {}
    for seed in seeds:
        work = os.path.join(a.work, f"seed-{seed}")
        print(f"seed {seed}: evaluating in {work} ...", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, os.path.join(here, "eval_rising.py"), "--binary", a.binary,
             "--work", work, "--people", str(a.people), "--weeks", str(a.weeks),
             "--seed", str(seed), "--warmup-days", str(a.warmup_days)],
            capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"seed {seed}: eval_rising.py failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
        results[seed] = json.loads(out.stdout[out.stdout.index("{"):])

    problems = list(next(iter(results.values()))["emerging"])
    print("Entries named by the planted topic of most of their threads:")
    table(results, problems, lambda r: r)
    print("\nEntries named by the planted topic of most of their counted posts (what made them rise):")
    table(results, problems, lambda r: r["by_counted_posts"])
    if a.json:
        with open(a.json, "w") as f:
            json.dump({str(k): v for k, v in results.items()}, f, indent=1)


def table(results, problems, pick):
    """One line per seed and the totals, from each seed's result as `pick` chooses."""
    print("seed  " + "  ".join(f"{p.split('_')[0]:>10}" for p in problems)
          + "  missed  recurring  false/wk")
    delays, never, missed, recurring, alarms = [], 0, 0, 0, []
    for seed, full in results.items():
        r = pick(full)
        cells, seed_missed = [], 0
        for p in problems:
            d = r["emerging"][p]["delay_days"]
            m = len(r["emerging"][p]["missing_days"])
            seed_missed += m
            if d is None:
                never += 1
            else:
                delays.append(d)
            cells.append(f"{'never' if d is None else d}{f' ({m} off)' if m else ''}")
        rec = len(r["recurring_in_top"])
        missed += seed_missed
        recurring += rec
        alarms.append(r["false_alarms_per_week"] or 0.0)
        print(f"{seed:>4}  " + "  ".join(f"{c:>10}" for c in cells)
              + f"  {seed_missed:>6}  {rec:>9}  {r['false_alarms_per_week']:>8}")
    print(f"total: delays {sum(delays)} days over {len(delays)} detections"
          f" (median {statistics.median(delays) if delays else '-'}, never found {never}),"
          f" {missed} days out of the top 5 while growing, recurring topic ranked on {recurring} days,"
          f" false alarms {statistics.mean(alarms):.2f} a week on average")


if __name__ == "__main__":
    main()
