#!/usr/bin/env bash
# Makes sure the tools Ferry's build and tests need are on this machine: a JDK 17+, Maven,
# redis-server (the tests start real ones), and redis-cli, redis-benchmark and tcpdump (the capture
# tests record real traffic with them). On Debian, as root, missing ones are installed with
# apt-get; otherwise it stops and says what to install.
set -euo pipefail

need_packages=()
command -v java >/dev/null 2>&1 || need_packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_packages+=(maven)
if ! command -v redis-server >/dev/null 2>&1 && [ -z "${FERRY_REDIS_SERVER:-}" ]; then
  need_packages+=(redis-server)
fi
# The capture tests: redis-cli and redis-benchmark drive real traffic, tcpdump records it.
command -v redis-benchmark >/dev/null 2>&1 || need_packages+=(redis-tools)
command -v tcpdump >/dev/null 2>&1 || need_packages+=(tcpdump)
# The dashboard's tests drive Debian's headless Chromium through its chromedriver.
if [ "${FERRY_NEED_DEMO_TOOLS:-0}" != 1 ] && [ "${FERRY_NEED_BENCH_TOOLS:-0}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need_packages+=(chromium-driver)
fi
if [ "${FERRY_NEED_DEMO_TOOLS:-0}" = 1 ]; then
  command -v redis-cli >/dev/null 2>&1 || need_packages+=(redis-tools)
  command -v curl >/dev/null 2>&1 || need_packages+=(curl)
fi
if [ "${FERRY_NEED_BENCH_TOOLS:-0}" = 1 ]; then
  command -v redis-benchmark >/dev/null 2>&1 || need_packages+=(redis-tools)
  command -v nutcracker >/dev/null 2>&1 || need_packages+=(nutcracker)
fi

if [ ${#need_packages[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ferry: installing ${need_packages[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  # Debian's redis-server package may start a system-wide server on 6379; Ferry's tests start their
  # own on free ports and never use it.
  exit 0
fi

echo "ferry: missing ${need_packages[*]}." >&2
echo "Install them (Debian/Ubuntu: sudo apt-get install ${need_packages[*]}) and run again." >&2
exit 1
