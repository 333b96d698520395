#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh uninstall: --yes, confirmation on a terminal, dry-run, nothing installed.

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

# on_tty INPUT ARGS...: `run` rke2.sh on h1 with stdin a terminal fed INPUT (util-linux script).
on_tty() {
  local input=$1 cmd
  shift
  cmd=$(printf '%q ' "$SUPPORT/sim-host.sh" --state "$HOSTS/h1" --netns "${HOST_NS[h1]}" -- \
    env -i PATH="$HERMETIC_PATH" HOME=/root "${HOST_ENV[@]}" bash "$SCRIPT" "$@")
  run script -qec "$cmd" /dev/null <<<"$input"
}

server_with_token() {
  write_token "$BATS_TEST_TMPDIR/token" "$TEST_TOKEN"
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  SERVER_PID=$(cut -d' ' -f1 "$(host_path h1 /var/log/edgectl-sim/systemctl/rke2-server.pid)")
}

@test "uninstall --yes stops RKE2, runs rke2-uninstall.sh and removes this script's files" {
  server_with_token
  reset_logs h1
  rke2 h1 uninstall --yes
  assert_success
  [ ! -e "$(host_path h1 /usr/local/bin/rke2)" ]
  [ ! -e "$(host_path h1 /usr/local/bin/rke2-uninstall.sh)" ]
  [ ! -e "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)" ]
  [ ! -e "$(host_path h1 /etc/rancher/rke2/edgectl-token)" ]
  [ ! -e "$(host_path h1 /var/lib/rancher/rke2)" ]
  refute_cmd pid_alive "$SERVER_PID"
  assert_equal "$(count_calls h1 stop rke2-server)" 1
  systemctl_log h1 | grep -qx 'disable rke2-server.service rke2-agent.service'
  refute_cmd unit_active h1 rke2-server
  events h1 | grep -qx $'done\tuninstall\tRKE2 uninstalled'
}

@test "uninstall declined on a terminal: exit 7, nothing removed" {
  server_with_token
  local before
  before=$(snapshot h1)
  on_tty "n" uninstall
  assert_equal "$status" 7
  assert_output --partial "Uninstall RKE2 from this host? [y/N]"
  assert_output --partial "uninstall aborted by the user"
  assert_equal "$(snapshot h1)" "$before"
  pid_alive "$SERVER_PID"
  unit_active h1 rke2-server
}

@test "uninstall confirmed on a terminal removes RKE2" {
  server_with_token
  on_tty "yes" uninstall
  assert_success
  [ ! -e "$(host_path h1 /usr/local/bin/rke2)" ]
  refute_cmd pid_alive "$SERVER_PID"
}

@test "uninstall without --yes and without a terminal: exit 2, nothing removed" {
  server_with_token
  local before
  before=$(snapshot h1)
  rke2 h1 uninstall </dev/null
  assert_equal "$status" 2
  [[ $stderr == *"uninstall needs --yes when stdin is not a terminal"* ]]
  assert_equal "$(snapshot h1)" "$before"
}

@test "uninstall --dry-run prints the plan and changes nothing" {
  server_with_token
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 uninstall --dry-run
  assert_success
  assert_line "dry-run: would run /usr/local/bin/rke2-uninstall.sh"
  assert_line "dry-run: would remove /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml"
  assert_line "dry-run: would remove /etc/rancher/rke2/edgectl-token"
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
}

@test "uninstall when nothing is installed succeeds and does nothing" {
  local before
  before=$(snapshot h1)
  rke2 h1 uninstall
  assert_success
  assert_equal "$(snapshot h1)" "$before"
  events h1 | grep -qx $'skip\tuninstall\tnothing to uninstall'
}

@test "a failing rke2-uninstall.sh: exit 4" {
  server_with_token
  printf '#!/bin/sh\necho boom >&2\nexit 1\n' >"$(host_path h1 /usr/local/bin/rke2-uninstall.sh)"
  rke2 h1 uninstall --yes
  assert_equal "$status" 4
  [[ $stderr == *"/usr/local/bin/rke2-uninstall.sh failed"* ]]
  [ -e "$(host_path h1 /etc/rancher/rke2/edgectl-token)" ]
}
