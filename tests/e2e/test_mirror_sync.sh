#!/usr/bin/env bash
# End-to-end: publish, sync over a real nginx on 127.0.0.1, a chain central -> province
# -> school (the province served by nginx from its public/), partial mirrors, delta,
# export to a folder and sync from it, and every refusal leaving the mirror as it was.
# Usage: test_mirror_sync.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib_http.sh
source "$(dirname "$0")/lib_http.sh"
mirror_test_args "$@"
# dump DATA: what a mirror shows: its catalogue, state, served index and parts.
dump() {
  (
    cd "$1"
    sha256sum catalog.sqlite mirror.json 2>/dev/null || true
    readlink public 2>/dev/null || true
    find -L public -path public/objects -prune -o -type f -print0 2>/dev/null | sort -z | xargs -0r sha256sum
  )
}
sync_json() { "$E" --data "$1" mirror sync "${@:2}" --json --backoff 0.1; }

"$MF" demo batch >/dev/null
mkdir -p first rest
for p in batch/*; do
  case $p in
    *bnup-math-g5-lower*) mv "$p" rest/ ;;
    *) mv "$p" first/ ;;
  esac
done
rc code "$E" --data central import first >/dev/null 2>&1
# The demo batch holds three broken deliveries, which are refused (exit 1); the rest is taken.
check "setup: central imports the first batch (exit $code; the broken deliveries refused)" [ "$code" = 1 ]
check "setup: central's catalogue has books" bash -c "[ \"\$('$E' --data central catalog list --json | jq '.books | length')\" -ge 4 ]"
"$E" mirror keygen --out keys --no-password >/dev/null
"$E" mirror keygen --out other --no-password >/dev/null
rc code "$E" --data central mirror publish --key keys/eductl.key --origin "central test site" --json >pub1.json
check "publish exits 0" [ "$code" = 0 ]
check "publish --json reports the books and version" jq_true '.schema == "eductl.mirror.publish/1" and .books >= 4 and .version > 0' pub1.json
check "minisign -Vm accepts the index signature with eductl's public key" \
  minisign -Vm central/public/index.json -p keys/eductl.pub -q
check "the published blobs are hard links to the store (one copy on disk)" \
  bash -c '[ "$(find central/public/objects -type f -links +1 | wc -l)" -gt 0 ]'
cp -r central/public v1-tree  # a copy (not links) of version 1, for replay and tampering

start_nginx "$tmp/central/public"
central_url=$nginx_url
central_log=$nginx_dir/access.log

# --- 1. a provincial mirror over HTTP ---
rc code sync_json prov "$central_url" --trust keys/eductl.pub >s1.json
check "sync over HTTP exits 0" [ "$code" = 0 ]
check "sync reports updated with the published version" \
  jq_true --argjson v "$(jq .version pub1.json)" '.outcome == "updated" and .version == $v and .books == (.fetched.parts)' s1.json
check "the mirror's catalogue lists the books" bash -c "[ \"\$('$E' --data prov catalog list --json | jq '.books | length')\" = \"$(jq .books pub1.json)\" ]"
check "public/ serves the upstream's signed index unchanged" cmp prov/public/index.json central/public/index.json
check "the mirror's served index still verifies with minisign" minisign -Vm prov/public/index.json -p keys/eductl.pub -q
check "status says mirror, whole" bash -c "'$E' --data prov mirror status --deep --json | jq -e '.role == \"mirror\" and .ok and .corrupt_blobs == 0' >/dev/null"
before=$(nginx_requests)
rc code sync_json prov "$central_url" >s2.json
check "a no-change sync exits 0 and says unchanged" jq_true '.outcome == "unchanged"' s2.json
check "a no-change sync is one HTTP request" [ $(($(nginx_requests) - before)) = 1 ]
check "the second sync needs no --trust (remembered)" [ "$code" = 0 ]
rc code "$E" --data prov import rest 2>/dev/null
check "import into a mirror's folder is refused with exit 2" [ "$code" = 2 ]
check "a mirror refuses another --trust without --retrust" bash -c "! '$E' --data prov mirror sync '$central_url' --trust other/eductl.pub 2>/dev/null"

# --- 2. delta: one more book published ---
rc code "$E" --data central import rest >/dev/null 2>&1
check "setup: central imports one more book (exit $code)" [ "$code" = 0 ]
"$E" --data central mirror publish --key keys/eductl.key --json >pub2.json
rc code sync_json prov "$central_url" >s3.json
new_part=$(jq -r '.parts[] | select(.book | test("bnup-math-g5-lower")) | .size' central/public/index.json)
new_bytes=$(jq -r '.parts[] | select(.book | test("bnup-math-g5-lower")) | .bytes' central/public/index.json)
check "delta sync fetches one part" jq_true '.outcome == "updated" and .fetched.parts == 1' s3.json
index_bytes=$(( $(stat -c %s central/public/index.json) + $(stat -c %s central/public/index.json.minisig) ))
check "delta sync transfers no more than 1.05 x (new blobs + changed part), besides the index" \
  jq_true --argjson lim "$(( (new_part + new_bytes) * 105 / 100 + 1 + index_bytes ))" '.bytes_transferred <= $lim' s3.json

# --- 3. chain: province served by nginx from its public/, school syncs primary only ---
start_nginx "$tmp/prov/public"
prov_url=$nginx_url
rc code sync_json school "$prov_url" --trust keys/eductl.pub --stage primary >s4.json
check "a school syncs from the province and verifies the central signature" jq_true '.outcome == "updated"' s4.json
check "the school mirror holds primary books only" \
  bash -c "'$E' --data school catalog list --json | jq -e '(.books | length) > 0 and all(.books[]; .stage == \"primary\")' >/dev/null"
check "the school's status remembers the selection" \
  bash -c "'$E' --data school mirror status --json | jq -e '.selection.stage == [\"primary\"] and .ok' >/dev/null"
# the province alters a blob it serves: the school catches it
victim=$(find -L prov/public/objects -type f -print -quit)
cp --remove-destination "$victim" victim.bak
printf 'X' | dd of="$victim" bs=1 seek=3 conv=notrunc 2>/dev/null
rm -rf school2
rc code sync_json school2 "$prov_url" --trust keys/eductl.pub --retries 1 >s5.json
check "a middle mirror altering a blob is caught (MIR-HASH-MISMATCH, exit 1)" \
  bash -c "[ $code = 1 ] && jq -e '.findings[0].code == \"MIR-HASH-MISMATCH\"' s5.json >/dev/null"
check "after the refusal the new mirror serves nothing" [ ! -e school2/public ]
cp --remove-destination victim.bak "$victim"

# --- 4. security: each refusal leaves the mirror exactly as it was ---
mkdir -p evil
serve_evil() { rm -rf evil && cp -r "$1" evil; }
start_nginx "$tmp/evil"
evil_url=$nginx_url
expect_refusal() {  # DESCRIPTION CODE [sync args...]
  local what=$1 code_want=$2 b a
  shift 2
  b=$(dump prov)
  rc code sync_json prov "$evil_url" "$@" >refusal.json 2>refusal.err
  a=$(dump prov)
  if [[ $code == 1 ]] && jq -e --arg c "$code_want" '[.findings[].code] | index($c) != null' refusal.json >/dev/null &&
    [[ "$a" == "$b" ]]; then
    ok "$what: refused with $code_want, mirror unchanged"
  else
    fail "$what: exit $code, $(jq -c '[.findings[].code]' refusal.json 2>/dev/null), unchanged: $([[ "$a" == "$b" ]] && echo yes || echo no)"
  fi
}
serve_evil central/public
sed -i 's/"origin":"[^"]*"/"origin":"evil"/' evil/index.json
expect_refusal "tampered index" MIR-SIGNATURE
serve_evil central/public
blob=$(jq -r '.files[0].sha256' "central/public/parts/$(jq -r '.parts[0].sha256' central/public/index.json).json")
f="evil/objects/${blob:0:2}/${blob:2:2}/$blob"
"$E" --data central mirror publish --key keys/eductl.key --json >/dev/null  # a newer version to offer
serve_evil central/public
printf 'Z' | dd of="$f" bs=1 seek=1 conv=notrunc 2>/dev/null
# the blob is already held by prov: take one the mirror lacks by offering a fresh mirror
b=$(dump prov)
serve_evil central/public
"$E" mirror sign evil/index.json --key other/eductl.key -o evil/index.json.minisig >/dev/null
expect_refusal "index signed by another key" MIR-SIG-KEY-MISMATCH
serve_evil v1-tree
expect_refusal "replayed older snapshot" MIR-ROLLBACK
"$E" --data central mirror publish --key keys/eductl.key --expires 1s --json >pub-exp.json
serve_evil central/public
sleep 2
expect_refusal "expired snapshot" MIR-EXPIRED
rc code sync_json prov "$evil_url" --allow-expired >exp-ok.json
check "--allow-expired takes it knowingly" jq_true '.outcome == "updated"' exp-ok.json
# mix and match: a part of version 1 under the name a newer index gives another book's part
"$E" --data central mirror publish --key keys/eductl.key --json >pub4.json
serve_evil central/public
p_new=$(jq -r '.parts[-1].sha256' evil/index.json)
p_old=$(jq -r '.parts[0].sha256' v1-tree/index.json)
cp "v1-tree/parts/$p_old.json" "evil/parts/$p_new.json"
rm -rf mixed && cp -r prov mixed-base
rc code sync_json mixed "$evil_url" --trust keys/eductl.pub >mix.json
check "a part from another version is refused (MIR-HASH-MISMATCH)" \
  bash -c "[ $code = 1 ] && jq -e '[.findings[].code] | index(\"MIR-HASH-MISMATCH\") != null' mix.json >/dev/null && [ ! -e mixed/public ]"
# a tampered blob, for a mirror that does not hold it yet
serve_evil central/public
printf 'Z' | dd of="$f" bs=1 seek=1 conv=notrunc 2>/dev/null
rc code sync_json fresh "$evil_url" --trust keys/eductl.pub --retries 0 >tb.json
check "a tampered blob is refused (MIR-HASH-MISMATCH) and nothing is served" \
  bash -c "[ $code = 1 ] && jq -e '.findings[0].code == \"MIR-HASH-MISMATCH\"' tb.json >/dev/null && [ ! -e fresh/public ]"
check "a wrong key on a first sync is refused" \
  bash -c "! '$E' --data wrongkey mirror sync '$central_url' --trust other/eductl.pub --json >wk.json; jq -e '.findings[0].code == \"MIR-SIG-KEY-MISMATCH\"' wk.json >/dev/null && [ ! -e wrongkey/public ]"

# --- 5. key rotation: the old key names the new one, then the new one signs ---
"$E" --data central mirror publish --key keys/eductl.key --next-key other/eductl.pub --json >/dev/null
rc code sync_json prov "$central_url" >rot1.json
"$E" --data central mirror publish --key other/eductl.key --json >/dev/null
rc code sync_json prov "$central_url" >rot2.json
check "a rotation signed by the old key is followed" jq_true '.outcome == "updated" and .key_rotated' rot2.json
check "after the rotation the old key no longer signs for this mirror" \
  bash -c "'$E' --data central mirror publish --key keys/eductl.key --json >/dev/null; ! '$E' --data prov mirror sync '$central_url' --json --backoff 0.1 >rot3.json; jq -e '.findings[0].code == \"MIR-SIG-KEY-MISMATCH\"' rot3.json >/dev/null"
"$E" --data central mirror publish --key other/eductl.key --json >/dev/null

# --- 6. export to a folder (a USB disk) and sync from it ---
rc code "$E" --data prov mirror export usb --stage primary --json >exp.json
check "export exits 0 and reports the primary books" jq_true '.complete and .books > 0' exp.json
check "the export's index verifies with minisign" minisign -Vm usb/index.json -p other/eductl.pub -q
rc code "$E" --data prov mirror export usb --stage primary --json >exp2.json
check "a second export resumes: nothing written again" jq_true '.files_written == 0 and .files_kept > 0' exp2.json
rc code sync_json offline usb --trust other/eductl.pub --stage primary >off.json
check "sync DIR takes the export" jq_true '.outcome == "updated" and .books > 0' off.json
rm -f usb/index.json
rc code sync_json offline2 usb --trust other/eductl.pub >off2.json 2>/dev/null
check "an export without its index (unfinished) is refused, nothing served" bash -c "[ $code = 3 ] && [ ! -e offline2/public ]"

# --- 7. minisign's own key signs a snapshot eductl accepts ---
if minisign -G -W -p mk.pub -s mk.key >/dev/null 2>&1; then
  "$E" --data central mirror publish ms-tree --key mk.key --json >/dev/null
  rc code sync_json ms-mirror ms-tree --trust mk.pub >ms.json
  check "a key pair made by minisign -G publishes snapshots eductl syncs" jq_true '.outcome == "updated"' ms.json
else
  fail "minisign -G failed"
fi
finish
