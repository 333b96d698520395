#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# Readiness: wait-ready and the wait after server/agent; timeouts name the failed condition.

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

# fake_knob KEY=VALUE: an environment setting for the fake rke2-server, loaded by the systemctl
# stub from the unit's EnvironmentFile (as systemd loads rke2-server.env).
fake_knob() {
  local env_file
  env_file=$(host_path h1 /usr/local/lib/systemd/system/rke2-server.env)
  mkdir -p "$(dirname "$env_file")"
  echo "$1" >>"$env_file"
}

@test "wait-ready server succeeds on a ready server" {
  server_up h1
  reset_logs h1
  rke2 h1 wait-ready server --timeout 5
  assert_success
  events h1 | grep -q $'^start\twait-ready\twaiting up to 5s for rke2-server to be ready$'
  events h1 | grep -qE $'^done\twait-ready\trke2-server is ready after [0-9]+s$'
}

@test "service that fails to start: exit 6 naming 'service not active'" {
  fake_knob FAKE_RKE2_FAIL=1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --wait-timeout 1
  assert_equal "$status" 6
  [[ $stderr == *"timed out after 1s waiting for rke2-server: service rke2-server not active"* ]]
  events h1 | tail -n 1 | grep -q $'^fail\twait-ready\ttimed out after 1s waiting for rke2-server: service rke2-server not active'
  grep -q "simulated startup failure" "$(host_path h1 /var/log/edgectl-sim/rke2-server.log)"
}

@test "server that never writes its token: exit 6 naming the token file" {
  fake_knob FAKE_RKE2_NEVER_READY=1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --wait-timeout 1
  assert_equal "$status" 6
  [[ $stderr == *"timed out after 1s waiting for rke2-server: token file /var/lib/rancher/rke2/server/token not written"* ]]
  [[ $stderr != *"not active"* ]]
  unit_active h1 rke2-server
  rke2 h1 wait-ready server --timeout 0
  assert_equal "$status" 6
  [[ $stderr == *"timed out after 0s waiting for rke2-server: token file /var/lib/rancher/rke2/server/token not written"* ]]
}

@test "a slow server is waited for" {
  fake_knob FAKE_RKE2_READY_DELAY=1.5
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  assert_success
  [ -s "$(host_path h1 /var/lib/rancher/rke2/server/token)" ]
  # more than one readiness check was needed
  [ "$(systemctl_log h1 | grep -c '^is-active --quiet rke2-server.service$')" -gt 3 ]
}

@test "wait-ready agent on a server host times out naming the agent service" {
  server_up h1
  rke2 h1 wait-ready agent --timeout 0
  assert_equal "$status" 6
  [[ $stderr == *"service rke2-agent not active; agent kubeconfig /var/lib/rancher/rke2/agent/kubelet.kubeconfig not written"* ]]
}

@test "an unchanged condition is reported once, not at every check; a timeout says where to look" {
  fake_knob FAKE_RKE2_FAIL=1
  reset_logs h1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --wait-timeout 2
  assert_equal "$status" 6
  # ~20 checks at RKE2_SH_POLL_INTERVAL=0.1, one report of the condition
  [ "$(systemctl_log h1 | grep -c '^is-active --quiet rke2-server.service$')" -gt 5 ]
  assert_equal "$(events h1 | grep -c $'^info\twait-ready\t')" 1
  events h1 | grep -q $'^info\twait-ready\twaiting for rke2-server: service rke2-server not active'
  [[ $stderr == *"see: journalctl -u rke2-server; ports 6443 (API) and 9345 (registration)"* ]]
}

@test "an agent's readiness timeout names its unit and the server ports" {
  server_up h1
  rke2 h1 wait-ready agent --timeout 0
  assert_equal "$status" 6
  [[ $stderr == *"see: journalctl -u rke2-agent; the server must be reachable on ports 9345 (registration) and 6443 (API)"* ]]
}

# interrupt_wait SIGNAL: start a wait that never ends, send SIGNAL to the script, and set
# $status and $stderr as `run` does.
interrupt_wait() {
  local errfile="$BATS_TEST_TMPDIR/stderr" pid="" _try
  server_up h1
  : >"$EVENTS_DIR/h1"
  # the inner bash prints its pid on stderr, then becomes the script
  # shellcheck disable=SC2016  # $$ expands in the inner bash
  sim h1 EDGECTL_EVENTS_FD=9 bash -c 'echo "pid $$" >&2; exec bash "$1" wait-ready agent --timeout 60' _ "$SCRIPT" \
    9>>"$EVENTS_DIR/h1" 2>"$errfile" &
  local bg=$!
  for _try in $(seq 100); do
    events h1 | grep -q $'^start\twait-ready' && break
    sleep 0.1
  done
  pid=$(sed -n 's/^pid \([0-9][0-9]*\)$/\1/p' "$errfile" | head -n 1)
  [ -n "$pid" ] || fail "no pid in: $(cat "$errfile")"
  kill "-$1" "$pid"
  status=0
  wait "$bg" || status=$?
  stderr=$(cat "$errfile")
}

@test "SIGTERM ends the script with 143, as the installer does, and a fail event" {
  interrupt_wait TERM
  assert_equal "$status" 143
  [[ $stderr == *"interrupted by SIGTERM"* ]]
  events h1 | tail -n 1 | grep -q $'^fail\twait-ready\tinterrupted by SIGTERM$'
}

@test "SIGINT ends the script with 130" {
  interrupt_wait INT
  assert_equal "$status" 130
  [[ $stderr == *"interrupted by SIGINT"* ]]
}
