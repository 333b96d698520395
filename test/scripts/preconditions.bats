#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# Preconditions (exit 3): token file, air-gap artifacts, checksums, installer, config file.
# Each must fail before anything on the host changes.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
  new_host h1
  TOKEN_FILE=$BATS_TEST_TMPDIR/token
  write_token "$TOKEN_FILE" "$TEST_TOKEN"
  BEFORE=$(snapshot h1)
}

teardown() {
  common_teardown
}

# assert_precondition_failed: exit 3, one error line, nothing changed, nothing installed.
assert_precondition_failed() {
  assert_equal "$status" 3
  assert_equal "$(snapshot h1)" "$BEFORE"
  assert_equal "$(mutating_calls h1)" ""
  [ ! -e "$(host_path h1 /usr/local/bin/rke2)" ] || fail "rke2 was installed"
  [ "$(grep -c '^\[ERROR\]' <<<"$stderr")" = 1 ] || fail "expected one error line: $stderr"
  events h1 | tail -n 1 | grep -qE $'^fail\tverify\t' || fail "last event is not a verify failure"
}

@test "missing token file: exit 3" {
  rke2 h1 agent --server https://10.77.0.9:9345 --token-file /nonexistent/token --airgap-dir "$RELEASES/$V1"
  assert_precondition_failed
  [[ $stderr == *"token file /nonexistent/token does not exist"* ]]
}

@test "token file with loose permissions: exit 3, token not printed" {
  local mode
  for mode in 644 640 604 660 700; do
    chmod "$mode" "$TOKEN_FILE"
    rke2 h1 agent --server https://10.77.0.9:9345 --token-file "$TOKEN_FILE" --airgap-dir "$RELEASES/$V1"
    assert_precondition_failed
    [[ $stderr == *"token file $TOKEN_FILE has mode $mode; it must be 0600 or 0400"* ]] || fail "$mode: $stderr"
  done
  assert_secret_absent "$TEST_TOKEN"
}

@test "token file not owned by root: exit 3" {
  chown 65534 "$TOKEN_FILE"
  rke2 h1 agent --server https://10.77.0.9:9345 --token-file "$TOKEN_FILE" --airgap-dir "$RELEASES/$V1"
  assert_precondition_failed
  [[ $stderr == *"must be owned by root (owner uid 65534)"* ]]
}

@test "empty token, or a token with spaces: exit 3 without echoing it" {
  write_token "$TOKEN_FILE" ""
  rke2 h1 agent --server https://10.77.0.9:9345 --token-file "$TOKEN_FILE" --airgap-dir "$RELEASES/$V1"
  assert_precondition_failed
  [[ $stderr == *"is empty"* ]]
  write_token "$TOKEN_FILE" "two words-$TEST_TOKEN"
  rke2 h1 agent --server https://10.77.0.9:9345 --token-file "$TOKEN_FILE" --airgap-dir "$RELEASES/$V1"
  assert_precondition_failed
  [[ $stderr == *"must be one line of printable characters"* ]]
  assert_secret_absent "$TEST_TOKEN"
}

@test "missing air-gap artifacts: exit 3 naming the file" {
  local dir=$BATS_TEST_TMPDIR/airgap
  mkdir -p "$dir"
  cp "$RELEASES/$V1/sha256sum-amd64.txt" "$RELEASES/$V1/install.sh" "$dir/"
  rke2 h1 server --airgap-dir "$dir"
  assert_precondition_failed
  [[ $stderr == *"missing air-gap artifact $dir/rke2.linux-amd64.tar.gz"* ]]
  rm "$dir/sha256sum-amd64.txt"
  cp "$RELEASES/$V1/rke2.linux-amd64.tar.gz" "$dir/"
  rke2 h1 server --airgap-dir "$dir"
  assert_precondition_failed
  [[ $stderr == *"missing air-gap artifact $dir/sha256sum-amd64.txt"* ]]
  rke2 h1 server --airgap-dir "$BATS_TEST_TMPDIR/nowhere"
  assert_precondition_failed
  [[ $stderr == *"air-gap directory $BATS_TEST_TMPDIR/nowhere does not exist"* ]]
}

@test "checksum mismatch: exit 3 with expected and actual, nothing installed" {
  local dir=$BATS_TEST_TMPDIR/airgap expected actual
  cp -R "$RELEASES/$V1" "$dir"
  expected=$(cut -d' ' -f1 "$dir/sha256sum-amd64.txt")
  printf 'tampered' >>"$dir/rke2.linux-amd64.tar.gz"
  actual=$(sha256sum "$dir/rke2.linux-amd64.tar.gz" | cut -d' ' -f1)
  rke2 h1 server --airgap-dir "$dir" --token-file "$TOKEN_FILE"
  assert_precondition_failed
  [[ $stderr == *"checksum mismatch for $dir/rke2.linux-amd64.tar.gz: expected $expected, got $actual"* ]]
  [ ! -e "$(host_path h1 /var/log/edgectl-sim/installer.log)" ] || fail "the installer ran"
  [ ! -e "$(host_path h1 /etc/rancher/rke2/edgectl-token)" ] || fail "token file written"
}

@test "air-gap install without an installer: exit 3" {
  local dir=$BATS_TEST_TMPDIR/airgap
  cp -R "$RELEASES/$V1" "$dir"
  rm "$dir/install.sh"
  rke2 h1 server --airgap-dir "$dir"
  assert_precondition_failed
  [[ $stderr == *"pass --install-script or put install.sh in $dir"* ]]
}

@test "missing install script or config file: exit 3" {
  rke2 h1 server --install-script "$BATS_TEST_TMPDIR/no-such-install.sh"
  assert_precondition_failed
  [[ $stderr == *"install script $BATS_TEST_TMPDIR/no-such-install.sh does not exist"* ]]
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --config-file "$BATS_TEST_TMPDIR/nope.yaml"
  assert_precondition_failed
  [[ $stderr == *"config file $BATS_TEST_TMPDIR/nope.yaml does not exist"* ]]
}

@test "upgrade and wait-ready need RKE2 installed: exit 3" {
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh"
  assert_precondition_failed
  [[ $stderr == *"RKE2 is not installed"* ]]
  rke2 h1 wait-ready server --timeout 1
  assert_equal "$status" 3
  [[ $stderr == *"RKE2 is not installed"* ]]
  assert_equal "$(snapshot h1)" "$BEFORE"
}
