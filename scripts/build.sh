#!/usr/bin/env bash
# Configures and builds into BUILD_DIR (default build/). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs" -- --no-print-directory >"$build_dir/build.log" 2>&1 || {
  grep -E 'error|Error' -A5 "$build_dir/build.log" | head -80 >&2
  echo "build failed; full log: $build_dir/build.log" >&2
  exit 1
}
