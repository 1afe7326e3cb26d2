#!/usr/bin/env bash
# End-to-end: sync through a fault-injecting proxy in front of a real nginx. Each fault
# (dropped connection in mid-blob, torn body, corrupted bytes, 5xx, 404, a stalled
# response, a server ignoring Range, a body longer than declared) converges on a verified
# mirror, within the run or on a re-run, and never exposes a broken one. A blob cut at
# half resumes with a Range request. kill -9 at random instants, then a re-run: converges.
# Usage: test_mirror_faults.sh EDUCTL MAKE_FIXTURES SOURCE_DIR
# shellcheck disable=SC2016  # jq filters
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib_http.sh
source "$(dirname "$0")/lib_http.sh"
mirror_test_args "$@"
# whole DATA VERSION: the mirror serves VERSION and every blob re-hashes right.
whole() {
  "$E" --data "$1" mirror status --deep --json >"$1.status.json" 2>/dev/null &&
    jq -e --argjson v "$2" '.ok and .version == $v and .missing_blobs == 0 and .corrupt_blobs == 0' "$1.status.json" >/dev/null
}
# A lesson video of about 2.7 MB (noise does not compress), so that a blob can be cut in the middle.
ffmpeg -v error -y -f lavfi -i "color=c=gray:s=320x240:d=2,noise=alls=100:allf=t" -c:v libx264 -preset ultrafast \
  -pix_fmt yuv420p video.mp4
"$MF" demo batch --video video.mp4 >/dev/null
rc code "$E" --data central import batch >/dev/null 2>&1
# The demo batch holds three broken deliveries, which are refused (exit 1); the rest is taken.
check "setup: central imports the batch (exit $code; the broken deliveries refused)" [ "$code" = 1 ]
"$E" mirror keygen --out keys --no-password >/dev/null
"$E" --data central mirror publish --key keys/eductl.key --json >pub.json
version=$(jq .version pub.json)
big=$(find central/public/objects -type f -size +1000k -printf '%s %f\n' | sort -n | tail -1 | cut -d' ' -f2)
big_size=$(stat -c %s "$(find central/public/objects -name "$big")")
check "the fixture has a blob over 1 MB to cut" [ -n "$big" ]
start_nginx "$tmp/central/public"
upstream_port=$nginx_port

n=0
# fault NAME RULES [sync options]: a fresh mirror through the proxy; converges within
# the run, or on one re-run without the fault; never serves a broken snapshot.
fault() {
  local name=$1 rules=$2 code code2
  shift 2
  n=$((n + 1))
  start_proxy "$upstream_port" "$rules"
  rc code "$E" --data "m$n" mirror sync "$proxy_url" --trust keys/eductl.pub --backoff 0.05 --json "$@" >"m$n.json" 2>"m$n.err"
  first_code=$code
  if [[ $code != 0 ]]; then
    if [[ -e "m$n/public" ]] && ! whole "m$n" "$version"; then
      fail "$name: a failed sync left a broken mirror visible"
      return
    fi
    rc code2 "$E" --data "m$n" mirror sync "$nginx_url" --trust keys/eductl.pub --backoff 0.05 --json >"m$n.rerun.json" 2>>"m$n.err"
  fi
  if grep -q . "$proxy_log" && whole "m$n" "$version"; then
    ok "$name: converges (first run exit $code) on a verified mirror"
  else
    fail "$name: exit $code, then $(jq -r .outcome "m$n.rerun.json" 2>/dev/null); fault hit: $(wc -l <"$proxy_log")"
  fi
}
fault "connection dropped in mid-blob" "drop:$big:1"
check "the dropped blob resumed with Range: no more than 1.55 x its size transferred for it" \
  jq_true --argjson lim "$(jq '.bytes' pub.json)" --argjson big "$big_size" '.bytes_transferred <= ($lim + $big * 0.55)' "m$n.json"
fault "torn body (declared length, half sent)" "truncate:objects/:2"
fault "corrupted bytes" "corrupt:objects/:2"
fault "5xx answers" "status:objects/:3:503"
fault "404 for a blob (persists within the run)" "status:$big:0:404" --retries 1
check "a persistent 404 exits 4 (network) and names the file" bash -c "[ $first_code = 4 ] && grep -q 'HTTP 404' m$n.err"
fault "a stalled response" "slow:objects/:1:4" --stall-timeout 1
fault "a server ignoring Range" "drop:$big:1;norange:$big:0"
check "a server ignoring Range: the file is taken whole within the run" [ "$first_code" = 0 ]
fault "a body longer than declared" "long:objects/:2:100000"
fault "5xx on the index" "status:index.json:2:502"
fault "a 404 on the signature" "status:minisig:0:404" --retries 0

# kill -9 at random instants, then re-run: the mirror is old or new, never mixed, and converges.
start_proxy "$upstream_port" "trickle:$big:0:0.002"
slow_url=$proxy_url
"$E" --data km mirror sync "$nginx_url" --trust keys/eductl.pub --book "$(jq -r '.parts[0].book' central/public/index.json)" --json >/dev/null
km_version=$(jq .version km/mirror.json)
broken=0
for i in 1 2 3 4; do
  "$E" --data km mirror sync "$slow_url" --book "" --json >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  v=$(jq .version km/mirror.json)
  if ! "$E" --data km catalog list --json >/dev/null 2>&1 || ! whole km "$v"; then broken=$((broken + 1)); fi
done
check "after each kill -9 the mirror is whole at its old or new version" [ "$broken" = 0 ]
rc code "$E" --data km mirror sync "$nginx_url" --book "" --json >km.json
check "a re-run after kill -9 converges" bash -c "[ $code = 0 ] && $(declare -f whole); E='$E' whole km $version"
finish
