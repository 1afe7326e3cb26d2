#!/usr/bin/env bash
# End-to-end: eductl's signing keys and signatures interoperate with minisign 0.11 both ways.
# Usage: test_mirror_keys.sh EDUCTL [MAKE_FIXTURES SOURCE_DIR]
# 1. keygen --no-password: files, mode 0600, no password needed to sign; minisign verifies
#    eductl's signature (key file and -P string) and eductl verifies its own;
# 2. an encrypted eductl key: signs with EDUCTL_KEY_PASSWORD, minisign verifies, minisign
#    signs with it given the same password; a wrong password is refused;
# 3. minisign's keys (-W and with a password) sign with eductl, and eductl verifies
#    minisign's prehashed and legacy signatures;
# 4. tampered file, trusted comment, other key: eductl refuses with the finding code and
#    minisign agrees;
# 5. no terminal and no EDUCTL_KEY_PASSWORD: a usage error that says how, nothing written;
#    the prompt on a terminal works; an existing key is kept without --force;
# 6. --json prints one document, on success and on failure.
# scrypt at minisign's cost (1 GiB, seconds) runs a few times here: that is the real cost.
# shellcheck disable=SC2016  # jq filters
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 EDUCTL [MAKE_FIXTURES SOURCE_DIR]" >&2
  exit 2
fi
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
E=$(realpath "$1")
export LC_ALL=C.UTF-8
unset EDUCTL_KEY_PASSWORD

if ! command -v minisign >/dev/null; then
  fail "minisign is not installed: the compatibility checks need it; run scripts/deps.sh"
  finish
  exit 1
fi

# Runs eductl without a controlling terminal, so a password prompt cannot happen.
notty() { setsid -w "$E" "$@" </dev/null; }
cd "$tmp"
printf 'snapshot index 1\n' >index.json
head -c 300000 /dev/urandom >big.bin

# --- 1. unencrypted eductl key ---
rc code notty mirror keygen --out k1 --no-password --comment "test signing key" >k1.out 2>k1.err
check "keygen --no-password exits 0" [ "$code" = 0 ]
check "keygen writes eductl.pub and eductl.key" test -s k1/eductl.pub -a -s k1/eductl.key
check "the secret key file is mode 0600" [ "$(stat -c %a k1/eductl.key)" = 600 ]
check "the key folder it created is mode 0700" [ "$(stat -c %a k1)" = 700 ]
check "keygen prints the key id and public key" grep -q "key id" k1.out
pub1=$(sed -n 2p k1/eductl.pub)
check "keygen prints the public key line of eductl.pub" grep -qF "$pub1" k1.out
check "the comment is the public key's first line" [ "$(head -1 k1/eductl.pub)" = "untrusted comment: test signing key" ]
rc code notty mirror sign index.json --key k1/eductl.key --trusted-comment "snapshot 1" >sign.out 2>sign.err
check "sign with an unencrypted key needs no password" [ "$code" = 0 ]
check "sign writes FILE.minisig" [ -s index.json.minisig ]
check "minisign accepts eductl's signature (key file)" minisign -Vm index.json -p k1/eductl.pub -q
check "minisign accepts eductl's signature (-P key)" minisign -Vm index.json -P "$pub1" -q
check "minisign reads the trusted comment" [ "$(minisign -Vm index.json -p k1/eductl.pub -Q)" = "snapshot 1" ]
rc code "$E" mirror verify index.json --trust k1/eductl.pub >verify.out 2>&1
check "eductl verifies its own signature" [ "$code" = 0 ]
check "verify prints the trusted comment" grep -q "trusted comment: snapshot 1" verify.out
rc code "$E" mirror verify index.json --trust "$pub1" >/dev/null 2>&1
check "--trust takes the base64 key too" [ "$code" = 0 ]
minisign -S -s k1/eductl.key -m index.json -x k1-minisign.minisig </dev/null >/dev/null 2>&1 || true
check "minisign signs with eductl's unencrypted key" minisign -Vm index.json -x k1-minisign.minisig -p k1/eductl.pub -q
rc code "$E" mirror verify index.json -x k1-minisign.minisig --trust k1/eductl.pub >/dev/null 2>&1
check "and eductl verifies that signature" [ "$code" = 0 ]
# Base64 keys often contain '/': such a key is still a key, not a missing file.
for _ in $(seq 1 40); do
  rm -rf ks
  notty mirror keygen --out ks --no-password >/dev/null 2>&1
  [[ $(sed -n 2p ks/eductl.pub) == */* ]] && break
done
notty mirror sign index.json --key ks/eductl.key -o ks.minisig >/dev/null 2>&1
rc code "$E" mirror verify index.json -x ks.minisig --trust "$(sed -n 2p ks/eductl.pub)" >/dev/null 2>&1
check "--trust takes a base64 key that contains '/'" [ "$code" = 0 ]
check "verify keeps the tabs of the trusted comment" bash -c "'$E' mirror verify index.json -x ks.minisig --trust ks/eductl.pub | grep -qP '^trusted comment: timestamp:\d+\tfile:index.json\thashed$'"
notty mirror sign big.bin --key k1/eductl.key >/dev/null 2>&1
check "minisign accepts a streamed large-file signature with the default trusted comment" \
  minisign -Vm big.bin -p k1/eductl.pub -q
check "the default trusted comment is minisign's" bash -c "minisign -Vm big.bin -p k1/eductl.pub -Q | grep -qP '^timestamp:\d+\tfile:big.bin\thashed$'"

# --- 2. encrypted eductl key ---
rc code env EDUCTL_KEY_PASSWORD=s3cret setsid -w "$E" mirror keygen --out k2 </dev/null >/dev/null 2>k2.err
check "keygen with EDUCTL_KEY_PASSWORD exits 0" [ "$code" = 0 ]
check "an encrypted key is marked Sc" bash -c "sed -n 2p k2/eductl.key | base64 -d | head -c 4 | grep -q '^EdSc'"
check "the encrypted key file is mode 0600" [ "$(stat -c %a k2/eductl.key)" = 600 ]
rc code env EDUCTL_KEY_PASSWORD=s3cret setsid -w "$E" mirror sign index.json --key k2/eductl.key -o enc.minisig </dev/null >/dev/null 2>&1
check "sign with the encrypted key and EDUCTL_KEY_PASSWORD" [ "$code" = 0 ]
check "minisign accepts the encrypted key's signature" minisign -Vm index.json -x enc.minisig -p k2/eductl.pub -q
rc code env EDUCTL_KEY_PASSWORD=wrong setsid -w "$E" mirror sign index.json --key k2/eductl.key -o bad.minisig </dev/null >/dev/null 2>wrong.err
check "a wrong password is refused (exit 3)" [ "$code" = 3 ]
check "the message says wrong password" grep -q "wrong password" wrong.err
check "nothing is written with a wrong password" [ ! -e bad.minisig ]
rc code notty mirror sign index.json --key k2/eductl.key -o nopw.minisig >/dev/null 2>nopw.err
check "an encrypted key without terminal or EDUCTL_KEY_PASSWORD is a usage error" [ "$code" = 2 ]
check "the message names EDUCTL_KEY_PASSWORD" grep -q EDUCTL_KEY_PASSWORD nopw.err
printf 's3cret\n' | minisign -S -s k2/eductl.key -m index.json -x by-minisign.minisig >/dev/null 2>&1 || true
check "minisign signs with eductl's encrypted key" minisign -Vm index.json -x by-minisign.minisig -p k2/eductl.pub -q

# --- 3. minisign's keys and signatures ---
minisign -G -W -p ms1.pub -s ms1.key >/dev/null 2>&1 </dev/null
rc code notty mirror sign index.json --key ms1.key -o ms1-eductl.minisig >/dev/null 2>&1
check "eductl signs with a minisign -W key" [ "$code" = 0 ]
check "minisign verifies eductl's signature made with minisign's key" minisign -Vm index.json -x ms1-eductl.minisig -p ms1.pub -q
minisign -S -s ms1.key -m index.json -x ms1.minisig -t "from minisign" >/dev/null 2>&1 </dev/null
rc code "$E" mirror verify index.json --trust ms1.pub -x ms1.minisig >ms1.out 2>&1
check "eductl verifies minisign -Sm's signature" [ "$code" = 0 ]
check "eductl shows minisign's trusted comment" grep -q "trusted comment: from minisign" ms1.out
minisign -S -l -s ms1.key -m index.json -x ms1-legacy.minisig >/dev/null 2>&1 </dev/null
rc code "$E" mirror verify index.json --trust ms1.pub -x ms1-legacy.minisig >/dev/null 2>&1
check "eductl verifies minisign's legacy (Ed) signature" [ "$code" = 0 ]
printf 'pw2\npw2\n' | minisign -G -p ms2.pub -s ms2.key >/dev/null 2>&1
rc code env EDUCTL_KEY_PASSWORD=pw2 setsid -w "$E" mirror sign index.json --key ms2.key -o ms2-eductl.minisig </dev/null >/dev/null 2>&1
check "eductl signs with minisign's encrypted key" [ "$code" = 0 ]
check "minisign verifies it" minisign -Vm index.json -x ms2-eductl.minisig -p ms2.pub -q

# --- 4. tampering ---
cp index.json t.json
cp index.json.minisig t.json.minisig
printf 'snapshot index 2\n' >t.json
rc code "$E" mirror verify t.json --trust k1/eductl.pub >t.out 2>&1
check "a changed file is refused (exit 1)" [ "$code" = 1 ]
check "with MIR-SIGNATURE" grep -q MIR-SIGNATURE t.out
check "minisign refuses it too" bash -c '! minisign -Vm t.json -p k1/eductl.pub -q 2>/dev/null'
cp index.json t.json
sed '3s/.*/trusted comment: snapshot 999/' index.json.minisig >t.json.minisig
rc code "$E" mirror verify t.json --trust k1/eductl.pub >t.out 2>&1
check "an altered trusted comment is refused with MIR-SIG-COMMENT" bash -c "[ $code = 1 ] && grep -q MIR-SIG-COMMENT t.out"
check "minisign refuses it too" bash -c '! minisign -Vm t.json -p k1/eductl.pub -q 2>/dev/null'
cp index.json.minisig t.json.minisig
rc code "$E" mirror verify t.json --trust k2/eductl.pub >t.out 2>&1
check "another key is refused with MIR-SIG-KEY-MISMATCH" bash -c "[ $code = 1 ] && grep -q MIR-SIG-KEY-MISMATCH t.out"
printf 'garbage\n' >t.json.minisig
rc code "$E" mirror verify t.json --trust k1/eductl.pub >t.out 2>&1
check "a malformed signature is refused with MIR-SIG-MALFORMED" bash -c "[ $code = 1 ] && grep -q MIR-SIG-MALFORMED t.out"
rc code "$E" mirror verify t.json --trust k1/missing.pub >/dev/null 2>&1
check "a missing public key file is exit 3" [ "$code" = 3 ]
rc code "$E" mirror verify t.json --trust RWQ >/dev/null 2>t.err
check "a malformed --trust key is exit 3 with the reason" bash -c "[ $code = 3 ] && grep -q 'not a minisign public key' t.err"

# --- 5. passwords, terminals, overwrites ---
rc code notty mirror keygen --out k3 >/dev/null 2>k3.err
check "keygen without terminal, variable or --no-password is exit 2" [ "$code" = 2 ]
check "the message says how to pass the password" bash -c "grep -q EDUCTL_KEY_PASSWORD k3.err && grep -q -- --no-password k3.err"
check "nothing is written" test ! -e k3/eductl.key -a ! -e k3/eductl.pub
cp k1/eductl.pub k1.pub.before
cp k1/eductl.key k1.key.before
rc code notty mirror keygen --out k1 --no-password >/dev/null 2>over.err
check "an existing key pair is kept without --force (exit 2)" [ "$code" = 2 ]
check "it says to use --force" grep -q -- --force over.err
check "the key files are unchanged" bash -c "cmp -s k1/eductl.key k1.key.before && cmp -s k1/eductl.pub k1.pub.before"
rc code notty mirror keygen --out k1 --no-password --force >/dev/null 2>&1
check "--force replaces the key pair" bash -c "[ $code = 0 ] && ! cmp -s k1/eductl.pub k1.pub.before"
check "the replaced secret key is mode 0600" [ "$(stat -c %a k1/eductl.key)" = 600 ]
mkdir -m 755 shared
rc code notty mirror keygen --out shared --no-password >/dev/null 2>shared.err
check "keygen into a folder others can read works but warns" bash -c "[ $code = 0 ] && grep -q 'open to other users' shared.err"
check "the secret key in it is 0600 all the same" [ "$(stat -c %a shared/eductl.key)" = 600 ]
rc code notty mirror keygen --out k4 --no-password --comment $'two\nlines' >/dev/null 2>&1
check "a multi-line comment is a usage error" [ "$code" = 2 ]
if command -v script >/dev/null; then
  # A real terminal (script's pty): the password is asked twice and not echoed.
  # The lines come late so that echo is already off when they arrive.
  { sleep 2; printf 'tty-pw\n'; sleep 1; printf 'tty-pw\n'; sleep 1; } | script -qec "'$E' mirror keygen --out '$tmp/k5'" /dev/null >tty.out 2>&1 || true
  check "keygen asks for the password on a terminal" grep -q "Password" tty.out
  check "the password is not echoed" bash -c '! grep -q "tty-pw" tty.out'
  rc code env EDUCTL_KEY_PASSWORD=tty-pw setsid -w "$E" mirror sign index.json --key k5/eductl.key -o tty.minisig </dev/null >/dev/null 2>&1
  check "the key made on the terminal opens with that password" [ "$code" = 0 ]
fi

# --- 6. --json ---
rc code notty --json mirror keygen --out k6 --no-password >k6.json 2>/dev/null
check "keygen --json prints one document" bash -c "[ $code = 0 ] && [ \$(jq -s length k6.json) = 1 ]"
check "keygen --json: schema, key id, public key" jq_true '.schema == "eductl.mirror.keygen/1" and (.key_id | test("^[0-9A-F]{16}$")) and .encrypted == false and (.public_key | length) == 56' k6.json
check "the JSON public key is the file's" [ "$(jq -r .public_key k6.json)" = "$(sed -n 2p k6/eductl.pub)" ]
rc code notty --json mirror keygen --out k7 >k7.json 2>/dev/null
check "keygen --json without a password source prints one error document" \
  bash -c "[ $code = 2 ] && [ \$(jq -s length k7.json) = 1 ] && jq -e '.schema == \"eductl.error/1\"' k7.json >/dev/null"
rc code "$E" --json mirror verify index.json --trust k1.pub.before >v.json 2>/dev/null
check "verify --json on a good signature" jq_true '.schema == "eductl.mirror.verify/1" and .valid and .trusted_comment == "snapshot 1" and .algorithm == "ED"' v.json
printf 'changed\n' >index.json
rc code "$E" --json mirror verify index.json --trust k1.pub.before >v.json 2>/dev/null
check "verify --json on a refused signature: exit 1, one document, the finding" \
  bash -c "[ $code = 1 ] && [ \$(jq -s length v.json) = 1 ] && jq -e '.valid == false and .findings[0].code == \"MIR-SIGNATURE\" and .trusted_comment == null' v.json >/dev/null"
rc code notty --json mirror sign big.bin --key k1/eductl.key >s.json 2>/dev/null
check "sign --json prints one document" jq_true '.schema == "eductl.mirror.sign/1" and .signature_file == "big.bin.minisig"' s.json

finish
