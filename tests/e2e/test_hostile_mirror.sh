#!/usr/bin/env bash
# End-to-end regression checks for hostile or mistaken inputs to the mirror commands:
# an editor's data folder given to `mirror sync` (M1), an unsigned export.json that would
# change what a mirror holds (M2), an upstream that trickles bytes (M3), --limit-rate
# held over all transfers (M4), a signed part that gives one blob two sizes (M5), and
# the smaller ones (publish --expires without a unit, a future `created`, an oversized
# index, a refused download's leftovers, a clean-up that cannot read the previous
# index). Every refusal leaves the data folder byte for byte as it was.
# Usage: test_hostile_mirror.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib_http.sh
source "$(dirname "$0")/lib_http.sh"
mirror_test_args "$@"

# dump DIR: every file's hash and every link's target, to compare before and after.
dump() {
  (
    cd "$1" || exit 1
    find . -type f -print0 | sort -z | xargs -0r sha256sum
    find . -type l -printf '%p -> %l\n' | sort
    find . -type d | sort
  )
}
# unchanged LABEL DIR BEFORE: the folder's dump equals BEFORE (which must be non-empty).
unchanged() {
  local after
  after=$(dump "$2")
  if [[ -n "$3" && "$after" == "$3" ]]; then
    ok "$1"
  else
    fail "$1"
    diff <(echo "$3") <(echo "$after") | head -5 || :  # what changed, for the log
  fi
}
# resign TREE: signs TREE/index.json again with the upstream's key (a compromised or
# buggy publisher: everything below is validly signed).
resign() { "$E" mirror sign "$1/index.json" --key keys/eductl.key -o "$1/index.json.minisig" >/dev/null; }
# set_part TREE SHA NEWTEXTFILE: replaces a part and the index entry that names it.
set_part() {
  local tree=$1 old=$2 file=$3 new size
  new=$(sha256sum "$file" | cut -d' ' -f1)
  size=$(stat -c %s "$file")
  rm -f "$tree/parts/$old.json"
  cp "$file" "$tree/parts/$new.json"
  jq --arg o "$old" --arg n "$new" --argjson s "$size" \
    '.version += 1 | .parts |= map(if .sha256 == $o then .sha256 = $n | .size = $s else . end)' \
    "$tree/index.json" >"$tree/index.tmp"
  mv "$tree/index.tmp" "$tree/index.json"
  resign "$tree"
}

# --- setup: an editor's site with a ~2.7 MB lesson video (noise does not compress) ---
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=gray:s=320x240:d=2,noise=alls=100:allf=t" -c:v libx264 \
  -preset ultrafast -pix_fmt yuv420p video.mp4
"$MF" demo batch --video video.mp4 >/dev/null
rc code "$E" --data central import batch --json >import.json
check "setup: the demo batch imports (exit 0 or 1)" bash -c "[ $code -le 1 ] && jq -e '[.items[] | select(.outcome == \"imported\")] | length >= 4' import.json >/dev/null"
"$E" mirror keygen --out keys --no-password >/dev/null
rc code "$E" --data central mirror publish --key keys/eductl.key --json >pub.json
check "setup: publish exits 0 with books" bash -c "[ $code = 0 ] && jq -e '.books >= 4' pub.json >/dev/null"
books=$(jq .books pub.json)
start_nginx "$tmp/central/public"
url=$nginx_url
sync_json() { "$E" --data "$1" mirror sync "${@:2}" --json --backoff 0.05; }

# --- M1: an editor's folder is never synced over, whatever state its catalogue is in ---
m1() {  # m1 LABEL DIR
  local label=$1 dir=$2 before code
  before=$(dump "$dir")
  rc code "$E" --data "$dir" mirror sync "$url" --trust keys/eductl.pub --json >"$dir.sync.json" 2>"$dir.sync.err"
  check "M1 $label: sync refused with exit 2" [ "$code" = 2 ]
  check "M1 $label: the error says the folder is not a mirror's" grep -q "not a mirror" "$dir.sync.err"
  unchanged "M1 $label: the folder is byte-identical" "$dir" "$before"
}
# An editor's site: imported books, nothing published (no public/ to give it away).
rc code "$E" --data ed import batch --json >ed-import.json
check "M1 setup: the editor's folder has books" \
  bash -c "[ $code -le 1 ] && jq -e '[.items[] | select(.outcome == \"imported\")] | length >= 4' ed-import.json >/dev/null && [ ! -e ed/public ]"
cp -a ed ed-old
sqlite3 ed-old/catalog.sqlite 'pragma user_version=1'
m1 "catalogue at an older schema" ed-old
cp -a ed ed-dropped
table=$(sqlite3 ed-dropped/catalog.sqlite "select name from sqlite_master where type='table' and name like '%revision%' limit 1")
check "M1 setup: the catalogue has a revisions table to drop" [ -n "$table" ]
sqlite3 ed-dropped/catalog.sqlite "drop table $table"
m1 "catalogue with a table dropped" ed-dropped
cp -a ed ed-whole
m1 "a whole catalogue" ed-whole
mkdir ed-empty-cat
sqlite3 ed-empty-cat/catalog.sqlite 'create table t(x)'
m1 "a catalogue file without a mirror's marker" ed-empty-cat
mkdir ed-garbage && head -c 4096 /dev/urandom >ed-garbage/catalog.sqlite
m1 "a damaged catalogue file" ed-garbage
rc code sync_json fresh "$url" --trust keys/eductl.pub >fresh.json
check "M1: a fresh folder becomes a mirror" bash -c "[ $code = 0 ] && jq -e --argjson b $books '.outcome == \"updated\" and .books == \$b' fresh.json >/dev/null"
rc code sync_json fresh "$url" >fresh2.json
check "M1: the mirror syncs again (its own marker)" bash -c "[ $code = 0 ] && jq -e '.outcome == \"unchanged\"' fresh2.json >/dev/null"

# --- M2: nothing unsigned changes what a mirror holds ---
rc code sync_json full "$url" --trust keys/eductl.pub >full.json
check "M2 setup: a full mirror" bash -c "[ $code = 0 ] && jq -e --argjson b $books '.books == \$b' full.json >/dev/null"
full_blobs=$(jq .blobs full.json)
rc code "$E" --data full mirror export usb --json >usb.json
check "M2 setup: a full export" bash -c "[ $code = 0 ] && jq -e '.complete' usb.json >/dev/null"
jq '.selection = {"book": ["NOPE/none"]}' usb/export.json >usb/export.tmp && mv usb/export.tmp usb/export.json
rc code sync_json full usb >m2a.json 2>m2a.err
check "M2 forged export.json: the mirror keeps every book" bash -c "[ $code = 0 ] && jq -e --argjson b $books '.books == \$b and .removed_blobs == 0' m2a.json >/dev/null"
check "M2 forged export.json: the mirror's selection is still all books" \
  jq_true '.selection | [.[] | length] | add == 0' full/mirror.json
rc code sync_json full "$url" >m2b.json
check "M2 forged export.json: the next HTTP sync deletes nothing" \
  bash -c "[ $code = 0 ] && [ \"\$('$E' --data full mirror status --json | jq '.books, .blobs' | tr '\n' ' ')\" = '$books $full_blobs ' ]"
book=$(jq -r '.parts[0].book' central/public/index.json)
rc code "$E" --data full mirror export usb-part --book "$book" --json >usbp.json
check "M2 setup: a partial export of one book" bash -c "[ $code = 0 ] && jq -e '.books == 1' usbp.json >/dev/null"
before=$(dump full)
rc code sync_json full usb-part >m2c.json 2>m2c.err
check "M2 partial export into a full mirror: it keeps every book (exit 0)" \
  bash -c "[ $code = 0 ] && jq -e --argjson b $books '.books == \$b and .removed_blobs == 0' m2c.json >/dev/null"
unchanged "M2 partial export: the full mirror is byte-identical" full "$before"
rc code sync_json school usb-part --trust keys/eductl.pub >m2e.json 2>m2e.err
check "M2 partial export into a new mirror without filters: refused with exit 3" [ "$code" = 3 ]
check "M2 partial export: the error names the filters the export was written with" grep -q -- "--book $book" m2e.err
rc code sync_json school usb-part --trust keys/eductl.pub --book "$book" >m2d.json
check "M2 partial export with the operator's own --book: taken" bash -c "[ $code = 0 ] && jq -e '.books == 1' m2d.json >/dev/null"

# --- M5: a signed part that gives one blob two sizes ---
cp -rL central/public evil
victim=$(jq -r '.parts[0].sha256' evil/index.json)
jq -c '.files += [(.files[0] | .path = "copy-of-first" | .size += 1)]' "evil/parts/$victim.json" >evil-part.json
set_part evil "$victim" evil-part.json
before=$(dump full)
rc code sync_json full evil >m5.json
check "M5: a part giving one blob two sizes is refused (exit 1, MIR-PART-MALFORMED)" \
  bash -c "[ $code = 1 ] && jq -e '.findings[0].code == \"MIR-PART-MALFORMED\" and (.findings[0].message | test(\"two sizes|size\"))' m5.json >/dev/null"
unchanged "M5: the mirror is byte-identical" full "$before"

# --- minor: publish --expires needs a unit ---
rc code "$E" --data central mirror publish tree-x --key keys/eductl.key --expires 7 2>exp.err
check "publish --expires 7 (no unit) is a usage error, exit 2" bash -c "[ $code = 2 ] && [ ! -e tree-x ]"
rc code "$E" --data central mirror publish tree-y --key keys/eductl.key --expires 90m --json >/dev/null
check "publish --expires 90m is taken" [ "$code" = 0 ]

# --- minor: a snapshot created in the future is not "in the future ago" ---
cp -rL central/public future
jq '.version += 1 | .created = "2099-01-01T00:00:00Z" | .expires = "2099-12-31T00:00:00Z"' future/index.json >f.tmp && mv f.tmp future/index.json
resign future
rc code sync_json fut future --trust keys/eductl.pub >fut.json
"$E" --data fut mirror status >fut.txt || true
check "status of a snapshot created in the future says so without 'ago'" \
  bash -c "grep -q 'created:.*in the future' fut.txt && ! grep -q 'future ago' fut.txt"

# --- minor: an index over 64 MiB is a finding (exit 1), not a network error ---
mkdir big-index
head -c $((65 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >big-index/index.json
cp central/public/index.json.minisig big-index/
before=$(dump full)
rc code sync_json full big-index >big.json 2>big.err
check "an index over 64 MiB from a folder: exit 1 with MIR-INDEX-TOO-LARGE" \
  bash -c "[ $code = 1 ] && jq -e '.findings[0].code == \"MIR-INDEX-TOO-LARGE\"' big.json >/dev/null"
unchanged "an oversized index: the mirror is byte-identical" full "$before"
start_nginx "$tmp/big-index"
rc code sync_json full "$nginx_url" >bigh.json 2>bigh.err
check "an index over 64 MiB over HTTP: exit 1 with MIR-INDEX-TOO-LARGE" \
  bash -c "[ $code = 1 ] && jq -e '.findings[0].code == \"MIR-INDEX-TOO-LARGE\"' bigh.json >/dev/null"
rm -rf big-index

# --- minor: a refused download leaves no tmp/dl-<sha>.etag ---
big=$(find central/public/objects -type f -size +1000k -printf '%f\n' | head -1)
check "setup: a blob over 1 MB" [ -n "$big" ]
start_proxy "$(echo "$url" | sed -E 's|.*:([0-9]+)/|\1|')" "corrupt:$big:0"
rc code sync_json etag "$proxy_url" --trust keys/eductl.pub --retries 0 >etag.json
check "a corrupted blob is refused (exit 1, MIR-HASH-MISMATCH)" \
  bash -c "[ $code = 1 ] && jq -e 'any(.findings[]; .code == \"MIR-HASH-MISMATCH\")' etag.json >/dev/null"
left=$(find etag/tmp -name 'dl-*' | wc -l)
check "nothing of the refused download is left in tmp/ ($left files)" [ "$left" = 0 ]

# --- clean-up never deletes on doubt ---
rc code sync_json cl "$url" --trust keys/eductl.pub >cl1.json
check "clean-up setup: a full mirror" [ "$code" = 0 ]
rc code "$E" --data central mirror publish --key keys/eductl.key --json >pub2.json
rc code2 sync_json cl "$url" >cl2.json
check "clean-up setup: a second version synced (the first kept for readers)" \
  bash -c "[ $code = 0 ] && [ $code2 = 0 ] && jq -e '.outcome == \"updated\"' cl2.json >/dev/null && [ \$(ls cl/snapshots | wc -l) = 2 ]"
served=$(readlink cl/public)
echo "not an index" >"cl/$served/index.json"  # the snapshot that becomes the previous one
objects_before=$(find cl/objects -type f | wc -l)
snapshots_before=$(ls cl/snapshots | sort)
rc code sync_json cl "$url" --book "$book" >cl3.json 2>cl3.err
check "clean-up: an unreadable previous index makes the sync exit 1 with MIR-CLEANUP-SKIPPED" \
  bash -c "[ $code = 1 ] && jq -e '.outcome == \"updated\" and .removed_blobs == 0 and any(.findings[]; .code == \"MIR-CLEANUP-SKIPPED\" and (.entry | test(\"index.json\")))' cl3.json >/dev/null"
check "clean-up: the warning on stderr says why" grep -q "MIR-CLEANUP-SKIPPED" cl3.err
objects_after=$(find cl/objects -type f | wc -l)
check "clean-up: no blob was deleted ($objects_before before, $objects_after after)" \
  bash -c "[ $objects_before -gt 0 ] && [ $objects_before = $objects_after ]"
missing_snaps=0
for n in $snapshots_before; do [[ -e "cl/snapshots/$n" ]] || missing_snaps=$((missing_snaps + 1)); done
check "clean-up: no snapshot folder was deleted ($missing_snaps gone)" bash -c "[ -n '$snapshots_before' ] && [ $missing_snaps = 0 ]"

# --- M3: an upstream that trickles bytes cannot hold a sync (and the lock) for ever ---
upstream_port=$(echo "$url" | sed -E 's|.*:([0-9]+)/|\1|')
start_proxy "$upstream_port" "drip:objects/:0:3"
t0=$(date +%s)
rc code timeout 60 "$E" --data slow mirror sync "$proxy_url" --trust keys/eductl.pub --stall-timeout 2 --retries 0 \
  --json >slow.json 2>slow.err
t=$(($(date +%s) - t0))
check "M3: 3 bytes/s ends the sync with exit 4 (network) in ${t}s" bash -c "[ $code = 4 ] && [ $t -lt 30 ]"
check "M3: the error says the transfer was too slow" grep -qi "slow\|rate" slow.err
rc code "$E" --data slow mirror status >/dev/null 2>&1
check "M3: the lock is free afterwards (status answers)" [ "$code" != 5 ]
start_proxy "$upstream_port" "trickle:$big:0:0.05"
t0=$(date +%s)
rc code timeout 60 "$E" --data slow2 mirror sync "$proxy_url" --trust keys/eductl.pub --retries 0 --transfer-timeout 2 \
  --json >slow2.json 2>slow2.err
t=$(($(date +%s) - t0))
check "M3: a transfer over --transfer-timeout ends the sync with exit 4 in ${t}s" bash -c "[ $code = 4 ] && [ $t -lt 20 ]"
start_proxy "$upstream_port" "trickle:objects/:0:0.05"
t0=$(date +%s)
rc code timeout 60 "$E" --data slow3 mirror sync "$proxy_url" --trust keys/eductl.pub --retries 3 --deadline 3 \
  --json >slow3.json 2>slow3.err
t=$(($(date +%s) - t0))
check "M3: a sync over --deadline ends with exit 4 in ${t}s" bash -c "[ $code = 4 ] && [ $t -lt 15 ]"
check "M3: the error names the deadline" grep -q -- "--deadline" slow3.err

# --- M4: --limit-rate holds over all parallel transfers ---
rate=$((600 * 1024))
# What the rate does not govern (start-up, catalogue, flushes): an unlimited sync's time.
t0=$(date +%s.%N)
rc code sync_json unlimited "$url" --trust keys/eductl.pub -j 8 >unlimited.json
t1=$(date +%s.%N)
base=$(python3 -c "print($t1 - $t0)")
check "M4 setup: an unlimited sync" [ "$code" = 0 ]
t0=$(date +%s.%N)
rc code sync_json limited "$url" --trust keys/eductl.pub --limit-rate 600K -j 8 >limited.json
t1=$(date +%s.%N)
bytes=$(jq .bytes_transferred limited.json)
measured=$(python3 -c "print(int($bytes / ($t1 - $t0 - $base)))")
echo "M4: $bytes bytes in $(python3 -c "print(round($t1 - $t0, 2))") s, $(python3 -c "print(round($base, 2))") s of it fixed costs (an unlimited sync): $measured B/s at --limit-rate 600K"
check "M4 setup: the sync moved over 2.5 MB" bash -c "[ $code = 0 ] && [ $bytes -gt 2500000 ]"
check "M4: the measured rate $measured B/s is within 10% of $rate" \
  python3 -c "import sys; sys.exit(0 if abs($measured - $rate) <= 0.1 * $rate else 1)"

finish
