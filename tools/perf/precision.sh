#!/usr/bin/env bash
# tools/perf/precision.sh [REPEATS] — f32 against bf16 (issue 23's table) on the demo target and on the 0.5B shape,
# each pair in one JVM, interleaved (ab.sh): one decoding step t(1) and the verification of a 32-node chain t(32)
# after 128 context tokens, a prefill of 1,024 tokens, and the peak resident memory of `./rasd generate` (16 tokens).
# Writes the 0.5B-shaped bf16 checkpoint (random init, Qwen2.5-0.5B's widths on our vocabulary; ~1 GB) to
# $RASD_PERF_DIR/llama-0.5b-bf16 once. Needs `./mvnw -B -q -pl rasd-cli -am package -DskipTests` first (the classpath).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${RASD_PERF_DIR:-/tmp/rasd-perf}"
repeats="${1:-40}"
large="$dir/llama-0.5b-bf16"
if [ ! -f "$large/model.safetensors" ]; then
  "$root/rasd" random-model --out "$large" --vocab 4096 --hidden 1024 --intermediate 5632 --layers 24 --heads 16 \
    --kv-heads 8 --max-positions 2048 --tied --seed 5 --dtype BF16 --tokenizer-from "$root/models/demo-target" >&2
fi
"$root/tools/perf/snapshot.sh" head >&2
prompt="The quick brown fox jumps over the lazy dog, and then it runs into the forest."
for spec in "$root/models/demo-target 1 $repeats" "$large 2 $(( (repeats + 3) / 4 ))"; do
  read -r model threads n <<<"$spec"
  echo "== $(basename "$model"), $threads thread(s): ms per forward, median (p25)"
  variants="head@$threads:bench.dtype=f32,head@$threads:bench.dtype=bf16"
  "$root/tools/perf/ab.sh" "$model" 1,32 "$n" 128 "$variants" 2>/dev/null | grep ' n=1 '
  "$root/tools/perf/ab.sh" "$model" 1024 3 1 "$variants" 2>/dev/null | grep ' n=1024 '
  for dtype in f32 bf16; do
    /usr/bin/time -f "$dtype peak resident memory of ./rasd generate: %M KiB" \
      "$root/rasd" generate --model "$model" --dtype "$dtype" --mode ar --max-new-tokens 16 --prompt "$prompt" \
      >/dev/null 2>"$dir/rss.log" || { cat "$dir/rss.log" >&2; exit 1; }
    tail -1 "$dir/rss.log"
  done
done
