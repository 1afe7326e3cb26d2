#!/usr/bin/env bash
# End-to-end: validate --deep decodes each declared video with ffmpeg. A package whose
# lesson video is truncated (a valid MP4 header, cut data) passes the ordinary checks but
# fails --deep with MED-VIDEO-UNDECODABLE naming the entry; a sound video passes both.
# Usage: test_validate_deep.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters
set -euo pipefail
source "$(dirname "$0")/lib.sh"
E=$(realpath "$1")
MF=$(realpath "$2")
export LC_ALL=C.UTF-8
cd "$tmp"
if ! command -v ffmpeg >/dev/null; then
  echo "ffmpeg is not installed (apt-get install ffmpeg): cannot test validate --deep"
  exit 1
fi
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "sine=frequency=440" -t 3 \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest -movflags +faststart -y good.mp4
head -c "$(($(stat -c %s good.mp4) / 3))" good.mp4 >cut.mp4
"$MF" demo good --video good.mp4 >/dev/null
"$MF" demo cut --video cut.mp4 >/dev/null
pkg=pep-math-g7-upper.zip
rc code "$E" validate --json "good/$pkg" >plain-good.json
check "a sound video: validate exits 0" [ "$code" = 0 ]
rc code "$E" validate --deep --json "good/$pkg" >deep-good.json
check "a sound video: validate --deep exits 0" [ "$code" = 0 ]
rc code "$E" validate --json "cut/$pkg" >plain-cut.json
check "a truncated video passes the ordinary checks" [ "$code" = 0 ]
rc code "$E" validate --deep --json "cut/$pkg" >deep-cut.json
check "validate --deep refuses it: exit 1" [ "$code" = 1 ]
check "the finding is MED-VIDEO-UNDECODABLE on the video entry" \
  jq_true '[.packages[0].findings[] | select(.code == "MED-VIDEO-UNDECODABLE") | .entry] | length > 0 and all(.[]; test("\\.mp4$"))' deep-cut.json
rc code "$E" validate --deep "cut/$pkg" >deep-cut.txt
check "the text report names the rule" grep -q "MED-VIDEO-UNDECODABLE" deep-cut.txt
finish
