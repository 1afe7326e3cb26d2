#!/usr/bin/env bash
# End-to-end test of `eductl usage ingest` and `eductl report` on the real binary:
# a hand-made log over a generated GeoIP2-City database (tests/usage/make_geoip.pl) and a
# catalogue imported from the fixtures, with figures worked out by hand; the region traps;
# catalogue dimensions through blob paths; standard input equals a file; a corrupt gzip
# and a missing file change nothing; the HTML report rendered by headless Chromium shows
# the JSON's values and logs no console error.
# Usage: test_usage.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters in single quotes
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
E="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")
SRC=$3
export LC_ALL=C.UTF-8
cd "$tmp"
# same_nonempty A B: both have content (rows) and are equal byte for byte; two empty
# outputs of a failed report would otherwise compare equal.
same_nonempty() {
  local a b
  a=$(cat "$1")
  b=$(cat "$2")
  [[ -n "$a" && "$a" != "[]"* && "$a" == "$b" ]]
}

perl "$SRC/tests/usage/make_geoip.pl" "$tmp/geo.mmdb"
"$MAKE_FIXTURES" fixtures "$tmp/fx" >/dev/null
"$E" --data "$tmp/d" import "$tmp/fx/valid-dir" >/dev/null
book=$("$E" --data "$tmp/d" --json catalog list | jq -r '.books[0] | .publisher + "/" + .package_id')
show=$("$E" --data "$tmp/d" --json catalog show "$book")
video=$(jq -r '.files[] | select(.path | endswith("课时1/视频.mp4")) | .sha256' <<<"$show" | head -1)
pdf=$(jq -r '.files[] | select(.role == "textbook") | .sha256' <<<"$show")
blob() { echo "/gx/public/objects/${1:0:2}/${1:2:2}/$1"; }
line() {  # IP TIME PATH STATUS BYTES [UA]
  printf '%s - - [%s +0800] "GET %s HTTP/1.1" %s %s "-" "%s"\n' "$1" "$2" "$3" "$4" "$5" "${6:-Mozilla/5.0}"
}
{
  line 1.0.1.5 02/Mar/2026:08:00:00 "$(blob "$video")" 206 1000
  line 1.0.1.5 02/Mar/2026:08:00:10 "$(blob "$video")" 206 1000
  line 1.0.1.5 02/Mar/2026:08:00:20 "$(blob "$video")?start=20" 206 1000
  line 1.0.2.7 02/Mar/2026:08:01:00 "$(blob "$pdf")" 200 500
  line 2001:db8:1::9 02/Mar/2026:08:02:00 "$(blob "$video")" 200 100
  line 1.0.5.1 02/Mar/2026:08:03:00 "$(blob "$pdf")" 200 10
  line 1.0.7.1 02/Mar/2026:08:04:00 /index.html 200 10
  line 1.0.4.1 02/Mar/2026:08:05:00 /index.html 304 0
  line 1.0.1.5 02/Mar/2026:08:06:00 /index.html 200 99 "Baiduspider/2.0"
  line 1.0.1.5 02/Mar/2026:08:07:00 /healthz 200 2
  line 1.0.1.5 02/Mar/2026:08:08:00 /missing 404 9
  printf '1.0.1.5 - - [02/Mar/2026:08:09:00 +0800] "GET /torn\n'
  line 1.0.1.5 03/Mar/2026:09:00:00 "$(blob "$video")" 200 1
} >"$tmp/access.log"

rc=0
"$E" --data "$tmp/d" --json usage ingest --geoip "$tmp/geo.mmdb" "$tmp/access.log" >"$tmp/ingest.json" || rc=$?
check "ingest exits 0 with a malformed line" test "$rc" = 0
check "ingest: 13 lines, 9 counted, 1 malformed sampled at line 12" jq_true \
  '.lines.counted == 9 and .lines.malformed == 1 and .lines.bot == 1 and .lines.health_check == 1 and .lines.error == 1
   and .malformed_samples[0].line == 12 and .malformed_samples[0].code == "USG-LINE-LAYOUT"' "$tmp/ingest.json"
check "usage.sqlite is mode 0600" test "$(stat -c %a "$tmp/d/usage.sqlite")" = 600
check "no client address reaches usage.sqlite" bash -c "! grep -aq -e '1\.0\.1\.5' -e '2001:db8' '$tmp/d/usage.sqlite'"

"$E" --data "$tmp/d" --json report --by province >"$tmp/prov.json"
row() { jq -c --arg p "$1" '.rows[] | select(.province == $p) | [.views, .visitors, .bytes]' "$tmp/prov.json"; }
check "Guangxi: 3 views, 3 daily visitors (IPv4 and IPv6), 3101 bytes" test "$(row 450000)" = "[3,3,3101]"
check "Shaanxi: 1 view" test "$(row 610000)" = "[1,1,500]"
check "Hong Kong as a country is 810000" test "$(row 810000)" = "[1,1,10]"
check "US HI and CN without subdivision are unknown, not Hainan" test "$(row unknown)" = "[2,2,10]"
check "no Hainan row" test -z "$(row 460000)"
check "region rows carry the Chinese name" jq_true '.rows[] | select(.province == "450000") | .name == "广西壮族自治区"' "$tmp/prov.json"
check "totals: 7 views, 3621 bytes" jq_true '.totals.views == 7 and .totals.bytes == 3621' "$tmp/prov.json"

"$E" --data "$tmp/d" --json report --by city --province 450000 >"$tmp/city.json"
check "prefectures of Guangxi: 南宁 2 views, 桂林 1" jq_true \
  '([.rows[] | select(.city == "450100") | .views] == [2]) and ([.rows[] | select(.city == "450300") | .views] == [1])
   and (.rows[] | select(.city == "450100") | .name == "南宁市")' "$tmp/city.json"

"$E" --data "$tmp/d" --json report --by subject >"$tmp/subject.json"
check "blob paths resolve through the catalogue: math 5 views" jq_true \
  '([.rows[] | select(.subject == "math") | .views] == [5]) and ([.rows[] | select(.subject == "") | .views] == [2]) and .catalog' "$tmp/subject.json"
"$E" --data "$tmp/d" --json report --by lesson,day --subject math >"$tmp/lesson.json"
check "lesson dimension: the u1-l1 video, 2 views on the 2nd and 1 on the 3rd" jq_true \
  '[.rows[] | select(.lesson | endswith("#u1-l1")) | [.day, .views]] | sort == [["2026-03-02", 2], ["2026-03-03", 1]]' "$tmp/lesson.json"
# Other URL shapes through a mapping file (exact path and prefix rules, longest wins).
printf '# page of the book\n/index.html\tbook=%s\tkind=page\n/\tsubject=other\n' "$book" >"$tmp/map.tsv"
"$E" --data "$tmp/d" --json report --by book,resource-kind --map "$tmp/map.tsv" >"$tmp/mapped.json"
check "mapping file: /index.html counts for the book as a page" jq_true --arg b "$book" \
  '[.rows[] | select(.book == $b and .["resource-kind"] == "page") | .views] == [2]' "$tmp/mapped.json"
printf '/x\tcolour=red\n' >"$tmp/badmap.tsv"
rc=0
"$E" --data "$tmp/d" report --map "$tmp/badmap.tsv" >/dev/null 2>"$tmp/badmap.err" || rc=$?
check "a bad mapping file: exit 3 naming the line" bash -c "test $rc = 3 && grep -q 'badmap.tsv.*line 1' '$tmp/badmap.err'"
"$E" --data "$tmp/d" report --by province,day --csv >"$tmp/report.csv"
check "CSV has a header and the Guangxi rows" bash -c "head -1 '$tmp/report.csv' | grep -q '^province,day,name,views,visitors,bytes,watch_seconds' && grep -q '^450000,2026-03-02,广西壮族自治区,2,2,3100,0' '$tmp/report.csv'"
"$E" --data "$tmp/d" report --by province >"$tmp/table.txt"
check "table shows the province names" grep -q '广西壮族自治区' "$tmp/table.txt"

# The same log again, through standard input into a fresh folder: the same figures.
"$E" --data "$tmp/d2" usage ingest --geoip "$tmp/geo.mmdb" - <"$tmp/access.log" >/dev/null
"$E" --data "$tmp/d2" --json report --by province >"$tmp/prov2.json"
check "standard input gives the figures of the file" same_nonempty <(jq -S '.rows, .totals' "$tmp/prov.json") <(jq -S '.rows, .totals' "$tmp/prov2.json")
# Ingesting the file again changes nothing; a corrupt gzip and a missing file change nothing.
"$E" --data "$tmp/d" usage ingest --geoip "$tmp/geo.mmdb" "$tmp/access.log" >/dev/null
{ line 1.0.1.6 04/Mar/2026:08:00:00 /x 200 1; } | gzip >"$tmp/bad.gz"
truncate -s -12 "$tmp/bad.gz"
printf 'garbage' >>"$tmp/bad.gz"
rc=0
"$E" --data "$tmp/d" usage ingest "$tmp/bad.gz" "$tmp/nonexistent.log" >/dev/null 2>"$tmp/bad.err" || rc=$?
check "corrupt gzip and missing file: exit 3" test "$rc" = 3
check "the error names the file" grep -q 'nonexistent.log' "$tmp/bad.err"
"$E" --data "$tmp/d" --json report --by province >"$tmp/prov3.json"
check "figures unchanged after re-ingest and failed files" same_nonempty "$tmp/prov.json" "$tmp/prov3.json"
rc=0
"$E" --data "$tmp/d" report --by colour >/dev/null 2>&1 || rc=$?
check "unknown dimension: exit 2" test "$rc" = 2
rc=0
"$E" --data "$tmp/empty" report >/dev/null 2>&1 || rc=$?
check "no usage data yet: exit 3, nothing created" bash -c "test $rc = 3 && ! test -e '$tmp/empty'"

# A second writer is refused (exit 5); Ctrl-C leaves the previous state; the next run counts all.
gen="$(dirname "$MAKE_FIXTURES")/gen_access_log"
# Recent lines (20 h ago onwards): their days are open, so pieces ingested apart join
# exactly (the keys of closed days are gone: docs/usage.md).
"$gen" --start $(($(date +%s) - 72000)) 1000000 2 >"$tmp/big.log"
head -n 1000 "$tmp/big.log" >"$tmp/small.log"   # the same log before it grew
"$E" --data "$tmp/d3" usage ingest "$tmp/small.log" >/dev/null
"$E" --data "$tmp/d3" --json report --by day >"$tmp/before.json"
"$E" --data "$tmp/d3" usage ingest "$tmp/big.log" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [[ -s "$tmp/d3/lock" ]] && break; sleep 0.02; done
sleep 0.3
rc=0
"$E" --data "$tmp/d3" usage ingest "$tmp/access.log" >/dev/null 2>"$tmp/locked.err" || rc=$?
check "a second writer gets exit 5" test "$rc" = 5
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "Ctrl-C during an ingest: exit 130" test "$rc" = 130
"$E" --data "$tmp/d3" --json report --by day >"$tmp/after.json"
check "an interrupted ingest leaves the previous figures" same_nonempty "$tmp/before.json" "$tmp/after.json"
"$E" --data "$tmp/d3" usage ingest "$tmp/big.log" >/dev/null
"$E" --data "$tmp/d4" usage ingest "$tmp/big.log" >/dev/null
check "after the interruption, the next run counts everything once" same_nonempty \
  <("$E" --data "$tmp/d3" --json report --by province,day | jq -S '.rows, .totals, .lines') \
  <("$E" --data "$tmp/d4" --json report --by province,day | jq -S '.rows, .totals, .lines')

# Logs given newest first (as a shell glob sorts access.log access.log.1) are read oldest first.
head -n 200000 "$tmp/big.log" >"$tmp/part.log"
head -n 120000 "$tmp/part.log" >"$tmp/part.log.1"
tail -n +120001 "$tmp/part.log" >"$tmp/part.log.0"
"$E" --data "$tmp/d5" usage ingest "$tmp/part.log.0" "$tmp/part.log.1" >/dev/null
"$E" --data "$tmp/d6" usage ingest "$tmp/part.log" >/dev/null
check "rotated logs in any order give the figures of the whole" same_nonempty \
  <("$E" --data "$tmp/d5" --json report --by province,day | jq -S '.rows, .totals, .lines') \
  <("$E" --data "$tmp/d6" --json report --by province,day | jq -S '.rows, .totals, .lines')

# HTML: rendered by headless Chromium, no console errors, the map shows the JSON's values.
"$E" --data "$tmp/d" report --html "$tmp/report.html" 2>/dev/null
check "HTML report is self-contained (no http(s) references)" bash -c "! grep -Eq '(src|href)=\"?https?:' '$tmp/report.html'"
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]]; then
  echo "SKIP HTML rendering in Chromium: chromium not installed (not counted as passed)"
else
  profile=$(mktemp -d -p "$tmp")
  timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom "file://$tmp/report.html" \
    >"$tmp/dom.html" 2>"$tmp/chromium.log" || true
  check "the page's script ran to the end" grep -q 'data-status="rendered"' "$tmp/dom.html"
  check "no console error or uncaught exception" bash -c "! grep -Ei 'CONSOLE.*(error|uncaught)|Uncaught' '$tmp/chromium.log'"
  all_match=true
  while IFS=$'\t' read -r code views; do
    grep -q "data-code=\"$code\" data-views=\"$views\"" "$tmp/dom.html" || { echo "map tile $code does not show $views"; all_match=false; }
  done < <(jq -r '.rows[] | [.province, .views] | @tsv' "$tmp/prov.json")
  check "every map tile shows the JSON's views" $all_match
  check "the time series has the two days" bash -c "grep -q 'data-day=\"2026-03-02\" data-views=\"6\"' '$tmp/dom.html' && grep -q 'data-day=\"2026-03-03\" data-views=\"1\"' '$tmp/dom.html'"
fi
finish
