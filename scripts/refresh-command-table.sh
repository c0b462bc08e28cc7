#!/usr/bin/env bash
# Refreshes the command table Ferry bundles (resp/src/main/resources/io/ferry/resp/command/):
# starts a throwaway redis-server on a free loopback port, sends COMMAND and COMMAND DOCS over a
# raw socket, stores each raw RESP2 reply byte for byte, and stops the server.
#
# The replies are kept raw, not converted, so the very parser that reads a live source's COMMAND
# reply at start-up (RespDecoder.forReplies) also reads the bundled copy. Redis lists commands in
# the order of its hash tables, which is seeded at random per process: a refresh from the same
# version rewrites the files in another order. The table does not depend on that order; CommandTableIT
# checks that a live server's reply gives a table equal to the bundled one.
#
# Usage: scripts/refresh-command-table.sh [OUTPUT_DIR]
#   FERRY_REDIS_SERVER=/path/to/redis-server picks another server binary.
# Files are named redis-MAJOR.MINOR-command.resp and redis-MAJOR.MINOR-command-docs.resp after the
# server's version; CommandTable.bundled() reads the redis-7.0 pair, so a refresh from another
# version also means changing CommandTable.BUNDLED_VERSION (and re-running the resp tests).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="${1:-$repo_root/resp/src/main/resources/io/ferry/resp/command}"
redis_server="${FERRY_REDIS_SERVER:-redis-server}"

command -v "$redis_server" >/dev/null 2>&1 || {
  echo "refresh-command-table: $redis_server not found (apt-get install redis-server, or set FERRY_REDIS_SERVER)" >&2
  exit 1
}

version="$("$redis_server" --version | sed -n 's/.* v=\([0-9]*\.[0-9]*\)\..*/\1/p')"
if [ -z "$version" ]; then
  echo "refresh-command-table: cannot read the version from: $("$redis_server" --version)" >&2
  exit 1
fi

work_dir="$(mktemp -d -t ferry-command-table.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

# Sends one command (as a RESP array of bulk strings) and QUIT on a fresh connection, and writes the
# command's reply to $1. Redis answers QUIT with +OK and closes the connection, so reading to EOF
# needs no RESP parser here; the trailing +OK is then cut off.
fetch() {
  local out="$1"
  shift
  # printf -v, not $(...): command substitution would strip each trailing LF. Arguments are ASCII,
  # so ${#arg} is their length in bytes.
  local request piece arg
  printf -v request '*%d\r\n' "$#"
  for arg in "$@"; do
    printf -v piece '$%d\r\n%s\r\n' "${#arg}" "$arg"
    request+="$piece"
  done
  request+=$'*1\r\n$4\r\nQUIT\r\n'

  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '%s' "$request" >&3
  timeout 30 cat <&3 >"$work_dir/raw"
  exec 3<&-

  local trailer
  trailer="$(tail -c 5 "$work_dir/raw" | od -An -c | tr -d ' \n')"
  if [ "$trailer" != '+OK\r\n' ]; then
    echo "refresh-command-table: reply to '$*' did not end with QUIT's +OK (got '$trailer')" >&2
    exit 1
  fi
  if [ "$(head -c 1 "$work_dir/raw")" != '*' ]; then
    echo "refresh-command-table: '$*' did not answer with an array: $(head -c 200 "$work_dir/raw")" >&2
    exit 1
  fi
  head -c -5 "$work_dir/raw" >"$out"
}

ping() {
  # A subshell, so the descriptor is gone whatever happens.
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf '*1\r\n$4\r\nPING\r\n' >&3
    IFS= read -r -t 2 reply <&3 && [ "$reply" = $'+PONG\r' ]
  ) 2>/dev/null
}

# A random high port, retried when taken: redis-server exits at once when it cannot bind.
started=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  port=$((20000 + RANDOM % 40000))
  if ping; then
    continue # something already answers there
  fi
  "$redis_server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --protected-mode no --dir "$work_dir" --logfile "$work_dir/redis.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    if ping; then
      started=yes
      break
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$started" ] && break
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
if [ -z "$started" ]; then
  echo "refresh-command-table: could not start $redis_server; its log:" >&2
  cat "$work_dir/redis.log" >&2 2>/dev/null || true
  exit 1
fi

mkdir -p "$out_dir"
fetch "$out_dir/redis-$version-command.resp" COMMAND
fetch "$out_dir/redis-$version-command-docs.resp" COMMAND DOCS

echo "refresh-command-table: $("$redis_server" --version | cut -d' ' -f3) on port $port ->" >&2
ls -l "$out_dir/redis-$version-command.resp" "$out_dir/redis-$version-command-docs.resp" >&2
