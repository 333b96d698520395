#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh upgrade: by version, channel or air-gap dir; refused downgrade; --force; dry-run.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
  new_host h1
  printf '%s redirect:%s\n' \
    https://update.rke2.io/v1-release/channels/stable "https://github.com/rancher/rke2/releases/tag/$V2" \
    https://update.rke2.io/v1-release/channels/broken "https://github.com/rancher/rke2/releases" \
    >"$BATS_TEST_TMPDIR/routes"
  HOST_ENV+=("CURL_STUB_ROUTES=$BATS_TEST_TMPDIR/routes")
}

teardown() {
  common_teardown
}

installed() {
  "$(host_path h1 /usr/local/bin/rke2)" --version | sed -n '1s/^rke2 version \([^ ]*\).*/\1/p'
}

installer_runs() {
  wc -l <"$(host_path h1 /var/log/edgectl-sim/installer.log)"
}

@test "upgrade --version: reinstalls, restarts the running server once, waits until ready" {
  server_up h1
  local token_before
  token_before=$(cat "$(host_path h1 /var/lib/rancher/rke2/server/token)")
  reset_logs h1
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --wait-timeout 20
  assert_success
  assert_equal "$(installed)" "$V2"
  tail -n 1 "$(host_path h1 /var/log/edgectl-sim/installer.log)" | grep -qx "run TYPE=server VERSION=$V2 CHANNEL= ARTIFACT_PATH="
  assert_equal "$(count_calls h1 restart rke2-server)" 1
  assert_equal "$(count_calls h1 start rke2-server)" 0
  unit_active h1 rke2-server
  # the cluster survives the upgrade: same CA, same token
  assert_equal "$(cat "$(host_path h1 /var/lib/rancher/rke2/server/token)")" "$token_before"
  events h1 | grep -qx $'done\tupgrade\tRKE2 is now '"$V2"
  events h1 | grep -q $'^done\twait-ready\t'
}

@test "upgrade to the installed version changes nothing" {
  server_up h1
  reset_logs h1
  rke2 h1 upgrade --version "$V1" --install-script "$FAKE/install.sh"
  assert_success
  assert_equal "$(installer_runs)" 1
  assert_equal "$(mutating_calls h1)" ""
  events h1 | grep -qx $'skip\tupgrade\tRKE2 is already at '"$V1"
}

@test "an upgrade interrupted before the restart is completed by the next run" {
  server_up h1
  use_failing_restart
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh"
  assert_equal "$status" 5
  assert_equal "$(installed)" "$V2"
  restore_path
  reset_logs h1
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --wait-timeout 20
  assert_success
  assert_equal "$(mutating_calls h1)" "restart --no-block rke2-server.service"
  assert_equal "$(installer_runs)" 2
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh"
  assert_success
  assert_equal "$(mutating_calls h1)" "restart --no-block rke2-server.service"
}

@test "downgrade is refused with exit 3 and changes nothing" {
  server_up h1
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 upgrade --version "$V_OLD" --install-script "$FAKE/install.sh"
  assert_equal "$status" 3
  [[ $stderr == *"refusing to downgrade RKE2 from $V1 to $V_OLD (use --force to allow)"* ]]
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
  assert_equal "$(installed)" "$V1"
}

@test "downgrade with --force installs the older version and restarts" {
  server_up h1
  reset_logs h1
  rke2 h1 upgrade --version "$V_OLD" --install-script "$FAKE/install.sh" --force --wait-timeout 20
  assert_success
  assert_equal "$(installed)" "$V_OLD"
  assert_equal "$(count_calls h1 restart rke2-server)" 1
}

@test "upgrade --channel resolves the version with curl, following the redirect" {
  server_up h1
  reset_logs h1
  rke2 h1 upgrade --channel stable --install-script "$FAKE/install.sh" --wait-timeout 20
  assert_success
  # -L follows the channel's redirect; the last path element is the version
  grep -qx -- "-fsSL --proto =https -o /dev/null -w %{url_effective} https://update.rke2.io/v1-release/channels/stable" \
    "$(host_path h1 /var/log/edgectl-sim/curl.log)"
  assert_equal "$(installed)" "$V2"
  tail -n 1 "$(host_path h1 /var/log/edgectl-sim/installer.log)" | grep -qx "run TYPE=server VERSION=$V2 CHANNEL= ARTIFACT_PATH="
  events h1 | grep -qx $'info\tverify\tchannel stable resolves to '"$V2"
}

@test "upgrade --channel with --channel-url asks that server" {
  server_up h1
  printf 'https://mirror.example/channels/stable redirect:https://mirror.example/releases/%s\n' "$V2" \
    >>"$BATS_TEST_TMPDIR/routes"
  rke2 h1 upgrade --channel stable --channel-url https://mirror.example/channels --install-script "$FAKE/install.sh" --wait-timeout 20
  assert_success
  grep -q 'https://mirror.example/channels/stable$' "$(host_path h1 /var/log/edgectl-sim/curl.log)"
  assert_equal "$(installed)" "$V2"
}

@test "channel that cannot be resolved: exit 4, nothing changed" {
  server_up h1
  local before
  before=$(snapshot h1)
  rke2 h1 upgrade --channel nosuch --install-script "$FAKE/install.sh"
  assert_equal "$status" 4
  [[ $stderr == *"could not resolve channel nosuch at https://update.rke2.io/v1-release/channels/nosuch"* ]]
  rke2 h1 upgrade --channel broken --install-script "$FAKE/install.sh"
  assert_equal "$status" 4
  [[ $stderr == *"channel broken resolved to 'releases', which is not an RKE2 version"* ]]
  assert_equal "$(snapshot h1)" "$before"
}

@test "upgrade --airgap-dir takes the version from the artifacts" {
  server_up h1
  reset_logs h1
  rke2 h1 upgrade --airgap-dir "$RELEASES/$V2" --wait-timeout 20
  assert_success
  assert_equal "$(installed)" "$V2"
  tail -n 1 "$(host_path h1 /var/log/edgectl-sim/installer.log)" \
    | grep -qx "run TYPE=server VERSION=$V2 CHANNEL= ARTIFACT_PATH=$RELEASES/$V2"
  assert_equal "$(count_calls h1 restart rke2-server)" 1
  rke2 h1 upgrade --airgap-dir "$RELEASES/$V_OLD" --version "$V2"
  assert_equal "$status" 3
  [[ $stderr == *"--version $V2 does not match the air-gap artifacts ($V_OLD)"* ]]
}

@test "upgrade --dry-run prints the plan and changes nothing" {
  server_up h1
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --dry-run
  assert_success
  assert_line "dry-run: would install RKE2 $V2 over $V1 with $FAKE/install.sh (INSTALL_RKE2_TYPE=server INSTALL_RKE2_VERSION=$V2)"
  assert_line "dry-run: would restart rke2-server and wait up to 900s for readiness"
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
}

@test "upgrade --dry-run --json prints one JSON plan (target resolved) and changes nothing" {
  server_up h1
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 upgrade --channel stable --install-script "$FAKE/install.sh" --dry-run --json
  assert_success
  assert_output "{\"installed\":\"$V1\",\"target\":\"$V2\",\"role\":\"server\",\"action\":\"upgrade\",\"restart\":true}"
  rke2 h1 upgrade --version "$V1" --install-script "$FAKE/install.sh" --dry-run --json
  assert_success
  assert_output "{\"installed\":\"$V1\",\"target\":\"$V1\",\"role\":\"server\",\"action\":\"keep\",\"restart\":false}"
  rke2 h1 upgrade --version "$V_OLD" --install-script "$FAKE/install.sh" --dry-run --json --force
  assert_success
  assert_output "{\"installed\":\"$V1\",\"target\":\"$V_OLD\",\"role\":\"server\",\"action\":\"downgrade\",\"restart\":true}"
  rke2 h1 upgrade --version "$V_OLD" --install-script "$FAKE/install.sh" --dry-run --json
  assert_equal "$status" 3
  assert_output ""
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh" --json
  assert_equal "$status" 2
  [[ $stderr == *"--json applies only with --dry-run"* ]]
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
}

@test "upgrade of a stopped node reinstalls but does not start anything" {
  server_up h1 --no-start
  reset_logs h1
  rke2 h1 upgrade --version "$V2" --install-script "$FAKE/install.sh"
  assert_success
  assert_equal "$(installed)" "$V2"
  assert_equal "$(mutating_calls h1)" "daemon-reload"
  refute_cmd unit_active h1 rke2-server
  events h1 | grep -qx $'skip\tstart\tno RKE2 service is running; nothing to restart'
}

@test "artifact-version prints the version of the air-gap artifacts and changes nothing" {
  local before
  before=$(snapshot h1)
  rke2 h1 artifact-version --airgap-dir "$RELEASES/$V2"
  assert_success
  assert_equal "$output" "$V2"
  assert_equal "$(snapshot h1)" "$before"
}

@test "artifact-version refuses artifacts that do not match their checksum (exit 3), printing no version" {
  cp -r "$RELEASES/$V1" "$BATS_TEST_TMPDIR/bad"
  echo tampered >>"$BATS_TEST_TMPDIR/bad/rke2.linux-amd64.tar.gz"
  rke2 h1 artifact-version --airgap-dir "$BATS_TEST_TMPDIR/bad"
  assert_failure 3
  assert_equal "$output" ""
  [[ $stderr == *"checksum mismatch"* ]]
}
