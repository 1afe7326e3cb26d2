#!/usr/bin/env bash
# eductl import vs cp -r: how close does importing a batch (validate, hash, write every file
# into the content store with fsync, one catalogue transaction per package) come to just
# copying it? Builds a batch of >= N GiB of valid packages (unpacked folders and .tar), warms
# the page cache, then times, each into a fresh folder on the same filesystem:
#   eductl --data D import --jobs $(nproc) BATCH
#   cp -r BATCH D2                (no fsync: the data may still be in the page cache)
#   cp -r BATCH D2 && sync        (second baseline: the bytes are on disk, as with eductl)
# and, on the imported data folder, the same import again (every package unchanged),
# counting the bytes it writes (/proc/PID/io wchar of the run, stdout to /dev/null).
# Goals: eductl throughput >= 0.8 x cp -r; an unchanged re-run writes < 1% of the batch.
#
#   bench/import_vs_cp.sh [--size-gib N] [--packages K] [--runs R] [--workdir DIR] [--keep]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

parse_batch_args "$@"
need_eductl
need jq sha256sum xargs tar cp sync

make_workdir import
batch="$workdir/batch" res="$workdir/results" data="$workdir/eductl-data" copy="$workdir/cp-copy"
cleanup() {
  if [[ $keep == 1 ]]; then say "kept $workdir"; return; fi
  rm -rf "${batch:?}" "${res:?}" "${data:?}" "${copy:?}"
  rmdir "$workdir" 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$res"

say "building a $size_gib GiB batch of $packages packages in $batch"
"$BENCH_DIR/lib/make_batch.sh" --out "$batch" --size-gib "$size_gib" --packages "$packages" --formats dir,tar 2>"$res/make_batch.log"
find "$batch" -type f -print0 | sort -z >"$res/files"
nfiles=$(tr -cd '\0' <"$res/files" | wc -c)
bytes=$(bytes_of_list "$res/files")
say "batch: $packages packages, $nfiles files, $bytes bytes; warming the page cache"
warm_cache "$res/files"
sync

q() { printf '%q' "$1"; }
fresh_data="rm -rf $(q "$data"); sync"
fresh_copy="rm -rf $(q "$copy"); sync"
import_cmd="$(q "$EDUCTL") --data $(q "$data") -q import --jobs $NPROC $(q "$batch") >/dev/null"

# Untimed check: the whole batch must import (exit 0), else the timing means nothing.
bash -c "$fresh_data"
"$EDUCTL" --data "$data" --json import --jobs "$NPROC" "$batch" >"$res/import.json" ||
  die "import of the batch failed: $(jq -c '.summary? // .' "$res/import.json" 2>/dev/null | head -c 400)"
store_bytes=$(du -sb "$data" | cut -f1)

say "timing eductl import ($runs runs, fresh data folder each)"
bench_time "$runs" "$res/t_import" "$fresh_data" "$import_cmd"
say "timing cp -r ($runs runs)"
bench_time "$runs" "$res/t_cp" "$fresh_copy" "cp -r $(q "$batch") $(q "$copy")"
say "timing cp -r && sync ($runs runs)"
bench_time "$runs" "$res/t_cpsync" "$fresh_copy" "cp -r $(q "$batch") $(q "$copy") && sync"
bash -c "$fresh_data"
peak_rss_kib "$res/rss" "$import_cmd"
say "timing the unchanged re-run ($runs runs) and counting what it writes"
bench_time "$runs" "$res/t_again" "" "$import_cmd"
again_written=$(bash -c "$import_cmd; grep '^wchar' /proc/\$\$/io" | awk '{print $2}')

t_i=$(cat "$res/t_import") t_c=$(cat "$res/t_cp") t_cs=$(cat "$res/t_cpsync") rss=$(cat "$res/rss") t_a=$(cat "$res/t_again")
m_i=$(mbps "$bytes" "$t_i") m_c=$(mbps "$bytes" "$t_c") m_cs=$(mbps "$bytes" "$t_cs")
echo "$(machine_line)"
echo "filesystem: $(df -hT "$workdir" | awk 'NR == 2 {print $1 " " $2 ", " $3 " total, " $5 " free"}')"
echo "batch: $packages packages (folders and .tar), $nfiles files, $bytes bytes ($(gib "$bytes") GiB), page cache warm; data folder after import: $store_bytes bytes"
echo "median of $runs runs ($(timer_name)), each into a fresh folder"
echo "note: eductl fsyncs every blob and the catalogue; cp -r does not (its data may still be in the page cache), so cp -r && sync is the like-for-like baseline"
result_row "eductl import --jobs $NPROC" "$t_i" "$m_i"
result_row "cp -r" "$t_c" "$m_c"
result_row "cp -r && sync" "$t_cs" "$m_cs"
echo "eductl import peak RSS: $rss KiB"
echo "ratio eductl/cp: $(ratio "$m_i" "$m_c") (goal >= 0.8)"
echo "ratio eductl/(cp+sync): $(ratio "$m_i" "$m_cs")"
echo "unchanged re-run: ${t_a}s, wrote $again_written bytes = $(awk -v w="$again_written" -v b="$bytes" 'BEGIN { printf "%.4f", 100 * w / b }')% of the batch (goal < 1%)"
