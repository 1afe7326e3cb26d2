#!/usr/bin/env bash
# The --json outputs of validate, import, mirror keygen/verify/publish/sync/status/export, usage
# ingest and report follow their published schemas (schemas/). Every check below is counted.
# Usage: json_output.sh EDUCTL MAKE_FIXTURES SOURCE_DIR JSON_SCHEMA_CHECK
set -euo pipefail
eductl=$1 make_fixtures=$2 src=$3 checker=$4
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# schema_ok NAME FILE: FILE is non-empty and valid against schemas/NAME.schema.json.
schema_ok() {
  local name=$1 file=$2
  if [[ -s "$file" ]] && "$checker" "$src/schemas/$name.schema.json" "$file" >"$tmp/check.log" 2>&1; then
    ok "$(basename "$file") follows $name"
  else
    fail "$(basename "$file") does not follow $name: $(head -c 400 "$tmp/check.log")"
  fi
}
# exit_is WANT WHAT COMMAND...: runs COMMAND and checks its exit status.
exit_is() {
  local want=$1 what=$2 got
  shift 2
  rc got "$@"
  if [[ $got == "$want" ]]; then ok "$what: exit $got"; else fail "$what: exit $got, want $want"; fi
}

"$make_fixtures" fixtures "$tmp/fx" >/dev/null
exit_is 3 "validate of a batch holding corrupt archives" \
  sh -c '"$0" validate --json --recursive "$1" >"$2"' "$eductl" "$tmp/fx" "$tmp/validate.json"
schema_ok eductl.validate-1 "$tmp/validate.json"
# expected.tsv sits in the batch: a skipped entry, so that shape is checked too.
check "the validate report has a skipped entry" jq_true '.summary.skipped > 0 and any(.packages[]; .skipped)' "$tmp/validate.json"
exit_is 3 "import of the same batch" \
  sh -c '"$0" --data "$1" import --json "$2" >"$3"' "$eductl" "$tmp/data" "$tmp/fx" "$tmp/import.json"
schema_ok eductl.import-1 "$tmp/import.json"
check "import took some packages" jq_true '.summary.imported > 0' "$tmp/import.json"

"$eductl" --json mirror keygen --out "$tmp/keys" --no-password </dev/null >"$tmp/keygen.json"
schema_ok eductl.mirror.keygen-1 "$tmp/keygen.json"
printf 'index\n' >"$tmp/index.json"
"$eductl" mirror sign "$tmp/index.json" --key "$tmp/keys/eductl.key" >/dev/null
"$eductl" --json mirror verify "$tmp/index.json" --trust "$tmp/keys/eductl.pub" >"$tmp/verify-good.json"
schema_ok eductl.mirror.verify-1 "$tmp/verify-good.json"
printf 'changed\n' >"$tmp/index.json"
exit_is 1 "mirror verify of a changed file" \
  sh -c '"$0" --json mirror verify "$1" --trust "$2" >"$3"' "$eductl" "$tmp/index.json" "$tmp/keys/eductl.pub" "$tmp/verify-bad.json"
schema_ok eductl.mirror.verify-1 "$tmp/verify-bad.json"

# mirror publish / sync / status / export, and the published documents themselves
"$eductl" --json --data "$tmp/data" mirror publish --key "$tmp/keys/eductl.key" >"$tmp/publish.json"
schema_ok eductl.mirror.publish-1 "$tmp/publish.json"
schema_ok eductl.snapshot-1 "$tmp/data/public/index.json"
parts=("$tmp"/data/public/parts/*.json)
check "the snapshot has parts" test -s "${parts[0]}"
for part in "${parts[@]}"; do schema_ok eductl.snapshot-part-1 "$part"; done
"$eductl" --json --data "$tmp/mirror" mirror sync "$tmp/data/public" --trust "$tmp/keys/eductl.pub" >"$tmp/sync.json"
schema_ok eductl.mirror.sync-1 "$tmp/sync.json"
"$eductl" --json --data "$tmp/mirror" mirror status --deep >"$tmp/status.json"
schema_ok eductl.mirror.status-1 "$tmp/status.json"
"$eductl" --json --data "$tmp/data" mirror status >"$tmp/status-publisher.json"
schema_ok eductl.mirror.status-1 "$tmp/status-publisher.json"
"$eductl" --json --data "$tmp/mirror" mirror export "$tmp/usb" >"$tmp/export.json"
schema_ok eductl.mirror.export-1 "$tmp/export.json"
printf 'x' >>"$tmp/usb/index.json"
exit_is 1 "sync of a tampered export" \
  sh -c '"$0" --json --data "$1" mirror sync "$2" --trust "$3" >"$4"' "$eductl" "$tmp/mirror2" "$tmp/usb" \
  "$tmp/keys/eductl.pub" "$tmp/sync-refused.json"
schema_ok eductl.mirror.sync-1 "$tmp/sync-refused.json"

# usage ingest (with a malformed line, so a sample is there) and report by several dimensions.
perl "$src/tests/usage/make_geoip.pl" "$tmp/geo.mmdb"
{
  printf '1.0.1.5 - - [02/Mar/2026:08:00:00 +0800] "GET /objects/ab/cd/x HTTP/1.1" 206 1000 "-" "Mozilla/5.0"\n'
  printf '1.0.5.1 - - [02/Mar/2026:08:00:01 +0800] "GET /a HTTP/1.1" 200 10 "-" "Mozilla/5.0"\n'
  printf 'torn\n'
} >"$tmp/access.log"
"$eductl" --data "$tmp/udata" --json usage ingest --geoip "$tmp/geo.mmdb" "$tmp/access.log" >"$tmp/ingest.json"
schema_ok eductl.usage.ingest-1 "$tmp/ingest.json"
check "ingest reports one malformed sample" jq_true '.malformed_samples | length == 1' "$tmp/ingest.json"
for by in province city,day subject,week month resource-kind; do
  "$eductl" --data "$tmp/udata" --json report --by "$by" >"$tmp/report-$by.json"
  schema_ok eductl.report-1 "$tmp/report-$by.json"
done
finish
