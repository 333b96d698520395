#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh status: text and JSON, never token content.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
  new_host h1
}

teardown() {
  common_teardown
}

@test "status (text) on a running server" {
  write_token "$BATS_TEST_TMPDIR/token" "$TEST_TOKEN"
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  rke2 h1 status
  assert_success
  assert_line "installed:     yes (/usr/local/bin/rke2)"
  assert_line "version:       $V1"
  assert_line "role:          server"
  assert_line "rke2-server:   active, enabled"
  assert_line "rke2-agent:    inactive, disabled"
  assert_line "config files:  /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml"
  assert_line "token file:    /etc/rancher/rke2/edgectl-token present"
  assert_line "server token:  /var/lib/rancher/rke2/server/token present"
  assert_secret_absent "$TEST_TOKEN"
  assert_secret_absent "$(sed 's/.*::server://' "$(host_path h1 /var/lib/rancher/rke2/server/token)")"
}

@test "status --json on a running server is one JSON object without token content" {
  write_token "$BATS_TEST_TMPDIR/token" "$TEST_TOKEN"
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  mkdir -p "$(host_path h1 /etc/rancher/rke2)"
  echo 'debug: true' >"$(host_path h1 /etc/rancher/rke2/config.yaml)"
  rke2 h1 status --json
  assert_success
  assert_equal "${#lines[@]}" 1
  run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["installed"] is True, d
assert d["version"] == sys.argv[2], d
assert d["binary"] == "/usr/local/bin/rke2", d
assert d["role"] == "server", d
assert d["services"]["rke2-server"] == {"active": "active", "enabled": "enabled"}, d
assert d["services"]["rke2-agent"] == {"active": "inactive", "enabled": "disabled"}, d
assert d["configFiles"] == ["/etc/rancher/rke2/config.yaml", "/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml"], d
assert d["dropIn"] == {"path": "/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml", "present": True}, d
assert d["tokenFile"] == {"path": "/etc/rancher/rke2/edgectl-token", "present": True}, d
assert d["serverToken"] == {"path": "/var/lib/rancher/rke2/server/token", "present": True}, d
print("ok")
' "$output" "$V1"
  assert_output ok
  assert_secret_absent "$TEST_TOKEN"
}

@test "status on a host without RKE2: exit 3, report still printed" {
  rke2 h1 status --json
  assert_equal "$status" 3
  [[ $stderr == *"RKE2 is not installed"* ]]
  run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["installed"] is False and d["version"] is None and d["role"] == "none", d
assert d["configFiles"] == [] and d["tokenFile"]["present"] is False, d
print("ok")
' "$output"
  assert_output ok
  rke2 h1 status
  assert_equal "$status" 3
  assert_line "installed:     no"
}

@test "status after a stopped service shows it inactive, the role stays" {
  server_up h1
  sim h1 systemctl stop rke2-server
  rke2 h1 status
  assert_success
  assert_line "role:          server"
  assert_line "rke2-server:   inactive, enabled"
}
