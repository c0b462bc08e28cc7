#!/usr/bin/env bash
# Times `ferry capture` reading a large real capture into Kafka: a redis-server is driven by
# redis-benchmark (SET and GET, pipelined) while tcpdump records the loopback traffic to a pcap file;
# then a single-node broker is started (`ferry kafka`) and `ferry capture` reads the file and
# publishes every command with its reply to the traffic topic. Prints commands/s, with and without
# the JVM's start and the topic creation, and checks that every command redis-benchmark sent
# (the server's own INFO commandstats) was published.
#
# Usage: bench/capture.sh            (settings are environment variables)
#
#   REQUESTS=1000000    redis-benchmark -n: requests per test (SET, then GET)
#   PIPELINE=16         redis-benchmark -P
#   CLIENTS=50          redis-benchmark -c
#   DATA_SIZE=64        redis-benchmark -d (bytes)
#   ROUNDS=1            times ferry capture reads the same file (a fresh topic prefix each); median
#   FERRY_ARGS=         more arguments for `ferry capture`, e.g. "--queue-capacity 50000"
#   FERRY_JAVA_OPTS=    JVM options for ferry (bin/ferry passes them to java)
#   OUT=bench/results/capture-<timestamp>.md    where the markdown report goes
#   RUN_TIMEOUT=900     seconds any one step may take
#
# Target (the passive-capture issue): >= 100,000 commands/s from a pcap into Kafka on the 2-core
# machine. Everything listens on 127.0.0.1 on free ports; every process started is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
REQUESTS=${REQUESTS:-1000000}
PIPELINE=${PIPELINE:-16}
CLIENTS=${CLIENTS:-50}
DATA_SIZE=${DATA_SIZE:-64}
ROUNDS=${ROUNDS:-1}
FERRY_ARGS=${FERRY_ARGS:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
TARGET=100000
stamp="$(date +%Y%m%d-%H%M%S)"
OUT=${OUT:-$root/bench/results/capture-$stamp.md}
for setting in REQUESTS PIPELINE CLIENTS DATA_SIZE ROUNDS RUN_TIMEOUT; do
  [[ ${!setting} =~ ^[0-9]+$ ]] && ((${!setting} >= 1)) \
    || { echo "bench/capture.sh: $setting=${!setting} (expected: an integer >= 1)" >&2; exit 2; }
done
FERRY_NEED_BENCH_TOOLS=1 "$root/scripts/ensure-tools.sh" || true
for tool in redis-server redis-cli redis-benchmark tcpdump java python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/capture.sh: $tool is not installed" >&2; exit 2; }
done
[[ $(id -u) -eq 0 ]] || echo "[bench] not root: tcpdump on lo may be refused" >&2

tmp="$(mktemp -d /tmp/ferry-bench-capture.XXXXXX)"
chmod 755 "$tmp"
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
now() { date +%s.%N; }

jar="$root/app/target/ferry.jar"
if [[ ! -f $jar ]]; then
  log "building $jar"
  (cd "$root" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package) >&2
elif [[ -n $(find "$root" -path '*/src/main/*' -name '*.java' -newer "$jar" -print -quit) ]]; then
  log "warning: sources are newer than $jar; this measures the jar as it is"
fi

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" ping >/dev/null || { echo "bench/capture.sh: redis-server did not start" >&2; exit 1; }

pcap="$tmp/traffic.pcap"
log "recording redis-benchmark -t set,get -n $REQUESTS -P $PIPELINE -c $CLIENTS -d $DATA_SIZE with tcpdump"
timeout "$RUN_TIMEOUT" tcpdump -Z root -i lo -B 262144 -s 0 -w "$pcap" "tcp port $port" 2>"$tmp/tcpdump.log" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
for _ in $(seq 100); do grep -q "listening on" "$tmp/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$tmp/tcpdump.log" || { echo "bench/capture.sh: tcpdump: $(cat "$tmp/tcpdump.log")" >&2; exit 1; }
redis-cli -p "$port" config resetstat >/dev/null
timeout "$RUN_TIMEOUT" redis-benchmark -p "$port" -t set,get -n "$REQUESTS" -P "$PIPELINE" -c "$CLIENTS" \
  -d "$DATA_SIZE" -r 100000 -q >"$tmp/benchmark.log" 2>&1
# Let tcpdump write what it has, then stop it (SIGINT: it flushes and prints its counts).
sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
sent_set=$(redis-cli -p "$port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_set:calls=\([0-9]*\),.*/\1/p')
sent_get=$(redis-cli -p "$port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p')
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/tcpdump.log")
captured=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$tmp/tcpdump.log")
size=$(stat -c %s "$pcap")
log "pcap: $size bytes, $captured packets (tcpdump: $dropped dropped by the kernel); server saw $sent_set SET, $sent_get GET"

kafka_port=$(free_port)
log "starting ferry kafka on 127.0.0.1:$kafka_port"
java ${FERRY_JAVA_OPTS:-} -jar "$jar" kafka --listen "127.0.0.1:$kafka_port" --data-dir "$tmp/kafka" \
  >"$tmp/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do grep -q "kafka ready at" "$tmp/kafka.log" && break; sleep 0.1; done
grep -q "kafka ready at" "$tmp/kafka.log" || { echo "bench/capture.sh: ferry kafka did not start: $(tail -n 3 "$tmp/kafka.log")" >&2; exit 1; }

walls=()
inner=()
summary=""
for round in $(seq "$ROUNDS"); do
  log "round $round: ferry capture --pcap $pcap"
  start=$(now)
  # shellcheck disable=SC2086
  if ! timeout "$RUN_TIMEOUT" java ${FERRY_JAVA_OPTS:-} -jar "$jar" capture --pcap "$pcap" --port "$port" \
      --kafka "127.0.0.1:$kafka_port" --topic-prefix "bench$round" --node-id bench $FERRY_ARGS \
      >"$tmp/capture-$round.out" 2>"$tmp/capture-$round.err"; then
    echo "bench/capture.sh: ferry capture failed: $(tail -n 5 "$tmp/capture-$round.err")" >&2
    cat "$tmp/capture-$round.out" >&2
    exit 1
  fi
  end=$(now)
  summary=$(cat "$tmp/capture-$round.out")
  commands=$(sed -n 's/.* packets, [0-9]* connections, \([0-9]*\) commands,.*/\1/p' "$tmp/capture-$round.out")
  published=$(sed -n 's/.* commands, \([0-9]*\) records published.*/\1/p' "$tmp/capture-$round.out")
  rate=$(sed -n 's/.*(\([0-9]*\) commands\/s).*/\1/p' "$tmp/capture-$round.out")
  wall=$(python3 -c "print(round($commands / ($end - $start)))")
  log "round $round: $commands commands, $published published; $rate commands/s in the capture, $wall with JVM start"
  walls+=("$wall")
  inner+=("$rate")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
rate=$(median "${inner[@]}")
wall=$(median "${walls[@]}")
expected=$((sent_set + sent_get))
verdict="PASS"
((rate >= TARGET)) || verdict="FAIL (below $TARGET commands/s)"
complete="yes"
((published >= expected)) || complete="NO: $published records for $expected SET+GET the server counted"
cpus=$(nproc)

mkdir -p "$(dirname "$OUT")"
{
  echo "# ferry capture: pcap to Kafka, $stamp"
  echo
  echo "Machine: $cpus CPUs; $(java -version 2>&1 | head -n 1)."
  echo "Capture: redis-benchmark -t set,get -n $REQUESTS -P $PIPELINE -c $CLIENTS -d $DATA_SIZE, recorded by tcpdump on lo:"
  echo "$size bytes, $captured packets ($dropped dropped by the kernel); the server counted $sent_set SET and $sent_get GET."
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| commands parsed | $commands |"
  echo "| records published (acknowledged by Kafka) | $published |"
  echo "| every SET and GET published | $complete |"
  echo "| commands/s, reading to last acknowledgement (median of $ROUNDS) | $rate |"
  echo "| commands/s, with JVM start and topic creation | $wall |"
  echo "| target | >= $TARGET commands/s: $verdict |"
  echo
  echo "Summary of the last round:"
  echo
  echo '```'
  echo "$summary"
  echo '```'
} >"$OUT"
cat "$OUT"
log "report: $OUT"
if [[ ${STRICT:-0} == 1 && ( $verdict != PASS || $complete != yes ) ]]; then
  exit 1
fi
