#!/usr/bin/env bash
# Runs the benchmarks of a Release build and prints the machine they ran on.
#   tests/bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: tests/bench/run.sh BUILD_DIR}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "compiler: $(c++ --version | head -n 1)"
echo
echo "== bench_decode (one core; best of 5)"
taskset -c 0 "$build/tests/bench/bench_decode" 200000 5
