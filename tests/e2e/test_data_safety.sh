#!/usr/bin/env bash
# End-to-end: the store and catalogue survive hostile data folders and unlucky admins.
# Usage: test_data_safety.sh EDUCTL MAKE_FIXTURES [SOURCE_DIR]
# 1. store gc refuses a missing, empty, half-created or damaged catalogue, and one that
#    references nothing (unless --force); it never follows a symlinked tmp/;
# 2. an unchanged re-run and refused packages stage nothing; a truncated object is
#    restored by re-importing, a damaged one after verify --quarantine; verify names books;
# 3. readers work on a read-only data folder (another user; a read-only mount where the
#    machine allows one) and say "no catalogue yet" on a half-created one;
# 4. --json prints one document on every failure; a catalogue held by another SQLite
#    writer is exit 5; Ctrl-C during verify reports how far it got;
# 5. catalogue strings are escaped on a terminal; NO_COLOR= (empty) keeps colour;
#    --sample 0 is a usage error; stdout is flushed per item (a log survives kill -9);
# 6. a full disk (a small tmpfs, where the machine allows mounting one): a package that
#    does not fit fails cleanly and leaves nothing; an unchanged re-run still works.
# shellcheck disable=SC2016  # jq filters
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 EDUCTL MAKE_FIXTURES [SOURCE_DIR]" >&2
  exit 2
fi
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
E="$tmp/eductl"
export LC_ALL=C.UTF-8
unset NO_COLOR
chmod 755 "$tmp"  # another user reads the data folder in part 3

"$2" fixtures "$tmp/fx" >/dev/null
batch="$tmp/batch"
mkdir -p "$batch"
cp -r "$tmp/fx/valid-dir" "$tmp/fx/valid.zip" "$tmp/fx/valid-epub.zip" "$tmp/fx/valid-gbk-names.zip" "$batch/"
d="$tmp/data"

run() {  # run OUTFILE ARGS...: sets $rc
  local o=$1
  shift
  rc=0
  timeout 120 "$E" "$@" >"$o" 2>"$o.err" || rc=$?
}
store_listing() { find "$1/objects" -type f -printf '%P %s\n' 2>/dev/null | LC_ALL=C sort; }
is_error_doc() { jq_true --argjson x "$1" '.schema == "eductl.error/1" and .error.exit == $x' "$2"; }
# staged_files LOG: how many staging files a traced run created
staged_files() { grep -c 'tmp/blob-[0-9]*-[0-9]*", O_WRONLY' "$1" || true; }

# --- 1. store gc guards -----------------------------------------------------------------
run "$tmp/o" --data "$d" import "$batch"
check "the batch imports" test "$rc" = 0
objects_before=$(store_listing "$d")
n_objects=$(wc -l <<<"$objects_before")
g="$tmp/gc"
gc_case() {  # gc_case LABEL WANT_RC: runs gc --json on $g, the store must be untouched
  local label=$1 want=$2
  run "$tmp/gc.json" --data "$g" --json store gc
  check "gc, $label: exit $want" test "$rc" = "$want"
  check "gc, $label: one error document" is_error_doc "$want" "$tmp/gc.json"
  check "gc, $label: all $n_objects objects kept" test "$(store_listing "$g")" = "$objects_before"
}
rm -rf "$g" && cp -a "$d" "$g" && rm "$g/catalog.sqlite"
gc_case "catalogue missing" 3
: >"$g/catalog.sqlite"
gc_case "catalogue empty (0 bytes)" 3
# the current schema version (the real catalogue's), so only the tables are missing
latest=$(sqlite3 "$d/catalog.sqlite" 'PRAGMA user_version')
rm "$g/catalog.sqlite" && sqlite3 "$g/catalog.sqlite" "PRAGMA user_version = $latest; CREATE TABLE x(a);"
gc_case "catalogue with the version but no tables" 3
head -c 8192 /dev/urandom >"$g/catalog.sqlite"
gc_case "catalogue that is not SQLite" 3
cp "$d/catalog.sqlite" "$g/catalog.sqlite"
sqlite3 "$g/catalog.sqlite" 'DELETE FROM files;'
gc_case "catalogue referencing nothing" 2
run "$tmp/o" --data "$g" store gc --force
check "gc --force then removes them all" test "$rc" = 0 -a -z "$(store_listing "$g")"

rm -rf "$g" && cp -a "$d" "$g"
mkdir -p "$tmp/precious" && echo keep >"$tmp/precious/blob-1-1" && echo keep >"$tmp/precious/notes"
rm -rf "$g/tmp" && ln -s "$tmp/precious" "$g/tmp"
run "$tmp/o" --data "$g" store gc
check "gc with tmp/ a symlink: exit 0" test "$rc" = 0
check "gc with tmp/ a symlink: nothing removed behind the link" test -e "$tmp/precious/blob-1-1" -a -e "$tmp/precious/notes"
check "gc with tmp/ a symlink: says it left it alone" grep -q 'left alone' "$tmp/o.err"
run "$tmp/o" --data "$g" import "$tmp/fx/valid.tar"
check "import with tmp/ a symlink: refused, exit 3" test "$rc" = 3
check "import with tmp/ a symlink: nothing written behind the link" test "$(ls "$tmp/precious" | wc -l)" = 2

# --- 2. what an import writes, and repairs -----------------------------------------------
if command -v strace >/dev/null; then
  strace -f -qq -e trace=openat -o "$tmp/trace" "$E" --data "$d" import "$batch" >/dev/null 2>&1 || true
  # A count of zero means something only if the run happened: it opened the catalogue.
  check "the traced re-run ran (it opened the catalogue)" grep -q 'catalog.sqlite' "$tmp/trace"
  check "unchanged re-run stages nothing" test "$(staged_files "$tmp/trace")" = 0
  strace -f -qq -e trace=openat -o "$tmp/trace" "$E" --data "$d" import "$tmp/fx/sha256-mismatch.zip" \
    "$tmp/fx/zip-bomb.zip" "$tmp/fx/file-missing.zip" >/dev/null 2>&1 || true
  check "the traced refusals ran (they read the packages)" grep -q 'sha256-mismatch.zip' "$tmp/trace"
  check "refused packages stage nothing" test "$(staged_files "$tmp/trace")" = 0
  strace -f -qq -e trace=openat -o "$tmp/trace" "$E" --data "$d" import "$tmp/fx/valid-54.zip" >/dev/null 2>&1 || true
  check "a new book stages only content the store lacks" test "$(staged_files "$tmp/trace")" -gt 0
else
  fail "strace is missing (scripts/deps.sh installs it)"
fi

# Truncate one object of valid.zip's book; an unchanged re-delivery restores it.
victim=$(sqlite3 "$d/catalog.sqlite" "SELECT f.sha256 FROM files f JOIN revisions r ON r.id = f.revision_id
  JOIN books b ON b.id = r.book_id WHERE b.package_id = 'pep-math-g7-upper' AND f.role = 'textbook'")
vpath="$d/objects/${victim:0:2}/${victim:2:2}/$victim"
chmod u+w "$vpath" && truncate -s 10 "$vpath"
run "$tmp/v.json" --data "$d" --json store verify
check "verify finds the truncated object: exit 1" test "$rc" = 1
check "verify names the book, revision and source" jq_true --arg s "$victim" \
  '.problems[] | select(.sha256 == $s) | .books[] | select(.book == "PEP/pep-math-g7-upper" and .revision == 1 and (.source | endswith("valid.zip")))' "$tmp/v.json"
run "$tmp/i.json" --data "$d" --json import "$batch/valid.zip"
check "re-delivering the package: unchanged, exit 0" jq_true '.items[0].outcome == "unchanged" and .summary.restored_blobs == 1' "$tmp/i.json"
run "$tmp/o" --data "$d" store verify
check "after the re-import the store verifies clean" test "$rc" = 0

# Same-size damage: quarantine, then the import stores the bytes again.
printf 'X' | dd of="$vpath" bs=1 seek=100 conv=notrunc 2>/dev/null
run "$tmp/o" --data "$d" store verify
check "verify finds same-size damage and says how to repair it" \
  grep -q 'store verify --quarantine' "$tmp/o"
run "$tmp/o" --data "$d" store verify --quarantine
check "verify --quarantine moves it aside" test -e "$d/quarantine/$victim" -a ! -e "$vpath"
run "$tmp/o" --data "$d" import "$batch/valid.zip"
run "$tmp/o" --data "$d" store verify
check "import after quarantine restores it; verify clean" test "$rc" = 0

# --- 3. readers on a read-only folder; a half-created catalogue ----------------------------
chmod -R a+rX "$d"
for cmd in "catalog list" "catalog stats" "catalog show PEP/pep-math-g7-upper" "store verify" "import --dry-run $batch"; do
  # shellcheck disable=SC2086  # word splitting of the command is intended
  rc=0
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$E" --data "$d" -q $cmd >/dev/null 2>"$tmp/ro.err" || rc=$?
  check "another user (no write access) runs '$cmd': exit 0" test "$rc" = 0
done
ro="$tmp/ro-mount"
mkdir -p "$ro"
if mount --bind "$d" "$ro" 2>/dev/null && mount -o remount,ro,bind "$ro" 2>/dev/null; then
  for cmd in "catalog list" "store verify" "import --dry-run $batch"; do
    rc=0
    # shellcheck disable=SC2086
    "$E" --data "$ro" -q $cmd >/dev/null 2>&1 || rc=$?
    check "read-only mount: '$cmd' exit 0" test "$rc" = 0
  done
  run "$tmp/o" --data "$ro" import "$batch"
  check "read-only mount: a writer fails clearly" grep -q 'Read-only file system' "$tmp/o.err"
  umount "$ro"
else
  umount "$ro" 2>/dev/null || true
  echo "note: this machine allows no read-only bind mount; the other-user checks above stand for it"
fi
h="$tmp/half"
mkdir -p "$h" && : >"$h/catalog.sqlite"
run "$tmp/h.json" --data "$h" --json catalog list
check "catalog list on a 0-byte catalogue: exit 3, no catalogue yet" \
  test "$rc" = 3 -a "$(jq -r .error.message "$tmp/h.json" | grep -c 'no catalogue here yet')" = 1
check "... and writes nothing" test "$(stat -c %s "$h/catalog.sqlite")" = 0
rm "$h/catalog.sqlite" && sqlite3 "$h/catalog.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
run "$tmp/h.json" --data "$h" --json catalog list
check "catalog list on a catalogue not yet migrated: exit 3, no catalogue yet" is_error_doc 3 "$tmp/h.json"

# --- 4. one JSON document per run; SQLite's own lock; Ctrl-C ---------------------------------
run "$tmp/j.json" --data "$d" --json catalog show nope
check "catalog show nope --json: exit 3 and an error document" is_error_doc 3 "$tmp/j.json"
run "$tmp/j.json" --data "$d" --json import --from-list "$tmp/nonexistent"
check "import --from-list missing --json: exit 3 and an error document" is_error_doc 3 "$tmp/j.json"
mkfifo "$tmp/list.fifo"
run "$tmp/j.json" --data "$d" --json import --from-list "$tmp/list.fifo"
check "import --from-list a FIFO: refused at once, exit 3" is_error_doc 3 "$tmp/j.json"
run "$tmp/j.json" --json catalog list --grade 99
check "a parse error with --json: exit 2 and an error document" is_error_doc 2 "$tmp/j.json"
run "$tmp/j.json" --data "$d" store verify --sample 0
check "store verify --sample 0 is a usage error" test "$rc" = 2

(echo "BEGIN EXCLUSIVE; INSERT INTO publishers VALUES('ZZ', 'z');"; sleep 8) | sqlite3 "$d/catalog.sqlite" &
holder=$!
sleep 0.5
new_rev="$tmp/rev2"
cp -a "$tmp/fx/valid-dir" "$new_rev"
jq '.revision = 2' "$new_rev/manifest.json" >"$tmp/m" && mv "$tmp/m" "$new_rev/manifest.json"
run "$tmp/l.json" --data "$d" --json import "$new_rev"
check "a catalogue held by another SQLite writer: exit 5" is_error_doc 5 "$tmp/l.json"
wait "$holder" || true
run "$tmp/o" --data "$d" import "$new_rev"
check "... and once it is free the import goes through" test "$rc" = 0

# Ctrl-C during verify: a large (sparse) object keeps it busy long enough.
big="$tmp/big"
mkdir -p "$big" && truncate -s 3G "$big/zeros"
bigsum=$(head -c 3G /dev/zero | sha256sum | cut -d' ' -f1)
mkdir -p "$d/objects/${bigsum:0:2}/${bigsum:2:2}"
cp --sparse=always "$big/zeros" "$d/objects/${bigsum:0:2}/${bigsum:2:2}/$bigsum"
sqlite3 "$d/catalog.sqlite" "INSERT INTO files(revision_id, path, sha256, size, media_type, role)
  SELECT max(id), 'big.mp4', '$bigsum', 3221225472, 'video/mp4', '' FROM revisions"
"$E" --data "$d" --json store verify >"$tmp/int.json" 2>/dev/null &
vpid=$!
for _ in $(seq 200); do  # until it is reading the big object (at most 10 s)
  ls -l "/proc/$vpid/fd" 2>/dev/null | grep -q "$bigsum" && break
  sleep 0.05
done
kill -INT "$vpid"
rc=0
wait "$vpid" || rc=$?
check "Ctrl-C during verify: exit 130" test "$rc" = 130
check "... and the report says it was interrupted, with the count checked" \
  jq_true '.interrupted == true and .checked < .selected' "$tmp/int.json"

# A log file of a long run keeps every finished item: stdout is flushed per item, so the
# first package's line is in the file while a later one is still being read.
logbatch="$tmp/logbatch"
mkdir -p "$logbatch/zz-big"
cp "$tmp/fx/valid.zip" "$logbatch/a-valid.zip"
truncate -s 6G "$logbatch/zz-big/video.mp4"  # read and hashed for seconds
echo '{}' >"$logbatch/zz-big/manifest.json"
for cmd in validate import; do
  rm -rf "$tmp/logdata"
  "$E" --data "$tmp/logdata" "$cmd" --jobs 1 "$logbatch" >"$tmp/log.txt" 2>/dev/null &
  lpid=$!
  for _ in $(seq 200); do
    grep -q 'a-valid.zip' "$tmp/log.txt" 2>/dev/null && break
    sleep 0.05
  done
  still_running=0
  kill -0 "$lpid" 2>/dev/null && still_running=1
  kill -9 "$lpid" 2>/dev/null || true
  wait "$lpid" 2>/dev/null || true
  check "$cmd: the first package's line reaches the log while the run goes on" \
    test "$still_running" = 1 -a "$(grep -c 'a-valid.zip' "$tmp/log.txt")" = 1
done

# --- 5. terminal safety and colour -------------------------------------------------------------
sqlite3 "$d/catalog.sqlite" "UPDATE revisions SET title = 'evil' || char(27) || '[31m' || char(7) || 'title' || char(13)"
run "$tmp/t" --data "$d" catalog list
check "catalog list escapes control characters" test "$(grep -c $'\e' "$tmp/t")" = 0
check "... showing them as escapes" grep -q 'evil\\x1b\[31m\\x07title' "$tmp/t"
run "$tmp/t" --data "$d" catalog show PEP/pep-math-g7-upper
check "catalog show escapes control characters" test "$(grep -c $'\e\|\a' "$tmp/t")" = 0
rm -rf "$tmp/c"
NO_COLOR= script -qec "$E --data $tmp/c import $batch/valid.zip" /dev/null </dev/null >"$tmp/col" 2>&1 || true
check "NO_COLOR set but empty keeps colour on a terminal" grep -q $'\e\[32m' "$tmp/col"
rm -rf "$tmp/c"
NO_COLOR=1 script -qec "$E --data $tmp/c import $batch/valid.zip" /dev/null </dev/null >"$tmp/col" 2>&1 || true
check "NO_COLOR=1: the import ran and reported" grep -q 'imported' "$tmp/col"
check "NO_COLOR=1 turns it off" test "$(grep -c $'\e\[32m' "$tmp/col")" = 0

# --- 6. a full disk ------------------------------------------------------------------------------
small="$tmp/small"
mkdir -p "$small"
if mount -t tmpfs -o size=3M tmpfs "$small" 2>/dev/null; then
  big_pkg="$tmp/big-pkg"
  cp -a "$tmp/fx/valid-dir" "$big_pkg"
  video=$(jq -r '.files[] | select(.media_type == "video/mp4") | .path' "$big_pkg/manifest.json" | head -1)
  head -c 4000000 /dev/urandom >>"$big_pkg/$video"  # still an ISO BMFF file: ftyp comes first
  jq --arg p "$video" --arg s "$(sha256sum <"$big_pkg/$video" | cut -d' ' -f1)" --argjson z "$(stat -c %s "$big_pkg/$video")" \
    '.package_id = "pep-big" | (.files[] | select(.path == $p)) |= (.sha256 = $s | .size = $z)' \
    "$big_pkg/manifest.json" >"$tmp/m" && mv "$tmp/m" "$big_pkg/manifest.json"
  run "$tmp/o" --data "$small/d" import "$batch"
  check "full disk: the small batch fits" test "$rc" = 0
  before=$(sqlite3 "$small/d/catalog.sqlite" .dump | sha256sum)
  run "$tmp/o" --data "$small/d" import "$big_pkg"
  check "full disk: a package that does not fit fails (exit 70)" test "$rc" = 70
  check "... naming the cause" grep -q 'No space left on device' "$tmp/o.err"
  check "... leaving the catalogue as it was" test "$(sqlite3 "$small/d/catalog.sqlite" .dump | sha256sum)" = "$before"
  check "... and no staging file behind" test -z "$(ls -A "$small/d/tmp")"
  # Nearly full: room for SQLite's shared-memory index and no more.
  free_kib=$(df -k --output=avail "$small" | tail -1)
  head -c $(((free_kib - 64) * 1024)) /dev/zero >"$small/filler" 2>/dev/null || true
  run "$tmp/o" --data "$small/d" import "$batch"
  check "nearly full disk: an unchanged re-run succeeds" test "$rc" = 0
  head -c 10000000 /dev/zero >>"$small/filler" 2>/dev/null || true  # and now completely full
  run "$tmp/o" --data "$small/d" catalog list
  check "full disk: readers still work" test "$rc" = 0
  umount "$small"
else
  echo "note: this machine allows no tmpfs mount; the full-disk checks did not run"
fi

finish
