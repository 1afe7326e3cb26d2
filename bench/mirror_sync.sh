#!/usr/bin/env bash
# eductl mirror sync against the tools a provincial IT admin would otherwise use, on
# synthetic published trees (bench/lib/make_tree.py: random, incompressible blobs) served
# by a real nginx on 127.0.0.1. Prints each figure and the ratio against its goal:
#   A. no-change sync of a tree of --blobs blobs vs `rsync -a` of the same tree from an
#      rsync daemon on loopback (goal: not slower; and one HTTP request); then 1% of the
#      books changed: bytes transferred vs (new blob bytes + changed parts) (goal <= 1.05,
#      the signed index itself reported beside it);
#   B. through a proxy adding --delay-ms latency per request: a full sync of
#      --latency-blobs small blobs vs `wget --mirror` of the same tree (nginx autoindex on)
#      (goal >= 10x faster);
#   C. --large-gib GiB of large blobs over loopback: eductl sync vs `wget --mirror && sync`
#      (goal >= 1.0x); a --resume-gib GiB blob cut at half (kill -9) resumes with <= 55% of
#      it transferred again; `mirror export` and `mirror sync DIR` vs `cp -r && sync` of
#      the same bytes (goal >= 0.8x).
#
#   bench/mirror_sync.sh [--blobs N] [--blob-kib K] [--latency-blobs N] [--delay-ms MS]
#                        [--large-gib G] [--resume-gib G] [--runs R] [--only A|B|C] [--keep]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
blobs=20000 blob_kib=100 latency_blobs=2000 delay_ms=50 large_gib=2 resume_gib=1 runs=3 only="" keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --blobs) blobs=$2; shift 2 ;;
    --blob-kib) blob_kib=$2; shift 2 ;;
    --latency-blobs) latency_blobs=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --large-gib) large_gib=$2; shift 2 ;;
    --resume-gib) resume_gib=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) die "unknown option $1" ;;
  esac
done
need_eductl
need jq python3 rsync wget nginx curl
# tests/e2e/lib.sh gives the temp folder and cleanup hooks; lib_http.sh the servers.
source "$PROJECT_DIR/tests/e2e/lib.sh"
source "$PROJECT_DIR/tests/e2e/lib_http.sh"
[[ $keep == 1 ]] && trap 'say "kept $tmp"; _stop_servers' EXIT
W=$tmp
"$EDUCTL" mirror keygen --out "$W/keys" --no-password >/dev/null
sign() { "$EDUCTL" mirror sign "$1/index.json" --key "$W/keys/eductl.key" >/dev/null; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
results=()
report() { results+=("$1"); echo "$1"; }
machine_line

# median of RUNS timings of a command (bash string), PREPARE before each
median_of() {
  local prepare=$1 cmd=$2 i t0 ts=()
  for ((i = 0; i < runs; i++)); do
    [[ -n $prepare ]] && bash -c "$prepare"
    t0=$(now)
    bash -c "$cmd" >/dev/null 2>&1 || die "failed: $cmd"
    ts+=("$(elapsed "$t0")")
  done
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

if [[ -z $only || $only == A ]]; then
  books=$((blobs / 10))
  say "A: a tree of $books books x 10 blobs of $blob_kib KiB"
  python3 "$BENCH_DIR/lib/make_tree.py" --out "$W/a1" --books "$books" --blobs-per-book 10 --blob-size $((blob_kib * 1024)) >"$W/a1.json"
  sign "$W/a1"
  mkdir -p "$W/served"
  cp -al "$W/a1/." "$W/served/"
  start_nginx "$W/served"
  cat >"$W/rsyncd.conf" <<CONF
use chroot = no
[tree]
  path = $W/served
  read only = yes
CONF
  rport=$(free_port)
  rsync --daemon --no-detach --config="$W/rsyncd.conf" --port="$rport" --address=127.0.0.1 &
  _servers+=($!)
  wait_port "$rport"
  say "A: initial copies (untimed)"
  "$EDUCTL" --data "$W/ma" mirror sync "$nginx_url" --trust "$W/keys/eductl.pub" -q --json >"$W/a-first.json"
  rsync -a "rsync://127.0.0.1:$rport/tree/" "$W/ra/"
  t_e=$(median_of "" "$(printf '%q' "$EDUCTL") --data $(printf '%q' "$W/ma") mirror sync $nginx_url -q")
  t_r=$(median_of "" "rsync -a rsync://127.0.0.1:$rport/tree/ $(printf '%q' "$W/ra/")")
  before=$(nginx_requests)
  "$EDUCTL" --data "$W/ma" mirror sync "$nginx_url" --json >"$W/a-nochange.json"
  reqs=$(($(nginx_requests) - before))
  report "A no-change sync of $blobs blobs: eductl ${t_e}s, rsync -a ${t_r}s, ratio rsync/eductl $(ratio "$t_r" "$t_e") (goal >= 1.0); HTTP requests: $reqs (goal 1)"
  say "A: 1% of the books changed"
  python3 "$BENCH_DIR/lib/make_tree.py" --out "$W/a2" --books "$books" --blobs-per-book 10 --blob-size $((blob_kib * 1024)) \
    --from "$W/a1" --change-percent 1 --seed 2 --version $(($(jq .version "$W/a1/index.json") + 1)) >"$W/a2.json"
  sign "$W/a2"
  rm -rf "$W/served" && mkdir -p "$W/served" && cp -al "$W/a2/." "$W/served/"
  "$EDUCTL" --data "$W/ma" mirror sync "$nginx_url" --json >"$W/a-delta.json"
  need_bytes=$(jq '.new_blob_bytes + .changed_part_bytes' "$W/a2.json")
  got=$(jq '.bytes_transferred' "$W/a-delta.json")
  idx=$(($(stat -c %s "$W/a2/index.json") + $(stat -c %s "$W/a2/index.json.minisig")))
  report "A delta (1% of books): transferred $got bytes for $need_bytes bytes of new blobs and changed parts: ratio $(ratio "$got" "$need_bytes") (goal <= 1.05), of which the signed index is $idx bytes; without it $(ratio $((got - idx)) "$need_bytes")"
  _stop_servers; _servers=()
  rm -rf "$W/a1" "$W/a2" "$W/served" "$W/ma" "$W/ra"
fi

if [[ -z $only || $only == B ]]; then
  books=$((latency_blobs / 10))
  say "B: $latency_blobs blobs of 4 KiB behind ${delay_ms} ms of latency per request"
  python3 "$BENCH_DIR/lib/make_tree.py" --out "$W/b" --books "$books" --blobs-per-book 10 --blob-size 4096 >/dev/null
  sign "$W/b"
  start_nginx "$W/b" "autoindex on;"
  pport=$(free_port)
  python3 "$PROJECT_DIR/tests/e2e/fault_proxy.py" --listen "$pport" --upstream "$nginx_port" --delay "$delay_ms" &
  _servers+=($!)
  wait_port "$pport"
  purl="http://127.0.0.1:$pport/"
  t0=$(now)
  "$EDUCTL" --data "$W/mb" mirror sync "$purl" --trust "$W/keys/eductl.pub" -q
  t_e=$(elapsed "$t0")
  t0=$(now)
  "$EDUCTL" --data "$W/mb32" mirror sync "$purl" --trust "$W/keys/eductl.pub" --jobs 32 -q
  t_e32=$(elapsed "$t0")
  t0=$(now)
  (cd "$W" && mkdir -p wb && cd wb && wget -q --mirror --no-parent -nH -e robots=off "$purl" || true)
  t_w=$(elapsed "$t0")
  nw=$(find "$W/wb/objects" -type f -regextype egrep -regex '.*/[0-9a-f]{64}' | wc -l)
  report "B full sync of $latency_blobs small blobs at ${delay_ms} ms latency: eductl ${t_e}s (--jobs 8), ${t_e32}s (--jobs 32); wget --mirror ${t_w}s ($nw blobs); ratio wget/eductl $(ratio "$t_w" "$t_e") and $(ratio "$t_w" "$t_e32") (goal >= 10)"
  _stop_servers; _servers=()
  rm -rf "$W/b" "$W/mb" "$W/mb32" "$W/wb"
fi

if [[ -z $only || $only == C ]]; then
  per=$((256 * 1024 * 1024))
  count=$((large_gib * 4))
  say "C: $count blobs of 256 MiB ($large_gib GiB)"
  python3 "$BENCH_DIR/lib/make_tree.py" --out "$W/c" --books "$count" --blobs-per-book 1 --blob-size "$per" >/dev/null
  sign "$W/c"
  start_nginx "$W/c" "autoindex on;"
  bytes=$((count * per))
  find "$W/c" -type f -print0 >"$W/c.files" && warm_cache "$W/c.files"
  t0=$(now)
  "$EDUCTL" --data "$W/mc" mirror sync "$nginx_url" --trust "$W/keys/eductl.pub" -q && sync
  t_e=$(elapsed "$t0")
  t0=$(now)
  (mkdir -p "$W/wc" && cd "$W/wc" && wget -q --mirror --no-parent -nH -e robots=off "$nginx_url" || true) && sync
  t_w=$(elapsed "$t0")
  report "C sync of $large_gib GiB in large blobs: eductl ${t_e}s ($(mbps "$bytes" "$t_e") MB/s, verified and durable), wget --mirror && sync ${t_w}s ($(mbps "$bytes" "$t_w") MB/s); ratio wget/eductl $(ratio "$t_w" "$t_e") (goal >= 1.0)"
  rm -rf "$W/wc"
  t0=$(now)
  "$EDUCTL" --data "$W/mc" -q mirror export "$W/usb"
  t_x=$(elapsed "$t0")
  t0=$(now)
  cp -rL "$W/mc/public" "$W/cpx" && sync
  t_cx=$(elapsed "$t0")
  report "C export of $large_gib GiB: eductl ${t_x}s, cp -r && sync ${t_cx}s; ratio cp/eductl $(ratio "$t_cx" "$t_x") (goal >= 0.8)"
  rm -rf "$W/cpx"
  t0=$(now)
  "$EDUCTL" --data "$W/md" -q mirror sync "$W/usb" --trust "$W/keys/eductl.pub"
  t_d=$(elapsed "$t0")
  t0=$(now)
  cp -r "$W/usb" "$W/cpd" && sync
  t_cd=$(elapsed "$t0")
  report "C sync DIR of $large_gib GiB: eductl ${t_d}s, cp -r && sync ${t_cd}s; ratio cp/eductl $(ratio "$t_cd" "$t_d") (goal >= 0.8)"
  rm -rf "$W/cpd" "$W/md" "$W/usb" "$W/mc"
  _stop_servers; _servers=()
  rm -rf "$W/c"

  say "C: one blob of $resume_gib GiB, cut at half"
  python3 "$BENCH_DIR/lib/make_tree.py" --out "$W/r" --books 1 --blobs-per-book 1 --blob-size $((resume_gib * 1024 * 1024 * 1024)) >/dev/null
  sign "$W/r"
  start_nginx "$W/r"
  big=$((resume_gib * 1024 * 1024 * 1024))
  "$EDUCTL" --data "$W/mr" mirror sync "$nginx_url" --trust "$W/keys/eductl.pub" --limit-rate 200M -q &
  pid=$!
  for _ in $(seq 1 600); do
    f=$(find "$W/mr/tmp" -name 'dl-*' ! -name '*.etag' 2>/dev/null | head -n1 || true)
    [[ -n $f && $(stat -c %s "$f" 2>/dev/null || echo 0) -ge $((big / 2)) ]] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  have=$(stat -c %s "$f" 2>/dev/null || echo 0)
  "$EDUCTL" --data "$W/mr" mirror sync "$nginx_url" --trust "$W/keys/eductl.pub" --json >"$W/resume.json"
  again=$(jq '.bytes_transferred' "$W/resume.json")
  report "C resume of a $resume_gib GiB blob killed at $((have * 100 / big))%: transferred again $again bytes = $(awk -v a="$again" -v b="$big" 'BEGIN{printf "%.1f", a*100/b}')% (goal <= 55%)"
  _stop_servers; _servers=()
fi
echo
printf '%s\n' "${results[@]}"
