#!/usr/bin/env bash
# End-to-end regression checks for hostile inputs to `eductl usage ingest` and
# `eductl report`: formula injection and control characters in report cells (U5), client
# hashes and keys of closed days (P1), absurd byte counts (U1), future timestamps (U2),
# rotated files in any order (U3), a wrong --format (U4).
# Usage: test_hostile_usage.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters in single quotes
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
E="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")
gen="$(dirname "$MAKE_FIXTURES")/gen_access_log"
export LC_ALL=C.UTF-8
cd "$tmp"

line() {  # IP TIME PATH STATUS BYTES: one combined line at +0800
  printf '%s - - [%s +0800] "GET %s HTTP/1.1" %s %s "-" "Mozilla/5.0"\n' "$1" "$2" "$3" "$4" "$5"
}
# dump DIR: every file's hash and every symlink's target, for "nothing written" checks.
dump() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum && find . -type l -printf '%p -> %l\n' | sort)
}

# --- U5: formula injection and control characters in report cells ------------------------
{
  line 1.0.1.5 02/Mar/2026:08:00:00 /a 200 10
  line 1.0.1.6 02/Mar/2026:08:00:00 /b 200 10
  line 1.0.1.7 02/Mar/2026:08:00:00 /c 200 10
  line 1.0.1.8 02/Mar/2026:08:00:00 /d 200 10
} >"$tmp/u5.log"
"$E" --data "$tmp/u5" usage ingest "$tmp/u5.log" >/dev/null
printf '/a\tbook==HYPERLINK("http://x","y")\tkind=+1\n/b\tbook=@SUM(1)\tkind=-2\n/c\tbook=\x1b]0;x\x07p\x1b[31mq\tkind=\x7fdel\xc2\x85c1\n/d\tbook=\rok\tkind=ok\n' \
  >"$tmp/u5.tsv"
"$E" --data "$tmp/u5" report --by book,resource-kind --map "$tmp/u5.tsv" --csv >"$tmp/u5.csv"
check "U5 CSV: the report is not empty" test "$(wc -l <"$tmp/u5.csv")" -ge 5
check "U5 CSV: a cell starting with = is quoted behind an apostrophe" \
  grep -qF "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'+1\"" "$tmp/u5.csv"
check "U5 CSV: @ and - cells too" grep -qF "\"'@SUM(1)\",\"'-2\"" "$tmp/u5.csv"
check "U5 CSV: no cell starts with = + - @ unquoted" bash -c "! grep -qE '(^|,)[=+@-]' '$tmp/u5.csv'"
check "U5 CSV: numbers are plain numbers" grep -qE ',1,1,10,0'$'\r''$' "$tmp/u5.csv"
nocontrols() { ! LC_ALL=C grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; }
check "U5 CSV: no ESC, BEL, DEL or C1 control" nocontrols "$tmp/u5.csv"
check "U5 CSV: the text around removed controls stays" grep -qF ']0;xp[31mq' "$tmp/u5.csv"
"$E" --data "$tmp/u5" report --by book,resource-kind --map "$tmp/u5.tsv" >"$tmp/u5.txt"
check "U5 table: not empty, no control characters" bash -c "test -s '$tmp/u5.txt' && $(declare -f nocontrols); nocontrols '$tmp/u5.txt'"
"$E" --data "$tmp/u5" --json report --by book,resource-kind --map "$tmp/u5.tsv" >"$tmp/u5.json"
check "U5 JSON: names carry no control characters, not even escaped" jq_true \
  '[.rows[] | .book, .["resource-kind"]] | length == 8 and all(explode | all(. >= 32 and (. < 127 or . > 159)))' "$tmp/u5.json"
check "U5 JSON: a CR-led book is kept without its CR" jq_true 'any(.rows[]; .book == "ok")' "$tmp/u5.json"

# --- P1: no client hash and no key of a closed day stays in usage.sqlite -----------------
q() { sqlite3 "$1/usage.sqlite" "$2"; }
{
  line 1.0.1.5 02/Mar/2026:08:00:00 /a 200 10
  line 1.0.1.5 02/Mar/2026:08:00:10 /b 200 10
  line 1.0.1.6 02/Mar/2026:09:00:00 /a 200 10
  line 1.0.1.5 03/Mar/2026:09:00:00 /a 200 10
} >"$tmp/p1.log"
"$E" --data "$tmp/p1" usage ingest "$tmp/p1.log" >/dev/null
check "P1: the closed days' visitors are kept (as numbers)" test "$(q "$tmp/p1" 'SELECT COUNT(*) FROM closed_visitors')" = 4
check "P1: no client hash of a closed day remains" test "$(q "$tmp/p1" 'SELECT COUNT(*) FROM visitors')" = 0
check "P1: no key of a closed day remains" test "$(q "$tmp/p1" 'SELECT COUNT(*) FROM day_keys')" = 0
check "P1: no window of a closed day remains" test "$(q "$tmp/p1" 'SELECT COUNT(*) FROM windows')" = 0
check "P1: no installation-wide secret" test "$(q "$tmp/p1" "SELECT COUNT(*) FROM meta WHERE key = 'secret'")" = 0
"$E" --data "$tmp/p1" --json report --by day >"$tmp/p1.json"
check "P1: daily visitors stay exact (2 on the 2nd, 1 on the 3rd)" jq_true \
  '[.rows[] | [.day, .visitors, .views]] == [["2026-03-02", 2, 3], ["2026-03-03", 1, 1]] and .totals.visitors == 3' "$tmp/p1.json"
# A day still open keeps its key and hashes until it closes.
now=$(date +%s)
recent=$(TZ=Asia/Shanghai date -d "@$((now - 3600))" '+%d/%b/%Y:%H:%M:%S')
line 1.0.1.5 "$recent" /a 200 10 >"$tmp/p1-open.log"
"$E" --data "$tmp/p1" usage ingest "$tmp/p1-open.log" >/dev/null
check "P1: an open day has one key and its hash" \
  test "$(q "$tmp/p1" 'SELECT COUNT(*) FROM day_keys'),$(q "$tmp/p1" 'SELECT COUNT(*) FROM visitors')" = "1,1"
# A late file of a closed day adds views and bytes; its visitors count again (at worst twice).
line 1.0.1.5 02/Mar/2026:23:00:00 /c 200 5 >"$tmp/p1-late.log"
"$E" --data "$tmp/p1" usage ingest "$tmp/p1-late.log" >/dev/null
"$E" --data "$tmp/p1" --json report --by day --until 2026-03-03 >"$tmp/p1-late.json"
check "P1: a late file of a closed day adds its view and bytes, and its client as a new visitor" jq_true \
  '[.rows[] | [.day, .visitors, .views, .bytes]] == [["2026-03-02", 3, 4, 35], ["2026-03-03", 1, 1, 10]]' "$tmp/p1-late.json"
check "P1: still no key of a closed day" test "$(q "$tmp/p1" "SELECT COUNT(*) FROM day_keys WHERE day < $((now / 86400 - 3))")" = 0

# Migration of a version-1 file: its one secret keyed every day; the next ingest closes
# the past days (hashes become numbers, the secret goes) and keeps the figures.
mkdir -p "$tmp/v1"
sqlite3 "$tmp/v1/usage.sqlite" <<'SQL'
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE paths (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE cells (day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL, path_id INTEGER NOT NULL,
  views INTEGER NOT NULL, bytes INTEGER NOT NULL, lines INTEGER NOT NULL, watch_seconds INTEGER NOT NULL,
  PRIMARY KEY (day, province, city, path_id)) WITHOUT ROWID;
CREATE TABLE visitors (day INTEGER NOT NULL, province INTEGER NOT NULL, city INTEGER NOT NULL, path_id INTEGER NOT NULL,
  client INTEGER NOT NULL, PRIMARY KEY (day, province, city, path_id, client)) WITHOUT ROWID;
CREATE TABLE line_counts (day INTEGER NOT NULL, class TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, class)) WITHOUT ROWID;
CREATE TABLE windows (client INTEGER NOT NULL, path_id INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY (client, path_id)) WITHOUT ROWID;
CREATE TABLE files (id INTEGER PRIMARY KEY, head_len INTEGER NOT NULL, head_hash TEXT NOT NULL, offset INTEGER NOT NULL,
  lines INTEGER NOT NULL, device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL, name TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE INDEX files_head ON files(head_len, head_hash);
INSERT INTO meta VALUES ('secret', x'00112233445566778899aabbccddeeff');
INSERT INTO paths VALUES (1, '/a');
INSERT INTO cells VALUES (20514, 0, 0, 1, 3, 30, 3, 0);
INSERT INTO visitors VALUES (20514, 0, 0, 1, 1234567), (20514, 0, 0, 1, -7654321);
INSERT INTO line_counts VALUES (20514, 'counted', 3);
INSERT INTO windows VALUES (1234567, 1, 1772409600);
PRAGMA user_version = 1;
SQL
chmod 600 "$tmp/v1/usage.sqlite"
"$E" --data "$tmp/v1" usage ingest "$tmp/p1-open.log" >/dev/null
check "P1 migration: user_version 2" test "$(q "$tmp/v1" 'PRAGMA user_version')" = 2
check "P1 migration: the old secret, its hashes, key and window of the closed day are gone" \
  test "$(q "$tmp/v1" "SELECT (SELECT COUNT(*) FROM meta WHERE key = 'secret') + (SELECT COUNT(*) FROM visitors WHERE day = 20514) + (SELECT COUNT(*) FROM day_keys WHERE day = 20514) + (SELECT COUNT(*) FROM windows WHERE day = 20514)")" = 0
"$E" --data "$tmp/v1" --json report --by day >"$tmp/v1.json"
check "P1 migration: the old day keeps its 2 visitors and 3 views" jq_true \
  '[.rows[] | select(.day == "2026-03-02") | [.visitors, .views]] == [[2, 3]]' "$tmp/v1.json"

# --- U1: absurd byte counts are malformed; sums never wrap ----------------------------------
{
  line 1.0.1.5 02/Mar/2026:08:00:00 /a 200 9223372036854775807
  line 1.0.1.6 02/Mar/2026:08:00:00 /a 200 9223372036854775807
  line 1.0.1.7 02/Mar/2026:08:00:00 /a 200 3
  line 1.0.1.8 02/Mar/2026:08:00:00 /a 200 1099511627777
} >"$tmp/u1.log"
"$E" --data "$tmp/u1" --json usage ingest "$tmp/u1.log" >"$tmp/u1-ingest.json" 2>"$tmp/u1.err"
check "U1: lines over 1 TiB are malformed (USG-LINE-FIELD), the 3-byte line counts" jq_true \
  '.lines.malformed == 3 and .lines.counted == 1 and .bytes == 3 and ([.malformed_samples[].code] | unique) == ["USG-LINE-FIELD"]' \
  "$tmp/u1-ingest.json"
"$E" --data "$tmp/u1" --json report --by day >"$tmp/u1.json"
check "U1: the report says 3 bytes" jq_true '.totals.bytes == 3' "$tmp/u1.json"

# --- U2: lines dated more than a day after the clock are malformed ------------------------
future=$(TZ=Asia/Shanghai date -d "@$((now + 3 * 86400))" '+%d/%b/%Y:%H:%M:%S')
soon=$(TZ=Asia/Shanghai date -d "@$((now + 3600))" '+%d/%b/%Y:%H:%M:%S')
{
  line 1.0.1.5 "$recent" /a 200 10
  line 1.0.1.5 31/Dec/9999:23:00:00 /a 200 10
  line 1.0.1.5 "$future" /a 200 10
  line 1.0.1.5 "$soon" /a 200 10
} >"$tmp/u2.log"
"$E" --data "$tmp/u2" --json usage ingest "$tmp/u2.log" >"$tmp/u2-ingest.json"
check "U2: year 9999 and three days ahead are USG-LINE-TIME; an hour ahead counts" jq_true \
  '.lines.malformed == 2 and .lines.counted == 2 and ([.malformed_samples[].code] | unique) == ["USG-LINE-TIME"]' \
  "$tmp/u2-ingest.json"
line 1.0.1.5 "$recent" /a 200 10 >"$tmp/u2-more.log"
"$E" --data "$tmp/u2" --json usage ingest "$tmp/u2-more.log" >/dev/null
"$E" --data "$tmp/u2" --json report --by province >"$tmp/u2.json"
check "U2: the next ingest joins the open view (2 views, not 3)" jq_true '.totals.views == 2' "$tmp/u2.json"
printf '{"time":"9999-12-31T08:00:00+08:00","client":"1.0.1.5","book":"PEP/x","action":"play"}\n{"time":"2026-03-01T08:00:00+08:00","client":"1.0.1.5","book":"PEP/x","action":"play"}\n' \
  >"$tmp/u2.jsonl"
"$E" --data "$tmp/u2e" --json usage ingest "$tmp/u2.jsonl" >"$tmp/u2e.json"
check "U2: a player event from year 9999 is malformed too" jq_true '.lines.malformed == 1 and .lines.counted == 1' "$tmp/u2e.json"

# --- U3: rotated parts in any order, each ingested on its own, give the whole's figures ----
"$gen" --start $((now - 72000)) 200000 5 >"$tmp/whole.log"
split -n l/4 -d "$tmp/whole.log" "$tmp/part."
"$E" --data "$tmp/u3-whole" usage ingest "$tmp/whole.log" >/dev/null
figures() { "$E" --data "$1" --json report --by province,day | jq -S '.rows, .totals, .lines'; }
figures "$tmp/u3-whole" >"$tmp/u3-whole.fig"
check "U3: the whole log has views" jq_true -s '.[1].views > 10000' "$tmp/u3-whole.fig"
for order in "03 01 00 02" "02 00 03 01" "01 03 02 00" "00 01 02 03"; do
  d="$tmp/u3-${order// /}"
  for p in $order; do "$E" --data "$d" usage ingest "$tmp/part.$p" >/dev/null; done
  figures "$d" >"$d.fig"
  check "U3: parts in the order $order give exactly the figures of the whole" cmp -s "$tmp/u3-whole.fig" "$d.fig"
done

# --- U4: a file none of whose lines parses is refused and not remembered ---------------
printf '%s\n' "1.0.1.5 [2026-03-02T08:00:00+08:00] \"GET /a HTTP/1.1\" 200 10" \
  "1.0.1.6 [2026-03-02T08:00:05+08:00] \"GET /b HTTP/1.1\" 200 10" >"$tmp/iso.log"
fmt='$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent'
"$E" --data "$tmp/u4" usage ingest "$tmp/u1.log" >/dev/null 2>&1
dump "$tmp/u4" | grep -v ' ./lock$' >"$tmp/u4.before"
rc code "$E" --data "$tmp/u4" usage ingest "$tmp/iso.log" >/dev/null 2>"$tmp/u4.err"
check "U4: every line malformed: exit 3" test "$code" = 3
check "U4: the error names the file and the format" grep -q 'iso.log.*none of its 2 lines parses.*--format' "$tmp/u4.err"
dump "$tmp/u4" | grep -v ' ./lock$' >"$tmp/u4.after"
check "U4: nothing written" cmp -s "$tmp/u4.before" "$tmp/u4.after"
check "U4: (the dump is not empty)" grep -q usage.sqlite "$tmp/u4.before"
"$E" --data "$tmp/u4" --json usage ingest --format "$fmt" "$tmp/iso.log" >"$tmp/u4.json"
check "U4: the right format then reads the file (not 'unchanged')" jq_true \
  '.files[0].status == "ingested" and .lines.counted == 2' "$tmp/u4.json"
{ cat "$tmp/iso.log"; line 1.0.1.5 02/Mar/2026:08:00:00 /a 200 1; } >"$tmp/mostly.log"
"$E" --data "$tmp/u4b" usage ingest "$tmp/mostly.log" >/dev/null 2>"$tmp/u4b.err"
check "U4: more than half malformed is a warning on stderr" grep -q 'mostly.log: 2 of 3 lines are malformed; is --format right' "$tmp/u4b.err"

# --- report --top takes 1 or more rows; -1 and 0 are usage errors, not "all rows" ------
for n in -1 0; do
  rc code "$E" --data "$tmp/u5" report --top "$n" >"$tmp/top.out" 2>"$tmp/top.err"
  check "report --top $n: exit 2 (got $code)" test "$code" = 2
  check "report --top $n: no table printed" test ! -s "$tmp/top.out"
done
rc code "$E" --data "$tmp/u5" report --top 1 >"$tmp/top.out" 2>/dev/null
check "report --top 1: exit 0 and a table (exit $code)" test "$code" = 0 -a -s "$tmp/top.out"

finish
