#!/usr/bin/env bash
# Fails when a package, manifest or media rule of the rule table is produced by no test
# input: neither a fixture's expected codes (tests/fixtures, checked by e2e) nor a case of
# tests/unit/test_rule_coverage.cpp. Usage: rules_covered.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
set -euo pipefail
eductl=$1 make_fixtures=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_fixtures" fixtures "$tmp/fx" >/dev/null
{
  cut -f3 "$tmp/fx/expected.tsv" | tr ',' '\n'
  grep -oE '"(PKG|MAN|MEDIA|PDF|EPUB|ZIP)-[A-Z0-9-]+"' "$src/tests/unit/test_rule_coverage.cpp" "$src/tests/unit/test_validator.cpp" | cut -d'"' -f2
} | sort -u >"$tmp/covered"
"$eductl" --json rules | jq -r '.rules[] | select(.group == "package" or .group == "manifest" or .group == "media") | .code' |
  sort -u >"$tmp/all"
missing=$(comm -23 "$tmp/all" "$tmp/covered")
if [[ -n "$missing" ]]; then
  echo "rules no test produces:"
  echo "$missing"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "every rule is covered: $(wc -l <"$tmp/all") rules"
echo "1 passed, 0 failed"
