#!/usr/bin/env python3
"""Rising-topics SQL benchmark: DataFusion (`murmur query`) against DuckDB, same Parquet files.

Target (issue 4): over 1,000,000 posts spanning 52 weeks, the rising job's SQL parts within
1.5x the time DuckDB takes for the same query on the same Parquet files, both measured in
one run.

Without --lake, generates a sample organisation sized to about --posts posts over --weeks
weeks and ingests it with the release binary (as scripts/bench_ingest.py does). The table
`topic_threads(thread_id, topic_id)` comes from --assignments (the rising job's
derived/topic_assignments/as_of=DATE/assignments.parquet) or, without it, is made up here:
each thread gets topic md5(thread_id) mod 30, and about 10% get none.

Each sql/rising_*.sql runs over the whole span (from the first post's day to the day after
the last) with {{params}} rendered: once to warm up and to compare results, then best of
--repeat. DataFusion's time is what `murmur query --timing` reports (session, planning,
execution, collecting the batches; not printing them); its process wall time is shown too.
DuckDB's is con.sql(q).to_arrow_table() in this process (planning, execution, an Arrow
table in memory), with as many threads as DataFusion has partitions (2).

Dialect translations, and only these (DuckDB side):
  - to_timestamp_micros(N)  ->  CAST(make_timestamp(N) AS TIMESTAMPTZ): DuckDB has no
    to_timestamp_micros; make_timestamp(BIGINT) takes microseconds since the epoch.
  - date_bin(INTERVAL ...,  ->  time_bucket(INTERVAL ...,: DuckDB's name for the same
    fixed-width bucketing (from the epoch in both, so hours start on the hour).
  - arrow_cast(ts, 'Int64')  ->  epoch_us(ts): a timestamp as microseconds since the
    epoch; DuckDB cannot CAST a TIMESTAMPTZ to BIGINT.
  - first_value(x ORDER BY ...) as an aggregate  ->  first(x ORDER BY ...): DuckDB's
    first_value is a window function only; its aggregate of that meaning is first.
  - SET TimeZone = 'UTC': DuckDB reads the lake's UTC timestamps as TIMESTAMPTZ and casts,
    truncates (date_trunc) and turns them into DATEs in the session time zone.
  - Tables are views: posts and feedback over read_parquet(<lake>/<table>/*/*.parquet,
    hive_partitioning) with `date` typed DATE (as murmur registers it), resources over
    read_csv(<catalog>/resources.csv), topic_threads over read_parquet(<assignments>).

--probe SQL (repeatable) also times a statement of your own both ways (translated as above,
{{from_us}}/{{to_us}}/{{min_group_size}} rendered), shown as probe1, probe2, ...: for
example a bare scan (`SELECT count(*) AS n FROM posts WHERE accepted`) to see how much of a
query's time is reading the files. Its rows are compared by column name too, and the two
engines name an expression without an alias differently (`count(DISTINCT posts.author_id)`
against `count(DISTINCT author_id)`), so give each output column an alias.

Usage: bench_rising_sql.py --binary target/release/murmur [--lake DIR --catalog DIR]
       [--assignments FILE] [--posts 1000000] [--weeks 52] [--repeat 3] [--work DIR]
       [--probe SQL ...]
"""
import argparse
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = ["rising_posts", "rising_topic_hours", "rising_window_stats", "rising_team_floor",
           "rising_experts", "rising_resources"]
# Results compared row by row; rising_posts (every post with its body) only by count.
COUNT_ONLY = {"rising_posts"}
MIN_GROUP_SIZE = 5
TOPICS = 30
UNASSIGNED_PERCENT = 10
THREADS = 2  # DataFusion's target_partitions in murmur's session
KEY = "62656e63686d61726b2d6b65792d303030"
DAY_US = 86_400_000_000


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            n += chunk.count(b"\n")
    return n


def generate(binary, people, weeks, out):
    subprocess.run([binary, "fixtures", "generate", "--people", str(people), "--weeks", str(weeks),
                    "--seed", "7", "--out", out], check=True, stdout=subprocess.DEVNULL)
    return count_lines(os.path.join(out, "posts.jsonl"))


def build_lake(binary, posts, weeks, work):
    """Generates about `posts` posts over `weeks` and ingests them; returns (lake, catalog)."""
    calib = os.path.join(work, "calib")
    shutil.rmtree(calib, ignore_errors=True)
    per_person = generate(binary, 500, weeks, calib) / 500
    shutil.rmtree(calib, ignore_errors=True)
    data = os.path.join(work, "data")
    lake = os.path.join(work, "lake")
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(lake, ignore_errors=True)
    people = max(20, round(posts / per_person))
    generate(binary, people, weeks, data)
    env = dict(os.environ, MURMUR__PRIVACY__KEY=KEY, MURMUR_LOG="warn")
    subprocess.run([binary, "--lake", lake, "ingest", "file", os.path.join(data, "posts.jsonl"),
                    os.path.join(data, "feedback.jsonl")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return lake, os.path.join(data, "catalog")


def duck(lake, catalog, assignments):
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    con.execute("SET TimeZone = 'UTC'")
    for table in ("posts", "feedback"):
        files = os.path.join(lake, table, "*", "*.parquet")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}', "
                    "hive_partitioning = true, hive_types = {'date': DATE})")
    resources = os.path.join(catalog, "resources.csv")
    if os.path.exists(resources):
        con.execute(f"CREATE VIEW resources AS SELECT * FROM read_csv('{resources}', header = true)")
    else:
        con.execute("CREATE TABLE resources (resource_id VARCHAR, title VARCHAR)")
    con.execute(f"CREATE VIEW topic_threads AS SELECT * FROM read_parquet('{assignments}')")
    return con


def make_assignments(con, path):
    """Writes topic_threads for every thread in the lake: md5(thread_id) decides the topic."""
    threads = con.execute("SELECT DISTINCT thread_id FROM posts ORDER BY thread_id").fetchall()
    ids, topics = [], []
    for (thread,) in threads:
        h = int.from_bytes(hashlib.md5(thread.encode()).digest()[:8], "big")
        if h % 100 >= UNASSIGNED_PERCENT:
            ids.append(thread)
            topics.append(f"topic-{h // 100 % TOPICS:02d}")
    pq.write_table(pa.table({"thread_id": pa.array(ids, pa.string()),
                             "topic_id": pa.array(topics, pa.string())}), path)
    return len(ids), len(threads)


def span(con):
    """The whole span in microseconds: the first post's day to the day after the last post."""
    lo, hi = con.execute(
        "SELECT epoch_us(MIN(created_at)), epoch_us(MAX(created_at)) FROM posts").fetchone()
    return lo // DAY_US * DAY_US, (hi // DAY_US + 1) * DAY_US


def render(text, params):
    for k, v in params.items():
        text = text.replace("{{" + k + "}}", str(v))
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        sys.exit(f"unrendered parameters: {left}")
    return text


def to_duckdb(sql):
    sql = re.sub(r"to_timestamp_micros\((\d+)\)", r"CAST(make_timestamp(\1) AS TIMESTAMPTZ)", sql)
    sql = re.sub(r"\bdate_bin\(INTERVAL", "time_bucket(INTERVAL", sql)
    sql = re.sub(r"\barrow_cast\(([\w.]+), 'Int64'\)", r"epoch_us(\1)", sql)
    # Only the aggregate form (first_value(... ORDER BY ...) with no OVER) is used in sql/.
    return re.sub(r"\bfirst_value\(", "first(", sql)


def run_datafusion(binary, lake, catalog, assignments, sql, keep):
    """Runs one query with `murmur query`; returns (reported s, wall s, rows, JSON text or None)."""
    cmd = [binary, "--lake", lake, "--catalog", catalog, "query", "--format", "json", "--timing",
           "--table", f"topic_threads={assignments}", "--", sql]
    out = tempfile.TemporaryFile() if keep else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, MURMUR_LOG="warn"))
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"murmur query failed:\n{p.stderr}")
    m = re.search(r"^(\d+) rows in ([0-9.]+) s$", p.stderr, re.M)
    if not m:
        sys.exit(f"no timing line from murmur query:\n{p.stderr}")
    text = None
    if keep:
        out.seek(0)
        text = out.read().decode()
        out.close()
    return float(m.group(2)), wall, int(m.group(1)), text


def run_duckdb(con, sql):
    t0 = time.perf_counter()
    table = con.sql(sql).to_arrow_table()
    return time.perf_counter() - t0, table


def same_value(got, value):
    """A JSON value from murmur (absent when NULL) against a DuckDB value."""
    if value is None or got is None:
        return value is None and got is None
    if isinstance(value, float):
        return math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(value, dt.datetime):
        return dt.datetime.fromisoformat(got) == value
    return got == value


def compare(name, json_text, table):
    """Returns a list of differences (empty when the results agree)."""
    rows = json.loads(json_text)
    problems = []
    for i, (a, b) in enumerate(zip(rows, table.to_pylist())):
        bad = [c for c in table.column_names if not same_value(a.get(c), b[c])]
        extra = set(a) - set(table.column_names)
        if bad or extra:
            problems.append(f"{name}: row {i} differs in {bad + sorted(extra)}: {a} vs {b}")
            if len(problems) >= 5:
                break
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--lake")
    ap.add_argument("--catalog")
    ap.add_argument("--assignments")
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work")
    ap.add_argument("--probe", action="append", default=[], metavar="SQL",
                    help="also time this statement both ways (repeatable); alias its "
                         "output columns (AS n) so the rows can be compared")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="murmur-bench-rising-")
    os.makedirs(work, exist_ok=True)
    binary = os.path.abspath(args.binary)
    if args.lake:
        lake, catalog = args.lake, args.catalog or os.path.join(work, "no-catalog")
    else:
        lake, catalog = build_lake(binary, args.posts, args.weeks, work)
    lake, catalog = os.path.abspath(lake), os.path.abspath(catalog)
    assignments = args.assignments or os.path.join(work, "topic_threads.parquet")
    # A first connection sees the lake only, to make the assignments if needed.
    probe = duckdb.connect()
    probe.execute("SET TimeZone = 'UTC'")
    files = os.path.join(lake, "posts", "*", "*.parquet")
    probe.execute(f"CREATE VIEW posts AS SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
    if not args.assignments:
        assigned, threads = make_assignments(probe, assignments)
        print(f"topic_threads: {assigned} of {threads} threads in {TOPICS} topics -> {assignments}")
    from_us, to_us = span(probe)
    posts = probe.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    probe.close()
    con = duck(lake, catalog, assignments)
    params = {"from_us": from_us, "to_us": to_us, "min_group_size": MIN_GROUP_SIZE}
    window = (f"{dt.datetime.fromtimestamp(from_us / 1e6, dt.timezone.utc):%Y-%m-%d} .. "
              f"{dt.datetime.fromtimestamp(to_us / 1e6, dt.timezone.utc):%Y-%m-%d}")
    print(f"lake {lake}: {posts} posts, window {window} (to exclusive), "
          f"duckdb {duckdb.__version__}, {THREADS} threads, best of {args.repeat}")
    results, problems = [], []
    statements = []
    for name in QUERIES:
        with open(os.path.join(ROOT, "sql", f"{name}.sql")) as f:
            statements.append((name, f.read()))
    statements += [(f"probe{i}", sql) for i, sql in enumerate(args.probe, 1)]
    for name, text in statements:
        sql = render(text, params)
        keep = name not in COUNT_ONLY
        _, _, df_rows, json_text = run_datafusion(binary, lake, catalog, assignments, sql, keep)
        _, table = run_duckdb(con, to_duckdb(sql))
        if df_rows != table.num_rows:
            problems.append(f"{name}: datafusion {df_rows} rows, duckdb {table.num_rows}")
        elif keep:
            problems += compare(name, json_text, table)
        del table
        df = [run_datafusion(binary, lake, catalog, assignments, sql, False) for _ in range(args.repeat)]
        dk = [run_duckdb(con, to_duckdb(sql))[0] for _ in range(args.repeat)]
        r = {"query": name, "rows": df_rows, "datafusion_s": round(min(d[0] for d in df), 3),
             "datafusion_wall_s": round(min(d[1] for d in df), 3), "duckdb_s": round(min(dk), 3)}
        r["ratio"] = round(r["datafusion_s"] / r["duckdb_s"], 2)
        results.append(r)
        print(f"  {name}: {r}", file=sys.stderr)
    print(f"{'query':<22} {'rows':>9} {'datafusion s':>13} {'(wall s)':>9} {'duckdb s':>9} {'ratio':>6}")
    for r in results:
        flag = "" if r["ratio"] <= 1.5 else "  > 1.5x"
        print(f"{r['query']:<22} {r['rows']:>9} {r['datafusion_s']:>13.3f} {r['datafusion_wall_s']:>9.3f} "
              f"{r['duckdb_s']:>9.3f} {r['ratio']:>6.2f}{flag}")
    # The total is the rising job's SQL: probes are left out.
    total_df = sum(r["datafusion_s"] for r in results if r["query"] in QUERIES)
    total_dk = sum(r["duckdb_s"] for r in results if r["query"] in QUERIES)
    print(f"{'total':<22} {'':>9} {total_df:>13.3f} {'':>9} {total_dk:>9.3f} {total_df / total_dk:>6.2f}")
    print(json.dumps({"posts": posts, "from_us": from_us, "to_us": to_us, "results": results}))
    if problems:
        print("results differ:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print("results agree: same row counts; same rows for " +
          ", ".join(q for q in QUERIES if q not in COUNT_ONLY))


if __name__ == "__main__":
    main()
