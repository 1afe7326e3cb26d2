#!/usr/bin/env bash
# Hostile inputs and failures for transcode, index and search, each refused with a
# documented exit code and, where it is refused, nothing written:
# T4. kill -9 of eductl during a transcode: no ffmpeg child outlives it; the child holds
#     no descriptor of eductl's;
# S1. a query of thousands of terms: duplicates count once, over the bounds exit 2 at once;
# S2. index.sqlite (or its -wal, or catalog.sqlite) a FIFO or a directory: search, index,
#     transcode and store gc exit 3 naming it, at once, nothing written;
# T1. a truncated video (ffmpeg exits 0, "partial file"): the job fails, its log kept;
# T2. a profile redefined under the same name is transcoded again; --force redoes;
# T3. disk full during a transcode (ffmpeg's output, or the store's staging): exit 70,
#     the job failed with its log (a small tmpfs; skipped without mount rights);
# Ctrl-C: the job goes back to pending, the line reads "interrupted  BOOK";
# validate --deep without ffmpeg: 70 with the apt hint, as transcode.
# Usage: test_hostile_media.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"
EDUCTL="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")
export LC_ALL=C.UTF-8
out="$tmp/out"
mkdir -p "$out"

need_ffmpeg

# import_with VIDEO DATA: the search packages with this video in every lesson
import_with() {
  "$MAKE_FIXTURES" search "$tmp/pk-$2" --video "$1" >/dev/null
  "$EDUCTL" --data "$tmp/$2" import "$tmp/pk-$2"/* >/dev/null 2>&1
}
# dump DIR: every regular file's hash, and every other entry (link target, FIFO, folder).
# A -shm file is SQLite's shared memory for WAL readers (read marks change on every
# read): listed with its size, not hashed.
dump() {
  (cd "$1" && find . -type f ! -name '*-shm' -print0 | sort -z | xargs -0 -r sha256sum &&
    find . \( ! -type f -o -name '*-shm' \) -printf '%y %p %s %l\n' | sort)
}
# alive PID: a process that is not a zombie
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
profile() {  # profile FILE NAME PRESET HEIGHT...: a one-segment-per-second ladder
  local file=$1 name=$2 preset=$3 r="" h
  shift 3
  for h in "$@"; do r+="${r:+, }{\"name\": \"${h}p\", \"height\": $h, \"video_kbps\": 300, \"audio_kbps\": 32}"; done
  printf '{"profiles": {"%s": {"segment_seconds": 1, "preset": "%s", "poster_at": 1, "renditions": [%s]}}}\n' \
    "$name" "$preset" "$r" >"$file"
}

lesson_video 3 "$tmp/short.mp4"
profile "$tmp/test.json" test ultrafast 180 120
P=(--profiles "$tmp/test.json" --profile test)

# ===== T4. kill -9 of eductl during a transcode =====
lesson_video 60 "$tmp/long.mp4"
import_with "$tmp/long.mp4" d4
profile "$tmp/slow.json" slow veryslow 240
"$EDUCTL" --data "$tmp/d4" transcode --profiles "$tmp/slow.json" --profile slow >/dev/null 2>&1 &
pid=$!
ff=""
for _ in $(seq 300); do
  ff=$(pgrep -P "$pid" -x ffmpeg | head -1 || true)
  [[ -n "$ff" ]] && break
  sleep 0.05
done
check "T4: transcode runs an ffmpeg child" test -n "$ff"
if [[ -n "$ff" ]]; then
  stray=""
  for fd in /proc/"$ff"/fd/*; do
    n=${fd##*/}
    ((n > 2)) || continue
    target=$(readlink "$fd" || true)
    case $target in pipe:* | socket:* | *.sqlite* | */lock) stray+="$n->$target " ;; esac
  done
  check "T4: the ffmpeg child holds no pipe, socket, database or lock of eductl's [$stray]" test -z "$stray"
  { kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true
  gone=no
  for _ in $(seq 20); do
    alive "$ff" || { gone=yes; break; }
    sleep 0.1
  done
  check "T4: kill -9 of eductl: its ffmpeg child is gone within 2 s" test "$gone" = yes
  alive "$ff" && kill -9 "$ff" 2>/dev/null
fi

# ===== S1 and S2: a search index =====
import_with "$tmp/short.mp4" ds
ds="$tmp/ds"
"$EDUCTL" --data "$ds" index >/dev/null 2>&1
check "setup: index built" test -s "$ds/index.sqlite"
"$EDUCTL" --data "$ds" search 勾股 >/dev/null 2>&1  # a reader's WAL files, as every search leaves them
before=$(dump "$ds")
check "setup: dump of the data folder is not empty" test -n "$before"

# ===== S1. quadratic query cost =====
many=$(for i in $(seq 14000); do printf 'w%d ' "$i"; done)
rc code timeout -k 2 10 "$EDUCTL" --data "$ds" search "$many" >"$out/s1.txt" 2>"$out/s1.err"
check "S1: 14,000 terms: exit 2 at once, naming the byte bound (got $code: $(head -c 200 "$out/s1.err"))" \
  eval 'test "$code" = 2 && grep -q "bytes" "$out/s1.err" && grep -q 1024 "$out/s1.err"'
terms=$(for i in $(seq 33); do printf 'w%d ' "$i"; done)
rc code "$EDUCTL" --data "$ds" search "$terms" >"$out/s1b.txt" 2>"$out/s1b.err"
check "S1: 33 different terms: exit 2 naming the bound of 32 (got $code: $(head -c 200 "$out/s1b.err"))" \
  eval 'test "$code" = 2 && grep -q "32 different terms" "$out/s1b.err"'
same=$(for _ in $(seq 300); do printf '勾股 '; done)  # 2,100 bytes: over the byte bound
rc code "$EDUCTL" --data "$ds" search "$same" >/dev/null 2>&1
check "S1: 300 copies of a word over 1,024 bytes: exit 2 (got $code)" test "$code" = 2
same=$(for _ in $(seq 120); do printf '勾股 '; done)  # 840 bytes, one term
start=$(date +%s%N)
rc code "$EDUCTL" --data "$ds" --json search "$same" >"$out/s1c.json" 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
"$EDUCTL" --data "$ds" --json search 勾股 >"$out/s1d.json" 2>/dev/null || true
check "S1: 120 copies of one word count once: exit 0, the hits of the word alone, in $ms ms" eval '
  test "$code" = 0 && jq_true ".count > 0" "$out/s1d.json" &&
  test "$(jq -c "[.results[].snippet]" "$out/s1c.json")" = "$(jq -c "[.results[].snippet]" "$out/s1d.json")" && test "$ms" -lt 3000'

# ===== S2. a FIFO or a folder where a database should be =====
idx="$ds/index.sqlite"
mv "$idx" "$tmp/index.sqlite.keep"
mkfifo "$idx"
for cmd in search index; do
  args=(search 勾股)
  [[ $cmd == index ]] && args=(index)
  rc code timeout -k 2 10 "$EDUCTL" --data "$ds" "${args[@]}" >"$out/s2.txt" 2>"$out/s2.err"
  check "S2: index.sqlite a FIFO: $cmd exits 3 at once naming it (got $code: $(head -c 200 "$out/s2.err"))" \
    eval 'test "$code" = 3 && grep -q "index.sqlite" "$out/s2.err" && grep -q FIFO "$out/s2.err"'
done
rm "$idx"
mkdir "$idx"
for cmd in search index; do
  args=(search 勾股)
  [[ $cmd == index ]] && args=(index)
  rc code timeout -k 2 10 "$EDUCTL" --data "$ds" "${args[@]}" >"$out/s2.txt" 2>"$out/s2.err"
  check "S2: index.sqlite a folder: $cmd exits 3 naming it (got $code: $(head -c 200 "$out/s2.err"))" \
    eval 'test "$code" = 3 && grep -q "index.sqlite.*is a directory" "$out/s2.err"'
done
rmdir "$idx"
mv "$tmp/index.sqlite.keep" "$idx"
had_wal=no
[[ -e "$idx-wal" ]] && { mv "$idx-wal" "$tmp/wal.keep"; had_wal=yes; }
mkfifo "$idx-wal"
rc code timeout -k 2 10 "$EDUCTL" --data "$ds" search 勾股 >"$out/s2.txt" 2>"$out/s2.err"
check "S2: index.sqlite-wal a FIFO: search exits 3 naming it (got $code)" \
  eval 'test "$code" = 3 && grep -q "index.sqlite-wal" "$out/s2.err"'
rm "$idx-wal"
[[ $had_wal == yes ]] && mv "$tmp/wal.keep" "$idx-wal"
mv "$ds/catalog.sqlite" "$tmp/catalog.sqlite.keep"
mkfifo "$ds/catalog.sqlite"
for args in "index" "transcode ${P[*]}" "store gc"; do
  # shellcheck disable=SC2086  # word splitting wanted: the command and its options
  rc code timeout -k 2 10 "$EDUCTL" --data "$ds" $args >"$out/s2.txt" 2>"$out/s2.err"
  check "S2: catalog.sqlite a FIFO: $args exits 3 at once naming it (got $code: $(head -c 200 "$out/s2.err"))" \
    eval 'test "$code" = 3 && grep -q "catalog.sqlite" "$out/s2.err" && grep -q FIFO "$out/s2.err"'
done
rm "$ds/catalog.sqlite"
mv "$tmp/catalog.sqlite.keep" "$ds/catalog.sqlite"
after=$(dump "$ds")
check "S1, S2: nothing written in the data folder $(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')" \
  test "$before" = "$after"

# ===== T1. a truncated video =====
lesson_video 20 "$tmp/full.mp4" -movflags +faststart
size=$(stat -c %s "$tmp/full.mp4")
head -c $((size / 2)) "$tmp/full.mp4" >"$tmp/trunc.mp4"
import_with "$tmp/trunc.mp4" d1
d="$tmp/d1"
rc code "$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t1.json" 2>"$out/t1.err"
check "T1: truncated video: exit 1, the job failed saying it came out short (got $code)" eval '
  test "$code" = 1 && jq_true ".summary.failed == 1 and .summary.done == 0 and (.jobs[0].message | contains(\"truncated\"))" "$out/t1.json"'
check "T1: the catalogue keeps the log, no rendition recorded" test \
  "$(sqlite3 "$d/catalog.sqlite" "SELECT status, log LIKE '%truncated%' FROM transcode_jobs; SELECT count(*) FROM rendition_files;" | tr '\n' ' ')" = "failed|1 0 "

# ===== T2. a profile redefined under the same name =====
import_with "$tmp/short.mp4" d2
d="$tmp/d2"
rc code "$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t2a.json" 2>/dev/null
check "T2: first run done with 180p,120p (got $code)" jq_true '.summary.done == 1 and .jobs[0].renditions == ["180p", "120p"]' "$out/t2a.json"
profile "$tmp/test.json" test ultrafast 144
rc code "$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t2b.json" 2>/dev/null
check "T2: the profile redefined: the job is done again with its new ladder (got $code)" \
  jq_true '.summary.done == 1 and .summary.skipped == 0 and .jobs[0].renditions == ["144p"]' "$out/t2b.json"
check "T2: the catalogue holds only the new ladder's renditions" test \
  "$(sqlite3 "$d/catalog.sqlite" "SELECT DISTINCT rendition FROM rendition_files ORDER BY 1" | tr '\n' ' ')" = "144p master poster "
rc code "$EDUCTL" --data "$d" --json transcode "${P[@]}" >"$out/t2c.json" 2>/dev/null
check "T2: unchanged profile: skipped (got $code)" jq_true '.summary.skipped == 1 and .summary.done == 0' "$out/t2c.json"
rc code "$EDUCTL" --data "$d" --json transcode --force "${P[@]}" >"$out/t2d.json" 2>/dev/null
check "T2: --force redoes it (got $code)" jq_true '.summary.done == 1 and .summary.skipped == 0' "$out/t2d.json"
profile "$tmp/test.json" test ultrafast 180 120

# ===== T3. disk full =====
# mount_small DIR KIB: a tmpfs of that size (root only); unmounted at exit
mounts=()
unmount_all() { local m; for m in ${mounts[@]+"${mounts[@]}"}; do umount "$m" 2>/dev/null || true; done; }
_cleanup_hooks+=(unmount_all)
mount_small() { mkdir -p "$1" && mount -t tmpfs -o "size=$2k" tmpfs "$1" 2>/dev/null && mounts+=("$1"); }
# disk_full NAME KIB_OF_ROOM VIDEO: the video imported on a tmpfs with that much room left
disk_full() {
  local dir="$tmp/$1" used
  mount_small "$dir-probe" 65536 || return 1
  "$MAKE_FIXTURES" search "$tmp/pk-$1" --video "$3" >/dev/null
  "$EDUCTL" --data "$dir-probe/data" import "$tmp/pk-$1"/* >/dev/null 2>&1
  used=$(du -sk "$dir-probe" | cut -f1)
  mount_small "$dir" $((used + $2)) || return 1
  cp -a "$dir-probe/data" "$dir/data"
}
if [[ $(id -u) == 0 ]] && mount_small "$tmp/mount-check" 64; then
  # a heavy rendition: 240p at 3 Mbit/s
  profile "$tmp/big.json" big ultrafast 240
  sed -i 's/"video_kbps": 300/"video_kbps": 3000/' "$tmp/big.json"
    # an audio-only input at 512 kbit/s: no poster, about 200 KiB of segments
  ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440" -t 3 -c:a aac -y "$tmp/sound.mp4"
  printf '{"profiles": {"sound": {"segment_seconds": 1, "renditions": [{"name": "audio", "audio_kbps": 512}]}}}\n' >"$tmp/sound.json"
  # video outputs of about 500 KiB: 200 KiB of room stops ffmpeg (the poster says so);
  # 750 KiB lets ffmpeg finish and stops the copies into the store's staging folder;
  # 100 KiB stops the audio-only HLS muxer, which then exits 0 without a word
  for case in "ffmpeg 200 short big" "staging 750 short big" "hls 100 sound sound"; do
    read -r name room input prof <<<"$case"
    if disk_full "full-$name" "$room" "$tmp/$input.mp4"; then
      d="$tmp/full-$name/data"
      rc code "$EDUCTL" --data "$d" --json transcode --profiles "$tmp/$prof.json" --profile "$prof" >"$out/t3.json" 2>"$out/t3.err"
      check "T3: disk full ($name, $room KiB free): exit 70, the job failed (got $code: $(jq -c '.jobs[0].message' "$out/t3.json" 2>/dev/null | head -c 200))" \
        eval 'test "$code" = 70 && jq_true ".summary.failed == 1 and .summary.done == 0 and (.jobs[0].message | test(\"No space left on device|the disk is full\"))" "$out/t3.json"'
      check "T3: disk full ($name): the catalogue marks the job failed, with its log" test \
        "$(sqlite3 "$d/catalog.sqlite" "SELECT status, log <> '' FROM transcode_jobs" 2>&1)" = "failed|1"
    else
      fail "T3: cannot set up a $room KiB tmpfs"
    fi
  done
else
  echo "SKIP T3: disk full needs root to mount a small tmpfs"
fi

# ===== Ctrl-C: back to pending, a well-formed line =====
import_with "$tmp/long.mp4" di
"$EDUCTL" --data "$tmp/di" transcode --profiles "$tmp/slow.json" --profile slow >"$out/int.txt" 2>/dev/null &
pid=$!
for _ in $(seq 300); do
  [[ -n "$(pgrep -P "$pid" -x ffmpeg || true)" ]] && break
  sleep 0.05
done
kill -INT "$pid"
rc code wait "$pid"
check "Ctrl-C: exit 130 (got $code)" test "$code" = 130
check "Ctrl-C: the job is back to pending" test "$(sqlite3 "$tmp/di/catalog.sqlite" "SELECT status FROM transcode_jobs")" = pending
check "Ctrl-C: 'interrupted' and the book are apart: $(head -1 "$out/int.txt")" grep -q '^interrupted \+PEP/' "$out/int.txt"

# ===== validate --deep without ffmpeg =====
rc code env PATH=/nonexistent "$EDUCTL" validate --deep "$tmp/pk-d2"/* >"$out/deep.txt" 2>&1
check "validate --deep without ffmpeg: exit 70 with the apt hint, as transcode (got $code)" \
  eval 'test "$code" = 70 && grep -q "apt-get install ffmpeg" "$out/deep.txt"'
finish
