#!/usr/bin/env bash
# search_latency.sh: index build rate and query latency (p50/p95) of eductl index/search
# over a platform-sized catalogue, side by side with a plain LIKE '%…%' scan of the same
# text in the same SQLite file.
#   --listing-books N   metadata-only books in a generated platform listing (default 2600,
#                       the size of the national platform's tchMaterial listing)
#   --books B --lessons L  synthetic packages: B books x L lessons, each lesson with a
#                       task sheet PDF of Chinese text (default 200 x 100 = 20,000 lessons)
#   --runs R            timed repetitions of each query (default 5)
#   --workdir DIR --keep
# Needs build/eductl, build/tests/make_fixtures, jq, sqlite3.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
listing_books=2600 books=200 lessons=100 runs=5 workdir="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --listing-books) listing_books=$2; shift 2 ;;
    --books) books=$2; shift 2 ;;
    --lessons) lessons=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
need jq sqlite3
need_eductl
[[ -x "$MAKE_FIXTURES" ]] || die "no make_fixtures at $MAKE_FIXTURES"
make_workdir search
[[ $keep == 1 ]] || trap 'rm -rf "$workdir"' EXIT
d="$workdir/data"

# A listing with the platform's record shape and tag values in their real proportions.
say "writing a platform listing of $listing_books books"
jq -n --argjson n "$listing_books" '
  ["小学", "初中", "高中", "初中（五•四学制）", "小学（五•四学制）"] as $stages |
  {"小学": ["一年级","二年级","三年级","四年级","五年级","六年级"], "初中": ["七年级","八年级","九年级"],
   "高中": ["高一","高二","高三"], "初中（五•四学制）": ["六年级","七年级","八年级","九年级"],
   "小学（五•四学制）": ["一年级","二年级","三年级","四年级","五年级"]} as $grades |
  ["语文","数学","英语","道德与法治","科学","物理","化学","生物学","历史","地理","艺术·音乐","艺术·美术","体育与健康","信息科技"] as $subjects |
  ["人教版","统编版","北师大版","苏教版","外研版","湘教版","沪教版","人美版","人音版","教科版"] as $editions |
  [range(0; $n) as $i |
    $stages[$i % 5] as $st | ($grades[$st]) as $gs | $gs[($i / 5 | floor) % ($gs | length)] as $g |
    (if $st == "高中" then "必修 第一册" else (["上册","下册"][$i % 2]) end) as $vol |
    $subjects[($i / 3 | floor) % ($subjects | length)] as $sub |
    {id: ("5c9a0000-0000-4000-8000-" + ($i | tostring | ("000000000000" + .)[-12:])),
     title: ("义务教育教科书·" + $sub + $g + $vol),
     resource_type_code: "teachingmaterials", provider_list: [{name: "人民教育出版社"}],
     custom_properties: {format: "pdf", size: (20000000 + $i)},
     tag_list: [{tag_dimension_id: "zxxxd", tag_name: $st}, {tag_dimension_id: "zxxnj", tag_name: $g},
                {tag_dimension_id: "zxxcc", tag_name: $vol}, {tag_dimension_id: "zxxbb", tag_name: $editions[$i % 10]},
                {tag_dimension_id: "zxxxk", tag_name: $sub}]}]' >"$workdir/tchMaterial-part_1.json"
"$EDUCTL" -q --data "$d" import "$workdir/tchMaterial-part_1.json" >/dev/null 2>&1 || true
listed=$("$EDUCTL" --data "$d" --json catalog stats | jq .books)
say "imported $listed listing books (records the importer refuses are skipped)"

say "writing $books packages x $lessons lessons with task sheets"
"$MAKE_FIXTURES" search-bench "$workdir/pk" "$books" "$lessons" >/dev/null
say "importing them"
"$EDUCTL" -q --data "$d" import --jobs "$NPROC" "$workdir/pk" >/dev/null
total_books=$("$EDUCTL" --data "$d" --json catalog stats | jq .books)
total_lessons=$("$EDUCTL" --data "$d" --json catalog stats | jq .lessons)

say "indexing"
s=$(date +%s%N)
"$EDUCTL" --data "$d" --json index --jobs "$NPROC" >"$workdir/index.json"
e=$(date +%s%N)
index_s=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
docs=$(jq .documents "$workdir/index.json")
files=$(jq .files_read "$workdir/index.json")
s=$(date +%s%N)
"$EDUCTL" --data "$d" --json index >"$workdir/index2.json"
e=$(date +%s%N)
noop_s=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')

queries=(春 勾股 有理数 光合作用 二次函数 唐朝 Unit photosynthesis "2.1 有理数" 長城 数学 "英语 七年级" 鲸鱼)
# pct P FILE: the P-th percentile (nearest rank) of the numbers in FILE
pct() { sort -g "$2" | awk -v p="$1" '{a[NR] = $1} END {i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; print a[i]}'; }
: >"$workdir/proc.ms"
: >"$workdir/inproc.ms"
: >"$workdir/like.ms"
say "timing ${#queries[@]} queries x $runs runs: eductl search (process and in-process) and a LIKE scan"
printf '%-16s %8s %12s %12s %12s\n' QUERY HITS "eductl(ms)" "in-proc(ms)" "LIKE(ms)"
for q in "${queries[@]}"; do
  like=${q// /%}
  like=${like//\'/\'\'}
  for ((r = 0; r < runs; r++)); do
    s=$(date +%s%N)
    "$EDUCTL" --data "$d" --json search "$q" >"$workdir/q.json"
    e=$(date +%s%N)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$workdir/proc.ms"
    jq .elapsed_ms "$workdir/q.json" >>"$workdir/inproc.ms"
    s=$(date +%s%N)
    # The same rows, found by scanning: FTS5 keeps the text in fts_content (c0 title, c1 body).
    n=$(sqlite3 -readonly "$d/index.sqlite" "SELECT count(*) FROM fts_content WHERE c0 LIKE '%$like%' OR c1 LIKE '%$like%'")
    e=$(date +%s%N)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$workdir/like.ms"
  done
  printf '%-16s %8s %12s %12s %12s   (LIKE rows: %s)\n' "$q" "$(jq .count "$workdir/q.json")" "$(tail -1 "$workdir/proc.ms")" \
    "$(jq .elapsed_ms "$workdir/q.json")" "$(tail -1 "$workdir/like.ms")" "$n"
done
echo
machine_line
echo "catalogue: $total_books books ($listed from the listing, metadata only), $total_lessons lessons; $files files read"
echo "index build: $docs documents in $index_s s ($(awk -v n="$docs" -v s="$index_s" 'BEGIN { printf "%.0f", n / s }') documents/s, $(awk -v n="$total_books" -v s="$index_s" 'BEGIN { printf "%.0f", n / s }') books/s); index.sqlite $(du -h "$d/index.sqlite" | cut -f1)"
echo "index again, nothing changed: $noop_s s"
echo "query latency over ${#queries[@]} queries x $runs runs (ms): p50 / p95"
echo "  eductl search, whole process     $(pct 50 "$workdir/proc.ms") / $(pct 95 "$workdir/proc.ms")"
echo "  eductl search, in-process query  $(pct 50 "$workdir/inproc.ms") / $(pct 95 "$workdir/inproc.ms")   (goal p95 < 20)"
echo "  sqlite3 LIKE '%…%' scan           $(pct 50 "$workdir/like.ms") / $(pct 95 "$workdir/like.ms")"
echo "ratio LIKE/eductl in-process p95: $(ratio "$(pct 95 "$workdir/like.ms")" "$(pct 95 "$workdir/inproc.ms")")"
