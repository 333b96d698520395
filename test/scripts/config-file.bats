#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# rke2.sh --config-file: file facts, the simple YAML form, keys edgectl owns however they are
# spelled, and dry runs that never print the file's content.

setup_file() {
  load test_helper
  common_setup_file
}

setup() {
  load test_helper
  common_setup
  new_host h1
  CFG_DIR=$BATS_TEST_TMPDIR/cfg
  mkdir -p "$CFG_DIR"
  chmod 755 "$CFG_DIR"
}

teardown() {
  common_teardown
}

# refused CODE FILE [ARGS...]: rke2.sh server --dry-run with --config-file FILE exits CODE and
# changes nothing on the host.
refused() {
  local code=$1 file=$2 before
  shift 2
  before=$(snapshot h1)
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --config-file "$file" --dry-run "$@"
  assert_equal "$status" "$code"
  assert_equal "$(snapshot h1)" "$before"
  assert_equal "$(mutating_calls h1)" ""
}

# config NAME CONTENT: a root-owned 0644 config file.
config() {
  printf '%s' "$2" >"$CFG_DIR/$1"
  chmod 644 "$CFG_DIR/$1"
  printf '%s\n' "$CFG_DIR/$1"
}

@test "keys edgectl owns are refused however YAML spells them: exit 2 naming the key" {
  local spec name text key
  for spec in \
    "quoted|\"token\": x|token" \
    "single|'token': x|token" \
    "explicit|? server|" \
    "flow|{token-file: /root/t}|" \
    "merge|<<: {token: x}|" \
    "anchor|&a token: x|"; do
    IFS='|' read -r name text key <<<"$spec"
    refused 2 "$(config "$name.yaml" "$text"$'\n')"
    if [ -n "$key" ]; then
      [[ $stderr == *"sets '$key'"* || $stderr == *"line 1 is not a plain 'key: value'"* ]] || fail "$name: $stderr"
    else
      [[ $stderr == *"line 1 is not a plain 'key: value'"* ]] || fail "$name: $stderr"
    fi
  done
  refused 2 "$(config tail.yaml $'write-kubeconfig-mode: "0640"\n"agent-token": x\n')"
  [[ $stderr == *"line 2 is not a plain"* ]] || fail "$stderr"
  refused 2 "$(config plain.yaml $'write-kubeconfig-mode: "0640"\nagent-token: x\n')"
  [[ $stderr == *"sets 'agent-token'"* ]] || fail "$stderr"
  refused 2 "$(config tls.yaml $'tls-san:\n  - b.example\n')" --tls-san a.example
  [[ $stderr == *"sets 'tls-san', which a flag already sets"* ]] || fail "$stderr"
}

@test "not a YAML mapping, 1 MB of junk, NUL bytes: exit 2" {
  refused 2 "$(config list.yaml $'- a\n- b\n')"
  refused 2 "$(config indented.yaml $'  token: x\n')"
  refused 2 "$(config shadow-like.yaml $'root:*:19000:0:99999:7:::\n')"
  head -c 1048576 /dev/zero | tr '\0' 'x' >"$CFG_DIR/junk.yaml"
  refused 2 "$CFG_DIR/junk.yaml"
  [[ $stderr == *"at most 64 KiB"* ]] || fail "$stderr"
  printf 'a: b\0c\n' >"$CFG_DIR/nul.yaml"
  refused 2 "$CFG_DIR/nul.yaml"
  [[ $stderr == *"NUL"* ]] || fail "$stderr"
}

@test "a symlink out of its directory, a file not owned by root or writable by others: exit 3" {
  ln -s /etc/shadow "$CFG_DIR/shadow.yaml"
  refused 3 "$CFG_DIR/shadow.yaml"
  [[ $stderr == *"symlink to a file outside its directory"* ]] || fail "$stderr"
  refute_cmd grep -q '^root:' <<<"$output$stderr"
  config other.yaml $'write-kubeconfig-mode: "0640"\n' >/dev/null
  chown 65534 "$CFG_DIR/other.yaml"
  refused 3 "$CFG_DIR/other.yaml"
  [[ $stderr == *"must be owned by root"* ]] || fail "$stderr"
  chown 0 "$CFG_DIR/other.yaml"
  chmod 666 "$CFG_DIR/other.yaml"
  refused 3 "$CFG_DIR/other.yaml"
  [[ $stderr == *"writable by group or others"* ]] || fail "$stderr"
}

@test "a symlink within its directory is fine; a dry run shows path and sha256, never the content" {
  local f sum
  f=$(config v2.yaml $'write-kubeconfig-mode: "0640"\nkube-apiserver-arg:\n- "audit-log-maxage=30"\n# note\n')
  ln -s v2.yaml "$CFG_DIR/current.yaml"
  sum=$(sha256sum <"$f" | awk '{ print $1 }')
  rke2 h1 server --airgap-dir "$RELEASES/$V1" --config-file "$CFG_DIR/current.yaml" --dry-run
  assert_success
  [[ $output == *"$CFG_DIR/current.yaml (sha256 $sum"* ]] || fail "$output"
  [[ $output != *"audit-log-maxage"* ]] || fail "content printed: $output"
  [[ $output == *"node-name"* || $output == *"Written by edgectl"* ]] || fail "$output"
}
