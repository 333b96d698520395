# shellcheck shell=bash
# test_helper.bash: shared setup for the bats tests of scripts/rke2.sh.
#
# Every test runs rke2.sh as one or more simulated hosts (test/support/sim-host.sh), each with
# a fresh state dir under $BATS_TEST_TMPDIR/hosts/NAME, its own network namespace (isolated,
# or on the edgesim0 bridge when hosts must talk), and a hermetic environment: `env -i` with
# PATH = test/support/stubs first (systemctl, curl), then the system dirs. Fake RKE2 releases
# are built once per file by setup_file (common_setup_file).
# shellcheck disable=SC2034,SC2154  # variables used by the .bats files; bats sets output and stderr

bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SCRIPT=$REPO_ROOT/scripts/rke2.sh
SUPPORT=$REPO_ROOT/test/support
FAKE=$SUPPORT/fake-rke2
STUBS=$SUPPORT/stubs
HERMETIC_PATH="$STUBS:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

V_OLD=v1.29.9+rke2r1
V1=v1.30.1+rke2r1
V2=v1.30.2+rke2r1

# common_setup_file builds releases V_OLD, V1, V2 under $RELEASES (a FAKE_RKE2_RELEASES_DIR)
# with channels stable -> V2 and v1.29 -> V_OLD.
common_setup_file() {
  export RELEASES=$BATS_FILE_TMPDIR/releases
  local v
  for v in "$V_OLD" "$V1" "$V2"; do
    "$FAKE/build-release.sh" "$RELEASES/$v" "$v"
  done
  mkdir -p "$RELEASES/channels"
  echo "$V2" >"$RELEASES/channels/stable"
  echo "$V_OLD" >"$RELEASES/channels/v1.29"
}

common_setup() {
  HOSTS=$BATS_TEST_TMPDIR/hosts
  EVENTS_DIR=$BATS_TEST_TMPDIR/events
  mkdir -p "$HOSTS" "$EVENTS_DIR"
  declare -gA HOST_NS=()
  NETNS_ISOLATED=()
  NETNS_BRIDGED=()
  HOST_COUNT=0
  # extra environment for every rke2.sh run (KEY=VALUE words); tests may add to it
  HOST_ENV=(RKE2_SH_POLL_INTERVAL=0.1 "FAKE_RKE2_RELEASES_DIR=$RELEASES")
  TEST_TOKEN="edgectl-test-secret-$RANDOM$RANDOM$RANDOM"
}

# common_teardown stops the services the test left running (as a shutdown would), then fails
# if any other process is still alive in the test's namespaces, and removes them.
common_teardown() {
  local pidfile pid start ns leaked="" i
  for pidfile in "$HOSTS"/*/root/var/log/edgectl-sim/systemctl/*.pid; do
    [ -f "$pidfile" ] || continue
    read -r pid start <"$pidfile" || continue
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  for ns in ${NETNS_ISOLATED[@]+"${NETNS_ISOLATED[@]}"} ${NETNS_BRIDGED[@]+"${NETNS_BRIDGED[@]}"}; do
    for i in $(seq 1 40); do
      [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || break
      sleep 0.05
    done
    if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
      leaked+=" $ns:$(ip netns pids "$ns" | tr '\n' ',')"
    fi
  done
  for ns in ${NETNS_ISOLATED[@]+"${NETNS_ISOLATED[@]}"}; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for ns in ${NETNS_BRIDGED[@]+"${NETNS_BRIDGED[@]}"}; do
    "$SUPPORT/netns.sh" del "$ns"
  done
  if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
    dump_host_logs
  fi
  if [ -n "$leaked" ]; then
    echo "processes left running after the test:$leaked" >&2
    return 1
  fi
}

dump_host_logs() {
  local f
  for f in "$HOSTS"/*/root/var/log/edgectl-sim/*.log; do
    [ -f "$f" ] || continue
    echo "----- ${f#"$HOSTS"/}"
    tail -n 40 "$f"
  done
}

# new_host NAME [ADDRESS]: a fresh host; with ADDRESS (10.77.0.x) it sits on the edgesim0
# bridge, otherwise in an isolated network namespace (loopback only).
new_host() {
  local name=$1 addr=${2:-} ns
  HOST_COUNT=$((HOST_COUNT + 1))
  ns=$(printf 'e%x%s' "$$" "$HOST_COUNT")
  mkdir -p "$HOSTS/$name"
  if [ -n "$addr" ]; then
    "$SUPPORT/netns.sh" add "$ns" "$addr"
    NETNS_BRIDGED+=("$ns")
  else
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    NETNS_ISOLATED+=("$ns")
  fi
  HOST_NS[$name]=$ns
  # let sim-host create the host's directories, so a first snapshot sees them
  sim "$name" true
}

# bridge_addr N: the Nth test address on the bridge, spread by PID so that parallel runs by
# other people rarely collide.
bridge_addr() {
  echo "10.77.0.$((100 + ($$ % 24) * 6 + $1))"
}

# sim NAME CMD...: run CMD on host NAME with the hermetic environment.
sim() {
  local name=$1
  shift
  "$SUPPORT/sim-host.sh" --state "$HOSTS/$name" --hostname "$name" --netns "${HOST_NS[$name]}" -- \
    env -i PATH="$HERMETIC_PATH" HOME=/root LANG=C.UTF-8 "${HOST_ENV[@]}" "$@"
}

# rke2 NAME ARGS...: `run` rke2.sh on host NAME (stdout in $output, stderr in $stderr);
# events go to $EVENTS_DIR/NAME (appended).
rke2() {
  local name=$1
  shift
  run --separate-stderr sim "$name" EDGECTL_EVENTS_FD=9 bash "$SCRIPT" "$@" 9>>"$EVENTS_DIR/$name"
}

# host_path NAME PATH: where PATH of host NAME lives on this machine.
host_path() {
  printf '%s/root%s\n' "$HOSTS/$1" "$2"
}

# snapshot NAME: every path of the host with type, mode, size, mtime and content hash, leaving
# out the stubs' call logs (they record queries too).
snapshot() {
  local root=$HOSTS/$1/root
  (
    cd "$root" || exit 1
    # directories without mtime: the stub logs' creation would change it
    find . \( -path ./var/log/edgectl-sim/systemctl.log -o -path ./var/log/edgectl-sim/curl.log \) -prune \
      -o -type d -printf '%p %y %m\n' -o -printf '%p %y %m %s %T@\n' | sort
    find . \( -path ./var/log/edgectl-sim/systemctl.log -o -path ./var/log/edgectl-sim/curl.log \) -prune \
      -o -type f -print0 | sort -z | xargs -0 -r sha256sum
  )
}

# systemctl_log NAME: the stub's recorded calls on host NAME.
systemctl_log() {
  cat "$(host_path "$1" /var/log/edgectl-sim/systemctl.log)" 2>/dev/null || true
}

# reset_logs NAME: forget recorded systemctl/curl calls and events (to look at one run).
reset_logs() {
  : >"$(host_path "$1" /var/log/edgectl-sim/systemctl.log)"
  rm -f "$(host_path "$1" /var/log/edgectl-sim/curl.log)"
  : >"$EVENTS_DIR/$1"
}

# mutating_calls NAME: systemctl calls that change state.
mutating_calls() {
  systemctl_log "$1" | grep -E '^(start|stop|restart|try-restart|enable|disable|daemon-reload|reset-failed)( |$)' || true
}

# count_calls NAME VERB UNIT: how many times systemctl VERB was called for UNIT.
count_calls() {
  systemctl_log "$1" | grep -cE "^$2 (--no-block )?$3\.service\$" || true
}

events() {
  cat "$EVENTS_DIR/$1" 2>/dev/null || true
}

# write_token FILE CONTENT [MODE]: a root-owned token file.
write_token() {
  (umask 077 && printf '%s\n' "$2" >"$1")
  chmod "${3:-600}" "$1"
}

# unit_active NAME UNIT: the stub's view of UNIT on host NAME.
unit_active() {
  sim "$1" systemctl is-active --quiet "$2"
}

# server_up NAME [ARGS...]: install and start a server from the V1 air-gap release.
server_up() {
  local name=$1
  shift
  rke2 "$name" server --airgap-dir "$RELEASES/$V1" --wait-timeout 20 "$@"
  assert_success
}

# assert_secret_absent SECRET: the secret is in no output, event, drop-in or log of any host.
assert_secret_absent() {
  local secret=$1 f
  [[ $output != *"$secret"* ]] || fail "secret found on stdout"
  [[ ${stderr:-} != *"$secret"* ]] || fail "secret found on stderr"
  for f in "$EVENTS_DIR"/*; do
    [ -f "$f" ] || continue
    if grep -qF -- "$secret" "$f"; then fail "secret found in events $f"; fi
  done
  for f in "$HOSTS"/*/root/etc/rancher/rke2/config.yaml.d/* "$HOSTS"/*/root/var/log/edgectl-sim/*.log; do
    [ -f "$f" ] || continue
    if grep -qF -- "$secret" "$f"; then fail "secret found in ${f#"$HOSTS"/}"; fi
  done
}

# ca_hash NAME: sha256 of host NAME's cluster CA.
ca_hash() {
  sha256sum "$(host_path "$1" /var/lib/rancher/rke2/server/tls/server-ca.crt)" | cut -d' ' -f1
}

# fetch_cacerts NAME URL: GET URL/cacerts from inside host NAME's network.
fetch_cacerts() {
  sim "$1" python3 -c '
import ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1] + "/cacerts", context=ctx, timeout=3).read())
' "$2"
}

# refute_cmd CMD...: fail if CMD succeeds (a bare `! CMD` never fails a bats test).
refute_cmd() {
  if "$@"; then
    fail "expected to fail: $*"
  fi
}

# pid_alive PID: the process exists and is not a zombie (PID 1 may reap a killed service late).
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# use_failing_restart: put a systemctl whose `restart` fails in front of the recording stub
# (for rke2.sh runs until HERMETIC_PATH is restored from $SAVED_PATH).
use_failing_restart() {
  local dir=$BATS_TEST_TMPDIR/failing
  mkdir -p "$dir"
  # shellcheck disable=SC2016  # $1 and $@ belong to the generated script
  printf '#!/bin/sh\n[ "$1" = restart ] && { echo "simulated restart failure" >&2; exit 1; }\nexec %q "$@"\n' \
    "$STUBS/systemctl" >"$dir/systemctl"
  chmod +x "$dir/systemctl"
  SAVED_PATH=$HERMETIC_PATH
  HERMETIC_PATH="$dir:$HERMETIC_PATH"
}

restore_path() {
  HERMETIC_PATH=$SAVED_PATH
}
