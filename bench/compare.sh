#!/bin/bash
# Compares rhrel with the bash it replaces, side by side in one run (A B A B … after a
# warm-up), and prints medians and the median of pairwise ratios (rhrel/bash).
#   bench/compare.sh            # all benchmarks, release build
#   RUNS=50 bench/compare.sh startup seed
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
exec python3 bench/compare.py "$@"
