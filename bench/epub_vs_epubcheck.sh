#!/usr/bin/env bash
# eductl's EPUB checks vs EPUBCheck (the W3C reference checker, Debian package epubcheck):
# speed and verdict agreement on a set of N EPUBs - valid EPUB 3 books of varied sizes and
# broken ones (mimetype compressed / not first / wrong / missing, no container.xml, OPF
# missing, manifest item missing, spine idref unknown, truncated zip, corrupt entry data).
# It starts from the fixture generator's EPUBs (valid-epub.zip, its valid variants and the
# epub-*.zip defect packages, OCF file names and package document rules included) and adds
# variants written by bench/lib/make_epub.sh.
#
# eductl judges all N in one run (each EPUB wrapped in a minimal valid package, a batch
# folder); EPUBCheck runs once per EPUB, as it is used. An EPUB is "invalid" for eductl when
# a finding code starts with EPUB-, ZIP- or MEDIA-; for EPUBCheck when it exits non-zero.
# Goals: eductl >= 20x faster; verdicts agree on >= 95% of the EPUBs.
#
# --scope-cases K (default 2) adds K EPUBs whose only fault lies inside a content document,
# which eductl does not parse (a malformed XHTML chapter, an <img> of a missing file):
# EPUBCheck rejects them and eductl does not. Agreement is printed over all N and the other N-K.
#
#   bench/epub_vs_epubcheck.sh [--count N] [--scope-cases K] [--runs R] [--workdir DIR] [--keep]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$BENCH_DIR/lib/make_epub.sh"

count=40 scope=2 runs=5 workdir="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --scope-cases) scope=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
# The fixture generator's EPUBs: its defect packages (epub-*.zip) and valid variants.
fixture_defects=(mimetype-compressed mimetype-not-first no-container missing-opf missing-item bad-spine
  mimetype-extra-field container-model forbidden-char trailing-dot long-name duplicate-entry case-collision
  href-outside remote-resource manifest-duplicate id-duplicate spine-duplicate no-nav no-title bad-unique-id
  manifest-self spine-nonlinear gbk-name)
fixture_valid=(id-spaces opf-name)
nfx=$((1 + ${#fixture_valid[@]} + ${#fixture_defects[@]}))
need_eductl
need jq sha256sum zip unzip zipinfo base64
[[ -x "$MAKE_FIXTURES" ]] || die "no fixture generator at $MAKE_FIXTURES (build the project), or set MAKE_FIXTURES"
((count >= nfx + scope + 2)) || die "--count must be at least $((nfx + scope + 2))"

if ! command -v java >/dev/null || ! dpkg-query -W -f='${Status}' epubcheck 2>/dev/null | grep -q 'install ok installed'; then
  [[ $(id -u) -eq 0 ]] || die "needs the Debian package epubcheck: apt-get install -y --no-install-recommends epubcheck"
  say "installing epubcheck (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends epubcheck >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends epubcheck >&2; }
fi
jar=$(dpkg -L epubcheck | grep -m1 '/usr/share/java/epubcheck\.jar$' || true)
[[ -n "$jar" ]] || jar=$(dpkg -L epubcheck | grep -m1 '\.jar$')
epubcheck_version=$(dpkg-query -W -f='${Version}' epubcheck)

if [[ -z "$workdir" ]]; then
  workdir=$(mktemp -d /tmp/eductl-bench-epub.XXXXXX)
else
  mkdir -p "$workdir"
  workdir=$(cd "$workdir" && pwd)
fi
cleanup() {
  if [[ $keep == 1 ]]; then say "kept $workdir"; return; fi
  rm -rf "${workdir:?}/fixtures" "${workdir:?}/epubs" "${workdir:?}/src" "${workdir:?}/batch" "${workdir:?}/results" "${workdir:?}/cover.png"
  rmdir "$workdir" 2>/dev/null || true
}
trap cleanup EXIT
fx="$workdir/fixtures" epubs="$workdir/epubs" src="$workdir/src" batch="$workdir/batch" res="$workdir/results"
mkdir -p "$epubs" "$src" "$batch" "$res"

# --- the EPUB set --------------------------------------------------------------------------
# cases.tsv: name \t expected verdict \t what it is
say "generating fixtures and EPUB variants in $workdir"
"$MAKE_FIXTURES" fixtures "$fx" >/dev/null
: >"$res/cases.tsv"
add_case() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$res/cases.tsv"; }
fixture_epub() { unzip -p "$fx/$1" "$(unzip -Z1 "$fx/$1" | grep -m1 '\.epub$')" >"$epubs/$2.epub"; }
fixture_epub valid-epub.zip fx-valid && add_case fx-valid valid "fixture: valid EPUB 3"
for v in "${fixture_valid[@]}"; do
  fixture_epub "valid-epub-$v.zip" "fx-valid-$v" && add_case "fx-valid-$v" valid "fixture: valid EPUB 3, $v"
done
for d in "${fixture_defects[@]}"; do
  fixture_epub "epub-$d.zip" "fx-$d" && add_case "fx-$d" invalid "fixture: $d"
done
cover="$workdir/cover.png"
unzip -p "$fx/valid.zip" cover.png >"$cover"

kinds=(mimetype-not-first no-container opf-missing item-missing spine-unknown corrupt-truncated mimetype-missing mimetype-content corrupt-crc)
noise=(0 0 16 0 128 0 512 0 48)
generated=$((count - nfx - scope))
ndef=0
for ((j = 0; j < generated; j++)); do
  chapters=$((1 + (j * 5) % 12)) paras=$((5 + (j * 37) % 400)) nk=${noise[$((j % ${#noise[@]}))]}
  c=""; ((j % 3 == 1)) && c=$cover
  if ((j % 2 == 0)); then
    name=$(printf 'gen-%02d-valid' "$j")
    epub_tree "$src/$name" "教材 $j" "$chapters" "$paras" "$nk" "$c"
    epub_zip "$src/$name" "$epubs/$name.epub"
    add_case "$name" valid "EPUB 3, $chapters chapters x $paras paragraphs$( ((nk > 0)) && echo " + ${nk} KiB noise each")$([[ -n $c ]] && echo ", PNG cover")"
    continue
  fi
  kind=${kinds[$((ndef % ${#kinds[@]}))]}
  ndef=$((ndef + 1))
  name=$(printf 'gen-%02d-%s' "$j" "$kind")
  t="$src/$name"
  epub_tree "$t" "教材 $j" "$chapters" "$paras" "$nk" "$c"
  mode=normal
  case "$kind" in
    mimetype-content) printf 'application/epub+zip\n' >"$t/mimetype" ;;  # trailing newline
    mimetype-not-first) mode=mimetype-last ;;
    mimetype-missing) rm "$t/mimetype" ;;
    no-container) rm "$t/META-INF/container.xml" ;;
    opf-missing) rm "$t/OEBPS/content.opf" ;;
    item-missing) rm "$t/OEBPS/ch1.xhtml" ;;
    spine-unknown) sed -i 's/<itemref idref="ch1"\/>/<itemref idref="appendix"\/>/' "$t/OEBPS/content.opf" ;;
  esac
  epub_zip "$t" "$epubs/$name.epub" "$mode"
  size=$(stat -c %s "$epubs/$name.epub")
  case "$kind" in
    corrupt-truncated) truncate -s $((size * 6 / 10)) "$epubs/$name.epub" ;;
    corrupt-crc) # overwrite 16 bytes in the middle of ch1.xhtml's deflated data (local header: 30 bytes + the 15-byte name; zip -X writes no extra field)
      hdr=$(zipinfo -v "$epubs/$name.epub" OEBPS/ch1.xhtml | awk -F: '/offset of local header/ {gsub(/[^0-9]/, "", $2); print $2}')
      csize=$(zipinfo -v "$epubs/$name.epub" OEBPS/ch1.xhtml | awk -F: '/compressed size/ && !/un/ {gsub(/[^0-9]/, "", $2); print $2}')
      printf '\xff%.0s' {1..16} | dd of="$epubs/$name.epub" bs=1 seek=$((hdr + 30 + 15 + csize / 2)) conv=notrunc status=none ;;
  esac
  add_case "$name" invalid "$kind, on a $chapters-chapter book"
done
for ((s = 0; s < scope; s++)); do
  t="$src/scope-$s"
  epub_tree "$t" "教材 范围 $s" 3 20 0 ""
  if ((s % 2 == 0)); then
    name="scope-$s-xhtml-malformed"
    sed -i 's/<\/section>/<p>未闭合的段落\n<\/section>/' "$t/OEBPS/ch2.xhtml"
    what="content document: ch2.xhtml is not well-formed XML (outside the package contract)"
  else
    name="scope-$s-img-missing"
    sed -i 's/<\/section>/<p><img src="figure-9.png" alt="图9"\/><\/p>\n<\/section>/' "$t/OEBPS/ch2.xhtml"
    what="content document: ch2.xhtml shows an image the EPUB does not hold (outside the package contract)"
  fi
  epub_zip "$t" "$epubs/$name.epub"
  add_case "$name" scope "$what"
done
rm -rf "$src"

# Wrap every EPUB in a minimal valid package (the fixture's manifest, files = that EPUB only).
unzip -p "$fx/valid-epub.zip" manifest.json >"$res/template.json"
while IFS=$'\t' read -r name _ _; do
  p="$batch/$name"
  mkdir -p "$p/textbook"
  cp "$epubs/$name.epub" "$p/textbook/book.epub"
  jq --arg id "$(echo "bench-$name" | tr 'A-Z' 'a-z' | cut -c1-64)" \
    --arg sha "$(sha256sum "$p/textbook/book.epub" | cut -d' ' -f1)" \
    --argjson size "$(stat -c %s "$p/textbook/book.epub")" \
    '.package_id = $id | .files = [{path: "textbook/book.epub", media_type: "application/epub+zip", size: $size, sha256: $sha, role: "textbook"}] | .contents = []' \
    "$res/template.json" >"$p/manifest.json"
done <"$res/cases.tsv"
n=$(wc -l <"$res/cases.tsv")
epub_bytes=$(find "$epubs" -name '*.epub' -printf '%s\n' | awk '{s += $1} END {print s}')
find "$batch" "$epubs" -type f -print0 >"$res/files"
warm_cache "$res/files"

# --- eductl: all N in one run ---------------------------------------------------------------
q() { printf '%q' "$1"; }
"$EDUCTL" --json validate --jobs "$NPROC" "$batch" >"$res/eductl.json" || [[ $? == 1 ]] || die "eductl validate failed"
say "timing eductl validate over $n EPUB packages ($runs runs)"
bench_time "$runs" "$res/t_eductl" "" "$(q "$EDUCTL") -q validate --jobs $NPROC $(q "$batch") >/dev/null 2>&1; test \$? -le 1"
# For reference: one eductl process per EPUB, the way EPUBCheck is run.
t0=$(date +%s.%N)
while IFS=$'\t' read -r name _ _; do "$EDUCTL" -q validate "$batch/$name" >/dev/null 2>&1 || true; done <"$res/cases.tsv"
t_e1=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.3f", b - a}')

# --- EPUBCheck: once per EPUB ----------------------------------------------------------------
say "running EPUBCheck $epubcheck_version once per EPUB ($n EPUBs; a few seconds each)"
mkdir -p "$res/epubcheck"
: >"$res/epubcheck.tsv"
t0=$(date +%s.%N)
while IFS=$'\t' read -r name _ _; do
  rc=0
  java -jar "$jar" "$epubs/$name.epub" >"$res/epubcheck/$name.log" 2>&1 || rc=$?
  printf '%s\t%s\n' "$name" "$rc" >>"$res/epubcheck.tsv"
done <"$res/cases.tsv"
t_c=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.3f", b - a}')

# --- verdicts --------------------------------------------------------------------------------
jq -r '.packages[] | [(.path | sub(".*/"; "")),
        (if any(.findings[]; .code | test("^(EPUB|ZIP|MEDIA)-")) then "invalid" else "valid" end),
        ([.findings[] | select(.code | test("^(EPUB|ZIP|MEDIA)-")) | .code] | unique | join(",")),
        ([.findings[] | select(.code | test("^(EPUB|ZIP|MEDIA)-") | not) | .code] | unique | join(","))] | @tsv' \
  "$res/eductl.json" | LC_ALL=C sort >"$res/eductl.tsv"
other=$(awk -F'\t' '$4 != "" {print $1 ": " $4}' "$res/eductl.tsv")
[[ -z "$other" ]] || say "warning: wrapper packages with non-EPUB findings: $other"

agree=0 agree_contract=0 n_contract=0 disagreements=""
while IFS=$'\t' read -r name expected what; do
  e=$(awk -F'\t' -v k="$name" '$1 == k {print $2 "\t" $3}' "$res/eductl.tsv")
  ev=${e%%$'\t'*} ecodes=${e#*$'\t'}
  rc=$(awk -F'\t' -v k="$name" '$1 == k {print $2}' "$res/epubcheck.tsv")
  [[ $rc == 0 ]] && cv=valid || cv=invalid
  [[ $expected != scope ]] && n_contract=$((n_contract + 1))
  if [[ $ev == "$cv" ]]; then
    agree=$((agree + 1))
    [[ $expected != scope ]] && agree_contract=$((agree_contract + 1))
  else
    first=$( (grep -m1 -E '^(FATAL|ERROR)' "$res/epubcheck/$name.log" || grep -m1 -E 'WARNING' "$res/epubcheck/$name.log" || echo "(no error line)") | cut -c1-300)
    reason="eductl's contract does not cover it"
    [[ $expected != scope ]] && reason="eductl misses a defect its EPUB checks should catch ($what)"
    [[ $expected == valid ]] && reason="the EPUB was built to be valid"
    disagreements+="  $name [$what]"$'\n'"    eductl: $ev${ecodes:+ ($ecodes)}; EPUBCheck: $cv (exit $rc)"$'\n'"    EPUBCheck first error: $first"$'\n'"    why: $reason"$'\n'
  fi
done <"$res/cases.tsv"

{
  echo "per-EPUB verdicts (name, expected, eductl, eductl codes, EPUBCheck exit):"
  LC_ALL=C join -t $'\t' <(cut -f1,2 "$res/cases.tsv" | LC_ALL=C sort) "$res/eductl.tsv" | LC_ALL=C join -t $'\t' - <(LC_ALL=C sort "$res/epubcheck.tsv") |
    awk -F'\t' '{printf "  %-34s %-8s eductl=%-8s %-28s epubcheck_exit=%s\n", $1, $2, $3, $4, $6}'
} >"$res/verdicts.txt"
cat "$res/verdicts.txt" >&2

t_e=$(cat "$res/t_eductl")
n_valid=$(awk -F'\t' '$2 == "valid"' "$res/cases.tsv" | wc -l)
n_invalid=$(awk -F'\t' '$2 == "invalid"' "$res/cases.tsv" | wc -l)
echo "$(machine_line)"
echo "EPUBCheck $epubcheck_version ($jar), $(java -version 2>&1 | head -n1)"
echo "set: $n EPUBs, $epub_bytes bytes: $n_valid valid, $n_invalid broken, $scope with faults outside eductl's contract"
echo "valid EPUB sizes: $(awk -F'\t' '$2 == "valid" {print $1}' "$res/cases.tsv" | while read -r v; do stat -c %s "$epubs/$v.epub"; done | sort -n | sed -n '1p;$p' | paste -sd' ' | awk '{print $1 " to " $2 " bytes"}')"
if [[ -n "$disagreements" ]]; then
  echo "disagreements:"
  printf '%s' "$disagreements"
else
  echo "disagreements: none"
fi
printf '%-52s %8.2f s  (median of %s runs)\n' "eductl validate --jobs $NPROC (all $n in one run)" "$t_e" "$runs"
printf '%-52s %8.2f s\n' "eductl validate, one process per EPUB" "$t_e1"
printf '%-52s %8.2f s  (%.2f s per EPUB)\n' "EPUBCheck, one JVM per EPUB" "$t_c" "$(awk -v t="$t_c" -v n="$n" 'BEGIN {print t / n}')"
echo "agreement (all $n): $agree/$n = $(awk -v a="$agree" -v n="$n" 'BEGIN {printf "%.1f", 100 * a / n}')%"
echo "agreement on the contract's checks ($n_contract, without the $scope out-of-contract cases): $agree_contract/$n_contract = $(awk -v a="$agree_contract" -v n="$n_contract" 'BEGIN {printf "%.1f", 100 * a / n}')% (goal >= 95%)"
echo "speed ratio, one process per EPUB, EPUBCheck/eductl: $(ratio "$t_c" "$t_e1")x"
echo "speed ratio EPUBCheck/eductl (one eductl run for all): $(ratio "$t_c" "$t_e")x (goal >= 20x)"
