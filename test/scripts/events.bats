#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# Progress events on EDGECTL_EVENTS_FD: format, steps, failures, and a closed or absent fd.

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

@test "every event line is TYPE<TAB>STEP<TAB>MESSAGE; a server run reports each step" {
  write_token "$BATS_TEST_TMPDIR/token" "$TEST_TOKEN"
  server_up h1 --token-file "$BATS_TEST_TMPDIR/token"
  local line n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^(start|done|fail|skip|info|warn)$'\t'[a-z-]+$'\t'[^$'\t']*$ ]] || fail "bad event line: $line"
  done < <(events h1)
  [ "$n" -ge 10 ] || fail "only $n events"
  assert_equal "$(events h1 | cut -f1,2 | grep -E '^(start|done)' | tr '\t' ' ')" \
"start verify
done verify
start install
done install
start configure
done configure
start start
done start
start start
done start
start wait-ready
done wait-ready"
  assert_secret_absent "$TEST_TOKEN"
}

@test "a failure is reported as a fail event of the failing step" {
  rke2 h1 server --node-label 'bad label'
  assert_equal "$status" 2
  assert_equal "$(events h1)" $'fail\tverify\tinvalid --node-label \'bad label\': expected KEY=VALUE'
}

@test "without EDGECTL_EVENTS_FD the script only logs for humans" {
  run --separate-stderr sim h1 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --dry-run
  assert_success
  [[ $stderr == *"[INFO]  checking inputs for rke2-server"* ]]
  assert_line --partial "dry-run: would install RKE2"
}

@test "EDGECTL_EVENTS_FD naming a closed descriptor is ignored" {
  run --separate-stderr sim h1 EDGECTL_EVENTS_FD=7 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --dry-run
  assert_success
  [[ $stderr == *"[INFO]  checking inputs for rke2-server"* ]]
  [[ $stderr != *"Bad file descriptor"* ]]
  run --separate-stderr sim h1 EDGECTL_EVENTS_FD=1 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --dry-run
  assert_success
  refute_output --partial $'start\tverify'
}

@test "a reader that goes away does not break the run" {
  # the events pipe's reader exits at once; writes then fail (EPIPE) and must be dropped
  exec 8> >(exit 0)
  sleep 0.2
  run --separate-stderr sim h1 EDGECTL_EVENTS_FD=8 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --wait-timeout 20
  exec 8>&-
  assert_success
  [[ $stderr == *"[INFO]  rke2-server is ready"* ]]
  unit_active h1 rke2-server
}
