#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# Command line: help, usage errors (exit 2) and the contract documents agreeing with --help.

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

# help_options CMD: the long options a command's --help lists.
help_options() {
  bash "$SCRIPT" "$1" --help | grep -oE '^  (-h, )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u
}

# assert_usage_error ARGS...: exit 2, the error on stderr, and nothing changed on the host.
assert_usage_error() {
  local before after
  before=$(snapshot h1)
  rke2 h1 "$@"
  assert_equal "$status" 2
  after=$(snapshot h1)
  [ "$before" = "$after" ] || fail "host changed after: $*"
  assert_equal "$(mutating_calls h1)" ""
  [ -z "$output" ] || fail "usage errors print nothing on stdout, got: $output"
}

@test "--help describes every command" {
  run --separate-stderr bash "$SCRIPT" --help
  assert_success
  for cmd in server agent upgrade uninstall status wait-ready token-rotate token-sync artifact-version; do
    assert_line --partial "  $cmd "
  done
  assert_line --partial "EDGECTL_EVENTS_FD"
}

@test "server --help" {
  run --separate-stderr bash "$SCRIPT" server --help
  assert_success
  assert_line "Usage: rke2.sh server [options]"
  assert_output --partial "--tls-san NAME"
}

@test "agent --help" {
  run --separate-stderr bash "$SCRIPT" agent --help
  assert_success
  assert_line "Usage: rke2.sh agent --server URL --token-file F [options]"
  refute_output --partial "--tls-san"
}

@test "upgrade --help" {
  run --separate-stderr bash "$SCRIPT" upgrade --help
  assert_success
  assert_line "Usage: rke2.sh upgrade (--version V | --channel C | --airgap-dir DIR) [options]"
  assert_output --partial "--force"
}

@test "uninstall --help" {
  run --separate-stderr bash "$SCRIPT" uninstall --help
  assert_success
  assert_line "Usage: rke2.sh uninstall [--yes] [--dry-run]"
}

@test "status --help" {
  run --separate-stderr bash "$SCRIPT" status --help
  assert_success
  assert_line "Usage: rke2.sh status [--json]"
}

@test "wait-ready --help" {
  run --separate-stderr bash "$SCRIPT" wait-ready --help
  assert_success
  assert_line "Usage: rke2.sh wait-ready (server|agent) [--timeout SECONDS]"
}

@test "every option in --help is documented in scripts/README.md and the script header" {
  local cmd opt header
  header=$(sed -n '2,/^set -euo pipefail/p' "$SCRIPT")
  for cmd in server agent upgrade uninstall status wait-ready token-rotate token-sync artifact-version; do
    grep -qF "rke2.sh $cmd" "$REPO_ROOT/scripts/README.md" || fail "README does not describe $cmd"
    for opt in $(help_options "$cmd"); do
      [ "$opt" = --help ] && continue
      grep -qF -- "$opt" "$REPO_ROOT/scripts/README.md" || fail "README lacks $cmd $opt"
      [[ $header == *"$opt"* ]] || fail "script header lacks $cmd $opt"
    done
  done
  for code in 0 1 2 3 4 5 6 7; do
    grep -qE "^\| *$code *\|" "$REPO_ROOT/scripts/README.md" || fail "README lacks exit code $code"
  done
}

@test "token-rotate --help" {
  run --separate-stderr bash "$SCRIPT" token-rotate --help
  assert_success
  assert_line "Usage: rke2.sh token-rotate [--dry-run]"
  assert_output --partial "v1.25.15, v1.26.10, v1.27.7, v1.28.3"
}

@test "token-sync --help" {
  run --separate-stderr bash "$SCRIPT" token-sync --help
  assert_success
  assert_line "Usage: rke2.sh token-sync --token-file F [--dry-run]"
}

@test "no command: usage on stderr, exit 2" {
  run --separate-stderr bash "$SCRIPT"
  assert_equal "$status" 2
  assert_equal "$output" ""
  [[ $stderr == *"Usage: rke2.sh COMMAND"* ]]
}

@test "unknown command: exit 2" {
  assert_usage_error frobnicate
  [[ $stderr == *"unknown command: frobnicate"* ]]
}

@test "unknown flag: exit 2 for every command" {
  local cmd
  for cmd in server agent upgrade uninstall status wait-ready token-rotate token-sync artifact-version; do
    assert_usage_error "$cmd" --bogus-flag
    [[ $stderr == *"unknown option for $cmd: --bogus-flag"* ]] || fail "$cmd: $stderr"
  done
}

@test "server-only flags are unknown to agent" {
  assert_usage_error agent --server https://10.0.0.1:9345 --token-file /nonexistent --tls-san a.example
  [[ $stderr == *"unknown option for agent: --tls-san"* ]]
  assert_usage_error agent --server https://10.0.0.1:9345 --token-file /nonexistent --cni canal
}

@test "an option without its value: exit 2" {
  assert_usage_error server --node-name
  [[ $stderr == *"option --node-name needs a value"* ]]
}

@test "--flag=value form is refused with a hint" {
  assert_usage_error server --node-name=foo
  [[ $stderr == *"write '--node-name VALUE'"* ]]
}

@test "bad --server URLs: exit 2 naming the input" {
  local url
  for url in http://10.0.0.1:9345 10.0.0.1:9345 "https://" "https://bad host:9345" https://h:99999 "https://h:9345/x;y"; do
    assert_usage_error server --server "$url" --token-file /nonexistent
    [[ $stderr == *"invalid --server '$url'"* ]] || fail "$url: $stderr"
  done
  assert_usage_error agent --server ftp://x --token-file /nonexistent
}

@test "bad node labels: exit 2 naming the input" {
  local label
  for label in novalue "bad key!=v" "k=v v" "k=-v" "-k=v" "$(printf 'a%.0s' {1..64})=v" "example.com/=v"; do
    assert_usage_error server --node-label "$label"
    [[ $stderr == *"invalid --node-label '$label'"* ]] || fail "$label: $stderr"
  done
}

@test "bad node taints: exit 2 naming the input" {
  local taint
  for taint in "k=v" "k=v:Sometimes" "bad key=v:NoSchedule" "k=v v:NoExecute" ":NoSchedule"; do
    assert_usage_error server --node-taint "$taint"
    [[ $stderr == *"invalid --node-taint '$taint'"* ]] || fail "$taint: $stderr"
  done
}

@test "bad version strings: exit 2 naming the input" {
  local v
  for v in 1.30.1 v1.30 v1.30.1 "v1.30.1+rke2r1;rm -rf /" latest; do
    assert_usage_error server --version "$v"
    [[ $stderr == *"invalid --version '$v'"* ]] || fail "$v: $stderr"
  done
  assert_usage_error upgrade --version v1.30
  [[ $stderr == *"invalid --version 'v1.30'"* ]]
}

@test "bad channel, node name, cni, profile, timeout: exit 2 naming the input" {
  assert_usage_error server --channel "Bad Channel"
  [[ $stderr == *"invalid --channel 'Bad Channel'"* ]]
  assert_usage_error server --node-name Bad_Name
  [[ $stderr == *"invalid --node-name 'Bad_Name'"* ]]
  assert_usage_error server --tls-san "a b"
  [[ $stderr == *"invalid --tls-san 'a b'"* ]]
  assert_usage_error server --cni weave
  [[ $stderr == *"invalid --cni 'weave'"* ]]
  assert_usage_error server --cni multus
  assert_usage_error server --profile stig
  [[ $stderr == *"invalid --profile 'stig'"* ]]
  assert_usage_error server --wait-timeout soon
  [[ $stderr == *"invalid --wait-timeout 'soon'"* ]]
  assert_usage_error server --install-script http://get.example/install.sh
  [[ $stderr == *"invalid --install-script"* ]]
}

@test "conflicting and missing inputs: exit 2" {
  assert_usage_error server --version "$V1" --channel stable
  [[ $stderr == *"--version and --channel exclude each other"* ]]
  assert_usage_error server --channel stable --airgap-dir "$RELEASES/$V1"
  assert_usage_error agent --token-file /nonexistent
  [[ $stderr == *"agent needs --server URL"* ]]
  assert_usage_error agent --server https://10.0.0.1:9345
  [[ $stderr == *"agent needs --token-file F"* ]]
  assert_usage_error server --server https://10.0.0.1:9345
  [[ $stderr == *"--server needs --token-file F"* ]]
  assert_usage_error upgrade
  [[ $stderr == *"upgrade needs --version V, --channel C or --airgap-dir DIR"* ]]
  assert_usage_error upgrade --channel stable --channel-url http://insecure.example
  assert_usage_error wait-ready
  assert_usage_error wait-ready master
  [[ $stderr == *"invalid role 'master'"* ]]
  assert_usage_error wait-ready server --timeout x
  assert_usage_error status extra-arg
}

@test "--config-file may not carry a token or fight a flag: exit 2" {
  local extra=$BATS_TEST_TMPDIR/extra.yaml
  printf 'write-kubeconfig-mode: "0600"\ntoken: %s\n' "$TEST_TOKEN" >"$extra"
  assert_usage_error server --config-file "$extra"
  [[ $stderr == *"sets 'token'"* ]]
  printf 'server: https://x:9345\n' >"$extra"
  assert_usage_error server --config-file "$extra"
  printf 'node-name: other\n' >"$extra"
  assert_usage_error server --node-name mine --config-file "$extra"
  [[ $stderr == *"sets 'node-name', which a flag already sets"* ]]
  assert_secret_absent "$TEST_TOKEN"
}

@test "not root: exit 3 before touching anything" {
  local before
  before=$(snapshot h1)
  run --separate-stderr sim h1 setpriv --reuid=65534 --regid=65534 --clear-groups \
    bash "$SCRIPT" server --airgap-dir "$RELEASES/$V1" --dry-run
  assert_equal "$status" 3
  [[ $stderr == *"must run as root"* ]]
  assert_equal "$(snapshot h1)" "$before"
}
