#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh token-rotate and token-sync: RKE2's own rotation with no token on any command line,
# the new token put in place for the next start without a restart, refusals that change nothing.

V_NO_ROTATE=v1.26.9+rke2r1
V_FIRST_ROTATE=v1.26.10+rke2r1

setup_file() {
  load test_helper
  common_setup_file
  local v
  for v in "$V_NO_ROTATE" "$V_FIRST_ROTATE"; do
    "$FAKE/build-release.sh" "$RELEASES/$v" "$v"
  done
}

setup() {
  load test_helper
  common_setup
}

teardown() {
  common_teardown
}

server_token() {
  cat "$(host_path "$1" /var/lib/rancher/rke2/server/token)"
}

token_log() {
  cat "$(host_path "$1" /var/log/edgectl-sim/rke2-token.log)" 2>/dev/null || true
}

@test "token-rotate: RKE2 makes the new token, same CA, token file and drop-in updated, nothing restarted" {
  new_host h1
  server_up h1
  local old new
  old=$(server_token h1)
  reset_logs h1
  rke2 h1 token-rotate
  assert_success
  new=$(server_token h1)
  [ "$new" != "$old" ] || fail "the server token did not change"
  [[ $new == "K10$(ca_hash h1)::server:"* ]] || fail "the CA hash changed: $new"
  assert_equal "$(cat "$(host_path h1 /etc/rancher/rke2/edgectl-token)")" "$new"
  assert_equal "$(stat -c '%a %u' "$(host_path h1 /etc/rancher/rke2/edgectl-token)")" "600 0"
  assert_equal "$(sed -n 3p "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)")" \
    'token-file: "/etc/rancher/rke2/edgectl-token"'
  # RKE2 got no token on its command line or in its environment
  assert_equal "$(token_log h1)" "token rotate"
  assert_equal "$(mutating_calls h1)" ""
  events h1 | grep -q $'^done\ttoken\tserver token rotated'
  assert_secret_absent "${old#*::server:}"
  assert_secret_absent "${new#*::server:}"
}

@test "after token-rotate, a server run given the new token changes nothing, and a restart keeps it" {
  new_host h1
  server_up h1
  rke2 h1 token-rotate
  assert_success
  local new
  new=$(server_token h1)
  write_token "$BATS_TEST_TMPDIR/token" "$new"
  reset_logs h1
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  assert_equal "$(mutating_calls h1)" ""
  sim h1 systemctl restart rke2-server
  rke2 h1 wait-ready server --timeout 20
  assert_success
  assert_equal "$(server_token h1)" "$new"
}

@test "token-sync: an agent gets the new token without a restart and rejoins with it later" {
  new_host s1 "$(bridge_addr 1)"
  new_host a1 "$(bridge_addr 2)"
  server_up s1
  write_token "$BATS_TEST_TMPDIR/old" "$(server_token s1)"
  rke2 a1 agent --server "https://$(bridge_addr 1):9345" --token-file "$BATS_TEST_TMPDIR/old" \
    --airgap-dir "$RELEASES/$V1" --wait-timeout 30
  assert_success
  rke2 s1 token-rotate
  assert_success
  local new
  new=$(server_token s1)
  write_token "$BATS_TEST_TMPDIR/new" "$new"
  reset_logs a1
  rke2 a1 token-sync --token-file "$BATS_TEST_TMPDIR/new"
  assert_success
  assert_equal "$(cat "$(host_path a1 /etc/rancher/rke2/edgectl-token)")" "$new"
  assert_equal "$(mutating_calls a1)" ""
  events a1 | grep -q $'^done\ttoken\t/etc/rancher/rke2/edgectl-token updated'
  # a second sync finds nothing to do
  local before
  before=$(snapshot a1)
  rke2 a1 token-sync --token-file "$BATS_TEST_TMPDIR/new"
  assert_success
  events a1 | grep -q $'^skip\ttoken\t/etc/rancher/rke2/edgectl-token already holds this token'
  assert_equal "$(snapshot a1)" "$before"
  # the restarted agent authenticates with the new token (its kubeconfig is written only then)
  rm -f "$(host_path a1 /var/lib/rancher/rke2/agent/kubelet.kubeconfig)"
  sim a1 systemctl restart rke2-agent
  rke2 a1 wait-ready agent --timeout 30
  assert_success
  assert_secret_absent "${new#*::server:}"
}

@test "token-sync on stdin works the same way" {
  new_host h1
  server_up h1
  local token
  token=$(server_token h1)
  run --separate-stderr sim h1 bash "$SCRIPT" token-sync --token-file - <<<"$token"
  assert_success
  assert_equal "$(cat "$(host_path h1 /etc/rancher/rke2/edgectl-token)")" "$token"
  grep -qxF 'token-file: "/etc/rancher/rke2/edgectl-token"' "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)"
}

@test "token-sync refuses another cluster's token and malformed input: exit 3, nothing changed" {
  new_host h1
  server_up h1
  local before
  before=$(snapshot h1)
  write_token "$BATS_TEST_TMPDIR/other" "K10$(printf 'ab%.0s' {1..32})::server:$TEST_TOKEN"
  rke2 h1 token-sync --token-file "$BATS_TEST_TMPDIR/other"
  assert_equal "$status" 3
  [[ $stderr == *"does not match this node's cluster CA"* ]] || fail "$stderr"
  write_token "$BATS_TEST_TMPDIR/spaces" "two words"
  rke2 h1 token-sync --token-file "$BATS_TEST_TMPDIR/spaces"
  assert_equal "$status" 3
  write_token "$BATS_TEST_TMPDIR/loose" "$TEST_TOKEN" 644
  rke2 h1 token-sync --token-file "$BATS_TEST_TMPDIR/loose"
  assert_equal "$status" 3
  rke2 h1 token-sync
  assert_equal "$status" 2
  [[ $stderr == *"token-sync needs --token-file F"* ]]
  assert_equal "$(snapshot h1)" "$before"
  assert_secret_absent "$TEST_TOKEN"
}

@test "token-rotate refuses an RKE2 without 'rke2 token rotate' and never calls it; the first release with it works" {
  new_host h1
  rke2 h1 server --airgap-dir "$RELEASES/$V_NO_ROTATE" --wait-timeout 20
  assert_success
  local before
  before=$(snapshot h1)
  rke2 h1 token-rotate
  assert_equal "$status" 3
  [[ $stderr == *"RKE2 $V_NO_ROTATE has no 'rke2 token rotate'"*"v1.26.10"* ]] || fail "$stderr"
  assert_equal "$(token_log h1)" ""
  assert_equal "$(snapshot h1)" "$before"
  new_host h2
  rke2 h2 server --airgap-dir "$RELEASES/$V_FIRST_ROTATE" --wait-timeout 20
  assert_success
  rke2 h2 token-rotate
  assert_success
  assert_equal "$(token_log h2)" "token rotate"
}

@test "token-rotate needs a ready server: exit 3 on a stopped server and without RKE2" {
  new_host h1
  rke2 h1 token-rotate
  assert_equal "$status" 3
  [[ $stderr == *"RKE2 is not installed"* ]]
  server_up h1
  sim h1 systemctl stop rke2-server
  local before
  before=$(snapshot h1)
  rke2 h1 token-rotate
  assert_equal "$status" 3
  [[ $stderr == *"rke2-server is not ready: service rke2-server not active"* ]] || fail "$stderr"
  assert_equal "$(token_log h1)" ""
  assert_equal "$(snapshot h1)" "$before"
}

@test "token-rotate on an agent: exit 3" {
  new_host s1 "$(bridge_addr 3)"
  new_host a1 "$(bridge_addr 4)"
  server_up s1
  write_token "$BATS_TEST_TMPDIR/t" "$(server_token s1)"
  rke2 a1 agent --server "https://$(bridge_addr 3):9345" --token-file "$BATS_TEST_TMPDIR/t" \
    --airgap-dir "$RELEASES/$V1" --wait-timeout 30
  assert_success
  rke2 a1 token-rotate
  assert_equal "$status" 3
  [[ $stderr == *"token rotation runs on a server; this host's role is agent"* ]]
}

@test "dry runs print the plan and change nothing" {
  new_host h1
  server_up h1
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 token-rotate --dry-run
  assert_success
  assert_line --partial "dry-run: would run /usr/local/bin/rke2 token rotate (no token on its command line"
  assert_line --partial "dry-run: would not restart rke2-server"
  write_token "$BATS_TEST_TMPDIR/t" "$(server_token h1)"
  rke2 h1 token-sync --token-file "$BATS_TEST_TMPDIR/t" --dry-run
  assert_success
  assert_line "dry-run: would write /etc/rancher/rke2/edgectl-token (mode 0600; token not shown)"
  assert_line "dry-run: would add 'token-file: \"/etc/rancher/rke2/edgectl-token\"' to /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml"
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(token_log h1)" ""
  assert_equal "$(mutating_calls h1)" ""
}

@test "a drop-in edited to point token-file elsewhere is refused: exit 3" {
  new_host h1
  server_up h1
  printf 'token-file: "/root/elsewhere"\n' >>"$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)"
  rke2 h1 token-rotate
  assert_equal "$status" 3
  [[ $stderr == *"sets token-file to a file other than /etc/rancher/rke2/edgectl-token"* ]]
  assert_equal "$(token_log h1)" ""
}

@test "RKE2_TOKEN and RKE2_URL in the caller's environment never reach rke2 token rotate" {
  new_host h1
  server_up h1
  HOST_ENV+=("RKE2_TOKEN=$TEST_TOKEN" "RKE2_URL=https://10.9.9.9:9345")
  rke2 h1 token-rotate
  assert_success
  assert_equal "$(token_log h1)" "token rotate"
}
