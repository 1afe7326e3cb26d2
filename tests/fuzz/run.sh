#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time on a seed corpus. Usage: run.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
status=0
passed=0
failed=0
for source in "$here"/fuzz_*.cpp; do
  target=$(basename "$source" .cpp)
  work=$(mktemp -d)
  cp -r "$here/corpus/${target#fuzz_}/." "$work/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$build/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -artifact_prefix="$build/" \
      -max_len=262144 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    tail -40 "$work.log" >&2
    echo "fuzz: $target FAILED" >&2
    status=1
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
    grep -E '^#[0-9]+.*DONE' "$work.log" | tail -1 || true
  fi
  rm -rf "$work" "$work.log"
done
# The count test.sh adds to its total: one per target that ran its whole time.
echo "fuzz: $passed passed, $failed failed"
exit $status
