#!/usr/bin/env bash
# eductl usage ingest vs GoAccess (Debian goaccess, 1.7) on one generated nginx combined log
# of N lines (default 2,000,000): clients from the provinces' networks of the test GeoIP2
# database (tests/usage/make_geoip.pl), runs of 206 range requests of lesson videos, PDFs,
# 304s, bots, 404s, health checks and torn lines (tests/tools/gen_access_log.cpp).
# Both read the same file from the page cache; each eductl run starts from an empty data
# folder. GoAccess runs with and without its GeoIP lookup and writes its JSON report.
# Prints lines/s of each, the ratios and eductl's peak RSS.
# Goals: eductl >= 10x GoAccess's lines/s with GeoIP; peak memory <= 64 MiB.
#
#   bench/usage_vs_goaccess.sh [--lines N] [--runs R] [--workdir DIR] [--keep]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

lines=2000000 runs=3 workdir="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) lines=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
need_eductl
if ! command -v goaccess >/dev/null; then
  [[ $(id -u) -eq 0 ]] || die "needs the Debian package goaccess: apt-get install -y goaccess"
  say "installing goaccess (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq goaccess >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq goaccess >&2; }
fi
need goaccess perl jq
GEN="${GEN_ACCESS_LOG:-$PROJECT_DIR/build/tests/gen_access_log}"
[[ -x "$GEN" ]] || die "no log generator at $GEN (build the project), or set GEN_ACCESS_LOG"
perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null || die "needs libmaxmind-db-writer-perl"
if [[ -z "$workdir" ]]; then
  workdir=$(mktemp -d /tmp/eductl-bench-usage.XXXXXX)
else
  mkdir -p "$workdir"
fi
[[ $keep == 1 ]] || trap 'rm -rf "$workdir"' EXIT

say "generating $lines lines and the test GeoIP database in $workdir"
"$GEN" "$lines" 1 >"$workdir/access.log"
perl "$PROJECT_DIR/tests/usage/make_geoip.pl" "$workdir/geo.mmdb"
cat "$workdir/access.log" >/dev/null
bytes=$(stat -c %s "$workdir/access.log")

ingest="rm -rf '$workdir/data'"
eductl_cmd="'$EDUCTL' --data '$workdir/data' -q usage ingest --geoip '$workdir/geo.mmdb' '$workdir/access.log'"
goa_geo="goaccess '$workdir/access.log' --log-format=COMBINED --geoip-database='$workdir/geo.mmdb' -o '$workdir/goaccess.json'"
goa_plain="goaccess '$workdir/access.log' --log-format=COMBINED -o '$workdir/goaccess-plain.json'"

say "eductl usage ingest --geoip ($runs runs)"
bench_time "$runs" "$workdir/t_eductl" "$ingest" "$eductl_cmd"
say "goaccess with GeoIP ($runs runs)"
bench_time "$runs" "$workdir/t_goa_geo" "" "$goa_geo"
say "goaccess without GeoIP ($runs runs)"
bench_time "$runs" "$workdir/t_goa_plain" "" "$goa_plain"
rm -rf "$workdir/data"
peak_rss_kib "$workdir/rss_eductl" "$eductl_cmd"
peak_rss_kib "$workdir/rss_goa" "$goa_geo"

te=$(cat "$workdir/t_eductl") tg=$(cat "$workdir/t_goa_geo") tp=$(cat "$workdir/t_goa_plain")
lps() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
machine_line
echo "log: $lines lines, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'); goaccess $(goaccess --version | head -1 | awk '{print $NF}')"
echo "eductl usage ingest --geoip: ${te}s, $(lps "$te") lines/s, peak RSS $(($(cat "$workdir/rss_eductl") / 1024)) MiB"
echo "goaccess with GeoIP:         ${tg}s, $(lps "$tg") lines/s, peak RSS $(($(cat "$workdir/rss_goa") / 1024)) MiB"
echo "goaccess without GeoIP:      ${tp}s, $(lps "$tp") lines/s"
echo "ratio eductl / goaccess with GeoIP:    $(ratio "$tg" "$te")x (goal >= 10x)"
echo "ratio eductl / goaccess without GeoIP: $(ratio "$tp" "$te")x"
"$EDUCTL" --data "$workdir/data" report --top 5 >&2
