#!/usr/bin/env bash
# Stands in for Ferry in bench/proxy.sh's own check: takes Ferry's command line
# (proxy --listen H:P --source redis://H:P) and runs a twemproxy with those endpoints instead, so
# the script's Ferry path (start, wait for PING, warm-up, runs, ratios, clean-up) can be exercised
# with a real listener before Ferry's proxy exists:
#
#   FERRY_CMD=bench/selftest/twemproxy-as-ferry.sh bench/proxy.sh
#
# The "Ferry" figures are then a second twemproxy's: ratios near 1.0x are expected.
set -euo pipefail

usage() { echo "usage: $0 proxy --listen HOST:PORT --source redis://HOST:PORT" >&2; exit 2; }
[[ ${1:-} == proxy ]] || usage
shift
listen="" source=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --listen) listen=${2:-}; shift 2 || usage ;;
    --source) source=${2:-}; shift 2 || usage ;;
    *) echo "$0: unknown option $1" >&2; usage ;;
  esac
done
[[ $listen =~ ^127\.0\.0\.1:[0-9]+$ ]] || { echo "$0: --listen must be 127.0.0.1:PORT, got '$listen'" >&2; exit 2; }
[[ $source =~ ^redis://(127\.0\.0\.1:[0-9]+)/?$ ]] || { echo "$0: --source must be redis://127.0.0.1:PORT, got '$source'" >&2; exit 2; }
server=${BASH_REMATCH[1]}
stats_port=""
for ((i = 0; i < 200; i++)); do  # twemproxy's stats listener needs a free port of its own
  port=$((20000 + RANDOM % 12000))
  [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]] || { stats_port=$port; break; }
done
[[ -n $stats_port ]] || { echo "$0: found no free port for twemproxy's stats" >&2; exit 1; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/twemproxy-as-ferry.XXXXXX")"
child=""
trap '[[ -z $child ]] || kill -TERM "$child" 2>/dev/null; rm -rf -- "$dir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
cat >"$dir/nutcracker.yml" <<YAML
ferry:
  listen: $listen
  redis: true
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: false
  timeout: 10000
  server_connections: 1
  servers:
    - $server:1
YAML
# Not exec: this shell stays to remove the folder once nutcracker has stopped.
nutcracker -c "$dir/nutcracker.yml" -p "$dir/nutcracker.pid" -o /dev/stderr -s "$stats_port" -a 127.0.0.1 &
child=$!
wait "$child"
