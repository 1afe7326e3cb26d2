#!/usr/bin/env bash
# Fails when a package, manifest or media rule of the rule table is produced by no test
# input. A code counts only when it is really produced: by the real binary validating the
# fixtures of tests/fixtures (with each fixture's flags), or by a unit test of
# test_rule_coverage.cpp / test_validator.cpp, which record the codes they observe in the
# file named by EDUCTL_PRODUCED_CODES. A code merely written in a test source counts for
# nothing. Usage: rules_covered.sh EDUCTL MAKE_FIXTURES SOURCE_DIR UNIT_TESTS
set -euo pipefail
eductl=$(realpath "$1") make_fixtures=$2 unit=$(realpath "$4")
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/e2e/lib.sh"  # $tmp (removed at exit), parse_expected
"$make_fixtures" fixtures "$tmp/fx" >/dev/null
: >"$tmp/produced"
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  parse_expected "$line"
  # A finding's exit status is 1 or 3; only the report matters here.
  (cd "$tmp" || exit; "$eductl" validate --json ${flag_args[@]+"${flag_args[@]}"} "$tmp/fx/$file" || true) |
    jq -r '.packages[].findings[]?.code' >>"$tmp/produced"
done <"$tmp/fx/expected.tsv"

EDUCTL_PRODUCED_CODES="$tmp/produced" "$unit" '[rules],[validate]' >"$tmp/unit.log" 2>&1 || {
  cat "$tmp/unit.log"
  echo "0 passed, 1 failed"
  exit 1
}
sort -u "$tmp/produced" >"$tmp/covered"
"$eductl" --json rules | jq -r '.rules[] | select(.group == "package" or .group == "manifest" or .group == "media") | .code' |
  sort -u >"$tmp/all"
missing=$(comm -23 "$tmp/all" "$tmp/covered")
if [[ -n "$missing" ]]; then
  echo "rules no test produces:"
  echo "$missing"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "every rule is produced by a test input: $(wc -l <"$tmp/all") rules"
echo "1 passed, 0 failed"
