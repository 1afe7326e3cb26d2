# Shared by the e2e scripts: temp dir, check counters and the closing line ctest reads.
# Source it after setting nothing; it defines $tmp, ok, fail, check, jq_true, finish.
# shellcheck shell=bash
# shellcheck disable=SC2034  # parse_expected sets variables the sourcing script reads

tmp=$(mktemp -d)
_cleanup_hooks=()
cleanup() {
  local hook p
  for hook in "${_cleanup_hooks[@]}"; do "$hook"; done
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null || true; done  # only our unreaped jobs
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() {  # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# jq_true FILTER... FILE: the file is non-empty JSON and the filter holds (jq -e on an
# empty file would exit 0).
jq_true() { [[ -s "${!#}" ]] && jq -e "$@" >/dev/null 2>&1; }
# rc VAR COMMAND...: the exit status of the command in VAR, without tripping set -e.
rc() {
  local -n _rc=$1
  shift
  _rc=0
  "$@" || _rc=$?
}
# finish: the closing line and the exit status.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
# parse_expected LINE: splits a line of make_fixtures' expected.tsv (FILE, EXIT, CODES,
# FLAGS) into $file $want_exit $codes $flags and the array flag_args. Split by hand:
# `read` would merge the empty columns of valid fixtures.
parse_expected() {
  local line=$1 rest
  file=${line%%$'\t'*}
  rest=${line#*$'\t'}
  want_exit=${rest%%$'\t'*}
  rest=${rest#*$'\t'}
  codes=${rest%%$'\t'*}
  flags=""
  [[ "$rest" == *$'\t'* ]] && flags=${rest#*$'\t'}
  flag_args=()
  [[ -n "$flags" ]] && read -r -a flag_args <<<"$flags"
  return 0
}

# expect_codes LABEL JSON ARRAY CODES: the set of ARRAY[].findings[].code of the JSON
# report (ARRAY: .packages for validate, .items for import) is exactly the comma-separated
# CODES: one ok/FAIL line per expected code, and a FAIL for any code not expected (a
# false follow-on finding is a bug, not noise). Empty CODES: no finding at all.
expect_codes() {
  local label=$1 json=$2 array=$3 codes=$4 found code wanted extra
  found=$(jq -r "[${array}[].findings[]?.code] | unique | join(\",\")" "$json" 2>/dev/null || true)
  wanted=()
  [[ -n "$codes" ]] && IFS=',' read -r -a wanted <<<"$codes"
  for code in ${wanted[@]+"${wanted[@]}"}; do
    if jq_true --arg c "$code" "any(${array}[].findings[]?; .code == \$c)" "$json"; then
      ok "$label: reports $code"
    else
      fail "$label: no $code among findings [$found]"
    fi
  done
  extra=$(jq -r --arg want "$codes" \
    "[${array}[].findings[]?.code] | unique - (\$want | split(\",\")) | join(\",\")" "$json" 2>/dev/null || true)
  if [[ -n "$extra" ]]; then
    fail "$label: unexpected codes [$extra] besides [$codes]"
  elif [[ -z "$codes" ]]; then
    ok "$label: no findings"
  fi
}

# need_ffmpeg: the transcode tests cannot run without ffmpeg and ffprobe (a failure, not a skip:
# scripts/deps.sh installs them).
need_ffmpeg() {
  if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
    echo "ffmpeg is not installed (apt-get install ffmpeg): cannot test transcode"
    exit 1
  fi
}
# lesson_video SECONDS FILE [EXTRA ffmpeg OPTIONS]: a real H.264 + AAC lesson video.
lesson_video() {
  local s=$1 f=$2
  shift 2
  ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "sine=frequency=440" -t "$s" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "$@" -y "$f"
}
