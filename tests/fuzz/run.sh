#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time on a seed corpus. Usage: run.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in fuzz_manifest fuzz_archive fuzz_minisign fuzz_logline; do
  work=$(mktemp -d)
  cp -r "$here/corpus/${target#fuzz_}/." "$work/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$build/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -artifact_prefix="$build/" \
      -max_len=262144 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    tail -40 "$work.log" >&2
    echo "fuzz: $target FAILED" >&2
    status=1
  else
    grep -E '^#[0-9]+.*DONE' "$work.log" | tail -1 || true
  fi
  rm -rf "$work" "$work.log"
done
exit $status
