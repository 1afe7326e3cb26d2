#!/usr/bin/env bash
# transcode_overhead.sh: what `eductl transcode` adds to the ffmpeg work it drives (probe,
# job rows, hashing and storing every segment, the catalogue transaction), measured
# against running the very same ffmpeg commands directly (taken from
# `eductl transcode --dry-run --json`).
#   --seconds S    length of the lesson video (lavfi testsrc2 + sine, 640x360, default 30)
#   --profile P    transcode profile (default remote)
#   --runs R       timed runs of each (default 3; median)
#   --workdir DIR --keep
# Needs build/eductl, build/tests/make_fixtures, ffmpeg, jq.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
seconds=30 profile=remote runs=3 workdir="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
need jq ffmpeg
need_eductl
make_workdir transcode
[[ $keep == 1 ]] || trap 'rm -rf "$workdir"' EXIT

say "making a ${seconds}s 640x360 lesson video and importing it"
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=640x360:rate=25" -f lavfi -i "sine=frequency=440" -t "$seconds" \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -shortest -y "$workdir/lesson.mp4"
"$MAKE_FIXTURES" search "$workdir/pk" --video "$workdir/lesson.mp4" >/dev/null
"$EDUCTL" -q --data "$workdir/base" import "$workdir/pk/search-math-g8-lower" >/dev/null
book=PEP/search-math-g8-lower
"$EDUCTL" --data "$workdir/base" --json transcode --book "$book" --profile "$profile" --dry-run >"$workdir/plan.json"
jq -e '.jobs | length == 1' "$workdir/plan.json" >/dev/null || die "expected one job in the plan"

# The direct run: the same argument vectors, in a fresh folder, plus the master playlist
# eductl writes itself (one printf).
direct="$workdir/direct.sh"
{
  echo 'set -e; rm -rf "$1"; mkdir -p "$1"; cd "$1"'
  jq -r '.jobs[0].commands[] | (if .rendition != "poster" then "mkdir -p \(.rendition)\n" else "" end) +
         ([.argv[] | @sh] | join(" ")) + " >/dev/null"' "$workdir/plan.json"
  echo "printf '#EXTM3U\\n' > master.m3u8"
} >"$direct"

prep_eductl="rm -rf '$workdir/run' && cp -a '$workdir/base' '$workdir/run'"
bench_time "$runs" "$workdir/t_eductl" "$prep_eductl" \
  "'$EDUCTL' -q --data '$workdir/run' transcode --book '$book' --profile '$profile'"
bench_time "$runs" "$workdir/t_direct" "" "bash '$direct' '$workdir/direct-out'"
te=$(cat "$workdir/t_eductl") td=$(cat "$workdir/t_direct")
echo
machine_line
echo "video: ${seconds}s 640x360 H.264/AAC; profile $profile ($(jq -r '[.jobs[0].commands[].rendition] | join(", ")' "$workdir/plan.json")); median of $runs runs ($(timer_name))"
printf '%-44s %8.2f s\n' "eductl transcode (one job)" "$te"
printf '%-44s %8.2f s\n' "the same ffmpeg commands, run directly" "$td"
echo "overhead: $(awk -v a="$te" -v b="$td" 'BEGIN { printf "%.1f", (a - b) / b * 100 }') % (goal < 2 %)"
