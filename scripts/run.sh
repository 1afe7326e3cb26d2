#!/usr/bin/env bash
# Installs what is missing, builds, and runs a demo of an editor's day: a realistic
# batch of publisher packages (Chinese metadata, real PDFs and EPUBs, lesson videos
# made with ffmpeg, and three broken deliveries) is validated, imported into the
# embedded catalogue and content store under ./eductl-data, and listed; the lesson
# videos are transcoded for remote schools and the lessons made searchable.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD_DIR=build scripts/build.sh
eductl=build/eductl
demo=demo
data=${EDUCTL_HOME:-eductl-data}

rm -rf "$demo"
mkdir -p "$demo/media"
# Lesson video and poster from ffmpeg's test sources (3 s, 320x180, H.264 + AAC).
ffmpeg -v error -y -f lavfi -i testsrc=duration=3:size=320x180:rate=25 -f lavfi -i sine=frequency=440:duration=3 \
  -c:v libx264 -pix_fmt yuv420p -preset veryfast -c:a aac -b:a 64k -shortest -movflags +faststart \
  "$demo/media/lesson.mp4"
ffmpeg -v error -y -f lavfi -i testsrc=size=320x180 -frames:v 1 "$demo/media/poster.png"
build/tests/make_fixtures demo "$demo/batch" --video "$demo/media/lesson.mp4" --poster "$demo/media/poster.png" >/dev/null

if [[ -t 1 ]]; then
  say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
  say() { printf '\n$ %s\n' "$*"; }
fi
run() { say "$*"; "$@" || echo "(exit status $?)"; }

run "$eductl" validate "$demo/batch"
run "$eductl" --data "$data" import "$demo/batch"
run "$eductl" --data "$data" import "$demo/batch"
run "$eductl" --data "$data" catalog list
run "$eductl" --data "$data" catalog show PEP/pep-math-g7-upper
run "$eductl" --data "$data" catalog stats
run "$eductl" --data "$data" store verify
run "$eductl" --data "$data" transcode --profile remote
run "$eductl" --data "$data" index
run "$eductl" --data "$data" search 有理数
run "$eductl" --data "$data" search 草原 --grade 6
run "$eductl" --data "$data" search 稳态 --limit 5
run "$eductl" --data "$data" catalog show PEP/pep-math-g7-upper

# Mirrors: the central site signs a snapshot, nginx serves it, a province syncs it over
# HTTP, a primary school syncs only its books from the province, and a USB disk carries
# the province's copy to a school with no network.
# shellcheck source=tests/e2e/lib.sh
source tests/e2e/lib.sh
# shellcheck source=tests/e2e/lib_http.sh
source tests/e2e/lib_http.sh
mirrors=$demo/mirrors
rm -rf "$mirrors" && mkdir -p "$mirrors"
run "$eductl" mirror keygen --out "$demo/keys" --no-password --comment "demo signing key"
run "$eductl" --data "$data" mirror publish --key "$demo/keys/eductl.key" --origin "demo central site"
start_nginx "$(realpath "$data")/public" && central=$nginx_url
run "$eductl" --data "$mirrors/province" mirror sync "$central" --trust "$demo/keys/eductl.pub"
start_nginx "$(realpath "$mirrors/province")/public" && province=$nginx_url
run "$eductl" --data "$mirrors/school" mirror sync "$province" --trust "$demo/keys/eductl.pub" --stage primary
run "$eductl" --data "$mirrors/school" catalog list
run "$eductl" --data "$mirrors/province" mirror export "$mirrors/usb-disk" --stage junior
# The disk holds junior books only: the school asks for them (an unsigned export.json
# never chooses what a mirror takes).
run "$eductl" --data "$mirrors/offline-school" mirror sync "$mirrors/usb-disk" --trust "$demo/keys/eductl.pub" --stage junior
run "$eductl" --data "$mirrors/offline-school" mirror status
# Usage: a day of generated traffic on the imported books' blob paths, over a small test
# GeoIP database; then reports by province and subject and the HTML page.
perl tests/usage/make_geoip.pl "$demo/geo.mmdb"
"$eductl" --data "$data" --json catalog list | jq -r '.books[] | .publisher + "/" + .package_id' |
  while read -r book; do
    "$eductl" --data "$data" --json catalog show "$book" |
      jq -r '.files[] | select(.sha256 != "") | .sha256 | "/public/objects/\(.[0:2])/\(.[2:4])/\(.)"'
  done >"$demo/objects.txt"
build/tests/gen_access_log 200000 1 "$demo/objects.txt" | gzip >"$demo/access.log.gz"
run "$eductl" --data "$data" usage ingest --geoip "$demo/geo.mmdb" "$demo/access.log.gz"
run "$eductl" --data "$data" report --by province --top 10
run "$eductl" --data "$data" report --by subject,stage
run "$eductl" --data "$data" report --html "$demo/usage.html"
printf '\nThe catalogue and content store are in %s/; try: %s --data %s catalog list --stage junior\n' "$data" "$eductl" "$data"
printf 'Mirrors are in %s/ (province, school, usb-disk, offline-school); try: %s --data %s/province mirror status\n' "$mirrors" "$eductl" "$mirrors"
printf 'Usage figures are in %s/usage.sqlite; the HTML report is %s/usage.html\n' "$data" "$demo"
