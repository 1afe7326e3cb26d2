#!/usr/bin/env bash
# eductl validate vs sha256sum: how close does validating a batch come to just hashing its
# bytes? Builds a batch of >= N GiB of valid packages (unpacked folders, .tar, stored .zip;
# large random "videos" and a small PDF each), warms the page cache, then times
#   eductl validate --jobs $(nproc) BATCH
#   sha256sum FILES...                         (single-threaded, the classic baseline)
#   xargs -0 -P$(nproc) -n1 sha256sum          (parallel baseline, same cores as eductl)
#   xargs -0 -P$(nproc) -n1 openssl dgst -sha256  (the physical limit: OpenSSL's SHA-256,
#                                               SHA-NI where the CPU has it, on every core)
# over exactly the files that hold the batch's bytes (archives + the folders' files).
# Goals: eductl throughput >= 0.9 x sha256sum, and >= 0.8 x the openssl limit.
#
#   bench/validate_vs_sha256sum.sh [--size-gib N] [--packages K] [--runs R] [--workdir DIR] [--keep]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

parse_batch_args "$@"
need_eductl
need jq sha256sum xargs tar zip openssl

make_workdir validate
cleanup() { [[ $keep == 1 ]] && say "kept $workdir" || rm -rf "${workdir:?}/batch" "${workdir:?}/results"; [[ $keep == 1 ]] || rmdir "$workdir" 2>/dev/null || true; }
trap cleanup EXIT

batch="$workdir/batch" res="$workdir/results"
mkdir -p "$res"
say "building a $size_gib GiB batch of $packages packages in $batch"
"$BENCH_DIR/lib/make_batch.sh" --out "$batch" --size-gib "$size_gib" --packages "$packages" --formats dir,tar,zip 2>"$res/make_batch.log"

find "$batch" -type f -print0 | sort -z >"$res/files"
nfiles=$(tr -cd '\0' <"$res/files" | wc -c)
bytes=$(bytes_of_list "$res/files")
say "batch: $packages packages, $nfiles files, $bytes bytes; warming the page cache"
warm_cache "$res/files"

# Untimed check: every package must be valid, or the comparison means nothing.
"$EDUCTL" --json validate --jobs "$NPROC" "$batch" >"$res/validate.json" || true
jq -e '.summary.invalid == 0 and .summary.unreadable == 0' "$res/validate.json" >/dev/null ||
  die "the batch is not all valid: $(jq -c .summary "$res/validate.json")"

q() { printf '%q' "$1"; }
say "timing eductl validate ($runs runs)"
bench_time "$runs" "$res/t_eductl" "" "$(q "$EDUCTL") -q validate --jobs $NPROC $(q "$batch") >/dev/null"
say "timing sha256sum ($runs runs)"
bench_time "$runs" "$res/t_sha" "" "xargs -0 sha256sum <$(q "$res/files") >/dev/null"
say "timing xargs -P$NPROC sha256sum ($runs runs)"
bench_time "$runs" "$res/t_psha" "" "xargs -0 -P$NPROC -n1 sha256sum <$(q "$res/files") >/dev/null"
say "timing xargs -P$NPROC openssl dgst -sha256 ($runs runs)"
bench_time "$runs" "$res/t_ossl" "" "xargs -0 -P$NPROC -n1 openssl dgst -sha256 <$(q "$res/files") >/dev/null"
peak_rss_kib "$res/rss" "$(q "$EDUCTL") -q validate --jobs $NPROC $(q "$batch")"

t_e=$(cat "$res/t_eductl") t_s=$(cat "$res/t_sha") t_p=$(cat "$res/t_psha") t_o=$(cat "$res/t_ossl") rss=$(cat "$res/rss")
m_e=$(mbps "$bytes" "$t_e") m_s=$(mbps "$bytes" "$t_s") m_p=$(mbps "$bytes" "$t_p") m_o=$(mbps "$bytes" "$t_o")
echo "$(machine_line)"
echo "batch: $packages packages (folders, .tar, stored .zip), $nfiles files, $bytes bytes ($(gib "$bytes") GiB), page cache warm"
echo "median of $runs runs ($(timer_name))"
result_row "eductl validate --jobs $NPROC" "$t_e" "$m_e"
result_row "sha256sum (1 process)" "$t_s" "$m_s"
result_row "xargs -P$NPROC -n1 sha256sum" "$t_p" "$m_p"
result_row "xargs -P$NPROC -n1 openssl dgst -sha256" "$t_o" "$m_o"
echo "eductl validate peak RSS: $rss KiB"
echo "ratio eductl/sha256sum: $(ratio "$m_e" "$m_s") (goal >= 0.9)"
echo "ratio eductl/parallel-sha256sum: $(ratio "$m_e" "$m_p")"
echo "ratio eductl/openssl-limit: $(ratio "$m_e" "$m_o") (goal >= 0.8)"
