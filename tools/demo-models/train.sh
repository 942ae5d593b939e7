#!/usr/bin/env bash
# Trains the demo models into models/ (see models/README.md). Usage: train.sh WORK_DIR TARGET_MINUTES DRAFT_MINUTES
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:?work dir}"; mkdir -p "$work"
./mvnw -q -B -pl rasd-train -am install -DskipTests
./mvnw -q -B -pl rasd-train dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt"
java -Xmx12g -Dai.djl.offline=true -cp "rasd-train/target/classes:$(cat "$work/classpath.txt")" \
    io.rasd.train.TrainDemoModels "$work" "${2:-60}" "${3:-20}" models
