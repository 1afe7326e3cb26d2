#!/usr/bin/env bash
# The --json outputs of validate, import, mirror keygen/verify, usage ingest and report follow their published
# schemas (schemas/).
# Usage: json_output.sh EDUCTL MAKE_FIXTURES SOURCE_DIR JSON_SCHEMA_CHECK
set -euo pipefail
eductl=$1 make_fixtures=$2 src=$3 check=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_fixtures" fixtures "$tmp/fx" >/dev/null
rc=0
"$eductl" validate --json --recursive "$tmp/fx" >"$tmp/validate.json" || rc=$?
[[ $rc == 3 ]] || { echo "FAIL validate exit $rc, want 3 (the batch holds corrupt archives)"; exit 1; }
"$check" "$src/schemas/eductl.validate-1.schema.json" "$tmp/validate.json"
# expected.tsv sits in the batch: a skipped entry, so that shape is checked too.
jq -e '.summary.skipped > 0 and any(.packages[]; .skipped)' "$tmp/validate.json" >/dev/null ||
  { echo "FAIL no skipped entry in the validate report"; exit 1; }
rc=0
"$eductl" --data "$tmp/data" import --json "$tmp/fx" >"$tmp/import.json" || rc=$?
[[ $rc == 3 ]] || { echo "FAIL import exit $rc, want 3"; exit 1; }
"$check" "$src/schemas/eductl.import-1.schema.json" "$tmp/import.json"
[[ $(jq '.summary.imported' "$tmp/import.json") -gt 0 ]] || { echo "FAIL nothing imported"; exit 1; }
"$eductl" --json mirror keygen --out "$tmp/keys" --no-password </dev/null >"$tmp/keygen.json"
"$check" "$src/schemas/eductl.mirror.keygen-1.schema.json" "$tmp/keygen.json"
printf 'index\n' >"$tmp/index.json"
"$eductl" mirror sign "$tmp/index.json" --key "$tmp/keys/eductl.key" >/dev/null
"$eductl" --json mirror verify "$tmp/index.json" --trust "$tmp/keys/eductl.pub" >"$tmp/verify-good.json"
"$check" "$src/schemas/eductl.mirror.verify-1.schema.json" "$tmp/verify-good.json"
printf 'changed\n' >"$tmp/index.json"
rc=0
"$eductl" --json mirror verify "$tmp/index.json" --trust "$tmp/keys/eductl.pub" >"$tmp/verify-bad.json" || rc=$?
[[ $rc == 1 ]] || { echo "FAIL mirror verify of a changed file: exit $rc, want 1"; exit 1; }
"$check" "$src/schemas/eductl.mirror.verify-1.schema.json" "$tmp/verify-bad.json"
# mirror publish / sync / status / export, and the published documents themselves
"$eductl" --json --data "$tmp/data" mirror publish --key "$tmp/keys/eductl.key" >"$tmp/publish.json"
"$check" "$src/schemas/eductl.mirror.publish-1.schema.json" "$tmp/publish.json"
"$check" "$src/schemas/eductl.snapshot-1.schema.json" "$tmp/data/public/index.json"
for part in "$tmp"/data/public/parts/*.json; do
  "$check" "$src/schemas/eductl.snapshot-part-1.schema.json" "$part"
done
"$eductl" --json --data "$tmp/mirror" mirror sync "$tmp/data/public" --trust "$tmp/keys/eductl.pub" >"$tmp/sync.json"
"$check" "$src/schemas/eductl.mirror.sync-1.schema.json" "$tmp/sync.json"
"$eductl" --json --data "$tmp/mirror" mirror status --deep >"$tmp/status.json"
"$check" "$src/schemas/eductl.mirror.status-1.schema.json" "$tmp/status.json"
"$eductl" --json --data "$tmp/data" mirror status >"$tmp/status-publisher.json"
"$check" "$src/schemas/eductl.mirror.status-1.schema.json" "$tmp/status-publisher.json"
"$eductl" --json --data "$tmp/mirror" mirror export "$tmp/usb" >"$tmp/export.json"
"$check" "$src/schemas/eductl.mirror.export-1.schema.json" "$tmp/export.json"
printf 'x' >>"$tmp/usb/index.json"
rc=0
"$eductl" --json --data "$tmp/mirror2" mirror sync "$tmp/usb" --trust "$tmp/keys/eductl.pub" >"$tmp/sync-refused.json" || rc=$?
[[ $rc == 1 ]] || { echo "FAIL sync of a tampered export: exit $rc, want 1"; exit 1; }
"$check" "$src/schemas/eductl.mirror.sync-1.schema.json" "$tmp/sync-refused.json"
# usage ingest (with a malformed line, so a sample is there) and report by several dimensions.
perl "$src/tests/usage/make_geoip.pl" "$tmp/geo.mmdb"
{
  printf '1.0.1.5 - - [02/Mar/2026:08:00:00 +0800] "GET /objects/ab/cd/x HTTP/1.1" 206 1000 "-" "Mozilla/5.0"\n'
  printf '1.0.5.1 - - [02/Mar/2026:08:00:01 +0800] "GET /a HTTP/1.1" 200 10 "-" "Mozilla/5.0"\n'
  printf 'torn\n'
} >"$tmp/access.log"
"$eductl" --data "$tmp/udata" --json usage ingest --geoip "$tmp/geo.mmdb" "$tmp/access.log" >"$tmp/ingest.json"
"$check" "$src/schemas/eductl.usage.ingest-1.schema.json" "$tmp/ingest.json"
jq -e '.malformed_samples | length == 1' "$tmp/ingest.json" >/dev/null || { echo "FAIL no malformed sample"; exit 1; }
for by in province city,day subject,week month resource-kind; do
  "$eductl" --data "$tmp/udata" --json report --by "$by" >"$tmp/report.json"
  "$check" "$src/schemas/eductl.report-1.schema.json" "$tmp/report.json"
done
echo "15 passed, 0 failed"
