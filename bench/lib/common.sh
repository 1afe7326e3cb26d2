# Shared helpers for the bench/*.sh scripts (sourced, not run).
# Timing uses hyperfine when it is installed, else /usr/bin/time with the median of the runs.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
EDUCTL="${EDUCTL:-$PROJECT_DIR/build/eductl}"
MAKE_FIXTURES="${MAKE_FIXTURES:-$PROJECT_DIR/build/tests/make_fixtures}"
NPROC="$(nproc)"

die() { echo "${0##*/}: $*" >&2; exit 2; }
say() { echo "[${0##*/}] $*" >&2; }

need() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || die "needs '$t' (Debian: apt-get install -y $t)"; done
}

need_eductl() {
  [[ -x "$EDUCTL" ]] || die "no eductl at $EDUCTL (build it: cmake -S . -B build && cmake --build build -j), or set EDUCTL=/path/to/eductl"
}

# Reads each NUL-separated path of FILE once, so the timed runs read from the page cache.
warm_cache() { xargs -0 cat <"$1" >/dev/null; }

# Sum of the sizes of the NUL-separated paths in FILE.
bytes_of_list() { xargs -0 stat -c %s <"$1" | awk '{s += $1} END {printf "%.0f\n", s}'; }

# mbps BYTES SECONDS -> MB/s (10^6 bytes)
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }'; }
# ratio A B -> A/B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# bench_time RUNS OUTFILE PREPARE COMMAND: runs COMMAND (bash) RUNS times, PREPARE (may be
# empty) untimed before each run; writes the median wall time in seconds to OUTFILE.
# The command must exit 0.
bench_time() {
  local runs=$1 out=$2 prepare=$3 cmd=$4
  if command -v hyperfine >/dev/null 2>&1; then
    local json="$out.hyperfine.json"
    local args=(--runs "$runs" --style basic --shell bash --export-json "$json")
    [[ -n "$prepare" ]] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" -- "$cmd" >&2
    jq -r '.results[0].median' "$json" >"$out"
  else
    local i t rc times=() tf="$out.time"
    for ((i = 0; i < runs; i++)); do
      [[ -n "$prepare" ]] && bash -c "$prepare"
      # -o: time's report must not share the command's stderr, which is thrown away.
      /usr/bin/time -o "$tf" -f '%x %e' bash -c "$cmd" >/dev/null 2>&1 || true
      read -r rc t < <(tail -n1 "$tf")
      [[ "$rc" == 0 ]] || die "command failed (exit $rc): $cmd"
      times+=("$t")
      say "  run $((i + 1)): ${t}s"
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}' >"$out"
  fi
}

# peak_rss_kib OUTFILE COMMAND: runs COMMAND once under /usr/bin/time, writes max RSS (KiB).
peak_rss_kib() {
  local out=$1 cmd=$2
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -o "$out" -f %M bash -c "$cmd" >/dev/null 2>&1 || true
  else
    echo "n/a" >"$out"
  fi
}

machine_line() {
  local cpu sha
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  grep -qw sha_ni /proc/cpuinfo && sha="sha_ni" || sha="no sha_ni"
  echo "machine: $NPROC cores, $cpu, $sha; $(free -g | awk '/^Mem:/ {print $2 " GiB RAM"}')"
}

# parse_batch_args "$@": the options every batch benchmark takes; sets size_gib, packages,
# runs, workdir, keep (defaults 2, 24, 3, "", 0). Extra options are refused.
parse_batch_args() {
  size_gib=2 packages=24 runs=3 workdir="" keep=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --size-gib) size_gib=$2; shift 2 ;;
      --packages) packages=$2; shift 2 ;;
      --runs) runs=$2; shift 2 ;;
      --workdir) workdir=$2; shift 2 ;;
      --keep) keep=1; shift ;;
      -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
  done
}

# make_workdir NAME: $workdir made absolute, or a fresh /tmp/eductl-bench-NAME.XXXXXX.
make_workdir() {
  if [[ -z "$workdir" ]]; then
    workdir=$(mktemp -d "/tmp/eductl-bench-$1.XXXXXX")
  else
    mkdir -p "$workdir"
    workdir=$(cd "$workdir" && pwd)
  fi
}

# gib BYTES: "2.11"
gib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1073741824 }'; }
# timer_name: how runs are timed here
timer_name() { command -v hyperfine >/dev/null && echo hyperfine || echo /usr/bin/time; }
# result_row LABEL SECONDS MBPS: one aligned line of a results table
result_row() { printf '%-44s %8.2f s %9s MB/s\n' "$1" "$2" "$3"; }
