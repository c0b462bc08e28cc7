#!/usr/bin/env bash
# Analyzer throughput: RECORDS synthetic traffic records (a mix of ten commands over a skewed
# keyspace of eight prefixes, 200 connections, 3 nodes) are produced to the traffic topic of a local
# Kafka broker (`ferry kafka`), then the analyzer (the class `ferry analyzer` runs, in a JVM of its own)
# is started and timed until its overall profile holds every record. Prints records/s.
#
# Usage: bench/analyzer.sh            (settings are environment variables)
#
#   RECORDS=1000000      traffic records produced, then analyzed
#   GUARANTEE=EXACTLY_ONCE   or AT_LEAST_ONCE (ferry analyzer --processing)
#   THREADS=1            stream threads (ferry analyzer --threads)
#   OUT=bench/results/analyzer-<timestamp>.md    where the markdown report goes
#
# Everything listens on 127.0.0.1 on free ports; every process started is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
RECORDS=${RECORDS:-1000000}
GUARANTEE=${GUARANTEE:-EXACTLY_ONCE}
THREADS=${THREADS:-1}
stamp="$(date +%Y%m%d-%H%M%S)"
OUT=${OUT:-$root/bench/results/analyzer-$stamp.md}
[[ $RECORDS =~ ^[0-9]+$ ]] && ((RECORDS >= 1)) || { echo "bench/analyzer.sh: RECORDS=$RECORDS (expected: an integer >= 1)" >&2; exit 2; }
[[ $GUARANTEE == EXACTLY_ONCE || $GUARANTEE == AT_LEAST_ONCE ]] || { echo "bench/analyzer.sh: GUARANTEE=$GUARANTEE (expected: EXACTLY_ONCE or AT_LEAST_ONCE)" >&2; exit 2; }
[[ $THREADS =~ ^[0-9]+$ ]] && ((THREADS >= 1)) || { echo "bench/analyzer.sh: THREADS=$THREADS (expected: an integer >= 1)" >&2; exit 2; }
for tool in java python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/analyzer.sh: $tool is not installed" >&2; exit 2; }
done

tmp="$(mktemp -d /tmp/ferry-bench-analyzer.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then echo "[bench] kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
log() { echo "[bench] $*" >&2; }
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

jar="$root/app/target/ferry.jar"
if [[ ! -f $jar ]]; then
  log "building $jar"
  (cd "$root" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package) >&2
fi
bench=(java -Xmx2g -cp "$jar" "$root/bench/analyzer/AnalyzerBench.java")

port=$(free_port)
log "starting Kafka on 127.0.0.1:$port"
java -jar "$jar" kafka --listen "127.0.0.1:$port" --data-dir "$tmp/kafka" >"$tmp/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do
  grep -q "kafka ready" "$tmp/kafka.log" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.5
done
grep -q "kafka ready" "$tmp/kafka.log" || { echo "bench/analyzer.sh: Kafka did not start: $(tail -n 2 "$tmp/kafka.log")" >&2; exit 1; }

prefix="bench"
log "producing $RECORDS traffic records"
produced=$("${bench[@]}" produce "127.0.0.1:$port" "$prefix" "$RECORDS" 2>"$tmp/produce.log" | tail -n 1) || {
  echo "bench/analyzer.sh: producing failed: $(tail -n 3 "$tmp/produce.log")" >&2; exit 1; }
log "$produced"

log "analyzing ($GUARANTEE, $THREADS thread(s))"
( TIMEFORMAT='%U %S'; time "${bench[@]}" analyze "127.0.0.1:$port" "$prefix" "$RECORDS" "$tmp/state" "$GUARANTEE" "$THREADS" \
  >"$tmp/analyze.out" 2>"$tmp/analyze.log" ) 2>"$tmp/analyze-cpu" || {
  echo "bench/analyzer.sh: the analyzer failed: $(tail -n 3 "$tmp/analyze.log")" >&2; exit 1; }
analyzed=$(tail -n 1 "$tmp/analyze.out")
cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$tmp/analyze-cpu")
log "$analyzed"

mkdir -p "$(dirname "$OUT")"
{
  echo "# Analyzer benchmark $stamp"
  echo
  echo "- Machine: $(nproc) CPUs, $(uname -sr); the broker, the producer and the analyzer share them."
  echo "- Command: \`RECORDS=$RECORDS GUARANTEE=$GUARANTEE THREADS=$THREADS bench/analyzer.sh\`"
  echo "- Traffic topic: 12 partitions, one broker (\`ferry kafka\`)."
  echo
  echo "- $produced"
  echo "- $analyzed"
  echo "- analyzer JVM CPU time (user + system, JVM and compiler included): $cpu s"
} >"$OUT"
cat "$OUT"
log "report written to $OUT"
