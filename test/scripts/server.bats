#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh server: init, join, idempotency, restarts, dry-run, secrets, installer environment.

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

# assert_server_token NAME: the server token is K10<sha256 of the CA>::server:<password>, 0600.
assert_server_token() {
  local token_file
  token_file=$(host_path "$1" /var/lib/rancher/rke2/server/token)
  [ -s "$token_file" ] || fail "no server token on $1"
  assert_equal "$(stat -c '%a %u' "$token_file")" "600 0"
  grep -qE "^K10$(ca_hash "$1")::server:[[:graph:]]+$" "$token_file" || fail "bad server token format on $1"
}

@test "server init from air-gap artifacts: installs, configures, starts, waits for the token" {
  local config
  config=$(host_path h1 /etc/rancher/rke2/config.yaml)
  new_host h1
  mkdir -p "$(dirname "$config")"
  printf '# operator settings\nwrite-kubeconfig-mode: "0640"\n' >"$config"
  local operator_before
  operator_before=$(sha256sum <"$config")

  server_up h1 --node-name edge-1 --tls-san api.example.test --tls-san 10.0.0.10 \
    --node-label tier=edge --node-label example.com/site=berlin \
    --node-taint dedicated=edge:NoSchedule --cni canal
  assert_equal "$output" ""
  assert_equal "$("$(host_path h1 /usr/local/bin/rke2)" --version | head -n 1)" "rke2 version $V1 (fake)"
  unit_active h1 rke2-server
  assert_equal "$(count_calls h1 enable rke2-server)" 1
  assert_equal "$(count_calls h1 start rke2-server)" 1
  assert_equal "$(count_calls h1 restart rke2-server)" 0

  assert_equal "$(cat "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)")" \
'# Written by edgectl rke2.sh (server); rewritten on every run, do not edit.
# Put your own settings in /etc/rancher/rke2/config.yaml. The join token is not here.
node-name: "edge-1"
tls-san:
  - "api.example.test"
  - "10.0.0.10"
node-label:
  - "tier=edge"
  - "example.com/site=berlin"
node-taint:
  - "dedicated=edge:NoSchedule"
cni: "canal"'
  assert_equal "$(stat -c %a "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)")" 600
  [ ! -e "$(host_path h1 /etc/rancher/rke2/edgectl-token)" ] || fail "no --token-file, so no token file"
  assert_equal "$(sha256sum <"$config")" "$operator_before"

  assert_server_token h1
  local kubeconfig
  kubeconfig=$(host_path h1 /etc/rancher/rke2/rke2.yaml)
  assert_equal "$(stat -c %a "$kubeconfig")" 600
  grep -q 'server: https://127.0.0.1:6443' "$kubeconfig"
  # /cacerts serves exactly the CA whose hash is in the token
  assert_equal "$(fetch_cacerts h1 https://127.0.0.1:9345 | sha256sum | cut -d' ' -f1)" "$(ca_hash h1)"
  # the installer got the air-gap path and the role, nothing else from us
  grep -qx "run TYPE=server VERSION= CHANNEL= ARTIFACT_PATH=$RELEASES/$V1" "$(host_path h1 /var/log/edgectl-sim/installer.log)"
}

@test "server init with --token-file - (stdin): token file 0600, token in no output" {
  new_host h1
  run --separate-stderr sim h1 EDGECTL_EVENTS_FD=9 bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" \
    --token-file - --wait-timeout 20 9>>"$EVENTS_DIR/h1" <<<"$TEST_TOKEN"
  assert_success
  local token_file dropin
  token_file=$(host_path h1 /etc/rancher/rke2/edgectl-token)
  dropin=$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)
  assert_equal "$(stat -c '%a %u %g' "$token_file")" "600 0 0"
  assert_equal "$(cat "$token_file")" "$TEST_TOKEN"
  grep -qx 'token-file: "/etc/rancher/rke2/edgectl-token"' "$dropin"
  # RKE2 built its cluster token from ours
  assert_server_token h1
  grep -q "::server:$TEST_TOKEN\$" "$(host_path h1 /var/lib/rancher/rke2/server/token)"
  assert_secret_absent "$TEST_TOKEN"
  refute_cmd grep -qF "$TEST_TOKEN" "$(host_path h1 /var/log/edgectl-sim/installer-env.log)"
}

@test "second identical run changes nothing and does not restart" {
  local token=$BATS_TEST_TMPDIR/token dropin before
  write_token "$token" "$TEST_TOKEN"
  new_host h1
  server_up h1 --token-file "$token" --node-label a=b
  dropin=$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)
  before=$(stat -c '%Y.%y %i' "$dropin" "$(host_path h1 /etc/rancher/rke2/edgectl-token)")
  local pid
  pid=$(cut -d' ' -f1 "$(host_path h1 /var/log/edgectl-sim/systemctl/rke2-server.pid)")
  reset_logs h1

  server_up h1 --token-file "$token" --node-label a=b
  assert_equal "$(mutating_calls h1)" ""
  assert_equal "$(stat -c '%Y.%y %i' "$dropin" "$(host_path h1 /etc/rancher/rke2/edgectl-token)")" "$before"
  assert_equal "$(cut -d' ' -f1 "$(host_path h1 /var/log/edgectl-sim/systemctl/rke2-server.pid)")" "$pid"
  assert_equal "$(wc -l <"$(host_path h1 /var/log/edgectl-sim/installer.log)")" 1
  events h1 | grep -qx $'skip\tinstall\tRKE2 '"$V1"' is already installed'
  events h1 | grep -qx $'done\tconfigure\tconfiguration unchanged'
  events h1 | grep -qx $'skip\tstart\trke2-server is running and nothing changed'
  events h1 | grep -q $'^done\twait-ready\t'
}

@test "changed inputs rewrite the drop-in and restart exactly once" {
  local token=$BATS_TEST_TMPDIR/token
  write_token "$token" "$TEST_TOKEN"
  new_host h1
  server_up h1 --token-file "$token" --node-label a=b
  reset_logs h1

  server_up h1 --token-file "$token" --node-label a=c --node-taint k=v:NoExecute
  assert_equal "$(count_calls h1 restart rke2-server)" 1
  assert_equal "$(count_calls h1 start rke2-server)" 0
  assert_equal "$(mutating_calls h1)" "restart --no-block rke2-server.service"
  grep -qx '  - "a=c"' "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)"
  grep -qx '  - "k=v:NoExecute"' "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)"
  unit_active h1 rke2-server
  assert_server_token h1
  events h1 | grep -qx $'done\tstart\trke2-server restarted'
}

@test "a change written with --no-start is applied by the next run with one restart" {
  new_host h1
  server_up h1 --node-label a=b
  server_up h1 --node-label a=c --no-start
  events h1 | grep -q $'^warn\tstart\trke2-server is running with the old configuration'
  [ -e "$(host_path h1 /var/lib/rancher/rke2/edgectl-restart-pending)" ]
  reset_logs h1
  server_up h1 --node-label a=c
  assert_equal "$(mutating_calls h1)" "restart --no-block rke2-server.service"
  [ ! -e "$(host_path h1 /var/lib/rancher/rke2/edgectl-restart-pending)" ]
  reset_logs h1
  server_up h1 --node-label a=c
  assert_equal "$(mutating_calls h1)" ""
}

@test "restart failure: exit 5; the next identical run still restarts once" {
  new_host h1
  server_up h1 --node-label a=b
  use_failing_restart
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --wait-timeout 20
  assert_equal "$status" 5
  [[ $stderr == *"could not restart rke2-server"* ]]
  events h1 | tail -n 1 | grep -qx $'fail\tstart\tcould not restart rke2-server'
  restore_path
  reset_logs h1
  server_up h1 --node-label a=c
  assert_equal "$(mutating_calls h1)" "restart --no-block rke2-server.service"
}

@test "--no-start enables but does not start; a later run starts once" {
  new_host h1
  server_up h1 --no-start
  refute_cmd unit_active h1 rke2-server
  assert_equal "$(count_calls h1 enable rke2-server)" 1
  assert_equal "$(count_calls h1 start rke2-server)" 0
  [ ! -e "$(host_path h1 /var/lib/rancher/rke2/server/token)" ]
  events h1 | grep -qx $'skip\tstart\t--no-start: rke2-server not started'
  reset_logs h1

  server_up h1
  assert_equal "$(mutating_calls h1)" "start --no-block rke2-server.service"
  assert_server_token h1
}

@test "dry-run on a fresh host prints the plan and changes nothing" {
  new_host h1
  local before
  before=$(snapshot h1)
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=b --token-file - --dry-run <<<"$TEST_TOKEN"
  assert_success
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
  assert_line "dry-run: would install RKE2 with $RELEASES/$V1/install.sh (INSTALL_RKE2_TYPE=server INSTALL_RKE2_ARTIFACT_PATH=$RELEASES/$V1)"
  assert_line "dry-run: would write /etc/rancher/rke2/edgectl-token (mode 0600; token not shown)"
  assert_line "dry-run: would write /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml (mode 0600):"
  assert_line '  |   - "a=b"'
  assert_line "dry-run: would enable rke2-server"
  assert_line "dry-run: would start rke2-server and wait up to 900s for readiness"
  assert_secret_absent "$TEST_TOKEN"
}

@test "dry-run on a running server with changed inputs plans one restart and changes nothing" {
  new_host h1
  server_up h1 --node-label a=b
  local before
  before=$(snapshot h1)
  reset_logs h1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=c --dry-run
  assert_success
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
  assert_line "dry-run: would keep RKE2 $V1"
  assert_line "dry-run: would restart rke2-server and wait up to 900s for readiness"
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --node-label a=b --dry-run
  assert_success
  assert_line "dry-run: would keep /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml"
  assert_line "dry-run: would leave rke2-server running (nothing changed)"
  assert_equal "$(snapshot h1)" "$before"
}

@test "server join: a second server joins over the network with the first one's token" {
  local a b token
  a=$(bridge_addr 0)
  b=$(bridge_addr 1)
  new_host s1 "$a"
  new_host s2 "$b"
  server_up s1 --node-name s1
  token=$BATS_TEST_TMPDIR/join-token
  write_token "$token" "$(cat "$(host_path s1 /var/lib/rancher/rke2/server/token)")"

  server_up s2 --server "https://$a:9345" --token-file "$token" --node-name s2
  grep -qx "server: \"https://$a:9345\"" "$(host_path s2 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)"
  assert_server_token s2
  # same cluster: same CA, same token; both supervisors listen on 9345 at once
  assert_equal "$(ca_hash s2)" "$(ca_hash s1)"
  cmp "$(host_path s1 /var/lib/rancher/rke2/server/token)" "$(host_path s2 /var/lib/rancher/rke2/server/token)"
  assert_equal "$(fetch_cacerts s1 "https://$b:9345" | sha256sum | cut -d' ' -f1)" "$(ca_hash s1)"
  assert_equal "$(fetch_cacerts s2 "https://$a:9345" | sha256sum | cut -d' ' -f1)" "$(ca_hash s1)"
  assert_secret_absent "$(sed 's/.*::server://' "$token")"
}

@test "server join with a token pinned to another CA fails; the wait names the condition" {
  local a b token
  a=$(bridge_addr 0)
  b=$(bridge_addr 1)
  new_host s1 "$a"
  new_host s2 "$b"
  server_up s1
  token=$BATS_TEST_TMPDIR/join-token
  write_token "$token" "K10$(printf '%064d' 0)::server:$TEST_TOKEN"
  rke2 s2 server --airgap-dir "$RELEASES/$V1" --server "https://$a:9345" --token-file "$token" --wait-timeout 2
  assert_equal "$status" 6
  [[ $stderr == *"timed out after 2s waiting for rke2-server: service rke2-server not active; token file /var/lib/rancher/rke2/server/token not written"* ]]
  grep -q "does not match the token's CA hash" "$(host_path s2 /var/log/edgectl-sim/rke2-server.log)"
  assert_secret_absent "$TEST_TOKEN"
}

@test "default installer URL is fetched with curl; --version reaches the installer" {
  new_host h1
  printf 'https://get.rke2.io file:%s\n' "$FAKE/install.sh" >"$BATS_TEST_TMPDIR/routes"
  HOST_ENV+=("CURL_STUB_ROUTES=$BATS_TEST_TMPDIR/routes")
  rke2 h1 server --version "$V2" --wait-timeout 20
  assert_success
  grep -q 'https://get.rke2.io$' "$(host_path h1 /var/log/edgectl-sim/curl.log)"
  grep -qx "run TYPE=server VERSION=$V2 CHANNEL= ARTIFACT_PATH=" "$(host_path h1 /var/log/edgectl-sim/installer.log)"
  assert_equal "$("$(host_path h1 /usr/local/bin/rke2)" --version | head -n 1)" "rke2 version $V2 (fake)"
}

@test "--channel reaches the installer as INSTALL_RKE2_CHANNEL" {
  new_host h1
  rke2 h1 agent --server https://127.0.0.1:9345 --token-file - --channel v1.29 \
    --install-script "$FAKE/install.sh" --no-start <<<"$TEST_TOKEN"
  assert_success
  grep -qx "run TYPE=agent VERSION= CHANNEL=v1.29 ARTIFACT_PATH=" "$(host_path h1 /var/log/edgectl-sim/installer.log)"
  assert_equal "$("$(host_path h1 /usr/local/bin/rke2)" --version | head -n 1)" "rke2 version $V_OLD (fake)"
}

@test "installer download failure: exit 4, nothing changed" {
  new_host h1
  local before
  before=$(snapshot h1)
  rke2 h1 server
  assert_equal "$status" 4
  [[ $stderr == *"could not download installer https://get.rke2.io"* ]]
  assert_equal "$(snapshot h1)" "$before"
}

@test "installer failure: exit 4" {
  new_host h1
  printf '#!/bin/sh\necho "simulated installer failure" >&2\nexit 1\n' >"$BATS_TEST_TMPDIR/bad-install.sh"
  rke2 h1 server --install-script "$BATS_TEST_TMPDIR/bad-install.sh"
  assert_equal "$status" 4
  [[ $stderr == *"installer $BATS_TEST_TMPDIR/bad-install.sh failed"* ]]
  events h1 | tail -n 1 | grep -q $'^fail\tinstall\t'
  [ ! -e "$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)" ]
}

@test "inherited INSTALL_RKE2_* and RKE2_* variables never reach the installer" {
  new_host h1
  HOST_ENV+=(INSTALL_RKE2_VERSION=v9.9.9+rke2r1 INSTALL_RKE2_TAR_PREFIX=/opt/elsewhere INSTALL_RKE2_METHOD=rpm
    "RKE2_TOKEN=$TEST_TOKEN" RKE2_URL=https://evil.example:9345 INSTALL_RKE2_EXEC=agent)
  server_up h1
  local env_log
  env_log=$(host_path h1 /var/log/edgectl-sim/installer-env.log)
  assert_equal "$(grep -E '^(INSTALL_RKE2_|RKE2_)' "$env_log" | sort)" \
"INSTALL_RKE2_ARTIFACT_PATH=$RELEASES/$V1
INSTALL_RKE2_TYPE=server"
  [ -x "$(host_path h1 /usr/local/bin/rke2)" ]
  refute_cmd grep -qF "$TEST_TOKEN" "$env_log"
}

@test "--config-file is merged into the drop-in verbatim; config.yaml is left alone" {
  new_host h1
  printf 'write-kubeconfig-mode: "0640"\nkube-apiserver-arg:\n  - "audit-log-maxage=30"' >"$BATS_TEST_TMPDIR/extra.yaml"
  server_up h1 --node-name n1 --config-file "$BATS_TEST_TMPDIR/extra.yaml"
  local dropin
  dropin=$(host_path h1 /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml)
  assert_equal "$(tail -n 4 "$dropin")" '# --- extra configuration from --config-file ---
write-kubeconfig-mode: "0640"
kube-apiserver-arg:
  - "audit-log-maxage=30"'
  [ ! -e "$(host_path h1 /etc/rancher/rke2/config.yaml)" ]
}

@test "an installed RKE2 is kept when --version differs (upgrade is explicit)" {
  new_host h1
  server_up h1
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --version "$V2" --wait-timeout 20
  assert_success
  events h1 | grep -q $'^warn\tverify\tRKE2 '"$V1"' is installed; keeping it'
  assert_equal "$(wc -l <"$(host_path h1 /var/log/edgectl-sim/installer.log)")" 1
}

@test "agent on a server host is refused: exit 3" {
  new_host h1
  server_up h1
  reset_logs h1
  rke2 h1 agent --server https://127.0.0.1:9345 --token-file - --airgap-dir "$RELEASES/$V1" <<<"$TEST_TOKEN"
  assert_equal "$status" 3
  [[ $stderr == *"this host already runs rke2-server"* ]]
  assert_equal "$(mutating_calls h1)" ""
  [ ! -e "$(host_path h1 /etc/rancher/rke2/edgectl-token)" ]
}
