#!/usr/bin/env bash
# EPUB verdicts where eductl and EPUBCheck (4.2.6 and 5) must agree, on the generated
# fixtures that mirror EPUBCheck's own test cases:
#  - remote fonts of any media type used by CSS @font-face or an SVG font-face-uri, and an
#    emoji tag sequence in a file name, are valid (EPUB 3.3 "Resource locations", OCF
#    "File names");
#  - a remote resource only a script or an object's <param> can fetch is a warning;
#  - a remote resource a page shows as an image, or that nothing uses, is an error;
#  - a container.xml that breaks its content model (an unknown element, no <rootfiles>,
#    no <rootfile>) is refused, naming META-INF/container.xml and the rule;
# and a refused EPUB leaves the data folder byte for byte as it was.
# Usage: test_hostile_epub.sh EDUCTL MAKE_FIXTURES [SOURCE_DIR]
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 EDUCTL MAKE_FIXTURES [SOURCE_DIR]" >&2
  exit 2
fi
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
cp "$1" "$tmp/eductl"  # a private copy: the build tree's binary may be relinked meanwhile
EDUCTL="$tmp/eductl"
MAKE_FIXTURES=$(realpath "$2")

fx="$tmp/fixtures"
work="$tmp/work"
out="$tmp/out"
data="$tmp/data"
mkdir -p "$work" "$out" "$tmp/home"
export EDUCTL_HOME="$tmp/home"
export LC_ALL=C.UTF-8

run_eductl() {  # run_eductl OUTFILE ARGS...: from the empty work dir; sets $rc
  local outfile=$1
  shift
  rc=0
  (cd "$work" && timeout 120 "$EDUCTL" "$@") >"$outfile" 2>"$outfile.err" || rc=$?
}
# dump DIR: every file's hash, every symlink and its target, every folder.
dump() {
  (
    cd "$1"
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
    find . -type l -printf 'link %p -> %l\n' | LC_ALL=C sort
    find . -type d -printf 'dir %p\n' | LC_ALL=C sort
  )
}

"$MAKE_FIXTURES" fixtures "$fx" >/dev/null
[[ -s "$fx/expected.tsv" ]] || { echo "FAIL make_fixtures wrote no expected.tsv"; exit 1; }

# FILE EXIT CODES: the verdicts EPUBCheck gives the matching test case of its own.
cases=(
  "valid-epub-remote-font-css.zip 0 -"                  # resources-remote-font-in-css-valid
  "valid-epub-remote-font-svg.zip 0 -"                  # resources-remote-font-in-svg-valid
  "valid-epub-remote-svg-font.zip 0 -"                  # resources-remote-font-svg-valid
  "valid-epub-emoji-tag-name.zip 0 -"                   # ocf-filename-character-emoji-tag-sequence-valid
  "epub-remote-for-script.zip 0 EPUB-REMOTE-UNVERIFIED"  # resources-remote-resource-for-script-*-valid
  "epub-remote-object-param.zip 0 EPUB-REMOTE-UNVERIFIED"  # package-manifest-prop-remote-resource-object-param-warning
  "epub-remote-font-also-img.zip 1 EPUB-REMOTE-RESOURCE"  # resources-remote-font-svg-also-used-as-img-error
  "epub-remote-img-scripted.zip 1 EPUB-REMOTE-RESOURCE"   # resources-remote-img-in-script-error
  "epub-tag-char-name.zip 1 EPUB-FILENAME-CHAR"
  "epub-container-unknown-element.zip 1 EPUB-CONTAINER-MODEL"  # ocf-container-content-model-error
  "epub-container-no-rootfiles.zip 1 EPUB-CONTAINER-MODEL,EPUB-CONTAINER"
  "epub-container-empty-rootfiles.zip 1 EPUB-CONTAINER-MODEL,EPUB-CONTAINER"
)

for c in "${cases[@]}"; do
  read -r file want codes <<<"$c"
  [[ "$codes" == - ]] && codes=""
  if [[ ! -f "$fx/$file" ]]; then
    fail "$file: make_fixtures did not write it"
    continue
  fi
  check "$file is in expected.tsv with exit $want" grep -qP "^\Q$file\E\t$want\t" "$fx/expected.tsv"
  json="$out/$file.json"
  run_eductl "$json" validate --json "$fx/$file"
  check "$file: validate exit $want (got $rc)" test "$rc" = "$want"
  expect_codes "$file" "$json" .packages "$codes"
  if [[ "$want" == 0 && -n "$codes" ]]; then
    run_eductl "$out/$file.strict.json" validate --json --strict "$fx/$file"
    check "$file: a warning, so --strict fails (exit $rc)" test "$rc" = 1
  fi
done

# The refusals name the entry and say what breaks the rule.
check "unknown element: the finding names container.xml and <foo>" jq_true '
  any(.packages[0].findings[]; .code == "EPUB-CONTAINER-MODEL"
      and (.entry | endswith(".epub!META-INF/container.xml")) and (.message | contains("<foo>")))' \
  "$out/epub-container-unknown-element.zip.json"
check "no rootfiles: the finding says <rootfiles> is missing" jq_true '
  any(.packages[0].findings[]; .code == "EPUB-CONTAINER-MODEL" and (.message | contains("exactly one <rootfiles>")))' \
  "$out/epub-container-no-rootfiles.zip.json"
check "empty rootfiles: the finding says <rootfiles> holds no <rootfile>" jq_true '
  any(.packages[0].findings[]; .code == "EPUB-CONTAINER-MODEL" and (.message | contains("holds no <rootfile>")))' \
  "$out/epub-container-empty-rootfiles.zip.json"
check "remote image: the finding names the manifest item and its URL" jq_true '
  any(.packages[0].findings[]; .code == "EPUB-REMOTE-RESOURCE" and (.message | contains("https://img.example.org/fig1.png")))' \
  "$out/epub-remote-img-scripted.zip.json"
run_eductl "$out/unknown.txt" validate "$fx/epub-container-unknown-element.zip"
check "text report: exit 1 (got $rc)" test "$rc" = 1
for needle in epub-container-unknown-element.zip META-INF/container.xml EPUB-CONTAINER-MODEL; do
  check "text report names $needle" grep -qF -- "$needle" "$out/unknown.txt"
done

# Refused EPUBs: import writes nothing to the data folder.
run_eductl "$out/seed.json" --data "$data" --json import "$fx/valid-dir"
check "seed import: exit 0 (got $rc)" test "$rc" = 0
before=$(dump "$data")
check "the data folder dump is not empty" test -n "$before"
for c in "${cases[@]}"; do
  read -r file want _ <<<"$c"
  [[ "$want" == 0 ]] && continue
  run_eductl "$out/import-$file.json" --data "$data" --json import "$fx/$file"
  check "import $file: refused with exit 1 (got $rc)" test "$rc" = 1
  check "import $file: the item is refused" jq_true '.items[0].outcome == "refused" and .summary.imported == 0' \
    "$out/import-$file.json"
  after=$(dump "$data")
  if [[ "$before" == "$after" ]]; then
    ok "import $file: data folder byte for byte unchanged"
  else
    fail "import $file: data folder changed: $(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')"
  fi
done
# The accepted ones import (warnings do not refuse a package).
accepted=()
for c in "${cases[@]}"; do
  read -r file want _ <<<"$c"
  [[ "$want" == 0 ]] && accepted+=("$fx/$file")
done
run_eductl "$out/import-accepted.json" --data "$data" --json import "${accepted[@]}"
check "the ${#accepted[@]} accepted EPUB packages import: exit 0 (got $rc)" test "$rc" = 0
check "all ${#accepted[@]} imported" jq_true --argjson n "${#accepted[@]}" '.summary.imported == $n' \
  "$out/import-accepted.json"
check "working dir still empty" test -z "$(ls -A "$work")"

finish
