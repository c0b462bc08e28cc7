#!/usr/bin/env bash
# Hostile input against a `ferry proxy` process held to a small heap (192 MB) and direct-memory budget (128 MB):
# runs HostileClientsIT (app) with a longer attack. While a well-behaved Lettuce client writes and reads through
# the proxy, 10,000 idle connections are held open and attackers send random bytes, mutated frames, huge declared
# lengths, deep nesting, slow-drip commands, 16 MB of pipelined reads never read, and connections reset
# mid-command. Prints the figures line: what each attack got, the proxy's RSS, and the well-behaved client's
# errors, wrong values and latency (p50/p99/max) alone and under attack.
#
# Usage: bench/hostile.sh            (settings are environment variables)
#
#   ATTACK_SECONDS=60    how long the attack lasts
#   IDLE=10000           idle connections held during the attack
#   ATTACKS=random,mutated,huge,reset,drip,never   which attacks run
#
# Everything listens on 127.0.0.1 on free ports; the test stops every process it started.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
ATTACK_SECONDS=${ATTACK_SECONDS:-60}
IDLE=${IDLE:-10000}
ATTACKS=${ATTACKS:-random,mutated,huge,reset,drip,never}
[[ $ATTACK_SECONDS =~ ^[0-9]+$ ]] || { echo "hostile: ATTACK_SECONDS=$ATTACK_SECONDS (expected: seconds)" >&2; exit 2; }
[[ $IDLE =~ ^[0-9]+$ ]] || { echo "hostile: IDLE=$IDLE (expected: a count)" >&2; exit 2; }

cd "$root"
mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true install >/dev/null
mvn -B -ntp verify -pl app -Dtest=none -Dit.test=HostileClientsIT -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true \
  -Dhostile.seconds="$ATTACK_SECONDS" -Dhostile.idle="$IDLE" -Dhostile.attacks="$ATTACKS" >/tmp/ferry-hostile-$$.log 2>&1 \
  || { tail -n 40 /tmp/ferry-hostile-$$.log >&2; echo "hostile: the test failed (log: /tmp/ferry-hostile-$$.log)" >&2; exit 1; }
grep -h "hostile input:\|slow well-behaved" app/target/failsafe-reports/io.ferry.app.HostileClientsIT-output.txt
rm -f /tmp/ferry-hostile-$$.log
