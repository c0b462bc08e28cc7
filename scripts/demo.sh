#!/usr/bin/env bash
# `make demo`: a whole zero-downtime migration between two local Redis servers while an application keeps
# writing, driven step by step with Ferry's own commands, and checked at the end by code that shares nothing
# with Ferry's copy and compare. On free loopback ports, everything stopped at the end:
#   1. a source redis-server with a mixed dataset (strings, hashes, lists, sets, sorted sets, streams, a tenth
#      with a TTL, a few big keys) and an empty target;
#   2. `ferry run`: one JVM with an embedded Kafka, the control plane and its dashboard, the interlay (the
#      proxy the application connects to), the reconciler, the comparator and the analyzer;
#   3. `ferry workload` through the run's listener the whole time: every data type from several connections,
#      every acknowledged write recorded in a history file;
#   4. `ferry migrate`: prepare (analysis and findings; the non-blocking ones acknowledged), compare (shadow
#      replay's figures), approve (historical copy with a progress bar), canary 5 -> 20 -> 40 -> 80 -> 100 %,
#      verify, complete;
#   5. the workload stopped, then `ferry check`: source and target key by key, and every acknowledged write of
#      the history against the target.
# Exit status 0 only when every step went through and the check found nothing: no divergent key, no lost write.
# Environment: KEYS in the dataset (default 100000), RATE of the workload in ops/s (default 600),
# STEP_SECONDS of workload under each canary step (default 5), DEMO_TIMEOUT for the whole run (default 600 s),
# KEEP=1 keeps the temporary folder (logs, history, reports).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
KEYS=${KEYS:-100000}
RATE=${RATE:-600}
STEP_SECONDS=${STEP_SECONDS:-5}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-600}
[[ $KEYS =~ ^[0-9]+$ ]] && ((KEYS >= 1000)) || { echo "demo: KEYS=$KEYS (expected: an integer >= 1000)" >&2; exit 2; }
[[ $RATE =~ ^[0-9]+$ ]] && ((RATE >= 10)) || { echo "demo: RATE=$RATE (expected: an integer >= 10)" >&2; exit 2; }
for tool in redis-server redis-cli java curl; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make tools installs it)" >&2; exit 2; }
done

started=$(date +%s)
tmp="$(mktemp -d /tmp/ferry-demo.XXXXXX)"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ ${KEEP:-0} == 1 || $status != 0 ]]; then
    echo "demo: logs, history and reports kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
# The whole demo stops by itself, whatever happens.
( sleep "$DEMO_TIMEOUT"; echo "demo: still running after ${DEMO_TIMEOUT}s, stopping" >&2; kill -TERM $$ ) &
pids+=($!)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }
free_port() { # a loopback port nothing listens on, below Linux's ephemeral range (32768 and up): a port
  # picked there can be taken meanwhile by an outgoing connection (a Kafka client's), and the bind then fails
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "demo: no free port found" >&2; exit 1
}
wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "demo: $what did not come up; its log:" >&2; tail -n 30 "$tmp/$what.log" >&2; exit 1
}
start_redis() { # name port
  redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  wait_for "$1" 30 redis-cli -p "$2" ping
}

jar="$root/app/target/ferry.jar"
if [[ ! -f $jar ]]; then
  say "building Ferry (first run)"
  (cd "$root" && mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true package)
fi
# Kafka's and the services' INFO lines go to the log files; what the demo shows is each command's own output.
# Log lines are key=value (docs/logging.md): pinned here, since the filter reads that format.
export FERRY_LOG_FORMAT=key-value
quiet() { grep --line-buffered -v -e ' level=INFO ' -e ' level=DEBUG ' >&2 || true; }
ferry() { java -Xmx256m -XX:+UseSerialGC -jar "$jar" "$@" 2> >(quiet); }
# For the services started in the background: exec, so $! is the JVM itself and the cleanup stops it.
ferry_service() { exec java "$@"; }

src=$(free_port); dst=$(free_port); listen=$(free_port); control=$(free_port); metrics=$(free_port)
say "source redis-server on $src (a mixed dataset), empty target on $dst"
start_redis source "$src"
start_redis target "$dst"

# Strings (a tenth with a TTL), hashes, lists, sets, sorted sets in equal shares, a few streams, and big keys:
# a 2 MB string and a list, hash, set and sorted set of 20,000 elements each. Lua scripts of 10,000 keys: seconds.
each=$((KEYS / 5))
for ((from = 1; from <= each; from += 10000)); do
  redis-cli -p "$src" eval "
    for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
      if i % 10 == 0 then
        redis.call('SET', 'session:' .. i, 'token-' .. i, 'EX', 3600 + i % 600)
      else
        redis.call('SET', 'key:' .. i, 'value ' .. i)
      end
      redis.call('HSET', 'user:' .. i, 'name', 'user ' .. i, 'visits', i % 97, 'plan', i % 3 == 0 and 'pro' or 'free')
      redis.call('RPUSH', 'events:' .. i, 'login', 'view:' .. i, 'logout')
      redis.call('SADD', 'tags:' .. i, 'a', 'b' .. (i % 13))
      redis.call('ZADD', 'scores:' .. i, i, 'player:' .. i, i % 50, 'bot')
      if i % 100 == 0 then redis.call('EXPIRE', 'user:' .. i, 7200) end
    end
    return 0" 0 "$from" "$((from + 9999 < each ? from + 9999 : each))" >/dev/null
done
redis-cli -p "$src" eval "
  for s = 1, 20 do
    for i = 1, 50 do redis.call('XADD', 'orders:' .. s, '*', 'id', i, 'total', i * 3) end
  end
  for i = 1, 20000 do
    redis.call('RPUSH', 'big:list', 'item-' .. i)
    redis.call('HSET', 'big:hash', 'field-' .. i, i)
    redis.call('SADD', 'big:set', 'member-' .. i)
    redis.call('ZADD', 'big:zset', i, 'member-' .. i)
  end
  redis.call('SET', 'big:string', string.rep('x', 2 * 1024 * 1024))
  return 0" 0 >/dev/null
echo "source: $(redis-cli -p "$src" dbsize) keys, $(redis-cli -p "$src" info memory | tr -d '\r' | sed -n 's/^used_memory_human://p') used"

say "ferry run: one JVM with an embedded Kafka, control plane, dashboard, interlay, reconciler, comparator, analyzer"
data="$tmp/ferry-data"
ferry_service -Xmx768m -jar "$jar" run --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" \
  --listen "127.0.0.1:$listen" --control-listen "127.0.0.1:$control" --data "$data" --run-id demo \
  --metrics.prometheus-listen "127.0.0.1:$metrics" >"$tmp/run.log" 2>&1 &
pids+=($!)
wait_for run 90 grep -q "applications connect to" "$tmp/run.log"
wait_for run 30 redis-cli -p "$listen" ping
url="http://127.0.0.1:$control"
echo "applications connect to 127.0.0.1:$listen (the interlay, in front of the source)"
echo "dashboard: $url/dashboard (token: $data/control.token)"
migrate() { ferry migrate "$1" --control "$url" --token-file "$data/control.token" --run demo "${@:2}"; }
scrape() { # the sum of a Prometheus counter of ferry run
  curl -fsS "http://127.0.0.1:$metrics/metrics" | awk -v name="$1" \
    '$1 ~ "^"name"(\\{|$)" { sum += $2 } END { printf "%d\n", sum }'
}

say "ferry workload: the application, through the listener, for the whole migration"
ferry_service -Xmx256m -XX:+UseSerialGC -jar "$jar" workload --target "127.0.0.1:$listen" --connections 4 \
  --rate "$RATE" --duration-seconds "$DEMO_TIMEOUT" --keys 20000 --prefix wl --history "$tmp/workload.history" \
  >"$tmp/workload.out" 2>"$tmp/workload.log" &
workload=$!
pids+=("$workload")
wait_for workload 30 grep -q "connections to" "$tmp/workload.log"
sleep "$STEP_SECONDS" # traffic for the analyzer to profile and the comparator to replay
migrate status

say "prepare: compatibility checks, the workload analysis and recommendation, a test run"
migrate prepare || fail "prepare found a blocking finding"
for finding in $(migrate status | sed -n 's/^  \[\([0-9]*\)\] \(WARNING\|CRITICAL\) .*/\1/p'); do
  # Non-blocking warnings, read and accepted for this demo (a blocking one stopped us above).
  migrate acknowledge --finding "$finding" --note "seen in make demo" >/dev/null
  echo "acknowledged finding $finding"
done

say "compare: the comparator replays the application's reads on the target (shadow replay)"
echo "reads replayed: $(scrape ferry_comparator_replayed_total), divergences confirmed so far: $(scrape ferry_comparator_confirmed_total)"
echo "(before the copy the target is empty: those divergences are the keys not copied yet, repaired as found)"

say "approve: writes go to both sides, the historical copy runs"
migrate approve --wait-copy true || fail "the historical copy did not complete"

for step in 5 20 40 80 100; do
  say "canary: $step % of keys read from the target"
  migrate traffic | sed -n 's/^  route/route/p'
  sleep "$STEP_SECONDS"
  echo "workload: $(tail -n 1 "$tmp/workload.log" | sed 's/^ferry workload: //')"
done

say "verify: the whole keyspace compared key by key, re-checked while the workload writes"
migrate verify || fail "the keyspace verify found the target different"

say "complete: the target becomes authoritative"
migrate complete --accept-target true || fail "complete was refused"
sleep "$STEP_SECONDS" # the application keeps writing, now to the target first

say "stopping the workload"
kill -TERM "$workload"
wait "$workload" 2>/dev/null || true
cat "$tmp/workload.out"
grep -q "writes acknowledged" "$tmp/workload.out" || fail "the workload did not finish cleanly"

say "ferry check: an independent check (own code: SCAN, TYPE, values by type, TTLs; the history replayed)"
check_status=0
ferry check --source "redis://127.0.0.1:$src" --target "redis://127.0.0.1:$dst" \
  --history "$tmp/workload.history" --report "$tmp/check-report.json" >"$tmp/check.out" || check_status=$?
grep -v '^report:' "$tmp/check.out"

token=$(cat "$data/control.token")
errors=$(curl -fsS -H "Authorization: Bearer $token" "$url/api/v1/migrations/demo/errors?limit=1" |
  sed -n 's/.*"total" *: *\([0-9]*\).*/\1/p')
divergences=$(scrape ferry_comparator_confirmed_total)
say "summary"
bytes=$(sed -n 's/.*"bytes_compared": \([0-9]*\).*/\1/p' "$tmp/check-report.json")
lost=$(sed -n 's/.*"lost_writes": \([0-9]*\).*/\1/p' "$tmp/check-report.json")
divergent=$(sed -n 's/.*"divergent": \([0-9]*\).*/\1/p' "$tmp/check-report.json")
printf '%-44s %s\n' \
  "keys (source / target):" "$(redis-cli -p "$src" dbsize) / $(redis-cli -p "$dst" dbsize)" \
  "bytes compared by ferry check:" "$bytes" \
  "time:" "$(($(date +%s) - started)) s" \
  "divergences found by the shadow replay:" "$divergences (repaired as found)" \
  "divergent keys found by ferry check:" "$divergent" \
  "error keys (copy/reconciler could not write):" "${errors:-unknown}" \
  "acknowledged writes lost:" "$lost"
((check_status == 0)) || fail "ferry check found differences (exit $check_status, report: $tmp/check-report.json)"
[[ $errors == 0 ]] || fail "the run has error keys"
say "done: the application moved to the target with no downtime and no acknowledged write lost"
