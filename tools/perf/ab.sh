#!/usr/bin/env bash
# tools/perf/ab.sh MODEL SIZES REPEATS CONTEXT VARIANTS — median ms per forward of each snapshot, interleaved in one JVM.
# VARIANTS: comma-separated snapshot names (see snapshot.sh), each optionally NAME@THREADS (PyTorch intra-op threads
# while that variant runs) and :key=value;... (system properties set before that variant loads its model).
# Example: tools/perf/ab.sh models/demo-target 1,8,32 150 128 base@1,head@1
# Set BENCH_GREEDY=true to print 40 greedy tokens of each variant first (outputs must agree).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${RASD_PERF_DIR:-/tmp/rasd-perf}"
deps="$(tr ':' '\n' < "$root/rasd-cli/target/classpath.txt" | grep -v rasd-core | paste -sd:)"
mkdir -p "$dir/bench"
javac -nowarn -encoding UTF-8 --release 17 -d "$dir/bench" -cp "$root/rasd-core/target/classes:$deps" \
  "$root/tools/perf/src/bench/VariantBench.java" "$root/tools/perf/src/io/rasd/model/VariantRunner.java"
export OPT_OUT_TRACKING=true
exec java ${JAVA_OPTS:-} -Dai.djl.offline=true -Dbench.dir="$dir" -Dbench.greedy="${BENCH_GREEDY:-false}" \
  -cp "$dir/bench:$deps" bench.VariantBench "$@"
