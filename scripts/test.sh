#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with ctest, in two builds:
#  1. the optimised build (gcc, RelWithDebInfo) runs every test once: unit, e2e, docs;
#  2. one clang build instrumented with AddressSanitizer + UndefinedBehaviorSanitizer and
#     libFuzzer coverage runs the unit tests and the e2e tests labelled `sanitize` (the
#     hostile-input parsers), then each libFuzzer target for a bounded time.
# Each stage prints its time; the closing line counts every test that ran, and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
t_start=$SECONDS
stage_start=$SECONDS
stage() {  # stage NAME: closes the previous stage (its time) and opens the next
  local now=$SECONDS
  [[ -n "${stage_name:-}" ]] && printf '== %s: %d s\n' "$stage_name" $((now - stage_start))
  stage_name=$1
  stage_start=$now
  [[ -n "$stage_name" ]] && echo "== $stage_name"
  return 0
}

stage "dependencies"
scripts/deps.sh

stage "build (optimised)"
BUILD_DIR=build scripts/build.sh

passed=0
failed=0
# ctest_counted DIR ARGS...: runs ctest in DIR and adds what it ran to the totals.
ctest_counted() {
  local dir=$1 log status=0 total nfail
  shift
  log=$(mktemp)
  (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 900 "$@") | tee "$log" || status=$?
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  nfail=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  rm -f "$log"
  if [[ -z "$total" || "$total" == 0 ]]; then
    echo "test.sh: ctest in $dir ran no test" >&2
    failed=$((failed + 1))
    return 0
  fi
  failed=$((failed + ${nfail:-0}))
  passed=$((passed + total - ${nfail:-0}))
  [[ $status -eq 0 ]] || echo "test.sh: ctest in $dir failed" >&2
}

stage "tests (optimised: all)"
ctest_counted build

if command -v clang++ >/dev/null; then
  stage "build (clang, ASan + UBSan + fuzzer coverage)"
  BUILD_DIR=build-san BUILD_TYPE=Debug CXX=clang++ scripts/build.sh -DEDUCTL_FUZZ=ON \
    "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only"
  stage "tests under sanitizers (unit + e2e labelled sanitize)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest_counted build-san -L 'unit|sanitize'
  stage "fuzz (bounded)"
  fuzz_log=$(mktemp)
  bash tests/fuzz/run.sh build-san "${EDUCTL_FUZZ_SECONDS:-20}" | tee "$fuzz_log" || true
  fp=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$fuzz_log" | tail -1)
  ff=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$fuzz_log" | tail -1)
  rm -f "$fuzz_log"
  if [[ -z "$fp" ]]; then
    echo "test.sh: the fuzz run printed no count" >&2
    failed=$((failed + 1))
  else
    passed=$((passed + fp))
    failed=$((failed + ff))
  fi
else
  echo "SKIP sanitizer build and fuzzing: clang++ is not installed (scripts/deps.sh installs it)"
fi
stage ""
printf '== total: %d s\n' $((SECONDS - t_start))
# One closing line for the whole run: tests that ran and passed, tests that failed.
echo "test.sh: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
