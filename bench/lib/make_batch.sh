#!/usr/bin/env bash
# Writes a batch of valid textbook-package/1 packages for the benchmarks, with bash, jq,
# sha256sum, tar and zip only (no python). Each package holds a small PDF textbook, a
# set of lesson "videos" (an ISO BMFF `ftyp` box, an `mdat` header, then random bytes from
# /dev/urandom, so nothing compresses or deduplicates) and a manifest with the right
# sha256/size/media_type for every file.
#
#   make_batch.sh --out DIR [--size-gib N] [--packages K] [--videos V] [--formats dir,tar,zip]
#
# The batch holds at least N GiB in total; packages take the formats in turn (dir: an
# unpacked folder, tar: a plain .tar, zip: a stored (uncompressed) .zip).
set -euo pipefail
export LC_ALL=C

out="" size_gib=2 packages=24 videos=3 formats="dir,tar,zip"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --size-gib) size_gib=$2; shift 2 ;;
    --packages) packages=$2; shift 2 ;;
    --videos) videos=$2; shift 2 ;;
    --formats) formats=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "make_batch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n "$out" ]] || { echo "make_batch.sh: --out DIR is required" >&2; exit 2; }
for t in jq sha256sum tar zip head awk; do
  command -v "$t" >/dev/null || { echo "make_batch.sh: needs $t" >&2; exit 2; }
done
IFS=, read -r -a fmts <<<"$formats"

# Video size: the batch must reach size_gib GiB; round each video up to whole MiB + 1 MiB.
total=$(awk -v g="$size_gib" 'BEGIN { printf "%.0f", g * 1073741824 }')
video_mib=$(((total / (packages * videos) + 1048575) / 1048576 + 1))

be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((($1 >> 24) & 255)) $((($1 >> 16) & 255)) $((($1 >> 8) & 255)) $(($1 & 255)))"; }

# make_video FILE BYTES: ftyp box (24 bytes) + mdat box header (8 bytes) + random payload.
make_video() {
  local f=$1 size=$2
  {
    printf '\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp42'
    be32 $((size - 24))
    printf 'mdat'
    head -c $((size - 32)) /dev/urandom
  } >"$f"
}

# make_pdf FILE PAGES LABEL: a well-formed PDF 1.4 (right xref offsets, one /Page per page).
make_pdf() {
  local f=$1 pages=$2 label=$3 objs=() kids="" p body out offsets=() xref i
  for ((p = 0; p < pages; p++)); do kids+="$((5 + 2 * p)) 0 R "; done
  objs+=("<< /Type /Catalog /Pages 2 0 R >>")
  objs+=("<< /Type /Pages /Kids [${kids}] /Count ${pages} >>")
  objs+=("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
  objs+=("<< /Title (${label}) /Producer (bench make_batch.sh) >>")
  for ((p = 0; p < pages; p++)); do
    body="BT /F1 18 Tf 72 720 Td (${label} page $((p + 1))) Tj ET"$'\n'
    objs+=("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents $((6 + 2 * p)) 0 R >>")
    objs+=("<< /Length ${#body} >>"$'\n'"stream"$'\n'"${body}endstream")
  done
  out="%PDF-1.4"$'\n'
  for ((i = 0; i < ${#objs[@]}; i++)); do
    offsets+=("${#out}")
    out+="$((i + 1)) 0 obj"$'\n'"${objs[i]}"$'\n'"endobj"$'\n'
  done
  xref=${#out}
  out+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
  for i in "${offsets[@]}"; do out+="$(printf '%010d' "$i") 00000 n "$'\n'; done
  out+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R /Info 4 0 R >>"$'\n'"startxref"$'\n'"${xref}"$'\n'"%%EOF"$'\n'
  printf '%s' "$out" >"$f"
}

# isbn13 "978700000123" -> "978-7-00-000123-X" with the right check digit.
isbn13() {
  local d=$1 sum=0 i
  for ((i = 0; i < 12; i++)); do sum=$((sum + ${d:i:1} * (i % 2 ? 3 : 1))); done
  echo "${d:0:3}-${d:3:1}-${d:4:2}-${d:6:6}-$(((10 - sum % 10) % 10))"
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage_root=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage_root"' EXIT

for ((k = 1; k <= packages; k++)); do
  id=$(printf 'bench-pkg-%03d' "$k")
  fmt=${fmts[$(((k - 1) % ${#fmts[@]}))]}
  s="$stage_root/$id"
  mkdir -p "$s/textbook"
  make_pdf "$s/textbook/book.pdf" 4 "bench book $k"
  listing=$(printf '%s\t%s\t%s\n' "textbook/book.pdf" "application/pdf" "textbook")
  lessons='[]'
  for ((v = 1; v <= videos; v++)); do
    mkdir -p "$s/unit1/lesson$v"
    make_video "$s/unit1/lesson$v/video.mp4" $((video_mib * 1048576 - v * 4096))
    listing+=$'\n'"$(printf '%s\t%s\t%s' "unit1/lesson$v/video.mp4" "video/mp4" "")"
    lessons=$(jq -c --arg id "u1-l$v" --arg f "unit1/lesson$v/video.mp4" --arg n "$v" \
      '. + [{id: $id, title: ("第" + $n + "课时"), resources: [{kind: "video", file: $f}, {kind: "textbook_pages", file: "textbook/book.pdf", pages: "1-2"}]}]' <<<"$lessons")
  done
  # path \t media \t role \t size \t sha256 -> manifest files[]
  files=$(while IFS=$'\t' read -r path media role; do
    printf '%s\t%s\t%s\t%s\t%s\n' "$path" "$media" "$role" "$(stat -c %s "$s/$path")" "$(sha256sum "$s/$path" | cut -d' ' -f1)"
  done <<<"$listing" | jq -R -s -c '
    split("\n") | map(select(length > 0) | split("\t")) |
    map({path: .[0], media_type: .[1], size: (.[3] | tonumber), sha256: .[4]} + (if .[2] == "textbook" then {role: "textbook"} else {} end))')
  isbn=$(isbn13 "$(printf '978700%06d' "$k")")
  jq -n --arg id "$id" --arg isbn "$isbn" --arg k "$k" --argjson files "$files" --argjson lessons "$lessons" '{
      format: "textbook-package/1", package_id: $id, revision: 1,
      publisher: {code: "BENCH", name: "基准出版社"},
      textbook: {title: ("基准测试 第" + $k + "册"), isbn: $isbn, stage: "junior", grade: 7, subject: "math",
                 edition: "人教版", volume: "upper", language: "zh-CN", published: "2024-07"},
      files: $files,
      contents: [{title: "第一单元", lessons: $lessons}]
    }' >"$s/manifest.json"
  case "$fmt" in
    dir) rm -rf "${out:?}/$id"; mv "$s" "$out/$id" ;;
    tar) (cd "$s" && tar -cf "$out/$id.tar" manifest.json textbook unit1); rm -rf "$s" ;;
    zip) rm -f "$out/$id.zip"; (cd "$s" && zip -q -0 -X -r "$out/$id.zip" manifest.json textbook unit1); rm -rf "$s" ;;
    *) echo "make_batch.sh: unknown format $fmt" >&2; exit 2 ;;
  esac
  echo "make_batch.sh: $id ($fmt)" >&2
done
