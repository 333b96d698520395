#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# The change gate of rke2.sh: a dry run prints exactly the changes a real run makes, in order
# (the real run reports each one as a change event with EDGECTL_CHANGE_EVENTS=1); events on
# stderr (EDGECTL_EVENTS=stderr); no descriptor outlives the script in a child it leaves running.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
}

teardown() {
  common_teardown
}

# planned_changes: the plan of the last run ($output) as change descriptions: each "dry-run:
# would ..." line without that prefix and without the ':' that introduces shown details.
planned_changes() {
  printf '%s\n' "$output" | sed -n 's/^dry-run: would //p' | sed 's/:$//'
}

# planned_changes_only: planned_changes without what the run leaves alone (keep, leave, not ...).
planned_changes_only() {
  planned_changes | grep -vE '^(keep|leave|not) ' || true
}

# made_changes NAME: the change events host NAME's real runs reported, descriptions only.
made_changes() {
  events "$1" | awk -F'\t' '$1 == "change" { print $3 }'
}

# real_run NAME ARGS...: rke2.sh for real on NAME, reporting its changes as events.
real_run() {
  local name=$1
  shift
  run --separate-stderr sim "$name" EDGECTL_EVENTS_FD=9 EDGECTL_CHANGE_EVENTS=1 bash "$SCRIPT" "$@" 9>>"$EVENTS_DIR/$name"
}

@test "server init on a fresh host: the dry-run lines are the real run's changes, in order" {
  new_host h1
  local -a args=(server --airgap-dir "$RELEASES/$V1" --node-label a=b --token-file - --wait-timeout 20)
  rke2 h1 "${args[@]}" --dry-run <<<"$TEST_TOKEN"
  assert_success
  local plan
  plan=$(planned_changes)
  # every plan line of a fresh host is a change (nothing to keep)
  assert_equal "$(planned_changes_only)" "$plan"
  assert_equal "$(printf '%s\n' "$output" | grep -c '^dry-run: ')" 5
  assert_equal "$(made_changes h1)" ""

  real_run h1 "${args[@]}" <<<"$TEST_TOKEN"
  assert_success
  assert_equal "$(made_changes h1)" "$plan"
  assert_equal "$(made_changes h1)" "install RKE2 with $RELEASES/$V1/install.sh (INSTALL_RKE2_TYPE=server INSTALL_RKE2_ARTIFACT_PATH=$RELEASES/$V1)
write /etc/rancher/rke2/edgectl-token (mode 0600; token not shown)
write /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml (mode 0600)
enable rke2-server
start rke2-server and wait up to 20s for readiness"
  # each change event belongs to the step that makes it
  assert_equal "$(events h1 | awk -F'\t' '$1 == "change" { print $2 }' | tr '\n' ' ')" "install configure configure start start "
  unit_active h1 rke2-server
  assert_secret_absent "$TEST_TOKEN"
}

@test "a re-run: changed inputs plan and make one drop-in write and one restart; the same inputs none" {
  new_host h1
  server_up h1 --node-label a=b
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --wait-timeout 20 --dry-run
  assert_success
  assert_line "dry-run: would keep RKE2 $V1"
  local plan
  plan=$(planned_changes_only)
  assert_equal "$plan" "write /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml (mode 0600)
restart rke2-server and wait up to 20s for readiness"
  reset_logs h1
  real_run h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --wait-timeout 20
  assert_success
  assert_equal "$(made_changes h1)" "$plan"
  assert_equal "$(count_calls h1 restart rke2-server)" 1

  # the same inputs again: the plan keeps everything, the real run changes nothing
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --wait-timeout 20 --dry-run
  assert_success
  assert_equal "$(planned_changes_only)" ""
  assert_line "dry-run: would leave rke2-server running (nothing changed)"
  reset_logs h1
  real_run h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --wait-timeout 20
  assert_success
  assert_equal "$(made_changes h1)" ""
  assert_equal "$(mutating_calls h1)" ""
}

@test "agent join on a fresh host: the dry-run lines are the real run's changes, in order" {
  local server_addr
  server_addr=$(bridge_addr 0)
  new_host s1 "$server_addr"
  new_host a1 "$(bridge_addr 1)"
  server_up s1
  local token=$BATS_TEST_TMPDIR/join-token
  write_token "$token" "$(cat "$(host_path s1 /var/lib/rancher/rke2/server/token)")" 400
  local -a args=(agent --server "https://$server_addr:9345" --token-file "$token" --airgap-dir "$RELEASES/$V1" --wait-timeout 20)
  rke2 a1 "${args[@]}" --dry-run
  assert_success
  local plan
  plan=$(planned_changes)
  assert_equal "$(planned_changes_only)" "$plan"
  real_run a1 "${args[@]}"
  assert_success
  assert_equal "$(made_changes a1)" "$plan"
  assert_equal "$(made_changes a1 | cut -d' ' -f1 | tr '\n' ' ')" "install write write enable start "
  unit_active a1 rke2-agent
}

@test "uninstall: the dry-run lines are the real run's changes, in order" {
  new_host h1
  write_token "$BATS_TEST_TMPDIR/token" "$TEST_TOKEN"
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  rke2 h1 uninstall --dry-run
  assert_success
  local plan
  plan=$(planned_changes)
  assert_equal "$plan" "run /usr/local/bin/rke2-uninstall.sh
remove /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml
remove /etc/rancher/rke2/edgectl-token"
  real_run h1 uninstall --yes
  assert_success
  assert_equal "$(made_changes h1)" "$plan"
  [ ! -e "$(host_path h1 /usr/local/bin/rke2)" ]
}

@test "upgrade: the dry-run lines are the real run's changes, in order" {
  new_host h1
  server_up h1
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --wait-timeout 20 --dry-run
  assert_success
  local plan
  plan=$(planned_changes)
  assert_equal "$(printf '%s\n' "$plan" | wc -l)" 2
  real_run h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --wait-timeout 20
  assert_success
  assert_equal "$(made_changes h1)" "$plan"
}

@test "EDGECTL_EVENTS=stderr: the same events on stderr, each line prefixed '@edgectl-event<TAB>'" {
  new_host h1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label 'bad label'
  assert_equal "$status" 2
  local fd_events
  fd_events=$(events h1)
  assert_equal "$fd_events" $'fail\tverify\tinvalid --node-label \'bad label\': expected KEY=VALUE'

  run --separate-stderr sim h1 EDGECTL_EVENTS=stderr bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --node-label 'bad label'
  assert_equal "$status" 2
  assert_equal "$(printf '%s\n' "$stderr" | sed -n $'s/^@edgectl-event\t//p')" "$fd_events"
  # the human log is still there, unprefixed
  [[ $stderr == *"[ERROR] invalid --node-label 'bad label'"* ]]

  # a whole server run: every prefixed line is an event; stderr wins over EDGECTL_EVENTS_FD;
  # the installer gets neither setting
  : >"$EVENTS_DIR/h1"
  run --separate-stderr sim h1 EDGECTL_EVENTS=stderr EDGECTL_EVENTS_FD=9 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --wait-timeout 20 9>>"$EVENTS_DIR/h1"
  assert_success
  assert_equal "$(events h1)" ""
  local line n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^@edgectl-event$'\t'(start|done|fail|skip|info|warn)$'\t'[a-z-]+$'\t'[^$'\t']*$ ]] || fail "bad event line: $line"
  done < <(printf '%s\n' "$stderr" | grep '^@edgectl-event')
  [ "$n" -ge 10 ] || fail "only $n events"
  printf '%s\n' "$stderr" | grep -qE $'^@edgectl-event\tdone\twait-ready\trke2-server is ready after [0-9]+s$'
  refute_cmd grep -qE '^EDGECTL_' "$(host_path h1 /var/log/edgectl-sim/installer-env.log)"
}

@test "a child left running with the script's descriptors does not keep a reader waiting" {
  new_host h1
  # a systemctl that leaves a child behind holding every descriptor it was given (as a
  # service manager that hands them on would), then does the stub's work
  local dir=$BATS_TEST_TMPDIR/leaky
  mkdir -p "$dir"
  # shellcheck disable=SC2016  # $1 and $@ belong to the generated script
  printf '#!/bin/bash\ncase "$1" in enable|start|restart) sleep 25 & echo "$!" >>%q ;; esac\nexec %q "$@"\n' \
    "$BATS_TEST_TMPDIR/leaked.pids" "$STUBS/systemctl" >"$dir/systemctl"
  chmod +x "$dir/systemctl"
  HERMETIC_PATH="$dir:$HERMETIC_PATH"
  local start=$SECONDS
  # stdout, stderr and the events descriptor all go into one pipe; cat ends when the last
  # writer has closed it
  sim h1 EDGECTL_EVENTS_FD=9 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --wait-timeout 20 9>&1 2>&1 \
    | cat >"$BATS_TEST_TMPDIR/all.out"
  local took=$((SECONDS - start)) pid
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
  done <"$BATS_TEST_TMPDIR/leaked.pids"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/leaked.pids")" -ge 2 ] || fail "the leaky systemctl was not used"
  grep -q $'^done\twait-ready' "$BATS_TEST_TMPDIR/all.out"
  [ "$took" -lt 20 ] || fail "the reader waited ${took}s: a child kept a descriptor open"
}
