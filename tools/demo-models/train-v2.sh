#!/usr/bin/env bash
# Demo models v2 (models/README.md): continues models/demo-target on plain text, copy rows and chat examples (RAG
# answers that quote their source, multi-turn, code completion), then distils models/demo-draft from the target it
# trained. Resumes from WORK_DIR's checkpoints.
# Usage: train-v2.sh WORK_DIR TARGET_MINUTES DRAFT_MINUTES [COPY_MINUTES [TARGET_FROM [TARGET_PEAK_LR]]]: the target's
# first COPY_MINUTES train copying only; TARGET_FROM (default models/demo-target) is the model a fresh run continues, at
# peak learning rate TARGET_PEAK_LR (default 5e-4). RASD_TRAIN_THREADS: PyTorch threads (2). Never in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${1:?work dir}"; mkdir -p "$work"
if [ ! -f "$work/classes.ok" ]; then
    ./mvnw -q -B ${MVN_ARGS:-} -pl rasd-train -am install -DskipTests
    ./mvnw -q -B ${MVN_ARGS:-} -pl rasd-train dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt"
    # a private copy of the classes, so rebuilding the project while this trains does not change what it runs
    rm -rf "$work/classes" && cp -r rasd-train/target/classes "$work/classes"
    cp -r rasd-core/target/rasd-core-*[0-9T].jar "$work/" 2>/dev/null || true
    touch "$work/classes.ok"
fi
cp_core=$(sed "s#[^:]*/rasd-core-[^:]*\.jar#$(ls "$work"/rasd-core-*.jar | head -1)#" "$work/classpath.txt")
exec java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="${RASD_TRAIN_THREADS:-2}" -cp "$work/classes:$cp_core" \
    io.rasd.train.TrainDemoModelsV2 "$work" "${2:-60}" "${3:-15}" models "${4:-0}" "${5:-models/demo-target}" "${6:-5e-4}"
