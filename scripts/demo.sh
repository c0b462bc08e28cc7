#!/usr/bin/env bash
# `make demo`: a live migration between two local Redis servers, start to finish, while a client
# keeps writing. Starts (on free loopback ports, all stopped at the end):
#   a source redis-server loaded with 120k keys of mixed types (a tenth with a TTL), an empty target,
#   a Kafka broker (`ferry kafka`), and `ferry proxy` in front of the source, dual-writing to the target
#   and publishing every write to Kafka;
# then runs redis-benchmark through the proxy (the application) while `ferry copy --follow-writes`
# copies the historical data and repairs every key written during the copy, and finally compares
# the two servers: `ferry verify` over the whole keyspace both ways, then an independent spot check
# with redis-cli: key counts, and 2,000 random keys by value (DUMP, else by type) and expiry.
# Environment: KEYS (default 120000), APP_REQUESTS the application sends (default 150000),
# DEMO_TIMEOUT seconds for the whole run (default 600).
set -euo pipefail
# The demo reads the services' log lines (level=INFO is filtered out): the key=value format.
export FERRY_LOG_FORMAT=key-value

root="$(cd "$(dirname "$0")/.." && pwd)"
KEYS=${KEYS:-120000}
APP_REQUESTS=${APP_REQUESTS:-150000}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-600}
[[ $KEYS =~ ^[0-9]+$ ]] && ((KEYS >= 100)) || { echo "demo: KEYS=$KEYS (expected: an integer >= 100)" >&2; exit 2; }
for tool in redis-server redis-cli redis-benchmark java; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make tools installs it)" >&2; exit 2; }
done

tmp="$(mktemp -d /tmp/ferry-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# The whole demo stops by itself, whatever happens.
( sleep "$DEMO_TIMEOUT"; echo "demo: still running after ${DEMO_TIMEOUT}s, stopping" >&2; kill -TERM $$ ) &
watchdog=$!
pids+=("$watchdog")

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
free_port() { # a loopback port nothing listens on
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "demo: no free port found" >&2; exit 1
}
wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "demo: $what did not come up; its log:" >&2; tail -n 20 "$tmp/$what.log" >&2; exit 1
}
start_redis() { # name port
  redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  wait_for "$1" redis-cli -p "$2" ping
}

jar="$root/app/target/ferry.jar"
if [[ ! -f $jar ]]; then
  say "building Ferry (first run)"
  (cd "$root" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package)
fi
ferry() { java -Xmx512m -jar "$jar" "$@"; }
# For the services started in the background: exec, so $! is the JVM itself and the cleanup stops it
# (killing the subshell of a plain function call left the JVM running).
ferry_service() { exec java -Xmx512m -jar "$jar" "$@"; }

src=$(free_port); dst=$(free_port); kafka=$(free_port); proxy=$(free_port)
say "source redis-server on $src, target on $dst"
start_redis source "$src"
start_redis target "$dst"

say "loading $KEYS keys of mixed types into the source"
# Half strings, then hashes, lists, sets and strings with a TTL, an eighth each; 100 sorted sets and
# a stream on top. Sent as scripts of 10,000 keys, so the load takes seconds, not minutes.
strings=$((KEYS / 2)); each=$((KEYS / 8))
for ((from = 1; from <= strings; from += 10000)); do
  redis-cli -p "$src" eval "
    for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('SET', 'key:' .. i, 'value ' .. i) end
    return 0" 0 "$from" "$((from + 9999 < strings ? from + 9999 : strings))" >/dev/null
done
for ((from = 1; from <= each; from += 10000)); do
  redis-cli -p "$src" eval "
    for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
      redis.call('HSET', 'user:' .. i, 'name', 'user ' .. i, 'visits', i % 97)
      redis.call('RPUSH', 'events:' .. i, 'login', 'view:' .. i, 'logout')
      redis.call('SADD', 'tags:' .. i, 'a', 'b' .. (i % 13))
      redis.call('ZADD', 'scores:' .. (i % 100), i, 'player:' .. i)
      redis.call('SET', 'session:' .. i, 'token-' .. i, 'EX', 3600 + i % 600)
    end
    return 0" 0 "$from" "$((from + 9999 < each ? from + 9999 : each))" >/dev/null
done
redis-cli -p "$src" xadd orders '*' id 1 total 42 >/dev/null
echo "source: $(redis-cli -p "$src" dbsize) keys"

say "Kafka broker (ferry kafka) on $kafka"
ferry_service kafka --listen "127.0.0.1:$kafka" --data-dir "$tmp/kafka" >"$tmp/kafka.log" 2>&1 &
pids+=($!)
wait_for kafka grep -q "kafka ready" "$tmp/kafka.log"

say "ferry proxy on $proxy: clients now talk to it; it dual-writes to the target (SOURCE_AUTHORITATIVE)"
ferry_service proxy --listen "127.0.0.1:$proxy" --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" \
  --write-policy SOURCE_AUTHORITATIVE --read-mode SOURCE --kafka "127.0.0.1:$kafka" >"$tmp/proxy.log" 2>&1 &
pids+=($!)
wait_for proxy redis-cli -p "$proxy" ping

say "the application keeps writing through the proxy while the copy runs"
# A bounded run (it ends by itself); the copy below finishes once the writes log is caught up.
redis-benchmark -p "$proxy" -q -c 2 -n "$APP_REQUESTS" -r "$strings" -t set,incr,lpush >"$tmp/app.log" 2>&1 &
app=$!
pids+=("$app")

say "ferry copy --follow-writes: historical copy, then every key written meanwhile copied again"
# Everything here shares two cores, where the source's PING time goes above the 5 ms a production
# source would be held to: the demo gives the throttle a budget this machine can meet.
ferry copy --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" --kafka "127.0.0.1:$kafka" \
  --run-id demo --follow-writes true --throttle.latency-budget-ms 50 2> >(grep -v -e ' level=INFO ' >&2)

say "waiting for the application's last writes"
wait "$app" 2>/dev/null || true
tail -n 3 "$tmp/app.log" | tr '\r' '\n' | grep -v '^$' | tail -n 3
say "copying again what was written after the copy's catch-up (the same command: it resumes)"
ferry copy --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" --kafka "127.0.0.1:$kafka" \
  --run-id demo --follow-writes true 2> >(grep -v -e ' level=INFO ' >&2)

say "ferry verify: the whole keyspace compared key by key (type, value, expiry), both ways"
ferry verify --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" --find-extra true \
  --round-delay-ms 200 --report "$tmp/verify-report.json" 2> >(grep -v -e ' level=INFO ' >&2) || {
  echo "demo: ferry verify found the target different (report: $tmp/verify-report.json)" >&2
  exit 1
}

say "an independent spot check with redis-cli (not Ferry's code): 2,000 random keys"
src_keys=$(redis-cli -p "$src" dbsize)
dst_keys=$(redis-cli -p "$dst" dbsize)
echo "keys: source $src_keys, target $dst_keys"
different=0
checked=0
while IFS= read -r key; do
  checked=$((checked + 1))
  if [[ "$(redis-cli -p "$src" --no-raw dump "$key")" != "$(redis-cli -p "$dst" --no-raw dump "$key")" ]]; then
    # Same value, other encoding (lists built by different commands) is still equal: compare by type.
    type=$(redis-cli -p "$src" type "$key")
    case $type in
      list) a=$(redis-cli -p "$src" lrange "$key" 0 -1); b=$(redis-cli -p "$dst" lrange "$key" 0 -1) ;;
      hash) a=$(redis-cli -p "$src" hgetall "$key" | paste - - | sort); b=$(redis-cli -p "$dst" hgetall "$key" | paste - - | sort) ;;
      set) a=$(redis-cli -p "$src" smembers "$key" | sort); b=$(redis-cli -p "$dst" smembers "$key" | sort) ;;
      *) a=x; b=y ;;
    esac
    [[ "$a" == "$b" ]] || { different=$((different + 1)); echo "differs: $key ($type)"; }
  fi
  a=$(redis-cli -p "$src" pexpiretime "$key"); b=$(redis-cli -p "$dst" pexpiretime "$key")
  if ((a < 0 || b < 0 ? a != b : (a > b ? a - b : b - a) > 1000)); then
    different=$((different + 1)); echo "expiry differs: $key ($a, $b)"
  fi
done < <(redis-cli -p "$src" --scan | shuf -n 2000 --random-source=<(yes))
echo "$checked random keys compared by value: $different different"
if [[ $src_keys != "$dst_keys" || $different != 0 || $checked == 0 ]]; then
  echo "demo: source and target differ" >&2
  exit 1
fi
say "done: the target holds the source's $src_keys keys; the proxy's route can now move reads to it"
