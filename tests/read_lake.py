#!/usr/bin/env python3
"""Independent reader for murmur's lake (pyarrow, not murmur's own code).

Usage: read_lake.py LAKE_DIR
Prints JSON: for each table, the visible Parquet files and their rows (selected columns),
timestamps as ISO 8601 UTC strings. Exits 1 naming the file if any visible file is unreadable.
"""
import json
import os
import sys

import pyarrow.dataset as ds
import pyarrow.parquet as pq

COLUMNS = {
    "posts": ["post_id", "thread_id", "parent_id", "kind", "author_id", "team", "role", "site",
              "channel", "created_at", "title", "body", "tags", "accepted", "resource_ids",
              "source_position"],
    "feedback": ["event_id", "resource_id", "user_id", "team", "role", "type", "value", "comment",
                 "post_id", "occurred_at", "source_position"],
    "quarantine": ["reason_code", "field", "reason", "raw", "raw_bytes", "source_name", "source_id",
                   "source_position", "ingested_at"],
}


def visible_files(table_dir):
    out = []
    for root, _dirs, files in os.walk(table_dir):
        for f in files:
            if f.startswith(".") or f.startswith("_"):
                continue  # hidden: not visible to readers (pyarrow, duckdb, spark skip them)
            out.append(os.path.join(root, f))
    return sorted(out)


def convert(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return v


def main():
    lake = sys.argv[1]
    result = {}
    for table, cols in COLUMNS.items():
        tdir = os.path.join(lake, table)
        files = visible_files(tdir) if os.path.isdir(tdir) else []
        for f in files:
            try:
                pq.read_metadata(f)
            except Exception as e:  # noqa: BLE001 - report any unreadable file
                print(f"unreadable visible file {f}: {e}", file=sys.stderr)
                sys.exit(1)
        rows = []
        if files:
            dataset = ds.dataset(tdir, format="parquet", partitioning="hive")
            tbl = dataset.to_table(columns=cols + ["date"])
            schema = {f.name: str(f.type) for f in tbl.schema}
            for row in tbl.to_pylist():
                rows.append({k: convert(v) for k, v in row.items()})
        else:
            schema = {}
        result[table] = {"files": files, "rows": rows, "schema": schema}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
