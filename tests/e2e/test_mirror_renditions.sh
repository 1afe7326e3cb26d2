#!/usr/bin/env bash
# End-to-end: transcoded renditions travel with the books. publish carries each video's
# renditions and ffprobe facts in the book's part; a school mirror that takes only
# --rendition 120p,audio holds those (with the master playlist and poster) and not the
# others, shows them in `catalog show`, and is whole by `mirror status --deep`.
# Usage: test_mirror_renditions.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters
set -euo pipefail
source "$(dirname "$0")/lib.sh"
E=$(realpath "$1")
MF=$(realpath "$2")
export LC_ALL=C.UTF-8
cd "$tmp"
if ! command -v ffmpeg >/dev/null; then
  echo "ffmpeg is not installed (apt-get install ffmpeg): cannot test renditions"
  exit 1
fi
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "sine=frequency=440" -t 2 \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest -y short.mp4
cat >profiles.json <<'JSON'
{"profiles": {"test": {"description": "tiny ladder for tests", "segment_seconds": 1, "preset": "ultrafast", "poster_at": 1,
  "renditions": [{"name": "180p", "height": 180, "video_kbps": 200, "audio_kbps": 32},
                 {"name": "120p", "height": 120, "video_kbps": 100, "audio_kbps": 32},
                 {"name": "audio", "audio_kbps": 32}]}}}
JSON
"$MF" search pk --video short.mp4 >/dev/null
rc code "$E" --data central import pk/* --json >import.json 2>/dev/null
check "setup: the package imports (exit 0 or 1, some book imported)" \
  bash -c "[ $code -le 1 ] && jq -e '[.items[] | select(.outcome == \"imported\")] | length > 0' import.json >/dev/null"
rc code "$E" --data central transcode --profiles profiles.json --profile test -q
check "setup: transcode exits 0" [ "$code" = 0 ]
"$E" mirror keygen --out keys --no-password >/dev/null
"$E" --data central mirror publish --key keys/eductl.key --json >pub.json
check "publish carries rendition blobs" jq_true '.blobs > 0' pub.json
parts_with=$(cat central/public/parts/*.json | jq -s '[.[] | select(.renditions != null)] | length')
check "parts of books with transcoded videos list their renditions and facts" \
  bash -c "[ $parts_with -gt 0 ] && cat central/public/parts/*.json | jq -se 'any(.[]; .media != null and (.media[0].width > 0))' >/dev/null"
rc code "$E" --data school mirror sync central/public --trust keys/eductl.pub --rendition 120p,audio --json >s.json
check "a school mirror takes only 120p and audio renditions" jq_true '.outcome == "updated"' s.json
want=$(cat central/public/parts/*.json | jq -rs '[.[] | .renditions // [] | .[] | select(.rendition == "120p" or .rendition == "audio" or .rendition == "master" or .rendition == "poster") | .sha256] | unique | .[]')
# (identical files of two renditions, e.g. their playlists, are one blob: those count as wanted)
skip=$(cat central/public/parts/*.json | jq -rs '[.[] | .renditions // [] | .[]] |
  ([.[] | select(.rendition != "180p") | .sha256] | unique) as $kept | [.[] | select(.rendition == "180p") | .sha256 |
  select(. as $s | $kept | index($s) | not)] | unique | .[]')
check "the parts name 120p/audio renditions to look for" [ -n "$want" ]
check "the parts name 180p-only blobs to look for" [ -n "$skip" ]
missing=0
for s in $want; do [[ -f "school/objects/${s:0:2}/${s:2:2}/$s" ]] || missing=$((missing + 1)); done
extra=0
for s in $skip; do [[ -f "school/objects/${s:0:2}/${s:2:2}/$s" ]] && extra=$((extra + 1)); done
check "the chosen renditions' blobs are on the mirror ($missing missing)" [ "$missing" = 0 ]
check "the 180p rendition is not ($extra present)" [ "$extra" = 0 ]
check "the mirror is whole (status --deep)" bash -c "'$E' --data school mirror status --deep --json | jq -e '.ok' >/dev/null"
book=$("$E" --data school catalog list --json | jq -r '.books[0] | (.publisher_code + "/" + .package_id)')
check "the mirror's catalogue lists a book" bash -c "[ -n '$book' ] && [ '$book' != 'null/null' ]"
rc code "$E" --data school catalog show "$book" --json >show.json
check "catalog show on the mirror exits 0" [ "$code" = 0 ]
check "catalog show on the mirror lists the renditions it holds" \
  jq_true '(.videos | length) > 0 and ([.videos[].renditions] | tostring | (contains("120p") and (contains("180p") | not)))' show.json
finish
