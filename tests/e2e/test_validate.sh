#!/usr/bin/env bash
# End-to-end test of `eductl validate` on real archives written by make_fixtures.
# Usage: test_validate.sh EDUCTL MAKE_FIXTURES [SOURCE_DIR]
# Every fixture is checked against OUTDIR/expected.tsv (FILE, EXIT, CODES, FLAGS), then
# the CLI contract: --recursive, exit codes 2 and 3, the text report, --strict, and that
# validating hostile packages writes nothing anywhere.
# shellcheck disable=SC2016  # $c, $n in single-quoted jq filters are jq variables
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 EDUCTL MAKE_FIXTURES [SOURCE_DIR]" >&2
  exit 2
fi
EDUCTL=$(realpath "$1")
MAKE_FIXTURES=$(realpath "$2")

# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

fx="$tmp/fixtures"
work="$tmp/work"        # the working directory of every eductl run: must stay empty
out="$tmp/out"          # captured stdout/stderr, outside the fixtures
mkdir -p "$work" "$out" "$tmp/home"
export EDUCTL_HOME="$tmp/home"


# run_eductl OUTFILE ARGS...: runs eductl from the empty work dir, sets $rc.
run_eductl() {
  local outfile=$1
  shift
  rc=0
  (cd "$work" && timeout 120 "$EDUCTL" "$@") >"$outfile" 2>"$outfile.err" || rc=$?
}

snapshot() { find "$1" -printf '%p %s %T@\n' | LC_ALL=C sort; }

"$MAKE_FIXTURES" fixtures "$fx" >/dev/null
[[ -s "$fx/expected.tsv" ]] || { echo "FAIL make_fixtures wrote no expected.tsv"; exit 1; }
before=$(snapshot "$fx")

# --- every fixture against its expectation ---
warning_only=()
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  parse_expected "$line"

  json="$out/$file.json"
  run_eductl "$json" validate --json ${flag_args[@]+"${flag_args[@]}"} "$fx/$file"
  if [[ "$rc" == "$want_exit" ]]; then
    ok "$file: exit $rc"
  else
    fail "$file: exit $rc, want $want_exit ($(head -c 300 "$json.err" | tr '\n' ' '))"
  fi
  if ! jq_true '.schema == "eductl.validate/1" and (.packages | length) == 1' "$json"; then
    fail "$file: stdout is not one-package eductl.validate/1 JSON"
    continue
  fi
  expect_codes "$file" "$json" .packages "$codes"
  if [[ "$want_exit" == 0 ]]; then
    errors=$(jq -r '[.packages[].findings[] | select(.severity == "error") | .code] | join(",")' "$json")
    if [[ -z "$errors" ]]; then ok "$file: no error findings"; else fail "$file: error findings [$errors]"; fi
    [[ -n "$codes" ]] && warning_only+=("$file")
  fi
done <"$fx/expected.tsv"

# --- a folder of packages in one run ---
batch="$tmp/batch"
mkdir -p "$batch"
valid_count=0
for p in "$fx"/valid*; do
  cp -a "$p" "$batch/"
  valid_count=$((valid_count + 1))
done
run_eductl "$out/recursive.json" validate --json --recursive "$batch"
check "--recursive on $valid_count valid packages: exit 0 (got $rc)" test "$rc" = 0
check "--recursive: .summary.packages == $valid_count" \
  jq_true --argjson n "$valid_count" '.summary.packages == $n and .summary.valid == $n' "$out/recursive.json"

# --- exit codes of the CLI contract ---
run_eductl "$out/missing.json" validate --json "$tmp/no-such-package.zip"
check "nonexistent path: exit 3 (got $rc)" test "$rc" = 3
run_eductl "$out/usage.txt" validate --no-such-option "$fx/valid.zip"
check "unknown option: exit 2 (got $rc)" test "$rc" = 2

# --- the text report names package, entry and code ---
run_eductl "$out/zip-slip.txt" validate "$fx/zip-slip.zip"
check "text report of zip-slip.zip: exit 1 (got $rc)" test "$rc" = 1
for needle in zip-slip.zip ../evil.pdf PKG-PATH-TRAVERSAL; do
  check "text report of zip-slip.zip names $needle" grep -qF -- "$needle" "$out/zip-slip.txt"
done

# --- --strict: warnings fail the run ---
check "expected.tsv has warnings-only fixtures" test "${#warning_only[@]}" -gt 0
for file in ${warning_only[@]+"${warning_only[@]}"}; do
  run_eductl "$out/$file.strict.json" validate --json --strict "$fx/$file"
  check "$file --strict: exit 1 (got $rc)" test "$rc" = 1
done

# --- nothing written by validating hostile packages ---
after=$(snapshot "$fx")
if [[ "$before" == "$after" ]]; then
  ok "fixtures dir unchanged"
else
  fail "fixtures dir changed: $(diff <(echo "$before") <(echo "$after") | head -5 | tr '\n' ' ')"
fi
# --- progress: drawn on stderr only when it is a terminal ---
run_eductl "$out/pipe.txt" validate "$fx/valid.zip" "$fx/valid.tar.gz"
check "no progress or diagnostics on stderr when it is not a terminal" test ! -s "$out/pipe.txt.err"
if command -v script >/dev/null; then
  # script(1) gives eductl a terminal; stdout goes to a file so only stderr reaches it.
  (cd "$work" && script -qec "'$EDUCTL' validate '$fx/valid.zip' '$fx/valid.tar.gz' >'$out/tty.txt'" /dev/null </dev/null) \
    >"$out/tty.err" 2>&1 || true
  check "progress line drawn (and cleared) on a terminal" grep -q $'\e\[K' "$out/tty.err"
  check "no colour codes when stdout is not a terminal" bash -c "! grep -q $'\\e\\[3' '$out/tty.txt'"
  check "a report still goes to stdout" grep -q "2 packages: 2 valid" "$out/tty.txt"
fi
# --- hard links made outside a folder package (cp -al, backup tools) change nothing ---
cp -al "$fx/valid-dir" "$tmp/linked-dir"
run_eductl "$out/hardlinked.json" validate --json "$fx/valid-dir"
check "valid-dir with every file hard-linked elsewhere (cp -al): exit 0 (got $rc)" test "$rc" = 0
expect_codes "valid-dir hard-linked" "$out/hardlinked.json" .packages ""
rm -rf "$tmp/linked-dir"

# --- a batch folder reports what it skips: links, unsupported archives, other files ---
skipbatch="$tmp/skipbatch"
mkdir -p "$skipbatch/sub"  # without --recursive: a folder without manifest.json
cp "$fx/valid.zip" "$skipbatch/a.zip"
ln -s "$fx/valid.tar.gz" "$skipbatch/b-link.tar.gz"
ln -s "$fx/valid-dir" "$skipbatch/c-link-dir"
printf 'Rar!\x1a\x07\x00' >"$skipbatch/d.rar"
printf '7z\xbc\xaf\x27\x1c' >"$skipbatch/e.7z"
printf 'BZh9' >"$skipbatch/f.tar.bz2"
run_eductl "$out/skip.json" validate --json "$skipbatch"
check "batch with only skips besides valid packages: exit 0 (got $rc)" test "$rc" = 0
check "--json: 6 skipped entries with reasons, counted in the summary" jq_true '
  ([.packages[] | select(.skipped)] | length) == 6 and .summary.skipped == 6 and .summary.packages == 1
  and .summary.valid == 1 and all(.packages[] | select(.skipped); .skipped | length > 0)' "$out/skip.json"
check "--json: the symlink is skipped as a link" jq_true \
  'any(.packages[]; (.path | endswith("b-link.tar.gz")) and (.skipped | test("symbolic link")))' "$out/skip.json"
check "--json: .rar is an unsupported archive" jq_true \
  'any(.packages[]; (.path | endswith("d.rar")) and (.skipped | test("unsupported archive")))' "$out/skip.json"
run_eductl "$out/skip.txt" validate "$skipbatch"
check "text: skipped lines name file and reason" grep -q 'e.7z  skipped: unsupported archive format .7z' "$out/skip.txt"
check "text: summary counts the skips" grep -q '1 package: 1 valid, 0 invalid, 6 skipped' "$out/skip.txt"
run_eductl "$out/skip-strict.json" validate --json --strict "$skipbatch"
check "batch with skips --strict: exit 1 (got $rc)" test "$rc" = 1
ln -s loop-b "$tmp/loop-a"
ln -s loop-a "$tmp/loop-b"
run_eductl "$out/loop.txt" validate "$tmp/loop-a"
check "a symlink loop on the command line: exit 3 (got $rc)" test "$rc" = 3
check "a symlink loop says so, not 'not found'" grep -q 'symbolic link loop' "$out/loop.txt"

# --- limit options: out of range is a usage error with readable bounds ---
for bad in "--max-entries -1" "--max-entries -100" "--max-entries 0" "--max-entries 99999999999" \
  "--max-ratio nan" "--max-ratio inf" "--max-ratio 0" "--max-ratio -5" "--jobs 0" "--jobs -1" \
  "--max-unpacked -1" "--max-unpacked nan"; do
  read -r -a bad_args <<<"$bad"
  run_eductl "$out/limit.txt" validate "${bad_args[@]}" "$fx/valid.zip"
  check "$bad: exit 2 (got $rc)" test "$rc" = 2
  check "$bad: no long numbers in the message" bash -c "! grep -qE '[0-9]{12,}' '$out/limit.txt.err'"
done
run_eductl "$out/limit.txt" validate --max-entries -1 "$fx/valid.zip"
check "--max-entries error names its bounds" grep -qF -- '1 to 10,000,000' "$out/limit.txt.err"
run_eductl "$out/limit.txt" validate --max-entries 99999999999999999999 "$fx/valid.zip"
check "--max-entries 2^66: exit 2 (got $rc)" test "$rc" = 2

# --- untrusted text is escaped in the text report (no terminal injection) ---
run_eductl "$out/escape.txt" validate -v "$fx/title-escape.zip"
check "title-escape.zip: no raw ESC in the text report" bash -c "! grep -q $'\\e' '$out/escape.txt'"
check "title-escape.zip: MAN-TEXT-CONTROL in the text report" grep -q MAN-TEXT-CONTROL "$out/escape.txt"
cp "$fx/valid.zip" "$tmp/$(printf 'evil\e[2J\u202eviz.zip')"
run_eductl "$out/escape-name.txt" validate "$tmp/$(printf 'evil\e[2J\u202eviz.zip')"
check "a file name with ESC and U+202E is escaped" grep -qF 'evil\x1b[2J\u{202e}viz.zip' "$out/escape-name.txt"
rm -f "$tmp/$(printf 'evil\e[2J\u202eviz.zip')"

# --- SIGTERM ends a run like Ctrl-C: exit 130 at a safe point ---
# A package with a 3 GiB (sparse) file keeps the run busy hashing for seconds.
termpkg="$tmp/termpkg"
cp -a "$fx/valid-dir" "$termpkg"
truncate -s 3G "$termpkg/big.bin"
(cd "$work" && exec "$EDUCTL" validate "$termpkg" >"$out/term.txt" 2>"$out/term.err") &
term_pid=$!
sleep 0.5
kill -TERM "$term_pid" 2>/dev/null || true
term_rc=0
wait "$term_pid" || term_rc=$?
check "SIGTERM during validate: exit 130 (got $term_rc)" test "$term_rc" = 130
check "SIGTERM: the run says it was interrupted" grep -q interrupted "$out/term.err"
rm -rf "$termpkg"

check "working dir still empty" test -z "$(ls -A "$work")"
check "no zip-slip target outside the fixtures" test ! -e "$tmp/evil.pdf"

finish
