#!/usr/bin/env bash
# tools/perf/snapshot.sh NAME [COMMIT] — compiles rasd-core's main classes as of COMMIT (default: the working tree)
# into $RASD_PERF_DIR/snap/NAME, for ab.sh. Needs one `./mvnw -pl rasd-cli -am package -DskipTests` for the classpath.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${RASD_PERF_DIR:-/tmp/rasd-perf}"
name="$1"; commit="${2:-}"
deps="$(tr ':' '\n' < "$root/rasd-cli/target/classpath.txt" | grep -v rasd-core | paste -sd:)"
src="$root/rasd-core/src/main/java"
if [ -n "$commit" ]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  git -C "$root" archive "$commit" rasd-core/src/main | tar -x -C "$tmp"
  src="$tmp/rasd-core/src/main/java"
fi
rm -rf "$dir/snap/$name"; mkdir -p "$dir/snap/$name"
javac -nowarn -encoding UTF-8 --release 17 -d "$dir/snap/$name" -cp "$deps" $(find "$src" -name '*.java') 2>&1 | grep -v '^Note:' || true
# resources too (the TorchScript kernel module)
[ -d "$src/../resources" ] && cp -r "$src/../resources/." "$dir/snap/$name/"
echo "snapshot $name: $dir/snap/$name"
