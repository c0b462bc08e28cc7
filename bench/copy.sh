#!/usr/bin/env bash
# Times Redis's own replication full sync and `ferry copy` for the same dataset, in one run: a source
# redis-server is loaded with KEYS keys of mixed types (strings, lists, sets, hashes, sorted sets; a
# third with a TTL), then an empty server is made its replica (REPLICAOF) and timed until the sync is
# done, and `ferry copy` is timed into another empty server; then `ferry verify` compares the source
# with what ferry copy wrote, key by key. Prints the times and the ratios.
#
# Usage: bench/copy.sh            (settings are environment variables)
#
#   KEYS=1000000        keys loaded into the source
#   FERRY_ARGS=         more arguments for `ferry copy`, e.g. "--workers 4"
#   OUT=bench/results/copy-<timestamp>.md    where the markdown report goes
#   RUN_TIMEOUT=900     seconds allowed for either copy
#   VERIFY_ARGS=        more arguments for `ferry verify`, e.g. "--workers 4"
#
# Targets: ferry copy <= 2.0x the replication time on the 2-core machine (the data-mover issue);
# ferry verify no slower than ferry copy of the same keys (the verification issue).
# Everything listens on 127.0.0.1 on free ports; every process started is stopped on exit.
set -euo pipefail
# The broker start-up time is read from the copy's key=value log lines (ts=...).
export FERRY_LOG_FORMAT=key-value

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
KEYS=${KEYS:-1000000}
FERRY_ARGS=${FERRY_ARGS:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
stamp="$(date +%Y%m%d-%H%M%S)"
OUT=${OUT:-$root/bench/results/copy-$stamp.md}
[[ $KEYS =~ ^[0-9]+$ ]] && ((KEYS >= 5)) || { echo "bench/copy.sh: KEYS=$KEYS (expected: an integer >= 5)" >&2; exit 2; }
[[ $RUN_TIMEOUT =~ ^[0-9]+$ ]] || { echo "bench/copy.sh: RUN_TIMEOUT=$RUN_TIMEOUT (expected: seconds)" >&2; exit 2; }
FERRY_NEED_BENCH_TOOLS=1 "$root/scripts/ensure-tools.sh" || true
for tool in redis-server redis-cli redis-benchmark java python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench/copy.sh: $tool is not installed" >&2; exit 2; }
done

tmp="$(mktemp -d /tmp/ferry-bench-copy.XXXXXX)"
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
start_redis() { # name port
  redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --dbfilename "$1.rdb" --repl-diskless-sync no >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench/copy.sh: redis-server $1 did not start: $(tail -n 1 "$tmp/$1.log")" >&2
  exit 1
}
now() { date +%s.%N; }

jar="$root/app/target/ferry.jar"
if [[ ! -f $jar ]]; then
  log "building $jar"
  (cd "$root" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package) >&2
fi

src=$(free_port); start_redis source "$src"
rep=$(free_port); start_redis replica "$rep"
dst=$(free_port); start_redis target "$dst"

log "loading $KEYS keys of mixed types into the source"
# Exactly KEYS distinct keys, a fifth of each type, a third with a TTL of 1-2 hours, sent as RESP
# through redis-cli --pipe.
python3 - "$KEYS" <<'PY' | redis-cli -p "$src" --pipe >"$tmp/load.log"
import sys
out = sys.stdout.buffer
def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))
n = int(sys.argv[1])
value = b"v" * 64
for i in range(n):
    kind = i % 5
    key = b"k:%d" % i
    if kind == 0:
        cmd(b"SET", key, value)
    elif kind == 1:
        cmd(b"RPUSH", key, b"a", b"b", b"%d" % i)
    elif kind == 2:
        cmd(b"SADD", key, b"x", b"y", b"%d" % i)
    elif kind == 3:
        cmd(b"HSET", key, b"f1", value, b"f2", b"%d" % i)
    else:
        cmd(b"ZADD", key, 1, b"m1", 2, b"m%d" % i)
    if i % 3 == 0:
        cmd(b"PEXPIRE", key, 3600000 + i)
PY
loaded=$(redis-cli -p "$src" dbsize)
used=$(redis-cli -p "$src" info memory | sed -n 's/^used_memory_human:\(.*\)\r$/\1/p')
log "source holds $loaded keys ($used)"

# CPU seconds a redis-server spent (user + system, its forked children included), from INFO cpu.
cpu() {
  redis-cli -p "$1" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user)(_children)?:/ { s += $2 } END { printf "%.2f", s }'
}

log "replication: REPLICAOF into an empty server"
src_cpu0=$(cpu "$src"); rep_cpu0=$(cpu "$rep")
t0=$(now)
redis-cli -p "$rep" replicaof 127.0.0.1 "$src" >/dev/null
deadline=$((SECONDS + RUN_TIMEOUT))
until redis-cli -p "$rep" info replication | grep -q '^master_link_status:up' &&
  redis-cli -p "$rep" info replication | grep -q '^master_sync_in_progress:0'; do
  ((SECONDS < deadline)) || { echo "bench/copy.sh: replication did not finish in $RUN_TIMEOUT s" >&2; exit 1; }
  sleep 0.01
done
t1=$(now)
repl_seconds=$(echo "$t1 - $t0" | bc -l)
repl_keys=$(redis-cli -p "$rep" dbsize)
repl_src_cpu=$(echo "$(cpu "$src") - $src_cpu0" | bc -l); repl_rep_cpu=$(echo "$(cpu "$rep") - $rep_cpu0" | bc -l)
log "replication: $repl_keys keys in $repl_seconds s"

log "ferry copy into another empty server"
src_cpu0=$(cpu "$src"); dst_cpu0=$(cpu "$dst")
t0=$(now)
# The JVM's own CPU time (user + system, its broker included) is measured by bash's time.
# shellcheck disable=SC2086
( TIMEFORMAT='%U %S'; time timeout "$RUN_TIMEOUT" java -jar "$jar" copy --source "redis://127.0.0.1:$src" \
  --target "redis://127.0.0.1:$dst" --data-dir "$tmp/ferry" $FERRY_ARGS >"$tmp/copy.log" 2>&1 ) 2>"$tmp/jvm-cpu" || {
  echo "bench/copy.sh: ferry copy failed: $(tail -n 3 "$tmp/copy.log")" >&2
  exit 1
}
t1=$(now)
copy_src_cpu=$(echo "$(cpu "$src") - $src_cpu0" | bc -l); copy_dst_cpu=$(echo "$(cpu "$dst") - $dst_cpu0" | bc -l)
jvm_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/jvm-cpu")
ferry_seconds=$(echo "$t1 - $t0" | bc -l)
ferry_keys=$(redis-cli -p "$dst" dbsize)
broker_seconds=$(python3 - "$tmp/copy.log" <<'PY'
import re, sys, datetime
lines = open(sys.argv[1]).read().splitlines()
# Log lines are key=value, each starting with ts=<UTC ISO-8601 time>.
def ts(l):
    m = re.match(r"ts=(\d{4}-\d\d-\d\dT\S+)", l)
    return m.group(1) if m else None
stamps = [ts(l) for l in lines if ts(l)]
start = next((ts(l) for l in lines if ts(l) and "starting a Kafka broker" in l), None)
ready = next((ts(l) for l in lines if ts(l) and "copying from the" in l), None)
def t(s): return datetime.datetime.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
print("%.1f" % (t(ready) - t(stamps[0])).total_seconds() if ready and stamps else "n/a")
PY
)
log "ferry copy: $ferry_keys keys in $ferry_seconds s"

log "ferry verify: the source against what ferry copy wrote"
src_cpu0=$(cpu "$src"); dst_cpu0=$(cpu "$dst")
t0=$(now)
verify_status=0
# shellcheck disable=SC2086
( TIMEFORMAT='%U %S'; time timeout "$RUN_TIMEOUT" java -jar "$jar" verify --source "redis://127.0.0.1:$src" \
  --target "redis://127.0.0.1:$dst" --report "$tmp/verify.json" ${VERIFY_ARGS:-} >"$tmp/verify.log" 2>&1 ) \
  2>"$tmp/verify-jvm-cpu" || verify_status=$?
t1=$(now)
verify_src_cpu=$(echo "$(cpu "$src") - $src_cpu0" | bc -l); verify_dst_cpu=$(echo "$(cpu "$dst") - $dst_cpu0" | bc -l)
verify_jvm_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/verify-jvm-cpu")
verify_seconds=$(echo "$t1 - $t0" | bc -l)
verify_summary=$(grep -m1 -E '^(EQUAL|DIFFERENT|INCOMPLETE):' "$tmp/verify.log" || echo "no summary: $(tail -n 2 "$tmp/verify.log")")
log "ferry verify: exit $verify_status in $verify_seconds s: $verify_summary"

ratio=$(echo "$ferry_seconds / $repl_seconds" | bc -l)
verify_ratio=$(echo "$verify_seconds / $ferry_seconds" | bc -l)
verdict=$(echo "$ratio <= 2.0" | bc -l)
mkdir -p "$(dirname "$OUT")"
{
  echo "# Copy benchmark $stamp"
  echo
  echo "- Source: redis-server $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'), $loaded keys of mixed types (strings, lists, sets, hashes, sorted sets; a third with a TTL), $used."
  echo "- Machine: $(nproc) CPUs, $(uname -sr)."
  echo "- Command: \`KEYS=$KEYS FERRY_ARGS=\"$FERRY_ARGS\" bench/copy.sh\`"
  echo
  echo "| copy | keys on the target | seconds |"
  echo "|---|---:|---:|"
  printf '| Redis replication full sync (REPLICAOF, disk-based RDB) | %s | %.2f |\n' "$repl_keys" "$repl_seconds"
  printf '| ferry copy (own broker, started by the command: %s s of it before the first key) | %s | %.2f |\n' "$broker_seconds" "$ferry_keys" "$ferry_seconds"
  echo
  printf '**ferry copy / replication: %.2fx** (target <= 2.0x: %s)\n' "$ratio" "$([[ $verdict == 1 ]] && echo met || echo not met)"
  echo
  echo "| verify | exit status | result | seconds |"
  echo "|---|---:|---|---:|"
  printf '| ferry verify (source against the target ferry copy wrote) | %s | %s | %.2f |\n' "$verify_status" "$verify_summary" "$verify_seconds"
  echo
  printf '**ferry verify / ferry copy: %.2fx** (target <= 1.0x: %s)\n' "$verify_ratio" \
    "$([[ $(echo "$verify_ratio <= 1.0" | bc -l) == 1 ]] && echo met || echo not met)"
  echo
  echo "CPU seconds spent (user + system; a redis-server's forked children included):"
  echo
  echo "| copy | source redis-server | receiving redis-server | ferry JVM (with its broker) | total | wall |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '| replication | %.2f | %.2f | | %.2f | %.2f |\n' "$repl_src_cpu" "$repl_rep_cpu" \
    "$(echo "$repl_src_cpu + $repl_rep_cpu" | bc -l)" "$repl_seconds"
  printf '| ferry copy | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$copy_src_cpu" "$copy_dst_cpu" "$jvm_cpu" \
    "$(echo "$copy_src_cpu + $copy_dst_cpu + $jvm_cpu" | bc -l)" "$ferry_seconds"
  printf '| ferry verify | %.2f | %.2f | %.2f | %.2f | %.2f |\n' "$verify_src_cpu" "$verify_dst_cpu" "$verify_jvm_cpu" \
    "$(echo "$verify_src_cpu + $verify_dst_cpu + $verify_jvm_cpu" | bc -l)" "$verify_seconds"
} >"$OUT"
cat "$OUT"
log "report written to $OUT"
[[ $ferry_keys == "$loaded" ]] || { echo "bench/copy.sh: the target holds $ferry_keys keys, the source $loaded" >&2; exit 1; }
[[ $verify_status == 0 ]] || { echo "bench/copy.sh: ferry verify exited $verify_status: $verify_summary" >&2; exit 1; }
