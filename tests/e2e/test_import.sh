#!/usr/bin/env bash
# End-to-end test of `eductl import` (and the `catalog` / `store` commands around it).
# Usage: test_import.sh EDUCTL MAKE_FIXTURES [SOURCE_DIR]
# 1. every hostile fixture of expected.tsv is refused and leaves catalogue and store
#    byte-identical (not even an import_runs row), and nothing lands outside the data folder;
# 2. the valid fixtures import, a second run is all "unchanged", shared content is stored once;
# 3. re-delivery: new revision, unchanged, IMP-REVISION-CONFLICT, IMP-REVISION-LOWER,
#    --keep-revisions, then `store gc` and `store verify`;
# 4. --dry-run writes nothing;  5. a second writer gets exit 5 naming the lock holder;
# 6. crash safety: kill -9 at random instants, SIGINT, then re-run = a clean import;
# 7. the platform listing importer;  8. the PDF folder importer.
# shellcheck disable=SC2016  # $c, $p, ... in single-quoted jq filters are jq variables
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 EDUCTL MAKE_FIXTURES [SOURCE_DIR]" >&2
  exit 2
fi
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# A private copy: the build tree's binary may be relinked while this test runs.
cp "$1" "$tmp/eductl"
EDUCTL="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")


fx="$tmp/fixtures"
work="$tmp/work"        # the working directory of every eductl run: must stay empty
out="$tmp/out"          # captured stdout/stderr
data="$tmp/data"        # one data folder per part
mkdir -p "$work" "$out" "$data" "$tmp/home"
export EDUCTL_HOME="$tmp/home"
export LC_ALL=C.UTF-8


# run_eductl OUTFILE ARGS...: runs eductl from the empty work dir, sets $rc.
run_eductl() {
  local outfile=$1
  shift
  rc=0
  (cd "$work" && timeout 120 "$EDUCTL" "$@") >"$outfile" 2>"$outfile.err" || rc=$?
}
# start_eductl OUTFILE ARGS...: the same in the background; sets $pid (eductl's own pid).
start_eductl() {
  local outfile=$1
  shift
  (cd "$work" && exec "$EDUCTL" "$@") >"$outfile" 2>"$outfile.err" &
  pid=$!
}
wait_rc() {  # wait_rc PID: sets $rc to its exit status, without the shell's "Killed" note
  rc=0
  { wait "$1"; } 2>/dev/null || rc=$?
}
ms_sleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

exits_and() { local want=$1; shift; [[ "$rc" == "$want" ]] && jq_true "$@"; }  # exits_and RC FILTER... FILE
empty_dir() { [[ -d "$1" && -z "$(ls -A "$1")" ]]; }
err_text() { head -c 300 "$1.err" | tr '\n' ' '; }
# state DIR: the whole catalogue dump, the store listing and the catalogue file's hash.
state() {
  local d=$1
  echo "== dump"
  if [[ -e "$d/catalog.sqlite" ]]; then sqlite3 "$d/catalog.sqlite" .dump; fi
  echo "== objects and tmp"
  find "$d/objects" "$d/tmp" -type f -printf '%P %s\n' 2>/dev/null | LC_ALL=C sort
  echo "== catalog.sqlite"
  if [[ -e "$d/catalog.sqlite" ]]; then sha256sum <"$d/catalog.sqlite"; fi
}
same_state() {  # same_state WHAT BEFORE DIR
  local after
  after=$(state "$3")
  if [[ "$2" == "$after" ]]; then
    ok "$1: catalogue and store unchanged"
  else
    fail "$1: state changed: $(diff <(echo "$2") <(echo "$after") | head -6 | tr '\n' ' ')"
  fi
}
# snapshot of everything under $tmp but the data folders and captured output
outside() { find "$tmp" -path "$data" -prune -o -path "$out" -prune -o -printf '%p %s %T@\n' | LC_ALL=C sort; }
objects() { find "$1/objects" -type f | wc -l; }
q() { sqlite3 "$1/catalog.sqlite" "$2" || true; }

# canon DIR: the catalogue's content by natural keys; no ids, timestamps, runs or paths.
canon() {
  sqlite3 "$1/catalog.sqlite" <<'SQL'
.mode list
.separator |
SELECT 'publisher', code, name FROM publishers ORDER BY code;
SELECT 'book', publisher_code, package_id, source, current_revision FROM books ORDER BY 2, 3;
SELECT 'revision', b.publisher_code, b.package_id, r.revision, r.digest, r.title, r.isbn, r.stage,
       r.school_system, r.special_school, r.grade_from, r.grade_to, r.subject, r.kind, r.edition, r.volume,
       r.volume_title, r.language, r.published, r.publisher_name, r.bytes
  FROM revisions r JOIN books b ON b.id = r.book_id ORDER BY 2, 3, 4;
SELECT 'file', b.publisher_code, b.package_id, r.revision, f.path, f.sha256, f.size, f.media_type, f.role
  FROM files f JOIN revisions r ON r.id = f.revision_id JOIN books b ON b.id = r.book_id ORDER BY 2, 3, 4, 5;
SELECT 'unit', b.publisher_code, b.package_id, r.revision, u.position, u.title
  FROM units u JOIN revisions r ON r.id = u.revision_id JOIN books b ON b.id = r.book_id ORDER BY 2, 3, 4, 5;
SELECT 'lesson', b.publisher_code, b.package_id, r.revision, u.position, l.position, l.lesson_key, l.title
  FROM lessons l JOIN units u ON u.id = l.unit_id JOIN revisions r ON r.id = u.revision_id
  JOIN books b ON b.id = r.book_id ORDER BY 2, 3, 4, 5, 6;
SELECT 'resource', b.publisher_code, b.package_id, r.revision, u.position, l.position, x.position, x.kind,
       x.file_path, x.pages
  FROM resources x JOIN lessons l ON l.id = x.lesson_id JOIN units u ON u.id = l.unit_id
  JOIN revisions r ON r.id = u.revision_id JOIN books b ON b.id = r.book_id ORDER BY 2, 3, 4, 5, 6, 7;
SELECT 'orphan revisions', count(*) FROM revisions WHERE book_id NOT IN (SELECT id FROM books);
SELECT 'orphan files', count(*) FROM files WHERE revision_id NOT IN (SELECT id FROM revisions);
SELECT 'orphan units', count(*) FROM units WHERE revision_id NOT IN (SELECT id FROM revisions);
SELECT 'orphan lessons', count(*) FROM lessons WHERE unit_id NOT IN (SELECT id FROM units);
SELECT 'orphan resources', count(*) FROM resources WHERE lesson_id NOT IN (SELECT id FROM lessons);
SELECT 'current missing', count(*) FROM books b
  WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.book_id = b.id AND r.revision = b.current_revision);
SQL
  true
}

# new_variant DEST REVISION [TAG] [PACKAGE_ID]: valid-dir with another revision; with TAG the
# first task sheet gets a comment line (so other content) and the manifest its new hash/size.
sheet="第1单元/课时1/任务单.pdf"
new_variant() {
  local dest=$1 rev=$2 tag=${3:-} id=${4:-}
  rm -rf "$dest"
  cp -a "$fx/valid-dir" "$dest"
  [[ -n "$tag" ]] && printf '%% %s\n%%%%EOF\n' "$tag" >>"$dest/$sheet"
  local sum size
  sum=$(sha256sum <"$dest/$sheet" | cut -d' ' -f1)
  size=$(stat -c %s "$dest/$sheet")
  jq --argjson r "$rev" --arg p "$sheet" --arg s "$sum" --argjson z "$size" --arg id "$id" \
    '.revision = $r | (if $id != "" then .package_id = $id else . end)
     | (.files[] | select(.path == $p)) |= (.sha256 = $s | .size = $z)' \
    "$fx/valid-dir/manifest.json" >"$dest/manifest.json"
}
# big_package DEST ID MIB [VIDEO]: valid-dir with a MIB MiB lesson video (ftyp box, then
# random bytes), or a copy of VIDEO, and a manifest to match.
video="第1单元/课时1/视频.mp4"
big_package() {
  local dest=$1 id=$2 mib=$3 from=${4:-}
  cp -a "$fx/valid-dir" "$dest"
  if [[ -n "$from" ]]; then
    cp "$from" "$dest/$video"
  else
    { head -c 24 "$fx/valid-dir/$video"; head -c $((mib * 1048576)) /dev/urandom; } >"$dest/$video"
  fi
  local sum size
  sum=$(sha256sum <"$dest/$video" | cut -d' ' -f1)
  size=$(stat -c %s "$dest/$video")
  jq --arg id "$id" --arg p "$video" --arg s "$sum" --argjson z "$size" \
    '.package_id = $id | (.files[] | select(.path == $p)) |= (.sha256 = $s | .size = $z)' \
    "$fx/valid-dir/manifest.json" >"$dest/manifest.json"
}

"$MAKE_FIXTURES" fixtures "$fx" >/dev/null
[[ -s "$fx/expected.tsv" ]] || { echo "FAIL make_fixtures wrote no expected.tsv"; exit 1; }

# ===== 1. hostile and invalid packages: refused, and no trace anywhere =====
d1="$data/one"
run_eductl "$out/seed.json" --data "$d1" --json import "$fx/valid-dir"
check "seed: valid-dir imported into a fresh data folder (exit $rc)" \
  exits_and 0 '.summary.imported == 1' "$out/seed.json"
base=$(state "$d1")
outside_before=$(outside)
etc_x_before=$([[ -e /etc/x ]] && echo yes || echo no)
hostile=0
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  parse_expected "$line"
  [[ "$want_exit" == 0 ]] && continue
  hostile=$((hostile + 1))
  want_outcome=refused
  [[ "$want_exit" == 3 ]] && want_outcome=failed

  json="$out/hostile-$file.json"
  run_eductl "$json" --data "$d1" --json import ${flag_args[@]+"${flag_args[@]}"} "$fx/$file"
  if [[ "$rc" == "$want_exit" ]]; then
    ok "$file: exit $rc"
  else
    fail "$file: exit $rc, want $want_exit ($(err_text "$json"))"
  fi
  if ! jq_true --arg o "$want_outcome" '.schema == "eductl.import/1" and (.items | length) == 1
        and .items[0].outcome == $o and .run == null and .summary.imported == 0' "$json"; then
    fail "$file: not one $want_outcome item with no run in the JSON report"
  fi
  expect_codes "$file" "$json" .items "$codes"
  same_state "$file" "$base" "$d1"
done <"$fx/expected.tsv"
check "expected.tsv has hostile fixtures ($hostile)" test "$hostile" -gt 40
outside_after=$(outside)
if [[ "$outside_before" == "$outside_after" ]]; then
  ok "nothing written outside the data folder"
else
  fail "written outside the data folder: $(diff <(echo "$outside_before") <(echo "$outside_after") | head -5 | tr '\n' ' ')"
fi
check "working dir still empty" test -z "$(ls -A "$work")"
check "no zip-slip target (../evil.pdf) anywhere" test -z "$(find "$tmp" -name evil.pdf)"
check "absolute-path.tar wrote no /etc/x" test "$([[ -e /etc/x ]] && echo yes || echo no)" = "$etc_x_before"

# ===== 2. valid fixtures: import, re-run unchanged, dedup =====
d2="$data/valid"
valid=()
for p in "$fx"/valid*; do valid+=("$p"); done
run_eductl "$out/valid.json" --data "$d2" --json import "${valid[@]}"
check "${#valid[@]} valid fixtures: exit 0 (got $rc: $(err_text "$out/valid.json"))" test "$rc" = 0
check "valid fixtures: all imported" jq_true --argjson n "${#valid[@]}" \
  '.summary.imported == $n and ([.items[].outcome] | all(. == "imported"))' "$out/valid.json"
check "valid fixtures: summary.dedup_blobs > 0 (shared files)" jq_true '.summary.dedup_blobs > 0' "$out/valid.json"
file_rows=$(q "$d2" 'SELECT count(*) FROM files')
distinct=$(q "$d2" 'SELECT count(DISTINCT sha256) FROM files')
stored=$(objects "$d2")
check "store holds $stored objects for $file_rows listed files ($distinct distinct)" \
  test "$stored" -lt "$file_rows" -a "$stored" = "$distinct"
shared=$(q "$d2" 'SELECT sha256 FROM files GROUP BY sha256 HAVING count(DISTINCT revision_id) > 1 LIMIT 1')
if [[ -n "$shared" ]]; then
  check "content shared by several books is one object" \
    test "$(find "$d2/objects" -type f -name "$shared" | wc -l)" = 1
  check "that object is at objects/${shared:0:2}/${shared:2:2}/$shared" test -f "$d2/objects/${shared:0:2}/${shared:2:2}/$shared"
else
  fail "no content shared between the valid fixtures"
fi
check "DIR/tmp empty after a clean import" empty_dir "$d2/tmp"
before=$(state "$d2")
run_eductl "$out/valid2.json" --data "$d2" --json import "${valid[@]}"
check "second run: exit 0 (got $rc)" test "$rc" = 0
check "second run: all unchanged, nothing stored" exits_and 0 --argjson n "${#valid[@]}" \
  '.summary.unchanged == $n and .summary.imported == 0 and .summary.stored_blobs == 0 and .run == null
   and ([.items[].outcome] | all(. == "unchanged"))' "$out/valid2.json"
same_state "second run" "$before" "$d2"
run_eductl "$out/verify2.json" --data "$d2" --json store verify
check "store verify after the valid import: exit 0 (got $rc)" test "$rc" = 0

# ===== 3. re-delivery rules =====
d3="$data/revisions"
book=PEP/pep-math-g7-upper-dir
pkgs="$tmp/pkgs"
mkdir -p "$pkgs"
new_variant "$pkgs/r2" 2 "revision 2"
new_variant "$pkgs/r2-other" 2 "another revision 2"
new_variant "$pkgs/r2-compact" 2 "revision 2"
jq -c . "$pkgs/r2/manifest.json" >"$pkgs/r2-compact/manifest.json"   # same content, other bytes
new_variant "$pkgs/r3" 3 "revision 3"
sheet1=$(sha256sum <"$fx/valid-dir/$sheet" | cut -d' ' -f1)
sheet2=$(sha256sum <"$pkgs/r2/$sheet" | cut -d' ' -f1)
sheet3=$(sha256sum <"$pkgs/r3/$sheet" | cut -d' ' -f1)
obj() { echo "$d3/objects/${1:0:2}/${1:2:2}/$1"; }

run_eductl "$out/r1.json" --data "$d3" --json import "$fx/valid-dir"
check "revision 1: exit 0 (got $rc)" test "$rc" = 0
run_eductl "$out/r2.json" --data "$d3" --json import "$pkgs/r2"
check "revision 2: exit 0, imported (got $rc: $(err_text "$out/r2.json"))" \
  exits_and 0 '.items[0].outcome == "imported" and .items[0].revision == 2' "$out/r2.json"
check "revision 2: only the changed file is new (1 stored, 9 dedup)" \
  jq_true '.summary.stored_blobs == 1 and .summary.dedup_blobs == 9' "$out/r2.json"
run_eductl "$out/show2.json" --data "$d3" --json catalog show "$book"
check "catalog show: 2 revisions, current 2 (exit $rc)" \
  exits_and 0 '.revision == 2 and ([.revisions[].revision] | sort) == [1, 2]' "$out/show2.json"
check "catalog show: current files carry revision 2's task sheet" \
  jq_true --arg p "$sheet" --arg s "$sheet2" 'any(.files[]; .path == $p and .sha256 == $s)' "$out/show2.json"
before=$(state "$d3")
run_eductl "$out/r2-again.json" --data "$d3" --json import "$pkgs/r2"
check "same revision, same bytes: exit 0, unchanged (got $rc)" \
  exits_and 0 '.items[0].outcome == "unchanged"' "$out/r2-again.json"
run_eductl "$out/r1-again.json" --data "$d3" --json import "$fx/valid-dir"
check "older revision already held, same bytes: exit 0, unchanged (got $rc)" \
  exits_and 0 '.items[0].outcome == "unchanged"' "$out/r1-again.json"
same_state "unchanged re-deliveries" "$before" "$d3"
for v in r2-other r2-compact; do
  run_eductl "$out/$v.json" --data "$d3" --json import "$pkgs/$v"
  check "$v (revision 2, other manifest bytes): exit 1 (got $rc)" test "$rc" = 1
  check "$v: refused with IMP-REVISION-CONFLICT" jq_true \
    '.items[0].outcome == "refused" and any(.items[].findings[]; .code == "IMP-REVISION-CONFLICT")' "$out/$v.json"
  same_state "$v" "$before" "$d3"
done
# a lower revision of a book whose newer revision is in the catalogue
new_variant "$pkgs/other-r5" 5 "lower test" pep-lower-test
new_variant "$pkgs/other-r4" 4 "lower test" pep-lower-test
run_eductl "$out/other-r5.json" --data "$d3" --json import "$pkgs/other-r5"
check "pep-lower-test revision 5: exit 0 (got $rc)" test "$rc" = 0
before=$(state "$d3")
run_eductl "$out/other-r4.json" --data "$d3" --json import "$pkgs/other-r4"
check "revision 4 after 5: exit 1 (got $rc)" test "$rc" = 1
check "revision 4 after 5: refused with IMP-REVISION-LOWER" jq_true \
  '.items[0].outcome == "refused" and any(.items[].findings[]; .code == "IMP-REVISION-LOWER")' "$out/other-r4.json"
same_state "lower revision" "$before" "$d3"
# --keep-revisions 1 on revision 3, then gc
run_eductl "$out/r3.json" --data "$d3" --json import --keep-revisions 1 "$pkgs/r3"
check "revision 3 --keep-revisions 1: exit 0, imported (got $rc)" \
  exits_and 0 '.items[0].outcome == "imported"' "$out/r3.json"
run_eductl "$out/show3.json" --data "$d3" --json catalog show "$book"
check "catalog show: one revision left, current 3 (exit $rc)" \
  exits_and 0 '.revision == 3 and [.revisions[].revision] == [3]' "$out/show3.json"
check "pruned revisions leave no rows behind" test "$(canon "$d3" | grep -c '^orphan.*|0$\|^current missing|0$')" = 6
check "--keep-revisions leaves content to gc: revision 1 and 2 sheets still stored" \
  test -f "$(obj "$sheet1")" -a -f "$(obj "$sheet2")"
run_eductl "$out/r2-after-prune.json" --data "$d3" --json import "$pkgs/r2"
check "revision 2 after pruning to 3: exit 1, IMP-REVISION-LOWER (got $rc)" \
  exits_and 1 'any(.items[].findings[]; .code == "IMP-REVISION-LOWER")' "$out/r2-after-prune.json"
run_eductl "$out/gc-dry.json" --data "$d3" --json store gc --dry-run
check "store gc --dry-run: exit 0 (got $rc), lists both old sheets" \
  exits_and 0 --arg a "$sheet1" --arg b "$sheet2" '(.removed | index($a)) != null and (.removed | index($b)) != null' "$out/gc-dry.json"
check "store gc --dry-run removed nothing" test -f "$(obj "$sheet1")" -a -f "$(obj "$sheet2")"
run_eductl "$out/gc3.json" --data "$d3" --json store gc
check "store gc: exit 0 (got $rc)" test "$rc" = 0
check "store gc removed the unreferenced sheets" test ! -e "$(obj "$sheet1")" -a ! -e "$(obj "$sheet2")"
check "store gc kept revision 3's sheet" test -f "$(obj "$sheet3")"
check "after gc: objects == distinct referenced content" \
  test "$(objects "$d3")" = "$(q "$d3" "SELECT count(DISTINCT sha256) FROM files WHERE sha256 != ''")"
run_eductl "$out/verify3.json" --data "$d3" --json store verify
check "store verify after gc: exit 0 (got $rc: $(err_text "$out/verify3.json"))" test "$rc" = 0

# ===== 4. --dry-run =====
before=$(state "$d1")
run_eductl "$out/dry.json" --data "$d1" --json import --dry-run "${valid[@]}" "$pkgs/r2"
check "dry run: exit 0 (got $rc: $(err_text "$out/dry.json"))" test "$rc" = 0
check "dry run: valid-dir unchanged, the rest would-import, nothing stored" jq_true \
  --argjson n "${#valid[@]}" '.dry_run == true and .run == null and .summary.would_import == $n
   and .summary.unchanged == 1 and .summary.imported == 0 and .summary.stored_blobs == 0
   and ([.items[].outcome] | sort | unique) == ["unchanged", "would-import"]' "$out/dry.json"
same_state "dry run" "$before" "$d1"
run_eductl "$out/dry-fresh.json" --data "$data/dry-fresh" --json import --dry-run "${valid[@]}"
check "dry run into a new data folder: exit 0 (got $rc)" test "$rc" = 0
check "dry run into a new data folder creates nothing ($(find "$data/dry-fresh" 2>/dev/null | head -4 | tr '\n' ' '))" \
  test ! -e "$data/dry-fresh"

# ===== 5. one writer at a time =====
before=$(state "$d1")
flock -F "$d1/lock" bash -c 'echo "pid 4242, test" >"$1"; exec sleep 30' _ "$d1/lock" &
holder=$!
for _ in $(seq 100); do
  grep -q 4242 "$d1/lock" 2>/dev/null && ! flock -n "$d1/lock" true && break
  sleep 0.05
done
check "test lock holder holds DIR/lock" grep -q 'pid 4242' "$d1/lock"
run_eductl "$out/locked.json" --data "$d1" --json import "$pkgs/r2"
check "import while locked: exit 5 (got $rc)" test "$rc" = 5
check "import while locked: stderr names the holder (pid 4242): $(err_text "$out/locked.json")" \
  grep -q 4242 "$out/locked.json.err"
same_state "import while locked" "$before" "$d1"
kill "$holder" 2>/dev/null || true
wait_rc "$holder"
run_eductl "$out/unlocked.json" --data "$d1" --json import "$pkgs/r2"
check "after the holder is gone: import works (exit $rc)" test "$rc" = 0

# ===== 6. crash safety =====
batch="$tmp/batch"
mkdir -p "$batch"
"$MAKE_FIXTURES" demo "$batch" >/dev/null        # 9 packages, 3 broken
for p in "${valid[@]}"; do                         # minus the demo's own books
  case ${p##*/} in valid.zip | valid-elective.tar.gz | valid-special.tar.gz) ;; *) cp -a "$p" "$batch/" ;; esac
done
for n in 1 2 3 4 5 6 7 8 9 10; do
  from=""
  [[ $n == 2 ]] && from="$batch/big-1/$video"    # two books share one big video
  big_package "$batch/big-$n" "big-video-$n" 24 "$from"
done
(cd "$batch" && tar -cf big-10.tar -C big-10 . && rm -rf big-10)
n_batch=$(find "$batch" -mindepth 1 -maxdepth 1 | wc -l)
n_good=$((n_batch - 3))
check "crash batch: $n_batch packages, $(du -sm "$batch" | cut -f1) MiB" test "$n_batch" -ge 28

ref="$data/clean"
t0=$(now_ms)
run_eductl "$out/clean.json" --data "$ref" --json import "$batch"
t_clean=$(($(now_ms) - t0))
check "clean import of the batch: exit 1, $n_good imported, 3 refused (got $rc, ${t_clean} ms)" \
  test "$rc" = 1
check "clean import of the batch: $n_good imported, 3 refused" \
  jq_true --argjson n "$n_good" '.summary.imported == $n and .summary.refused == 3 and .summary.failed == 0' "$out/clean.json"
check "clean import: DIR/tmp empty" empty_dir "$ref/tmp"
canon "$ref" >"$out/canon-clean.txt"
ref_objects=$(find "$ref/objects" -type f -printf '%P %s\n' | LC_ALL=C sort)

# kill -9 at random instants (50 ms up to the clean import's duration, at most 1.5 s)
max_ms=$((t_clean < 200 ? 200 : (t_clean > 1500 ? 1500 : t_clean)))
finish_and_compare() {  # finish_and_compare WHAT DIR: re-run to the end, compare, gc, verify
  local what=$1 d=$2
  run_eductl "$out/$what-final.json" --data "$d" --json import "$batch"
  check "$what: re-run completes (exit $rc, want 1: $(err_text "$out/$what-final.json"))" test "$rc" = 1
  check "$what: re-run accounts for every package" jq_true --argjson n "$n_good" \
    '.summary.imported + .summary.unchanged == $n and .summary.refused == 3 and .summary.failed == 0' \
    "$out/$what-final.json"
  canon "$d" >"$out/canon-$what.txt"
  if cmp -s "$out/canon-clean.txt" "$out/canon-$what.txt"; then
    ok "$what: catalogue content identical to a clean import"
  else
    fail "$what: catalogue differs from a clean import: $(diff "$out/canon-clean.txt" "$out/canon-$what.txt" | head -6 | tr '\n' ' ')"
  fi
  run_eductl "$out/$what-gc.json" --data "$d" --json store gc
  check "$what: store gc exit 0 (got $rc)" test "$rc" = 0
  check "$what: DIR/tmp empty after gc" empty_dir "$d/tmp"
  run_eductl "$out/$what-verify.json" --data "$d" --json store verify
  check "$what: store verify exit 0 (got $rc)" test "$rc" = 0
  if [[ "$(find "$d/objects" -type f -printf '%P %s\n' | LC_ALL=C sort)" == "$ref_objects" ]]; then
    ok "$what: store after gc holds exactly the clean import's objects"
  else
    fail "$what: store after gc differs from the clean import's"
  fi
}

kills=0
for round in a b c; do        # three data folders, four kills each
  d="$data/crash-$round"
  for i in 1 2 3 4; do
    delay=$((50 + RANDOM % (max_ms - 49)))
    start_eductl "$out/crash-$round$i.json" --data "$d" --json import "$batch"
    ms_sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait_rc "$pid"
    [[ "$rc" == 137 ]] && kills=$((kills + 1))
    if [[ -e "$d/catalog.sqlite" ]]; then
      ic=$(sqlite3 "$d/catalog.sqlite" 'PRAGMA integrity_check' 2>&1 || true)
      check "crash $round$i (kill -9 after ${delay} ms, exit $rc): integrity_check says '$ic'" test "$ic" = ok
      run_eductl "$out/crash-$round$i-stats.json" --data "$d" --json catalog stats
      check "crash $round$i: catalogue readable (catalog stats exit $rc)" test "$rc" = 0
    else
      ok "crash $round$i (kill -9 after ${delay} ms, exit $rc): no catalogue yet"
    fi
  done
  finish_and_compare "crash-$round" "$d"
  rm -rf "$d"
done
check "kill -9 interrupted $kills of 12 runs" test "$kills" -ge 1

# SIGINT mid-import: exit 130, consistent state, re-run completes
d="$data/sigint"
start_eductl "$out/sigint.json" --data "$d" --json import "$batch"
for _ in $(seq 200); do grep -q "pid $pid, import" "$d/lock" 2>/dev/null && break; sleep 0.01; done
check "DIR/lock names the running import (pid $pid, import)" grep -q "pid $pid, import" "$d/lock"
# interrupt once the first package's content is in the store: mid-run, whatever the load
for _ in $(seq 1000); do
  [[ -n "$(find "$d/objects" -type f -print -quit 2>/dev/null)" ]] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
kill -INT "$pid" 2>/dev/null || true
wait_rc "$pid"
check "SIGINT mid-import: exit 130 (got $rc: $(err_text "$out/sigint.json"))" test "$rc" = 130
check "SIGINT: report says interrupted" jq_true '.summary.interrupted == true' "$out/sigint.json"
ic=$(sqlite3 "$d/catalog.sqlite" 'PRAGMA integrity_check' 2>&1 || true)
check "SIGINT: integrity_check says '$ic'" test "$ic" = ok
check "SIGINT: no import run left 'running'" test "$(q "$d" "SELECT count(*) FROM import_runs WHERE status = 'running'")" = 0
check "SIGINT: the run is recorded as interrupted" \
  test "$(q "$d" "SELECT status FROM import_runs ORDER BY id DESC LIMIT 1")" = interrupted
check "SIGINT: lock released" flock -n "$d/lock" true
finish_and_compare sigint "$d"
rm -rf "$d" "$data/crash-"*

# ===== 7. the platform listing =====
d7="$data/listing"
listing="$tmp/tchMaterial-part_100.json"
id1=6a1f2b3c-0000-4000-8000-000000000001
id2=6a1f2b3c-0000-4000-8000-000000000002
id3=6a1f2b3c-0000-4000-8000-00000000dead
jq -n --arg a "$id1" --arg b "$id2" --arg c "$id3" '
  def tags($pairs): [$pairs[] | {tag_dimension_id: .[0], tag_name: .[1]}];
  def rec($id; $title; $subject; $edition; $size):
    {id: $id, title: $title, resource_type_code: "teachingmaterials",
     provider_list: [{name: "人民教育出版社"}], custom_properties: {format: "pdf", size: $size},
     tag_list: tags([["zxxxd", "初中"], ["zxxnj", "七年级"], ["zxxcc", "上册"], ["zxxbb", $edition],
                     ["zxxxk", $subject]])};
  [rec($a; "义务教育教科书·数学七年级上册"; "数学"; "人教版"; 123),
   rec($b; "义务教育教科书·道德与法治七年级上册"; "道德与法治"; "统编版"; 456),
   rec($c; "义务教育教科书·天文七年级上册"; "天文"; "人教版"; 789)]' >"$listing"
run_eductl "$out/listing.json" --data "$d7" --json import "$listing"
check "listing: exit 1 (got $rc: $(err_text "$out/listing.json"))" test "$rc" = 1
check "listing: 2 imported, 1 refused" jq_true '.summary.imported == 2 and .summary.refused == 1' "$out/listing.json"
check "listing: the refused record has an LST-* error naming its id" jq_true --arg c "$id3" '
  any(.items[] | select(.outcome == "refused") | .findings[];
      (.code | startswith("LST-")) and .severity == "error" and .entry == $c and (.message | contains($c)))' \
  "$out/listing.json"
check "listing: the unknown subject is LST-SUBJECT" jq_true 'any(.items[].findings[]; .code == "LST-SUBJECT")' "$out/listing.json"
run_eductl "$out/listing-list.json" --data "$d7" --json catalog list
check "catalog list: the 2 books (exit $rc)" exits_and 0 --arg a "$id1" --arg b "$id2" \
  '.count == 2 and ([.books[].package_id] | sort) == ([$a, $b] | sort)' "$out/listing-list.json"
run_eductl "$out/listing-show.json" --data "$d7" --json catalog show "$id1"
check "catalog show by platform id: junior math grade 7 upper, source platform-listing (exit $rc)" exits_and 0 \
  '.stage == "junior" and .subject == "math" and .grade == [7, 7] and .volume == "upper" and .edition == "人教版"
   and .source == "platform-listing" and .publisher_name == "人民教育出版社"' "$out/listing-show.json"
before=$(state "$d7")
run_eductl "$out/listing2.json" --data "$d7" --json import "$listing"
check "listing re-run: exit 1 (got $rc), 2 unchanged, 1 refused, no run" \
  exits_and 1 '.summary.unchanged == 2 and .summary.refused == 1 and .run == null' "$out/listing2.json"
same_state "listing re-run" "$before" "$d7"

# ===== 8. a PDF folder with books.csv =====
d8="$data/pdf"
pdfdir="$tmp/pdf-folder"
mkdir -p "$pdfdir/初中"
cp "$fx/valid-dir/课本/数学七年级上册.pdf" "$pdfdir/数学七上.pdf"
cp "$fx/valid-dir/第1单元/课时1/课后练习.pdf" "$pdfdir/初中/语文七上.pdf"
cat >"$pdfdir/books.csv" <<'CSV'
file,title,publisher_code,publisher_name,isbn,stage,school_system,special_school,grade,subject,kind,edition,volume,volume_title,published,package_id,revision
数学七上.pdf,义务教育教科书·数学 七年级 上册,HNEP,湖南教育出版社,978-7-5355-0000-7,junior,,,7,math,,湘教版,upper,,2024-06,hnep-math-7a,2
初中/语文七上.pdf,"义务教育教科书·语文 七年级 上册",HNEP,湖南教育出版社,9787107315206,初中,,,七年级,语文,,统编版,上册,,2024-07,hnep-chinese-7a,
CSV
run_eductl "$out/pdf.json" --data "$d8" --json import "$pdfdir"
check "PDF folder: exit 0 (got $rc: $(err_text "$out/pdf.json"))" test "$rc" = 0
check "PDF folder: both books imported" \
  jq_true '.summary.imported == 2 and ([.items[].outcome] | all(. == "imported"))' "$out/pdf.json"
for pair in "hnep-math-7a:数学七上.pdf:2" "hnep-chinese-7a:初中/语文七上.pdf:1"; do
  IFS=: read -r pid_ path rev <<<"$pair"
  sum=$(sha256sum <"$pdfdir/$path" | cut -d' ' -f1)
  run_eductl "$out/pdf-$pid_.json" --data "$d8" --json catalog show "HNEP/$pid_"
  check "catalog show HNEP/$pid_: revision $rev, file $path with sha256 ${sum:0:12}… (exit $rc)" exits_and 0 \
    --arg p "$path" --arg s "$sum" --argjson r "$rev" --argjson z "$(stat -c %s "$pdfdir/$path")" \
    '.revision == $r and .source == "pdf-folder" and (.files | length) == 1
     and .files[0].path == $p and .files[0].sha256 == $s and .files[0].size == $z
     and .files[0].role == "textbook"' "$out/pdf-$pid_.json"
  check "the stored object of $path has the file's bytes" cmp -s "$pdfdir/$path" "$d8/objects/${sum:0:2}/${sum:2:2}/$sum"
done
run_eductl "$out/pdf-text.txt" --data "$d8" catalog show HNEP/hnep-math-7a
check "catalog show (text) names the file" grep -qF "数学七上.pdf" "$out/pdf-text.txt"

# ===== 9. hostile sidecars and listings: never hang, never read whole =====
d9="$data/sidecars"
hostile_csv() {  # hostile_csv NAME MAKER: a PDF folder whose books.csv MAKER creates
  local dir="$tmp/sidecar-$1"
  mkdir -p "$dir"
  cp "$fx/valid-dir/课本/数学七年级上册.pdf" "$dir/数学七上.pdf"
  "$2" "$dir/books.csv"
  echo "$dir"
}
csv_fifo() { mkfifo "$1"; }
csv_zero() { ln -s /dev/zero "$1"; }
csv_link() { printf 'file\n' >"$1.real"; ln -s "$(basename "$1").real" "$1"; }
csv_huge() { truncate -s 40M "$1"; }
for pair in fifo:CSV-SIDECAR-TYPE zero:CSV-SIDECAR-TYPE link:CSV-SIDECAR-TYPE huge:CSV-SIDECAR-TOO-LARGE; do
  kind=${pair%%:*} code=${pair#*:}
  dir=$(hostile_csv "$kind" "csv_$kind")
  before=$(state "$d9" 2>/dev/null || true)
  run_eductl "$out/sidecar-$kind.json" --data "$d9" --json import "$dir"
  check "books.csv as $kind: exit 1, not a hang or a crash (got $rc: $(err_text "$out/sidecar-$kind.json"))" test "$rc" = 1
  check "books.csv as $kind: refused with $code naming books.csv" jq_true --arg c "$code" '
    .summary.refused == 1 and any(.items[].findings[]; .code == $c and (.message | contains("books.csv")))' \
    "$out/sidecar-$kind.json"
  expect_codes "books.csv as $kind" "$out/sidecar-$kind.json" .items "$code"
done
dir=$(hostile_csv "huge-raised" csv_huge)
run_eductl "$out/sidecar-raised.json" --data "$d9" --json import --dry-run --max-sidecar 64MiB "$dir"
check "--max-sidecar 64MiB reads a 40 MiB books.csv (no size finding; got $rc)" \
  bash -c "! jq -e 'any(.items[].findings[]; .code == \"CSV-SIDECAR-TOO-LARGE\")' '$out/sidecar-raised.json' >/dev/null"
run_eductl "$out/sidecar-zero-cap.json" --data "$d9" --json import --dry-run --max-sidecar 0 "$dir"
check "--max-sidecar 0 is a usage error (exit 2, got $rc)" test "$rc" = 2
truncate -s 40M "$tmp/huge-listing.json"
printf '[' | dd of="$tmp/huge-listing.json" conv=notrunc status=none
run_eductl "$out/listing-huge.json" --data "$d9" --json import "$tmp/huge-listing.json"
check "a 40 MiB listing: exit 1 with LST-FILE-TOO-LARGE (got $rc)" \
  exits_and 1 'any(.items[].findings[]; .code == "LST-FILE-TOO-LARGE")' "$out/listing-huge.json"
expect_codes "40 MiB listing" "$out/listing-huge.json" .items LST-FILE-TOO-LARGE
mkdir -p "$tmp/listing-link"
cp "$listing" "$tmp/listing-link/real.json"
ln -s real.json "$tmp/listing-link/part.json"
run_eductl "$out/listing-link.json" --data "$d9" --json import --format platform-listing "$tmp/listing-link/part.json"
check "a symlinked listing: exit 1 with LST-FILE-TYPE (got $rc)" \
  exits_and 1 'any(.items[].findings[]; .code == "LST-FILE-TYPE")' "$out/listing-link.json"

# ===== 10. a batch folder reports what it skips =====
skipbatch="$tmp/import-skips"
mkdir -p "$skipbatch"
cp "$fx/valid.zip" "$skipbatch/a.zip"
ln -s "$fx/valid.tar.gz" "$skipbatch/b-link.tar.gz"
printf 'Rar!\x1a\x07\x00' >"$skipbatch/c.rar"
run_eductl "$out/import-skips.json" --data "$data/skips" --json import --dry-run "$skipbatch"
check "import of a batch with skips: exit 0 (got $rc: $(err_text "$out/import-skips.json"))" test "$rc" = 0
check "import: link and .rar are skipped items with reasons" jq_true '
  .summary.skipped == 2 and ([.items[] | select(.outcome == "skipped") | .message] | length == 2 and all(length > 0))' \
  "$out/import-skips.json"

# ===== 11. refused rows of a PDF folder come in row order =====
rows="$tmp/pdf-rows"
mkdir -p "$rows"
{
  echo "file,title,publisher_code,publisher_name,isbn,stage,subject,edition,volume"
  for i in $(seq 2 101); do echo "missing-$i.pdf,书 $i,HNEP,湖南教育出版社,9787107315206,junior,math,湘教版,upper"; done
} >"$rows/books.csv"
run_eductl "$out/rows.json" --data "$data/rows" --json import --dry-run "$rows"
check "refused rows sort numerically (2, 3, ... 10, ... 100, 101)" jq_true '
  [.items[] | select(.outcome == "refused") | .source | capture("books.csv:(?<n>[0-9]+)$").n | tonumber] as $n
  | ($n | length) == 100 and $n == ($n | sort)' "$out/rows.json"

check "working dir still empty at the end" test -z "$(ls -A "$work")"
finish
