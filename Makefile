# murmur — the two commands that matter: `make demo` and `make test`.
# Everything a fresh machine needs is installed from here (Rust deps by cargo, Python
# test tools into a venv). Build output is kept outside the clone so CI reuses it.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/murmur/target
VENV ?= $(HOME)/.cache/murmur/venv
PYTHON := $(VENV)/bin/python
export MURMUR_PYTHON := $(PYTHON)
CARGO ?= cargo

include mk/kafka.mk

.PHONY: all build release demo test test-deps bench-deps lint fmt bench bench-ingest bench-rising bench-rising-sql bench-sentiment eval-rising eval-rising-seeds clean-out help

help:
	@echo "make demo   - build, then run the whole pipeline on a generated sample organisation (./out/)"
	@echo "make test   - install test tools, then fmt check, clippy and every test"
	@echo "make bench  - release benchmarks (file and Kafka ingest, rising SQL vs DuckDB, sentiment scoring and shift job)"
	@echo "make broker - a local Kafka-protocol broker (tansu) on 127.0.0.1:9092"
	@echo "make eval-rising-seeds - rising-topic quality against the planted truth, seeds 1-5"

build:
	$(CARGO) build

release:
	$(CARGO) build --release

demo: release
	$(CARGO_TARGET_DIR)/release/murmur demo --out out

# Python side of the tests: an independent Parquet reader (pyarrow).
$(VENV)/.installed: scripts/requirements-test.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r scripts/requirements-test.txt
	touch $@

test-deps: $(VENV)/.installed

# Benchmark-only tools: DuckDB, the yardstick for the rising job's SQL.
$(VENV)/.installed-bench: scripts/requirements-bench.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r scripts/requirements-bench.txt
	touch $@

bench-deps: $(VENV)/.installed-bench

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p murmur-pipeline --all-targets --features bench-stages -- -D warnings

fmt:
	$(CARGO) fmt --all

# Unit, integration and end-to-end tests; the last line totals every test binary's result.
test: test-deps kafka-test-deps lint
	set -o pipefail; $(CARGO) test --workspace --all-targets 2>&1 | tee $(CARGO_TARGET_DIR)/test.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "%d passed, %d failed\n", p, f }' $(CARGO_TARGET_DIR)/test.log

bench: bench-ingest bench-kafka bench-rising bench-rising-sql bench-sentiment

bench-ingest: test-deps release
	$(PYTHON) scripts/bench_ingest.py --binary $(CARGO_TARGET_DIR)/release/murmur

# The rising job over ~1M posts and 52 weeks: wall time and peak memory.
bench-rising: test-deps release
	$(PYTHON) scripts/bench_rising.py --binary $(CARGO_TARGET_DIR)/release/murmur

# Rising-topic quality on the sample organisation, every day of the span (one seed).
eval-rising: test-deps release
	$(PYTHON) scripts/eval_rising.py --binary $(CARGO_TARGET_DIR)/release/murmur \
	  --work $${TMPDIR:-/tmp}/murmur-eval-rising-$${SEED:-1} --people 4000 --weeks 20 \
	  --seed $${SEED:-1} --warmup-days 28

# The same for several seeds (SEEDS=1,2,3,4,5), one line each and the totals.
eval-rising-seeds: test-deps release
	$(PYTHON) scripts/eval_rising_seeds.py --binary $(CARGO_TARGET_DIR)/release/murmur \
	  --work $${TMPDIR:-/tmp}/murmur-eval-rising-seeds --seeds $${SEEDS:-1,2,3,4,5}

# The rising job's SQL (sql/rising_*.sql) over ~1M posts and 52 weeks: DataFusion vs DuckDB.
bench-rising-sql: bench-deps release
	$(PYTHON) scripts/bench_rising_sql.py --binary $(CARGO_TARGET_DIR)/release/murmur

# Sentiment scoring throughput (posts/s/core) and the shift job over ~1M posts.
bench-sentiment: test-deps release
	$(PYTHON) scripts/bench_sentiment.py --binary $(CARGO_TARGET_DIR)/release/murmur

clean-out:
	rm -rf out
