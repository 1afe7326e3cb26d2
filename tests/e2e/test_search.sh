#!/usr/bin/env bash
# End-to-end test of `eductl index` and `eductl search` on packages with real Chinese text
# (textbook pages, task sheets, exercises in PDF; traditional characters; full-width Latin)
# plus a platform-listing book (metadata only):
# 1. chosen queries return the expected books, lessons and pages (1-, 2-, 3+-character
#    Chinese, English words, digits, mixed, full/half width, traditional/simplified);
# 2. filters, --json (checked against schemas/eductl.search-1), errors and exit codes;
# 3. incremental: a second run touches nothing, a new book is the only one added; --rebuild.
# Usage: test_search.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # $x in single-quoted jq filters are jq variables
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
EDUCTL="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")
src=${3:-}
export LC_ALL=C.UTF-8
d="$tmp/data"
out="$tmp/out"
mkdir -p "$out"

"$MAKE_FIXTURES" search "$tmp/pk" >/dev/null
rc=0
"$EDUCTL" --data "$d" --json import "$tmp/pk"/* >"$out/import.json" 2>"$out/import.err" || rc=$?
check "import of the search packages: exit 0 (got $rc: $(head -c 300 "$out/import.err"))" test "$rc" = 0

listing="$tmp/tchMaterial-part_1.json"
jq -n '[{id: "7b2c0000-0000-4000-8000-000000000001", title: "义务教育教科书·道德与法治七年级上册",
         resource_type_code: "teachingmaterials", provider_list: [{name: "人民教育出版社"}],
         custom_properties: {format: "pdf", size: 1234},
         tag_list: [{tag_dimension_id: "zxxxd", tag_name: "初中"}, {tag_dimension_id: "zxxnj", tag_name: "七年级"},
                    {tag_dimension_id: "zxxcc", tag_name: "上册"}, {tag_dimension_id: "zxxbb", tag_name: "统编版"},
                    {tag_dimension_id: "zxxxk", tag_name: "道德与法治"}]}]' >"$listing"
rc=0
"$EDUCTL" --data "$d" import "$listing" >/dev/null 2>&1 || rc=$?
check "import of a platform listing book: exit 0 (got $rc)" test "$rc" = 0

# search before any index: exit 3 saying what to do
rc=0
"$EDUCTL" --data "$d" search 数学 >"$out/none.txt" 2>"$out/none.err" || rc=$?
check "search without an index: exit 3 naming 'eductl index' (got $rc)" \
  eval 'test "$rc" = 3 && grep -q "eductl index" "$out/none.err"'

rc=0
"$EDUCTL" --data "$d" --json index >"$out/index1.json" 2>"$out/index1.err" || rc=$?
check "index: exit 0 (got $rc: $(head -c 300 "$out/index1.err"))" test "$rc" = 0
check "index: 4 books added, pages and task sheets read, nothing unreadable" \
  jq_true '.added == 4 and .unchanged == 0 and .files_read >= 10 and .documents > 40 and (.unreadable | length) == 0' "$out/index1.json"
if [[ -n "$src" && -x "$(dirname "$1")/tests/json_schema_check" ]]; then
  check "index --json follows eductl.index-1" "$(dirname "$1")/tests/json_schema_check" \
    "$src/schemas/eductl.index-1.schema.json" "$out/index1.json"
fi

# q NAME QUERY [OPTIONS...]: runs a JSON search into $out/NAME.json, sets $rc
q() {
  local name=$1
  shift
  rc=0
  "$EDUCTL" --data "$d" --json search "$@" >"$out/$name.json" 2>"$out/$name.err" || rc=$?
}

q one 勾
check "1 character (勾): the math book's page 37 and lesson 17.1" jq_true '
  any(.results[]; .book == "PEP/search-math-g8-lower" and .type == "page" and .page == 37) and
  any(.results[]; .lesson.id == "m8b-17-1")' "$out/one.json"
q two 勾股
check "2 characters (勾股): first hit is the math book; a page hit says p. 37" jq_true '
  .results[0].book == "PEP/search-math-g8-lower" and any(.results[]; .type == "page" and .page == 37)
  and ([.results[].book] | unique) == ["PEP/search-math-g8-lower"]' "$out/two.json"
q page 三角形的两条直角边 --type page
check "3+ characters on a textbook page: exactly page 37, snippet highlights the match" jq_true '
  .count == 1 and .results[0].page == 37 and .results[0].file == "textbook/search-math-g8-lower.pdf" and
  (.results[0].highlights | length) >= 1 and (.results[0].snippet | contains("直角"))' "$out/page.json"
q trad 长城
check "simplified query (长城) finds traditional text (萬里長城) in the Chinese exercise" jq_true '
  any(.results[]; .book == "PEP/search-chinese-g8-upper" and .type == "exercise" and .lesson.id == "c8a-6-1")' "$out/trad.json"
# highlighted (hl FILE: the first hit's first highlighted bytes)
hl() {
  local snippet b e
  snippet=$(jq -r '.results[0].snippet' "$1")
  b=$(jq '.results[0].highlights[0][0]' "$1")
  e=$(jq '.results[0].highlights[0][1]' "$1")
  LC_ALL=C bash -c 's=$1; printf %s "${s:$2:$(($3 - $2))}"' _ "$snippet" "$b" "$e"
}
check "the highlight covers the whole match, in the original (traditional) text: 長城" test "$(hl "$out/trad.json")" = "長城"
check "the highlight of a long match covers all of it" test "$(hl "$out/page.json")" = "三角形的两条直角边"
q trad2 長城
check "traditional query (長城) finds the same hits" \
  eval 'test "$(jq -c "[.results[] | [.book, .type, .lesson.id]]" "$out/trad.json")" = "$(jq -c "[.results[] | [.book, .type, .lesson.id]]" "$out/trad2.json")"'
q unit "Unit 3"
check "Latin + digit (Unit 3) finds the full-width lesson title Ｕｎｉｔ ３" jq_true '
  any(.results[]; .lesson.id == "e7a-3-1" and .type == "lesson") and all(.results[]; .book == "PEP/search-english-g7-upper")' \
  "$out/unit.json"
q fullwidth "ｕｎｉｔ　３"
check "full-width query (ｕｎｉｔ　３) matches as its half-width form" jq_true 'any(.results[]; .lesson.id == "e7a-3-1")' "$out/fullwidth.json"
q english photosynthesis
check "an English word in a task sheet (photosynthesis)" jq_true '
  .count == 1 and .results[0].type == "task_sheet" and .results[0].lesson.id == "e7a-3-1"' "$out/english.json"
q mixed "2.1 有理数"
check "mixed digits + Chinese (2.1 有理数): lesson m8b-2-1 first" jq_true '.results[0].lesson.id == "m8b-2-1"' "$out/mixed.json"
q spring 春 --book PEP/search-chinese-g8-upper
check "1 character in a task sheet (春) with --book" jq_true '
  any(.results[]; .type == "task_sheet" and .lesson.id == "c8a-3-1") and all(.results[]; .book == "PEP/search-chinese-g8-upper")' \
  "$out/spring.json"
q listing 道德与法治
check "a platform-listing book (metadata only) is found by its metadata" jq_true '
  any(.results[]; .book == "7b2c0000-0000-4000-8000-000000000001" and .type == "book")' "$out/listing.json"
q filt 人民教育出版社 --subject math
check "--subject math keeps math books only" jq_true '.count >= 1 and all(.results[]; .subject == "math")' "$out/filt.json"
q grade 人民教育出版社 --grade 7 --type book
check "--grade 7 --type book: the English book and the listing book" jq_true '
  ([.results[].book] | sort) == ["7b2c0000-0000-4000-8000-000000000001", "PEP/search-english-g7-upper"]' "$out/grade.json"
q edition 人民教育出版社 --edition 统编版 --type book
check "--edition 统编版 (substring of the edition)" jq_true '
  .count == 2 and all(.results[]; .edition | contains("统编版"))' "$out/edition.json"
q limit 数学 --limit 2
check "--limit 2" jq_true '.count == 2 and (.results | length) == 2' "$out/limit.json"
q nothing 鲸鱼
check "no hit: exit 0, count 0" eval 'test "$rc" = 0 && jq -e ".count == 0" "$out/nothing.json" >/dev/null'
if [[ -n "$src" && -x "$(dirname "$1")/tests/json_schema_check" ]]; then
  for f in one page trad unit listing nothing; do
    check "search --json ($f) follows eductl.search-1" "$(dirname "$1")/tests/json_schema_check" \
      "$src/schemas/eductl.search-1.schema.json" "$out/$f.json"
  done
fi
q punct "，。！"
check "a query of punctuation only: exit 2 with an eductl.error/1 document" \
  eval 'test "$rc" = 2 && jq -e ".schema == \"eductl.error/1\"" "$out/punct.json" >/dev/null'

# text output: "p. 37", no colour when stdout is not a terminal
rc=0
"$EDUCTL" --data "$d" search 勾股定理 >"$out/text.txt" 2>&1 || rc=$?
check "text output names the page (p. 37) and has no escape codes" \
  eval 'test "$rc" = 0 && grep -q "p\. 37" "$out/text.txt" && ! grep -q $'"'"'\033'"'"' "$out/text.txt"'

# incremental
rc=0
"$EDUCTL" --data "$d" --json index >"$out/index2.json" 2>/dev/null || rc=$?
check "index again: nothing changed, nothing written (exit $rc)" jq_true '
  .added == 0 and .updated == 0 and .removed == 0 and .unchanged == 4 and .documents == 0' "$out/index2.json"
jq '.[0].id = "7b2c0000-0000-4000-8000-000000000002" | .[0].title = "义务教育教科书·历史七年级上册" |
    .[0].tag_list[4].tag_name = "历史"' "$listing" >"$tmp/tchMaterial-part_2.json"
rc=0
"$EDUCTL" --data "$d" import "$tmp/tchMaterial-part_2.json" >/dev/null 2>&1 || rc=$?
check "setup: the one-more-book listing imports (exit $rc)" test "$rc" = 0
rc=0
"$EDUCTL" --data "$d" --json index >"$out/index3.json" 2>/dev/null || rc=$?
check "after importing one more book, index adds exactly it (exit $rc)" jq_true '
  .added == 1 and .unchanged == 4 and .files_read == 0' "$out/index3.json"
q history 历史 --type book
check "the new book is searchable" jq_true 'any(.results[]; .book == "7b2c0000-0000-4000-8000-000000000002")' "$out/history.json"
rc=0
"$EDUCTL" --data "$d" --json index --rebuild >"$out/index4.json" 2>/dev/null || rc=$?
check "index --rebuild redoes all 5 books (exit $rc)" jq_true '.rebuilt and .added == 5 and .unchanged == 0' "$out/index4.json"

# a read-only copy of the data folder is searchable (search opens index.sqlite read-only);
# the -shm files and an empty -wal are SQLite's bookkeeping, not data (root ignores a-w)
cp -a "$d" "$tmp/ro"
before=$(cd "$tmp/ro" && find . -type f ! -name '*-shm' ! \( -name '*-wal' -empty \) -exec sha256sum {} + | sort)
chmod -R a-w "$tmp/ro"
rc=0
"$EDUCTL" --data "$tmp/ro" --json search 勾股 >"$out/ro.json" 2>"$out/ro.err" || rc=$?
after=$(cd "$tmp/ro" && find . -type f ! -name '*-shm' ! \( -name '*-wal' -empty \) -exec sha256sum {} + | sort)
chmod -R u+w "$tmp/ro"
check "search on a read-only data folder works (exit $rc) and writes nothing" \
  eval 'test "$rc" = 0 && jq -e ".count > 0" "$out/ro.json" >/dev/null && test "$before" = "$after"'
finish
