#!/usr/bin/env bash
# Trains an EAGLE-1/2 draft head for a target on a corpus (io.rasd.train.TrainEagleHead; see models/README.md).
# Usage: train-eagle.sh TARGET_DIR CORPUS OUT_DIR MINUTES [more TrainEagleHead options]
# e.g.   tools/demo-models/train-eagle.sh models/demo-target models/demo-corpus /tmp/demo-eagle 30
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${1:?target model dir}"; corpus="${2:?corpus file or folder}"; out="${3:?output dir}"; minutes="${4:-30}"
shift $(( $# < 4 ? $# : 4 ))
./mvnw -q -B -pl rasd-train -am package -DskipTests
cp_file="$(mktemp)"
./mvnw -q -B -pl rasd-core dependency:build-classpath -Dmdep.outputFile="$cp_file"
# one PyTorch thread: on a small model and shared cores, more threads spin-wait and run several times slower
java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${RASD_TRAIN_THREADS:-1}" \
    -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "rasd-train/target/classes:rasd-core/target/classes:$(cat "$cp_file")" \
    io.rasd.train.TrainEagleHead --target "$target" --corpus "$corpus" --out "$out" --minutes "$minutes" "$@"
