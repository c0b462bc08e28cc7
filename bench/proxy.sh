#!/usr/bin/env bash
# Compares redis-server reached directly, through Ferry's proxy and through twemproxy (nutcracker),
# in one run, with redis-benchmark: 50 clients, GET and SET, pipelines 1 and 16.
#
# Usage: bench/proxy.sh            (settings are environment variables; see bench/README.md)
#
#   REQUESTS=200000            requests per test at pipeline 1 (about 3-5 s through a proxy)
#   REQUESTS_PIPELINED=1000000 requests per test at pipelines above 1
#   PIPELINES="1 16"           pipeline depths (-P)
#   ROUNDS=1                   measured rounds; each figure is the median over the rounds
#   CLIENTS=50  DATA_SIZE=64  KEYSPACE=100000     redis-benchmark -c, -d, -r
#   WARMUP_REQUESTS=100000     requests per test and pipeline sent to Ferry before measuring (JIT)
#   PROTOCOL=2                 2, or 3: every benchmark connection speaks RESP3 (redis-benchmark -3, HELLO 3
#                              first); twemproxy, which does not know HELLO, is then not measured
#   PIN=none                   none: no CPU pinning; split: redis-server and redis-benchmark on
#                              CPU 0, the proxy under test on CPU 1 (needs taskset and 2+ CPUs)
#   FERRY_MODE=passthrough     passthrough: Ferry in front of the source alone (the proxy-core targets);
#                              dual-write: a second redis-server as the target, Ferry with --target
#                              and --write-policy SOURCE_AUTHORITATIVE (target: >= 0.75x twemproxy's
#                              passthrough requests/s at pipeline 16); dual-write-capture: the same
#                              with a Kafka broker (bin/ferry kafka) and --kafka, every write on the
#                              writes topic and every command on the traffic topic
#   FERRY_CMD=bin/ferry        command run as: $FERRY_CMD proxy --listen H:P --source redis://H:P
#   FERRY_ARGS=                more arguments for Ferry's proxy, e.g. "--io-threads 1"
#   FERRY_JAVA_OPTS=           JVM options, passed to bin/ferry through the environment
#   FERRY_START_TIMEOUT=60     seconds to wait for Ferry's port to answer PING
#   RUN_TIMEOUT=300            seconds allowed for any one redis-benchmark run
#   OUT=bench/results/proxy-<timestamp>.md    where the markdown report goes
#   STRICT=0                   1: exit 1 when a target fails or Ferry could not be measured
#
# Everything listens on 127.0.0.1 on free ports; every process the script starts is stopped on
# exit (by its PID and process group), and its temporary folder is removed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "bench/proxy.sh: takes no arguments; settings are environment variables (see --help)." >&2
  exit 2
fi

# --- settings ---------------------------------------------------------------------------------

CLIENTS=${CLIENTS:-50}
REQUESTS=${REQUESTS:-200000}
REQUESTS_PIPELINED=${REQUESTS_PIPELINED:-1000000}
PIPELINES=${PIPELINES:-"1 16"}
ROUNDS=${ROUNDS:-1}
DATA_SIZE=${DATA_SIZE:-64}
KEYSPACE=${KEYSPACE:-100000}
WARMUP_REQUESTS=${WARMUP_REQUESTS:-100000}
PIN=${PIN:-none}
PROTOCOL=${PROTOCOL:-2}
FERRY_MODE=${FERRY_MODE:-passthrough}
FERRY_START_TIMEOUT=${FERRY_START_TIMEOUT:-60}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
STRICT=${STRICT:-0}
stamp="$(date +%Y%m%d-%H%M%S)"
OUT=${OUT:-$root/bench/results/proxy-$stamp.md}

# The issues' targets for Ferry on the 2-core machine: in passthrough, at least twemproxy's
# throughput at every pipeline and at most 0.3 ms p99 over direct at pipeline 1; with dual-write
# (and capture), at least 0.75x twemproxy's passthrough throughput at pipeline 16.
case $FERRY_MODE in
  passthrough)
    TARGET_MIN_RATIO_VS_TWEMPROXY=1.0 TARGET_MAX_P99_ADDED_MS=0.3 TARGET_PIPELINES=all ;;
  dual-write | dual-write-capture)
    TARGET_MIN_RATIO_VS_TWEMPROXY=0.75 TARGET_MAX_P99_ADDED_MS= TARGET_PIPELINES=16 ;;
  *) TARGET_MIN_RATIO_VS_TWEMPROXY=1.0 TARGET_MAX_P99_ADDED_MS= TARGET_PIPELINES=all ;;
esac
readonly TARGET_MIN_RATIO_VS_TWEMPROXY TARGET_MAX_P99_ADDED_MS TARGET_PIPELINES

problems=()
require_int() { # name value min
  if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3)); then
    problems+=("$1=$2 (expected: an integer >= $3)")
  fi
}
require_int CLIENTS "$CLIENTS" 1
require_int REQUESTS "$REQUESTS" 1
require_int REQUESTS_PIPELINED "$REQUESTS_PIPELINED" 1
require_int ROUNDS "$ROUNDS" 1
require_int DATA_SIZE "$DATA_SIZE" 1
require_int KEYSPACE "$KEYSPACE" 1
require_int WARMUP_REQUESTS "$WARMUP_REQUESTS" 0
require_int FERRY_START_TIMEOUT "$FERRY_START_TIMEOUT" 1
require_int RUN_TIMEOUT "$RUN_TIMEOUT" 1
read -r -a pipelines <<<"$PIPELINES"
((${#pipelines[@]} > 0)) || problems+=("PIPELINES is empty (expected: e.g. \"1 16\")")
for p in "${pipelines[@]}"; do require_int "PIPELINES entry" "$p" 1; done
case $FERRY_MODE in
  passthrough | dual-write | dual-write-capture) ;;
  *) problems+=("FERRY_MODE=$FERRY_MODE (expected: passthrough, dual-write or dual-write-capture)") ;;
esac
case $PIN in
  none) ;;
  split)
    if ! command -v taskset >/dev/null 2>&1; then
      problems+=("PIN=split needs taskset (util-linux)")
    elif (($(nproc) < 2)); then
      problems+=("PIN=split needs 2 CPUs, this machine has $(nproc)")
    fi
    ;;
  *) problems+=("PIN=$PIN (expected: none or split)") ;;
esac
[[ $STRICT == 0 || $STRICT == 1 ]] || problems+=("STRICT=$STRICT (expected: 0 or 1)")
[[ $PROTOCOL == 2 || $PROTOCOL == 3 ]] || problems+=("PROTOCOL=$PROTOCOL (expected: 2 or 3)")
protocol_args=()
[[ $PROTOCOL == 3 ]] && protocol_args=(-3)
# The comparison needs its tools: installed here on Debian as root (redis-tools, nutcracker), else
# named below.
FERRY_NEED_BENCH_TOOLS=1 "$root/scripts/ensure-tools.sh" || true
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null 2>&1 ||
    problems+=("$tool is not installed (FERRY_NEED_BENCH_TOOLS=1 scripts/ensure-tools.sh installs it)")
done
if ((${#problems[@]} > 0)); then
  printf 'bench/proxy.sh: %s\n' "${problems[@]}" >&2
  exit 2
fi

have_twemproxy=1
command -v nutcracker >/dev/null 2>&1 || have_twemproxy=0
[[ $PROTOCOL == 2 ]] || have_twemproxy=0

ferry_cmd_default=1
[[ -n ${FERRY_CMD:-} ]] && ferry_cmd_default=0
read -r -a ferry_cmd <<<"${FERRY_CMD:-$root/bin/ferry}"
read -r -a ferry_args <<<"${FERRY_ARGS:-}"
[[ -n ${FERRY_JAVA_OPTS:-} ]] && export FERRY_JAVA_OPTS

# CPU placement: the proxy under test gets a core of its own under PIN=split, so Ferry (however
# many threads it runs) and twemproxy (one thread) get the same CPU budget.
server_pin=() bench_pin=() proxy_pin=()
if [[ $PIN == split ]]; then
  server_pin=(taskset -c 0) bench_pin=(taskset -c 0) proxy_pin=(taskset -c 1)
fi

# --- processes, ports, clean-up ---------------------------------------------------------------

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")"
started_pids=()
bench_pid=

# Stops what this script started, and only that: each long-running process was started under
# setsid, so its PID is also its process group, which holds any children it forked.
group_alive() { # pgid: true while a member of the group is still running (zombies do not count)
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
cleanup() {
  local pgid i
  trap - INT TERM
  if [[ -n $bench_pid ]]; then
    kill -TERM "$bench_pid" 2>/dev/null || true
  fi
  for pgid in "${started_pids[@]}"; do
    kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  for pgid in "${started_pids[@]}"; do
    for ((i = 0; i < 50; i++)); do
      group_alive "$pgid" || break
      sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

taken_ports=" "
free_port() { # variable-name: sets it to a loopback TCP port nobody listens on, below the ephemeral range
  local port tries
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + RANDOM % 12000))
    [[ $taken_ports == *" $port "* ]] && continue
    if [[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
      taken_ports+="$port "
      printf -v "$1" '%s' "$port"
      return 0
    fi
  done
  echo "bench/proxy.sh: found no free port" >&2
  exit 1
}

start_bg() { # log-file command... ; sets started_pid
  local log=$1
  shift
  setsid "$@" >"$log" 2>&1 </dev/null &
  started_pid=$!
  started_pids+=("$started_pid")
  # Until setsid has run, the child is still in this script's group; the clean-up signals groups.
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(ps -o pgid= -p "$started_pid" 2>/dev/null | tr -d ' ') == "$started_pid" ]] && return 0
    sleep 0.02
  done
}

running() { # pid: true while the process runs (one that exited stays a zombie until reaped)
  local stat
  stat="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ $stat != Z* ]]
}

# Waits until the port answers PING, the process exits, or the timeout passes.
# Prints nothing; returns 0 when it answered, 1 when the process exited, 2 on timeout.
wait_for_ping() { # port pid timeout-seconds
  local port=$1 pid=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
      return 0
    fi
    running "$pid" || return 1
    sleep 0.2
  done
  return 2
}

last_line() { # file: the last non-empty line, shortened
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | cut -c1-160 | sed 's/[.[:space:]]*$//'
}
first_line() { # file: the first non-empty line (where a command-line or start-up error goes)
  grep -v '^[[:space:]]*$' "$1" 2>/dev/null | head -n 1 | cut -c1-160 | sed 's/[.[:space:]]*$//'
}

# --- start redis-server, twemproxy and Ferry ---------------------------------------------------

log() { echo "[bench] $*" >&2; }

# How busy the CPUs were just before the run, from /proc/stat over one second: other work on a
# 2-core machine moves every figure, so the report says how quiet the machine was.
cpu_busy_percent() {
  local -a a b
  read -r -a a < <(sed -n 's/^cpu  *//p' /proc/stat)
  sleep 1
  read -r -a b < <(sed -n 's/^cpu  *//p' /proc/stat)
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); total = 0
    for (i = 1; i <= n; i++) total += y[i] - x[i]
    idle = (y[4] - x[4]) + (y[5] - x[5])
    printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0)
  }'
}
busy_before="$(cpu_busy_percent)"
if ((busy_before > 10)); then
  log "warning: the CPUs were ${busy_before}% busy before the run; other work will move the figures"
fi

free_port redis_port
start_bg "$tmp/redis.log" "${server_pin[@]}" redis-server --bind 127.0.0.1 --port "$redis_port" \
  --save "" --appendonly no --protected-mode yes --daemonize no --dir "$tmp" --logfile ""
redis_pid=$started_pid
if ! wait_for_ping "$redis_port" "$redis_pid" 10; then
  echo "bench/proxy.sh: redis-server did not start on 127.0.0.1:$redis_port: $(last_line "$tmp/redis.log")" >&2
  exit 1
fi
redis_version="$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
log "redis-server $redis_version on 127.0.0.1:$redis_port (pid $redis_pid)"

twem_status=""  # empty when it runs; otherwise why it does not
twem_port=""
twem_version=""
if ((have_twemproxy)); then
  free_port twem_port
  free_port twem_stats_port
  twem_version="$(nutcracker -V 2>&1 | sed -n 's/.*nutcracker-\([0-9.]*\).*/\1/p' | head -n 1)"
  # One pool, one server, Redis protocol; timeouts long enough never to fire under load.
  cat >"$tmp/nutcracker.yml" <<EOF
bench:
  listen: 127.0.0.1:$twem_port
  redis: true
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: false
  timeout: 10000
  server_connections: 1
  servers:
    - 127.0.0.1:$redis_port:1
EOF
  start_bg "$tmp/nutcracker.out" "${proxy_pin[@]}" nutcracker -c "$tmp/nutcracker.yml" \
    -p "$tmp/nutcracker.pid" -o "$tmp/nutcracker.log" -s "$twem_stats_port" -a 127.0.0.1
  twem_pid=$started_pid
  if wait_for_ping "$twem_port" "$twem_pid" 10; then
    log "twemproxy $twem_version on 127.0.0.1:$twem_port (pid $twem_pid)"
  else
    twem_status="did not start: $(last_line "$tmp/nutcracker.log")"
    log "twemproxy $twem_status"
  fi
elif [[ $PROTOCOL != 2 ]]; then
  twem_status="not measured: it does not speak RESP3 (HELLO)"
else
  twem_status="not installed (Debian package nutcracker; FERRY_NEED_BENCH_TOOLS=1 scripts/ensure-tools.sh)"
  log "twemproxy $twem_status"
fi

target_port=""
if [[ $FERRY_MODE == dual-write* ]]; then
  free_port target_port
  mkdir -p "$tmp/target"
  start_bg "$tmp/target.log" "${server_pin[@]}" redis-server --bind 127.0.0.1 --port "$target_port" \
    --save "" --appendonly no --protected-mode yes --daemonize no --dir "$tmp/target" --logfile ""
  if ! wait_for_ping "$target_port" "$started_pid" 10; then
    echo "bench/proxy.sh: the target redis-server did not start on 127.0.0.1:$target_port: $(last_line "$tmp/target.log")" >&2
    exit 1
  fi
  log "target redis-server on 127.0.0.1:$target_port (pid $started_pid)"
  ferry_args+=(--target "redis://127.0.0.1:$target_port" --write-policy SOURCE_AUTHORITATIVE --read-mode SOURCE)
fi
if [[ $FERRY_MODE == dual-write-capture ]]; then
  free_port kafka_port
  log "starting Kafka: ${ferry_cmd[*]} kafka --listen 127.0.0.1:$kafka_port"
  start_bg "$tmp/kafka.log" "${ferry_cmd[@]}" kafka --listen "127.0.0.1:$kafka_port" --data-dir "$tmp/kafka"
  kafka_pid=$started_pid
  for ((i = 0; i < 120; i++)); do
    grep -q "kafka ready" "$tmp/kafka.log" 2>/dev/null && break
    running "$kafka_pid" || break
    sleep 0.5
  done
  if ! grep -q "kafka ready" "$tmp/kafka.log" 2>/dev/null; then
    echo "bench/proxy.sh: Kafka did not start on 127.0.0.1:$kafka_port: $(last_line "$tmp/kafka.log")" >&2
    exit 1
  fi
  log "Kafka on 127.0.0.1:$kafka_port (pid $kafka_pid)"
  ferry_args+=(--kafka "127.0.0.1:$kafka_port")
  # Every command captured unless FERRY_ARGS says otherwise.
  [[ " ${ferry_args[*]} " == *" --traffic.sample-rate "* ]] || ferry_args+=(--traffic.sample-rate 1.0)
fi

ferry_status=""  # empty when it runs; otherwise why it does not
free_port ferry_port
ferry_jar="$root/app/target/ferry.jar"
if ((ferry_cmd_default)) && [[ ! -f $ferry_jar ]]; then
  # bin/ferry would build the jar itself, inside the start timeout; build it first instead.
  ferry_status="did not start: $ferry_jar is missing (run make build, or make bench-proxy)"
else
  if ((ferry_cmd_default)); then
    newer="$(find "$root" -path '*/src/main/*' -newer "$ferry_jar" -type f -print -quit 2>/dev/null)"
    [[ -z $newer ]] || log "warning: ${newer#"$root"/} is newer than app/target/ferry.jar; run make build to measure the current code"
  fi
  log "starting Ferry: ${ferry_cmd[*]} proxy --listen 127.0.0.1:$ferry_port --source redis://127.0.0.1:$redis_port${ferry_args[*]:+ ${ferry_args[*]}}"
  start_bg "$tmp/ferry.log" "${proxy_pin[@]}" "${ferry_cmd[@]}" proxy \
    --listen "127.0.0.1:$ferry_port" --source "redis://127.0.0.1:$redis_port" "${ferry_args[@]}"
  ferry_pid=$started_pid
  rc=0
  wait_for_ping "$ferry_port" "$ferry_pid" "$FERRY_START_TIMEOUT" || rc=$?
  case $rc in
    0) log "Ferry on 127.0.0.1:$ferry_port (pid $ferry_pid)" ;;
    1)
      exit_rc=0
      wait "$ferry_pid" 2>/dev/null || exit_rc=$?
      ferry_status="did not start: exited with status $exit_rc: $(first_line "$tmp/ferry.log")"
      ;;
    *) ferry_status="did not start: no PING answer on 127.0.0.1:$ferry_port within ${FERRY_START_TIMEOUT} s: $(last_line "$tmp/ferry.log")" ;;
  esac
fi
[[ -z $ferry_status ]] || log "Ferry $ferry_status"

# A proxy that answers PING but loses or garbles data would benchmark as fast as it is wrong:
# write through it, read back from the source and through it, before trusting its figures.
probe() { # port name; returns 0 when a value round-trips
  local port=$1 key="ferry-bench:probe:$2" value="probe-$RANDOM-$RANDOM"
  [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$port" set "$key" "$value" 2>/dev/null) == OK ]] &&
    [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$redis_port" get "$key" 2>/dev/null) == "$value" ]] &&
    [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$port" get "$key" 2>/dev/null) == "$value" ]]
}
if [[ -z $twem_status ]] && ! probe "$twem_port" twemproxy; then
  twem_status="failed the SET/GET round-trip check"
  log "twemproxy $twem_status"
fi
if [[ -z $ferry_status ]] && ! probe "$ferry_port" ferry; then
  ferry_status="failed the SET/GET round-trip check (SET through Ferry, GET from the source and through Ferry)"
  log "Ferry $ferry_status"
fi
if [[ -z $ferry_status && -n $target_port ]] &&
  [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$target_port" get ferry-bench:probe:ferry 2>/dev/null) != probe-* ]]; then
  ferry_status="failed the dual-write check (SET through Ferry did not reach the target)"
  log "Ferry $ferry_status"
fi

# --- measure -----------------------------------------------------------------------------------

requests_for() { (($1 == 1)) && echo "$REQUESTS" || echo "$REQUESTS_PIPELINED"; }

# Runs redis-benchmark in the background and waits for it, so that a signal stops it at once.
run_benchmark() { # port pipeline requests csv-file
  local rc=0
  timeout -k 5 "$RUN_TIMEOUT" "${bench_pin[@]}" redis-benchmark -h 127.0.0.1 -p "$1" \
    -c "$CLIENTS" -n "$3" -t set,get -P "$2" -r "$KEYSPACE" -d "$DATA_SIZE" "${protocol_args[@]}" --csv \
    >"$4" 2>"$4.err" </dev/null &
  bench_pid=$!
  wait "$bench_pid" || rc=$?
  bench_pid=
  return "$rc"
}

declare -A samples=()  # "config|TEST|pipeline" -> lines of "rps p50 p99", one per round

# Records one run's CSV rows; returns 1 unless both SET and GET came back.
record() { # config pipeline csv-file
  local config=$1 pipeline=$2 test rps avg min p50 p95 p99 max seen=0
  while IFS=, read -r test rps avg min p50 p95 p99 max; do
    [[ $test == SET || $test == GET ]] || continue
    [[ $rps =~ ^[0-9.]+$ && $p50 =~ ^[0-9.]+$ && $p99 =~ ^[0-9.]+$ ]] || continue
    samples["$config|$test|$pipeline"]+="$rps $p50 $p99"$'\n'
    seen=$((seen + 1))
  done < <(tr -d '"\r' <"$3")
  ((seen == 2))
}

# CPU time in clock ticks: "total busy ours" for the machine, where ours is what this script, its
# reaped children (redis-benchmark) and the process groups it started have used. The rest of busy
# is other work on the machine, which the report shows for each run.
cpu_snapshot() {
  local groups=" ${started_pids[*]} " pgid pid
  {
    sed -n 's/^cpu  */C /p' /proc/stat
    while read -r pgid pid; do
      [[ $groups == *" $pgid "* ]] && sed -n 's/.*) /P /p' "/proc/$pid/stat" 2>/dev/null
    done < <(ps -e -o pgid=,pid=)
    sed -n 's/.*) /S /p' "/proc/$$/stat"
  } | awk '
    $1 == "C" { for (i = 2; i <= 9; i++) total += $i; busy = total - $5 - $6 }
    $1 == "P" { ours += $13 + $14 + $15 + $16 }
    $1 == "S" { ours += $13 + $14 + $15 + $16 }
    END { print total, busy, ours }'
}
other_cpu_percent() { # snapshot-before snapshot-after: other work, in % of all CPUs
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, " "); split(b, y, " "); t = y[1] - x[1]
    # A process of ours that exits unreaped takes its CPU time with it: clamp to what can be.
    ours = y[3] - x[3]; if (ours < 0) ours = 0
    other = (y[2] - x[2]) - ours; if (other < 0) other = 0; if (other > t) other = t
    printf "%.0f", (t > 0 ? 100 * other / t : 0)
  }'
}

declare -A other_cpu=()  # "config|pipeline|round" -> other work during that run, % of all CPUs
measure_error=""
measure() { # config port pipeline round; on failure returns 1 with the reason in measure_error
  local config=$1 port=$2 pipeline=$3 csv="$tmp/$1-p$3-r$4.csv" rc=0 before after
  log "round $4/$ROUNDS  pipeline $pipeline  $config"
  before="$(cpu_snapshot)"
  run_benchmark "$port" "$pipeline" "$(requests_for "$pipeline")" "$csv" || rc=$?
  after="$(cpu_snapshot)"
  other_cpu["$config|$pipeline|$4"]="$(other_cpu_percent "$before" "$after")"
  if ((rc == 0)) && record "$config" "$pipeline" "$csv"; then
    return 0
  fi
  measure_error="redis-benchmark exited with status $rc"
  ((rc == 124)) && measure_error="redis-benchmark ran past RUN_TIMEOUT=${RUN_TIMEOUT} s"
  [[ -s $csv.err ]] && measure_error+=": $(last_line "$csv.err")"
  return 1
}

# Fills the keyspace, so GETs find values from the first measured run on.
log "filling the keyspace ($KEYSPACE keys of $DATA_SIZE bytes)"
timeout -k 5 "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$CLIENTS" \
  -n $((KEYSPACE * 3)) -t set -P 16 -r "$KEYSPACE" -d "$DATA_SIZE" -q >/dev/null 2>&1 </dev/null

if [[ -z $ferry_status ]] && ((WARMUP_REQUESTS > 0)); then
  for p in "${pipelines[@]}"; do
    log "warming Ferry up: $WARMUP_REQUESTS requests per test at pipeline $p (not measured)"
    rc=0
    run_benchmark "$ferry_port" "$p" "$WARMUP_REQUESTS" "$tmp/warmup-p$p.csv" || rc=$?
    if ((rc != 0)); then
      ferry_status="failed during warm-up: redis-benchmark status $rc: $(last_line "$tmp/warmup-p$p.csv.err")"
      log "Ferry $ferry_status"
      break
    fi
  done
fi

# Interleaved: every round visits every pipeline, and each pipeline runs the three configurations
# back to back, so drift on the machine (other load, thermal, page cache) falls on all of them.
for ((round = 1; round <= ROUNDS; round++)); do
  for p in "${pipelines[@]}"; do
    measure direct "$redis_port" "$p" "$round" || {
      echo "bench/proxy.sh: the direct run failed: $measure_error" >&2
      exit 1
    }
    if [[ -z $twem_status ]]; then
      if ! measure twemproxy "$twem_port" "$p" "$round"; then
        twem_status="failed during the run: $measure_error"
        log "twemproxy $twem_status"
      fi
    fi
    if [[ -z $ferry_status ]]; then
      if ! running "$ferry_pid"; then
        exit_rc=0
        wait "$ferry_pid" 2>/dev/null || exit_rc=$?
        ferry_status="exited during the run with status $exit_rc: $(last_line "$tmp/ferry.log")"
      elif ! measure ferry "$ferry_port" "$p" "$round"; then
        ferry_status="failed during the run: $measure_error"
      fi
      [[ -z $ferry_status ]] || log "Ferry $ferry_status"
    fi
  done
done

# --- report ------------------------------------------------------------------------------------

median_of() { # column(1=rps 2=p50 3=p99) key -> median over the rounds, or empty
  local lines=${samples[$2]:-}
  [[ -n $lines ]] || return 0
  printf '%s' "$lines" | awk -v c="$1" 'NF { print $c }' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'
}

# A configuration counts only when it produced every row; a run that broke halfway is not compared.
complete() { # config
  local t p
  for p in "${pipelines[@]}"; do
    for t in GET SET; do
      [[ $(printf '%s' "${samples[$1|$t|$p]:-}" | grep -c .) == "$ROUNDS" ]] || return 1
    done
  done
}
complete twemproxy || { [[ -n $twem_status ]] || twem_status="incomplete"; }
complete ferry || { [[ -n $ferry_status ]] || ferry_status="incomplete"; }

configs=(direct twemproxy ferry)
ferry_label="Ferry"
[[ $FERRY_MODE == passthrough ]] || ferry_label="Ferry ($FERRY_MODE)"
label() { case $1 in direct) echo "direct" ;; twemproxy) echo "twemproxy" ;; ferry) echo "$ferry_label" ;; esac; }
status_of() { case $1 in direct) echo "" ;; twemproxy) echo "$twem_status" ;; ferry) echo "$ferry_status" ;; esac; }

fmt_rps() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 1e-9 >= b) }'; }
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b + 1e-9) }'; }

table_rows=()    # "config|test|pipeline|rps|p50|p99"; a configuration that failed has no rows
for p in "${pipelines[@]}"; do
  for c in "${configs[@]}"; do
    [[ -z $(status_of "$c") ]] || continue
    for t in GET SET; do
      table_rows+=("$(label "$c")|$t|$p|$(fmt_rps "$(median_of 1 "$c|$t|$p")")|$(fmt_ms "$(median_of 2 "$c|$t|$p")")|$(fmt_ms "$(median_of 3 "$c|$t|$p")")")
    done
  done
done

# Ferry against direct and twemproxy, and the verdict on the issue's targets.
cmp_rows=()      # "test|pipeline|ferry/direct|ferry/twemproxy|throughput verdict|ferry p99 added|twemproxy p99 added|p99 verdict"
checks=0 failures=0
if [[ -z $ferry_status ]]; then
  for p in "${pipelines[@]}"; do
    for t in GET SET; do
      f_rps="$(median_of 1 "ferry|$t|$p")" d_rps="$(median_of 1 "direct|$t|$p")"
      f_p99="$(median_of 3 "ferry|$t|$p")" d_p99="$(median_of 3 "direct|$t|$p")"
      vs_direct="$(ratio "$f_rps" "$d_rps")x"
      vs_twem="n/a" tput="n/a (no twemproxy figures)" twem_added="n/a"
      if [[ -z $twem_status ]]; then
        w_rps="$(median_of 1 "twemproxy|$t|$p")"
        vs_twem="$(ratio "$f_rps" "$w_rps")x"
        twem_added="$(diff_ms "$(median_of 3 "twemproxy|$t|$p")" "$d_p99") ms"
        tput="-"
        if [[ $TARGET_PIPELINES == all || $TARGET_PIPELINES == "$p" ]]; then
          checks=$((checks + 1))
          tput=PASS
          if ! at_least "$(ratio "$f_rps" "$w_rps")" "$TARGET_MIN_RATIO_VS_TWEMPROXY"; then
            tput=FAIL
            failures=$((failures + 1))
          fi
        fi
      fi
      added="$(diff_ms "$f_p99" "$d_p99")"
      p99_verdict="-"
      if ((p == 1)) && [[ -n $TARGET_MAX_P99_ADDED_MS ]]; then
        checks=$((checks + 1))
        p99_verdict=PASS
        if ! at_most "$added" "$TARGET_MAX_P99_ADDED_MS"; then
          p99_verdict=FAIL
          failures=$((failures + 1))
        fi
      fi
      cmp_rows+=("$t|$p|$vs_direct|$vs_twem|$tput|$added ms|$twem_added|$p99_verdict")
    done
  done
fi
missing_p1=1
for p in "${pipelines[@]}"; do ((p == 1)) && missing_p1=0; done

if [[ -n $ferry_status ]]; then
  verdict="not measured: Ferry $ferry_status"
elif ((checks == 0)); then
  verdict="NOT CHECKED (no figures to check the targets against; is twemproxy installed?)"
  ((STRICT)) && failures=1
elif ((failures == 0)); then
  verdict="PASS ($checks of $checks checks)"
else
  verdict="FAIL ($failures of $checks checks failed)"
fi

# Other work on the machine during the measured runs moves the figures more than anything else.
readonly OTHER_CPU_WARN_PERCENT=10
other_line="" noisy=0 runs=0 max_other=-1 max_other_run=""
for key in "${!other_cpu[@]}"; do
  runs=$((runs + 1))
  value=${other_cpu[$key]}
  ((value > OTHER_CPU_WARN_PERCENT)) && noisy=$((noisy + 1))
  if ((value > max_other)); then
    max_other=$value
    IFS='|' read -r c p r <<<"$key"
    max_other_run="$(label "$c"), pipeline $p, round $r"
  fi
done
if ((runs > 0)); then
  other_line="other work on the machine during the measured runs: at most ${max_other}% of the CPUs ($max_other_run)"
  if ((noisy > 0)); then
    other_line+="; $noisy of $runs runs above ${OTHER_CPU_WARN_PERCENT}%: rerun on a quiet machine before trusting these figures"
  fi
fi

targets_text=">= ${TARGET_MIN_RATIO_VS_TWEMPROXY}x twemproxy's requests/s at $([[ $TARGET_PIPELINES == all ]] && echo "every pipeline" || echo "pipeline $TARGET_PIPELINES")"
[[ -z $TARGET_MAX_P99_ADDED_MS ]] || targets_text+="; p99 added over direct <= ${TARGET_MAX_P99_ADDED_MS} ms at pipeline 1"
settings_line="mode $FERRY_MODE, clients $CLIENTS, data size $DATA_SIZE B, keyspace $KEYSPACE, requests per test $REQUESTS at pipeline 1 and $REQUESTS_PIPELINED above, rounds $ROUNDS (median), Ferry warm-up $WARMUP_REQUESTS per test and pipeline, PIN=$PIN, RESP$PROTOCOL"
machine_line="$(nproc) CPUs, $(uname -sr), CPUs ${busy_before}% busy in the second before the run"

# Terminal report.
{
  echo
  echo "Proxy benchmark: redis-server $redis_version direct, through twemproxy ${twem_version:-?} and through Ferry"
  echo "  $settings_line"
  echo "  $machine_line"
  [[ -z $other_line ]] || echo "  $other_line"
  echo
  printf '%-10s %-4s %8s %12s %8s %8s\n' config test pipeline requests/s "p50 ms" "p99 ms"
  for row in "${table_rows[@]}"; do
    IFS='|' read -r c t p r p50 p99 <<<"$row"
    printf '%-10s %-4s %8s %12s %8s %8s\n' "$c" "$t" "$p" "$r" "$p50" "$p99"
  done
  [[ -z $twem_status ]] || echo "twemproxy: $twem_status"
  [[ -z $ferry_status ]] || echo "Ferry: $ferry_status"
  echo
  if ((${#cmp_rows[@]} > 0)); then
    echo "$ferry_label compared (targets: $targets_text)"
    printf '%-4s %8s %12s %15s %10s %14s %14s %10s\n' test pipeline ferry/direct ferry/twemproxy throughput "p99 added" "(twemproxy's)" "p99"
    for row in "${cmp_rows[@]}"; do
      IFS='|' read -r t p vd vt tv pa ta pv <<<"$row"
      printf '%-4s %8s %12s %15s %10s %14s %14s %10s\n' "$t" "$p" "$vd" "$vt" "${tv%% *}" "$pa" "$ta" "$pv"
    done
    ((missing_p1 == 0)) || echo "(no pipeline-1 runs: the p99 target was not checked)"
  fi
  echo "Targets: $verdict"
} | tee "$tmp/report.txt"

# Markdown report.
mkdir -p "$(dirname "$OUT")"
{
  echo "# Proxy benchmark $stamp"
  echo
  echo "redis-server $redis_version reached directly, through twemproxy ${twem_version:-(not run)} and through Ferry,"
  echo "with redis-benchmark (\`-c $CLIENTS -t set,get -r $KEYSPACE -d $DATA_SIZE${protocol_args[*]:+ ${protocol_args[*]}} --csv\`)."
  echo
  echo "- Settings: $settings_line."
  echo "- Machine: $machine_line."
  [[ -z $other_line ]] || echo "- Noise: $other_line."
  echo "- Ferry command: \`${ferry_cmd[*]} proxy --listen 127.0.0.1:PORT --source redis://127.0.0.1:PORT${ferry_args[*]:+ ${ferry_args[*]}}\`; FERRY_JAVA_OPTS: \`${FERRY_JAVA_OPTS:-(none)}\`."
  [[ -z $twem_status ]] || echo "- twemproxy: $twem_status."
  [[ -z $ferry_status ]] || echo "- Ferry: $ferry_status."
  echo
  echo "| config | test | pipeline | requests/s | p50 ms | p99 ms |"
  echo "|---|---|---:|---:|---:|---:|"
  for row in "${table_rows[@]}"; do
    IFS='|' read -r c t p r p50 p99 <<<"$row"
    echo "| $c | $t | $p | $r | $p50 | $p99 |"
  done
  echo
  if ((${#cmp_rows[@]} > 0)); then
    echo "## Ferry compared"
    echo
    echo "Targets: $targets_text."
    echo
    echo "| test | pipeline | Ferry/direct | Ferry/twemproxy | throughput target | p99 added (Ferry) | p99 added (twemproxy) | p99 target |"
    echo "|---|---:|---:|---:|---|---:|---:|---|"
    for row in "${cmp_rows[@]}"; do
      IFS='|' read -r t p vd vt tv pa ta pv <<<"$row"
      echo "| $t | $p | $vd | $vt | $tv | $pa | $ta | $pv |"
    done
    echo
  fi
  echo "**Targets: $verdict**"
  echo
  echo "## Every run"
  echo
  echo "In the order they ran. Other CPU: work on the machine that was not this benchmark's, in % of"
  echo "all CPUs, during that run."
  echo
  echo "| round | pipeline | config | test | requests/s | p50 ms | p99 ms | other CPU |"
  echo "|---:|---:|---|---|---:|---:|---:|---:|"
  for ((round = 1; round <= ROUNDS; round++)); do
    for p in "${pipelines[@]}"; do
      for c in "${configs[@]}"; do
        [[ -n ${other_cpu[$c|$p|$round]:-} ]] || continue
        for t in SET GET; do
          line="$(printf '%s' "${samples[$c|$t|$p]:-}" | sed -n "${round}p")"
          [[ -n $line ]] || continue
          read -r r p50 p99 <<<"$line"
          echo "| $round | $p | $(label "$c") | $t | $(fmt_rps "$r") | $(fmt_ms "$p50") | $(fmt_ms "$p99") | ${other_cpu[$c|$p|$round]}% |"
        done
      done
    done
  done
} >"$OUT"
log "report written to ${OUT#"$root"/}"

if ((STRICT)) && [[ -n $ferry_status || $failures -gt 0 ]]; then
  exit 1
fi
exit 0
