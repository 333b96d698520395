#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# install-edgectl.sh: download, sha256 check before anything is installed or run, install,
# --from for air-gapped sites, idempotent reinstall. The curl stub (test/support/stubs/curl)
# answers from a routes file and records every call; every test has its own temp root.

INSTALLER_NAME=install-edgectl.sh

setup() {
  load test_helper
  INSTALLER=$REPO_ROOT/scripts/$INSTALLER_NAME
  BIN=$BATS_TEST_TMPDIR/root/usr/local/bin
  RELEASE=$BATS_TEST_TMPDIR/release
  RAN=$BATS_TEST_TMPDIR/ran.log
  export CURL_STUB_DIR=$BATS_TEST_TMPDIR/curl
  export CURL_STUB_ROUTES=$BATS_TEST_TMPDIR/routes
  mkdir -p "$RELEASE" "$BATS_TEST_TMPDIR/root/usr/local"
  : >"$CURL_STUB_ROUTES"
  BASE=https://releases.example.test/edgectl/v9.9.9
  make_release "$RELEASE" 9.9.9
  route_release "$BASE" "$RELEASE"
}

# make_release DIR VERSION: a fake edgectl-linux-x64 that records each run in $RAN and prints
# VERSION, plus its sha256 file in sha256sum format.
make_release() {
  local dir=$1 version=$2
  mkdir -p "$dir"
  # shellcheck disable=SC2016  # $0 and $* belong to the generated script
  printf '#!/bin/sh\necho "ran $0 $*" >>%q\necho %s\n' "$RAN" "$version" >"$dir/edgectl-linux-x64"
  chmod 644 "$dir/edgectl-linux-x64"
  (cd "$dir" && sha256sum edgectl-linux-x64 >edgectl-linux-x64.sha256)
}

# route_release URL DIR: the curl stub serves DIR's two files under URL.
route_release() {
  printf '%s/edgectl-linux-x64 file:%s/edgectl-linux-x64\n' "$1" "$2" >>"$CURL_STUB_ROUTES"
  printf '%s/edgectl-linux-x64.sha256 file:%s/edgectl-linux-x64.sha256\n' "$1" "$2" >>"$CURL_STUB_ROUTES"
}

# installer ARGS...: run the installer with the stubs first on PATH and no EDGECTL_* settings.
installer() {
  run --separate-stderr env -u EDGECTL_BASE_URL -u EDGECTL_VERSION -u EDGECTL_FROM -u EDGECTL_BIN_DIR -u EDGECTL_SHA256 \
    PATH="$HERMETIC_PATH" TMPDIR="$BATS_TEST_TMPDIR" bash "$INSTALLER" "$@"
}

curl_calls() {
  cat "$CURL_STUB_DIR/curl.log" 2>/dev/null || true
}

# assert_nothing_installed: no edgectl and no staged leftovers in BIN, and no temp dirs left.
assert_nothing_installed() {
  [ ! -e "$BIN/edgectl" ] || fail "edgectl was installed"
  if [ -d "$BIN" ]; then
    [ -z "$(ls -A "$BIN")" ] || fail "left in $BIN: $(ls -A "$BIN")"
  fi
  assert_no_temp_dirs
}

assert_no_temp_dirs() {
  local left
  left=$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'install-edgectl.*')
  [ -z "$left" ] || fail "temp dir left behind: $left"
}

@test "--help prints the header contract: every option and variable" {
  installer --help
  assert_success
  for word in --base-url EDGECTL_BASE_URL --version EDGECTL_VERSION --from EDGECTL_FROM --sha256 EDGECTL_SHA256 --bin-dir EDGECTL_BIN_DIR \
    --prefix --dry-run /usr/local/bin https://github.com/edgectl/edgectl/releases/latest/download 'Exit codes'; do
    assert_output --partial -- "$word"
  done
}

@test "downloads from --base-url, verifies, installs 0755 and runs only the verified copy" {
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
  assert_equal "$(stat -c %a "$BIN/edgectl")" 755
  assert_equal "$(curl_calls | grep -c "$BASE/edgectl-linux-x64")" 2
  [[ $stderr == *"sha256 verified: $(cut -d' ' -f1 "$RELEASE/edgectl-linux-x64.sha256")"* ]] || fail "no verification line: $stderr"
  [[ $stderr == *"installed edgectl 9.9.9 as $BIN/edgectl"* ]] || fail "$stderr"
  # run once, for --version, from the staged copy in BIN (already verified)
  assert_equal "$(wc -l <"$RAN")" 1
  grep -q "^ran $BIN/.edgectl.new.* --version\$" "$RAN" || fail "unexpected run: $(cat "$RAN")"
  assert_no_temp_dirs
}

@test "EDGECTL_BASE_URL is used when no flag is given; the flag wins over it" {
  local other=https://mirror.example.test/edgectl
  make_release "$BATS_TEST_TMPDIR/other" 8.8.8
  route_release "$other" "$BATS_TEST_TMPDIR/other"
  run --separate-stderr env PATH="$HERMETIC_PATH" TMPDIR="$BATS_TEST_TMPDIR" EDGECTL_BASE_URL="$other" \
    EDGECTL_BIN_DIR="$BIN" bash "$INSTALLER"
  assert_success
  cmp "$BIN/edgectl" "$BATS_TEST_TMPDIR/other/edgectl-linux-x64"
  run --separate-stderr env PATH="$HERMETIC_PATH" TMPDIR="$BATS_TEST_TMPDIR" EDGECTL_BASE_URL="$other" \
    bash "$INSTALLER" --base-url "$BASE" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
}

@test "the default source is the GitHub release; --version picks a tagged release" {
  route_release https://github.com/edgectl/edgectl/releases/latest/download "$RELEASE"
  installer --bin-dir "$BIN"
  assert_success
  curl_calls | grep -q ' https://github.com/edgectl/edgectl/releases/latest/download/edgectl-linux-x64$'
  rm -f "$BIN/edgectl"
  route_release https://github.com/edgectl/edgectl/releases/download/v1.2.3 "$RELEASE"
  installer --version 1.2.3 --bin-dir "$BIN"
  assert_success
  curl_calls | grep -q ' https://github.com/edgectl/edgectl/releases/download/v1.2.3/edgectl-linux-x64$'
}

@test "--prefix installs into PREFIX/bin" {
  installer --base-url "$BASE" --prefix "$BATS_TEST_TMPDIR/opt"
  assert_success
  cmp "$BATS_TEST_TMPDIR/opt/bin/edgectl" "$RELEASE/edgectl-linux-x64"
}

@test "a sha256 mismatch installs nothing and never runs the download (exit 1)" {
  printf 'tampered\n' >>"$RELEASE/edgectl-linux-x64"
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"sha256 mismatch for edgectl-linux-x64"*"expected $(cut -d' ' -f1 "$RELEASE/edgectl-linux-x64.sha256"), got $(sha256sum "$RELEASE/edgectl-linux-x64" | cut -d' ' -f1)"* ]] ||
    fail "no expected/actual in: $stderr"
  [[ $stderr == *"nothing was installed"* ]] || fail "$stderr"
  [ ! -e "$RAN" ] || fail "the unverified download was run: $(cat "$RAN")"
  assert_nothing_installed
}

@test "a mismatch leaves an installed edgectl exactly as it was" {
  mkdir -p "$BIN"
  printf '#!/bin/sh\necho old\n' >"$BIN/edgectl"
  chmod 755 "$BIN/edgectl"
  local before
  before=$(stat -c '%i %Y %a %s' "$BIN/edgectl")
  printf 'x' >>"$RELEASE/edgectl-linux-x64"
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_failure 1
  assert_equal "$(stat -c '%i %Y %a %s' "$BIN/edgectl")" "$before"
  assert_equal "$(ls -A "$BIN")" edgectl
}

@test "a malformed .sha256 file installs nothing (exit 1)" {
  printf 'not-a-hash  edgectl-linux-x64\n' >"$RELEASE/edgectl-linux-x64.sha256"
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"does not start with a sha256"* ]] || fail "$stderr"
  assert_nothing_installed
}

@test "a failed download (HTTP 404) installs nothing (exit 1)" {
  printf '%s/edgectl-linux-x64.sha256 status:404\n' "https://gone.example.test" >"$CURL_STUB_ROUTES"
  installer --base-url https://gone.example.test --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"download failed: https://gone.example.test/edgectl-linux-x64.sha256"* ]] || fail "$stderr"
  assert_nothing_installed
}

@test "a verified executable that cannot run on this host is not installed (exit 1)" {
  printf '#!/bin/sh\necho "cannot execute: required file not found" >&2\nexit 127\n' >"$RELEASE/edgectl-linux-x64"
  (cd "$RELEASE" && sha256sum edgectl-linux-x64 >edgectl-linux-x64.sha256)
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"does not run on this host"*"glibc 2.28"* ]] || fail "$stderr"
  assert_nothing_installed
}

@test "--from DIR installs without any download (air-gapped)" {
  installer --from "$RELEASE" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
  assert_equal "$(curl_calls)" ""
  # and works with no downloader on PATH at all
  rm -f "$BIN/edgectl"
  local nodl=$BATS_TEST_TMPDIR/nodl
  mkdir -p "$nodl"
  local tool
  for tool in bash env uname mktemp chmod install mv rm cp head sha256sum sed cat mkdir; do
    ln -s "$(command -v "$tool")" "$nodl/$tool"
  done
  run --separate-stderr env -i PATH="$nodl" TMPDIR="$BATS_TEST_TMPDIR" bash "$INSTALLER" --from "$RELEASE" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
}

@test "--from with a tampered file or a missing .sha256 installs nothing" {
  local dir=$BATS_TEST_TMPDIR/usb
  make_release "$dir" 9.9.9
  printf 'x' >>"$dir/edgectl-linux-x64"
  installer --from "$dir" --bin-dir "$BIN"
  assert_failure 1
  assert_nothing_installed
  rm "$dir/edgectl-linux-x64.sha256"
  installer --from "$dir" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"edgectl-linux-x64.sha256: not found"* ]] || fail "$stderr"
  assert_nothing_installed
}

@test "reinstalling the same release changes nothing; a new release replaces it" {
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_success
  local before
  before=$(stat -c '%i %Y' "$BIN/edgectl")
  : >"$RAN"
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_success
  [[ $stderr == *"already this edgectl"* ]] || fail "$stderr"
  assert_equal "$(stat -c '%i %Y' "$BIN/edgectl")" "$before"
  assert_equal "$(cat "$RAN")" ""
  make_release "$RELEASE" 10.0.0
  installer --base-url "$BASE" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
  assert_equal "$("$BIN/edgectl")" 10.0.0
  assert_equal "$(ls -A "$BIN")" edgectl
}

@test "--dry-run downloads nothing and changes nothing" {
  installer --base-url "$BASE" --bin-dir "$BIN" --dry-run
  assert_success
  assert_line "would download $BASE/edgectl-linux-x64.sha256 and $BASE/edgectl-linux-x64"
  assert_line "(dry run: nothing was downloaded or changed)"
  assert_equal "$(curl_calls)" ""
  [ ! -e "$BIN" ] || fail "created $BIN"
  assert_no_temp_dirs
}

@test "usage errors exit 2 and install nothing" {
  installer --bogus
  assert_failure 2
  installer --from "$BATS_TEST_TMPDIR/nonexistent" --bin-dir "$BIN"
  assert_failure 2
  installer --base-url ftp://example.test/x --bin-dir "$BIN"
  assert_failure 2
  installer --version latest --bin-dir "$BIN"
  assert_failure 2
  installer --base-url
  assert_failure 2
  assert_nothing_installed
  assert_equal "$(curl_calls)" ""
}

@test "a plain-HTTP base URL is used with a warning" {
  route_release http://mirror.example.test "$RELEASE"
  installer --base-url http://mirror.example.test --bin-dir "$BIN"
  assert_success
  [[ $stderr == *"[WARN]  http://mirror.example.test is plain HTTP"* ]] || fail "$stderr"
}

@test "a bin dir that cannot be created fails before any download" {
  printf 'a file\n' >"$BATS_TEST_TMPDIR/afile"
  installer --base-url "$BASE" --bin-dir "$BATS_TEST_TMPDIR/afile/bin"
  assert_failure 1
  [[ $stderr == *"cannot create $BATS_TEST_TMPDIR/afile/bin"* ]] || fail "$stderr"
  assert_equal "$(curl_calls)" ""
  assert_no_temp_dirs
}

# top_level_commands: lines of the installer that run something at the top level, besides
# `set -euo pipefail` and the final `main "$@"` (assignments and function definitions do not).
top_level_commands() {
  # shellcheck disable=SC2016  # the literal text main "$@"
  grep -E '^[a-z_]+ ' "$INSTALLER" | grep -vxF -e 'set -euo pipefail' -e 'main "$@"' || true
}

@test "the script is all functions and one call at the end (a truncated download runs nothing)" {
  # shellcheck disable=SC2016  # the literal text main "$@"
  assert_equal "$(grep -v '^[[:space:]]*$' "$INSTALLER" | tail -n 1)" 'main "$@"'
  run top_level_commands
  assert_output ""
}

@test "--sha256 pins the hash: a release whose .sha256 agrees installs, a replaced pair installs nothing" {
  local good
  good=$(cut -d' ' -f1 "$RELEASE/edgectl-linux-x64.sha256")
  installer --base-url "$BASE" --sha256 "${good^^}" --bin-dir "$BIN"
  assert_success
  cmp "$BIN/edgectl" "$RELEASE/edgectl-linux-x64"
  # an attacker who controls the release location replaces the executable and its .sha256
  rm -f "$BIN/edgectl" "$RAN"
  printf 'tampered\n' >>"$RELEASE/edgectl-linux-x64"
  sha256sum "$RELEASE/edgectl-linux-x64" | sed "s|$RELEASE/||" >"$RELEASE/edgectl-linux-x64.sha256"
  installer --base-url "$BASE" --sha256 "$good" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"--sha256 pins $good; nothing was installed"* ]] || fail "$stderr"
  [ ! -e "$RAN" ] || fail "the replaced download was run: $(cat "$RAN")"
  assert_nothing_installed
  run --separate-stderr env PATH="$HERMETIC_PATH" TMPDIR="$BATS_TEST_TMPDIR" EDGECTL_SHA256="$good" \
    bash "$INSTALLER" --from "$RELEASE" --bin-dir "$BIN"
  assert_failure 1
  [[ $stderr == *"pins $good"* ]] || fail "EDGECTL_SHA256 not honoured: $stderr"
  assert_nothing_installed
  installer --from "$RELEASE" --sha256 abc --bin-dir "$BIN"
  assert_failure 2
  [[ $stderr == *"--sha256: expected 64 hex digits"* ]] || fail "$stderr"
}
