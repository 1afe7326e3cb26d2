#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest: once on a
# normal build, once under AddressSanitizer + UndefinedBehaviorSanitizer, then each
# libFuzzer target for a short bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (RelWithDebInfo)"
BUILD_DIR=build scripts/build.sh
# ctest_counted DIR ENV...: runs the suite in DIR, adds its test count to $total.
total=0
ctest_counted() {
  local dir=$1 log
  shift
  log=$(mktemp)
  (cd "$dir" && env "$@" ctest -j "$jobs" --output-on-failure --timeout 900) | tee "$log"
  total=$((total + $(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)))
  rm -f "$log"
}

echo "== tests"
ctest_counted build

echo "== build (ASan + UBSan)"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DEDUCTL_SANITIZE=ON
echo "== tests under sanitizers"
ctest_counted build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if command -v clang++ >/dev/null; then
  echo "== fuzz (bounded)"
  BUILD_DIR=build-fuzz CXX=clang++ scripts/build.sh -DEDUCTL_FUZZ=ON -DEDUCTL_TESTS=OFF
  bash tests/fuzz/run.sh build-fuzz "${EDUCTL_FUZZ_SECONDS:-20}"
  total=$((total + 2))
fi
# Reached only when everything passed (set -e): one closing line for the whole run.
echo "test.sh: $total passed, 0 failed"
