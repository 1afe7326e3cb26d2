#!/usr/bin/env bash
# Installs the Debian 12 packages eductl needs to build, test and run its demo.
# Idempotent and silent when everything is already there.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make pkg-config ccache
  # libraries (see README: why each one)
  libcli11-dev libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev libarchive-dev
  libssl-dev libxml2-dev libutf8proc-dev zlib1g-dev catch2 libsodium-dev
  libcurl4-openssl-dev libmaxminddb-dev libicu-dev libpoppler-cpp-dev
  # tools used by the demo and the tests
  ffmpeg jq sqlite3 zip unzip zstd xz-utils poppler-utils strace util-linux bsdutils
  # the mirror signature tests check compatibility with the reference tool
  minisign
  # mirror tests serve published trees with a real nginx; python3 runs the fault proxy
  nginx-light python3 rsync
  # usage tests build their own GeoIP2 database; the HTML report is checked in chromium
  libmaxmind-db-writer-perl mmdb-bin chromium
  # the unit tests run the official JSON-Schema-Test-Suite against core/util/json_schema
  json-schema-test-suite
  # libFuzzer targets (built with clang)
  clang libclang-rt-14-dev
)
if [[ "${EDUCTL_DEPS_EXTRA:-}" != "" ]]; then
  read -r -a extra <<<"$EDUCTL_DEPS_EXTRA"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "deps.sh: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
  exit 1
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
