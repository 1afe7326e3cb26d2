#!/usr/bin/env bash
# End-to-end test of `eductl transcode` on real, decodable lesson videos made with
# ffmpeg's lavfi sources, with a tiny test profile (--profiles) so it runs in seconds:
# 1. renditions land in the content store and the catalogue; rebuilt from the store, the
#    master playlist and each rendition play (ffprobe: H.264 + AAC, heights, duration);
# 2. a re-run skips the finished job and writes nothing;
# 3. kill -9 in the middle of a job: nothing is marked done; the next run removes the
#    stale work folder and finishes the job; an import meanwhile gets exit 5;
# 4. an input that does not decode fails its job (exit 1) with the log kept;
# 5. --dry-run prints ffmpeg commands; ffmpeg missing: exit 70 with the apt hint;
#    --json follows schemas/eductl.transcode-1.
# Usage: test_transcode.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
EDUCTL="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")
src=${3:-}
schema_check="$(dirname "$1")/tests/json_schema_check"
export LC_ALL=C.UTF-8
out="$tmp/out"
mkdir -p "$out"

need_ffmpeg

lesson_video 3 "$tmp/short.mp4"
cat >"$tmp/profiles.json" <<'JSON'
{"profiles": {"test": {"description": "tiny ladder for tests", "segment_seconds": 1, "preset": "ultrafast", "poster_at": 1,
  "renditions": [{"name": "180p", "height": 180, "video_kbps": 200, "audio_kbps": 32},
                 {"name": "120p", "height": 120, "video_kbps": 100, "audio_kbps": 32},
                 {"name": "audio", "audio_kbps": 32}]}}}
JSON
P=(--profiles "$tmp/profiles.json" --profile test)

# import PACKAGES_DIR DATA: the search packages with the given video in every lesson
import_with() {
  "$MAKE_FIXTURES" search "$tmp/pk-$2" --video "$1" >/dev/null
  "$EDUCTL" --data "$tmp/$2" import "$tmp/pk-$2"/* >/dev/null 2>&1
}

# ===== 1. renditions in the store, playable =====
import_with "$tmp/short.mp4" d1
d="$tmp/d1"
rc=0
"$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t1.json" 2>"$out/t1.err" || rc=$?
check "transcode: exit 0 (got $rc: $(head -c 300 "$out/t1.err"))" test "$rc" = 0
check "one job (the lessons share one video), done, 3 renditions" jq_true '
  .summary.done == 1 and .summary.failed == 0 and (.jobs | length) == 1 and .jobs[0].renditions == ["180p", "120p", "audio"]' \
  "$out/t1.json"
[[ -x "$schema_check" ]] && check "transcode --json follows eductl.transcode-1" "$schema_check" \
  "$src/schemas/eductl.transcode-1.schema.json" "$out/t1.json"
sha=$(sha256sum <"$tmp/short.mp4" | cut -d' ' -f1)
check "catalogue: job done, ffprobe facts recorded (320x240 h264/aac, 3 s)" test \
  "$(sqlite3 "$d/catalog.sqlite" "SELECT j.status || ' ' || f.width || 'x' || f.height || ' ' || f.video_codec || '/' || f.audio_codec || ' ' || CAST(round(f.duration) AS INT)
     FROM transcode_jobs j JOIN media_facts f ON f.sha256 = j.input_sha256 WHERE j.input_sha256 = '$sha'")" = "done 320x240 h264/aac 3"
# rebuild the rendition tree from the store, as a mirror would
tree="$tmp/tree"
missing=0
while IFS='|' read -r path blob size; do
  obj="$d/objects/${blob:0:2}/${blob:2:2}/$blob"
  [[ -f "$obj" && $(stat -c %s "$obj") == "$size" ]] || missing=$((missing + 1))
  mkdir -p "$(dirname "$tree/$path")"
  cp "$obj" "$tree/$path" 2>/dev/null || true
done < <(sqlite3 "$d/catalog.sqlite" "SELECT path, sha256, size FROM rendition_files WHERE input_sha256 = '$sha'")
check "every rendition file is a blob of the store ($missing missing)" test "$missing" = 0
check "master playlist, poster and segments recorded" test -s "$tree/master.m3u8" -a -s "$tree/poster.jpg" -a -s "$tree/180p/seg_00000.ts"
# probe FILE ENTRY: the values of ENTRY over the file's streams, sorted, one line
probe() { ffprobe -v error -show_entries "$2" -of default=nw=1:nk=1 "$1" 2>/dev/null | sort -u | tr '\n' ' '; }
check "180p plays: h264 + aac" test "$(probe "$tree/180p/index.m3u8" stream=codec_name)" = "aac h264 "
check "180p is 180 px high" eval '[[ "$(probe "$tree/180p/index.m3u8" stream=height)" == *180* ]]'
check "120p plays, 120 px high" eval '[[ "$(probe "$tree/120p/index.m3u8" stream=height)" == *120* ]]'
check "audio rendition: aac only" test "$(probe "$tree/audio/index.m3u8" stream=codec_name)" = "aac "
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tree/master.m3u8" 2>/dev/null || echo 0)
check "master playlist plays, about 3 s (got $dur)" awk -v d="$dur" 'BEGIN { exit !(d > 2.5 && d < 3.6) }'
check "poster is a JPEG" eval '[[ "$(probe "$tree/poster.jpg" stream=codec_name)" == "mjpeg " ]]'
"$EDUCTL" --data "$d" --json catalog show PEP/search-math-g8-lower >"$out/show.json" 2>/dev/null || true
check "catalog show lists the video's ffprobe facts and renditions" jq_true '
  any(.videos[]; .width == 320 and .height == 240 and .video_codec == "h264" and .audio_codec == "aac"
      and (.renditions | index("test/180p")) != null)' "$out/show.json"
check "no work folder left" test -z "$(ls "$d/tmp" | grep transcode- || true)"
gc_before=$(find "$d/objects" -type f | wc -l)
"$EDUCTL" --data "$d" store gc >/dev/null 2>&1 || true
check "store gc keeps the rendition blobs" test "$(find "$d/objects" -type f | wc -l)" = "$gc_before"

# ===== 2. re-run: skipped, nothing written =====
before=$(sqlite3 "$d/catalog.sqlite" "SELECT * FROM transcode_jobs; SELECT * FROM rendition_files;")
rc=0
"$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t2.json" 2>/dev/null || rc=$?
check "re-run: exit 0, the job skipped (got $rc)" jq_true '.summary.skipped == 1 and .summary.done == 0' "$out/t2.json"
check "re-run: jobs and renditions unchanged" test "$before" = \
  "$(sqlite3 "$d/catalog.sqlite" "SELECT * FROM transcode_jobs; SELECT * FROM rendition_files;")"

# ===== 3. kill -9 in the middle, then resume =====
lesson_video 20 "$tmp/long.mp4"
import_with "$tmp/long.mp4" d3
d="$tmp/d3"
"$EDUCTL" --data "$d" transcode "${P[@]}" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ -n "$(find "$d/tmp" -path '*transcode-*' -name '*.ts' 2>/dev/null | head -1)" ]] && break
  sleep 0.1
done
rc=0
"$EDUCTL" --data "$d" import "$tmp/pk-d3"/* >"$out/locked.txt" 2>&1 || rc=$?
check "an import while transcode runs: exit 5 naming transcode (got $rc)" \
  eval 'test "$rc" = 5 && grep -q transcode "$out/locked.txt"'
{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true  # quiet: bash would report "Killed"
sleep 0.3
check "after kill -9: the job is not done, no renditions recorded" test \
  "$(sqlite3 "$d/catalog.sqlite" "SELECT status FROM transcode_jobs; SELECT count(*) FROM rendition_files;" | tr '\n' ' ')" = "running 0 "
check "after kill -9: a work folder is left" test -n "$(ls "$d/tmp" | grep transcode- || true)"
rc=0
"$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t3.json" 2>/dev/null || rc=$?
check "resume: exit 0, job done, stale work folder removed (got $rc)" jq_true '
  .summary.done == 1 and .summary.stale_work_dirs_removed == 1' "$out/t3.json"
check "resume: attempts 2, status done, no work folder left" eval '
  test "$(sqlite3 "$d/catalog.sqlite" "SELECT status, attempts FROM transcode_jobs")" = "done|2" &&
  test -z "$(ls "$d/tmp" | grep transcode- || true)"'

# ===== 4. an input that does not decode =====
"$MAKE_FIXTURES" search "$tmp/pk-bad" >/dev/null   # fake MP4 bytes in every lesson
"$EDUCTL" --data "$tmp/d4" import "$tmp/pk-bad"/search-math-g8-lower >/dev/null 2>&1
rc=0
"$EDUCTL" --data "$tmp/d4" --json transcode "${P[@]}" >"$out/t4.json" 2>/dev/null || rc=$?
check "undecodable videos: exit 1, every job failed with 'does not decode' (got $rc)" eval '
  test "$rc" = 1 && jq -e ".summary.failed >= 1 and .summary.done == 0 and all(.jobs[]; .outcome == \"failed\" and (.message | contains(\"does not decode\")))" "$out/t4.json" >/dev/null'
check "the failed job's log is kept in the catalogue" test \
  "$(sqlite3 "$tmp/d4/catalog.sqlite" "SELECT count(*) FROM transcode_jobs WHERE status = 'failed' AND log <> ''")" -ge 1

# ===== 5. dry run, bad profiles, ffmpeg missing =====
rc=0
"$EDUCTL" --data "$tmp/d1" transcode --dry-run --profile remote >"$out/dry.txt" 2>&1 || rc=$?
check "--dry-run: exit 0, prints the ffmpeg commands of the remote profile" eval '
  test "$rc" = 0 && grep -q "ffmpeg .*-hls_time 10" "$out/dry.txt" && grep -q "planned" "$out/dry.txt"'
echo '{"profiles": {"x": {"renditions": [{"name": "big", "height": 99999, "video_kbps": 1}]}}}' >"$tmp/bad.json"
rc=0
"$EDUCTL" --data "$tmp/d1" transcode --profiles "$tmp/bad.json" --profile x >"$out/bad.txt" 2>&1 || rc=$?
check "a bad profiles file: exit 3 naming file and rendition (got $rc)" eval 'test "$rc" = 3 && grep -q "bad.json" "$out/bad.txt" && grep -q "big" "$out/bad.txt"'
rc=0
"$EDUCTL" --data "$tmp/d1" transcode --profile nosuch >"$out/nosuch.txt" 2>&1 || rc=$?
check "an unknown profile: exit 2 listing the known ones (got $rc)" eval 'test "$rc" = 2 && grep -q "standard" "$out/nosuch.txt"'
rc=0
PATH=/nonexistent "$EDUCTL" --data "$tmp/d1" transcode >"$out/noff.txt" 2>&1 || rc=$?
check "ffmpeg missing: exit 70 with the apt hint (got $rc)" eval 'test "$rc" = 70 && grep -q "apt-get install ffmpeg" "$out/noff.txt"'
finish
