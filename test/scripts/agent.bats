#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh agent: joining a server over the network, token handling, readiness.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
  SERVER_ADDR=$(bridge_addr 0)
  AGENT_ADDR=$(bridge_addr 1)
  new_host s1 "$SERVER_ADDR"
  new_host a1 "$AGENT_ADDR"
  server_up s1
  JOIN_TOKEN=$BATS_TEST_TMPDIR/join-token
  write_token "$JOIN_TOKEN" "$(cat "$(host_path s1 /var/lib/rancher/rke2/server/token)")" 400
  PASSWORD=$(sed 's/.*::server://' "$JOIN_TOKEN")
}

teardown() {
  common_teardown
}

@test "agent joins the server: drop-in, 0600 token file, ready, CA pinned" {
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$JOIN_TOKEN" \
    --airgap-dir "$RELEASES/$V1" --node-name a1 --node-label role=worker --wait-timeout 20
  assert_success
  assert_equal "$(cat "$(host_path a1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)")" \
'# Written by edgectl rke2.sh (agent); rewritten on every run, do not edit.
# Put your own settings in /etc/rancher/rke2/config.yaml. The join token is not here.
token-file: "/etc/rancher/rke2/edgectl-token"
server: "https://'"$SERVER_ADDR"':9345"
node-name: "a1"
node-label:
  - "role=worker"'
  assert_equal "$(stat -c '%a %u' "$(host_path a1 /etc/rancher/rke2/edgectl-token)")" "600 0"
  cmp "$JOIN_TOKEN" "$(host_path a1 /etc/rancher/rke2/edgectl-token)"
  unit_active a1 rke2-agent
  assert_equal "$(count_calls a1 start rke2-agent)" 1
  grep -qx "run TYPE=agent VERSION= CHANNEL= ARTIFACT_PATH=$RELEASES/$V1" "$(host_path a1 /var/log/edgectl-sim/installer.log)"
  # the agent fetched the server's CA: the one the token pins
  assert_equal "$(sha256sum "$(host_path a1 /var/lib/rancher/rke2/agent/server-ca.crt)" | cut -d' ' -f1)" "$(ca_hash s1)"
  [ -s "$(host_path a1 /var/lib/rancher/rke2/agent/kubelet.kubeconfig)" ]
  events a1 | grep -qE $'^done\twait-ready\trke2-agent is ready after [0-9]+s$'
  assert_secret_absent "$PASSWORD"
  refute_cmd grep -qF "$PASSWORD" "$(host_path a1 /var/log/edgectl-sim/installer-env.log)"

  # and the status reports an agent, without the token
  rke2 a1 status --json
  assert_success
  [[ $output == *'"role":"agent"'* ]]
  [[ $output == *'"tokenFile":{"path":"/etc/rancher/rke2/edgectl-token","present":true}'* ]]
  assert_secret_absent "$PASSWORD"
}

@test "agent re-run with the same inputs does not restart; a new token restarts once" {
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$JOIN_TOKEN" --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  assert_success
  reset_logs a1
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$JOIN_TOKEN" --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  assert_success
  assert_equal "$(mutating_calls a1)" ""

  # rotate the cluster token on the server as the real `rke2 token rotate` does without
  # --new-token: the server makes the new token and writes it to its token file
  local before after
  before=$(cat "$(host_path s1 /var/lib/rancher/rke2/server/token)")
  run sim s1 rke2 token rotate
  assert_success
  after=$(cat "$(host_path s1 /var/lib/rancher/rke2/server/token)")
  [ "$after" != "$before" ] || fail "the server token did not change"
  grep -q "^K10$(ca_hash s1)::" "$(host_path s1 /var/lib/rancher/rke2/server/token)"
  write_token "$JOIN_TOKEN" "$after"
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$JOIN_TOKEN" --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  assert_success
  assert_equal "$(mutating_calls a1)" "restart --no-block rke2-agent.service"
  cmp "$JOIN_TOKEN" "$(host_path a1 /etc/rancher/rke2/edgectl-token)"
  assert_secret_absent "${after#*::server:}"
}

@test "agent with a wrong password never becomes ready: exit 6 naming the condition" {
  local bad=$BATS_TEST_TMPDIR/bad-token
  write_token "$bad" "K10$(ca_hash s1)::server:wrong-$TEST_TOKEN"
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$bad" --airgap-dir "$RELEASES/$V1" --wait-timeout 2
  assert_equal "$status" 6
  [[ $stderr == *"timed out after 2s waiting for rke2-agent: agent kubeconfig /var/lib/rancher/rke2/agent/kubelet.kubeconfig not written"* ]]
  [[ $stderr != *"not active"* ]]
  unit_active a1 rke2-agent
  grep -q "rejected the token" "$(host_path a1 /var/log/edgectl-sim/rke2-agent.log)"
  events a1 | tail -n 1 | grep -q $'^fail\twait-ready\ttimed out'
  assert_secret_absent "wrong-$TEST_TOKEN"
}

@test "server on an agent host is refused: exit 3" {
  rke2 a1 agent --server "https://$SERVER_ADDR:9345" --token-file "$JOIN_TOKEN" --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  assert_success
  reset_logs a1
  rke2 a1 server --airgap-dir "$RELEASES/$V1"
  assert_equal "$status" 3
  [[ $stderr == *"this host already runs rke2-agent"* ]]
  assert_equal "$(mutating_calls a1)" ""
}
