#!/bin/bash
# What `parallel` costs: three 1 s sleepers (≤ 1.2 s) and two 100 MB relays (combined MB/s,
# peak RSS of rhrel).
#   bench/parallel.sh            # both, release build
#   RUNS=20 bench/parallel.sh sleepers
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
exec python3 bench/parallel.py "$@"
