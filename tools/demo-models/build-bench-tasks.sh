#!/usr/bin/env bash
# Rebuilds bench/tasks/*.jsonl and bench/corpus/ from the corpus packages (run tools/demo-models/setup.sh first).
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -B -pl rasd-train -am install -DskipTests
./mvnw -q -B -pl rasd-train dependency:build-classpath -Dmdep.outputFile=target-bench-classpath.txt
java -Dai.djl.offline=true -cp "rasd-train/target/classes:$(cat target-bench-classpath.txt)" \
    io.rasd.train.BuildBenchTasks bench
rm -f target-bench-classpath.txt
