#!/usr/bin/env bash
# netns.sh: network namespaces for simulated hosts (tests only).
#
# Usage:
#   netns.sh bridge-up                 create bridge edgesim0 with 10.77.0.1/24 on this machine
#   netns.sh add NAME ADDRESS          namespace NAME with veth to the bridge, ADDRESS/24
#   netns.sh del NAME                  delete namespace NAME (and its veth)
#   netns.sh bridge-down               delete the bridge
#
# Addresses live in 10.77.0.0/24, a private range used only by these tests; the
# bridge address 10.77.0.1 is how namespaces reach services on this machine
# (OpenBao listens there in tests). Nothing is routed beyond the bridge.
set -euo pipefail

BRIDGE="${EDGESIM_BRIDGE:-edgesim0}"
BRIDGE_ADDR="${EDGESIM_BRIDGE_ADDR:-10.77.0.1}"

fatal() {
  printf 'netns: %s\n' "$*" >&2
  exit 1
}

bridge_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$BRIDGE_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

ns_add() {
  local name="$1" addr="$2" veth_host veth_ns
  [[ "$name" =~ ^[a-z0-9-]{1,10}$ ]] || fatal "namespace name must be 1-10 chars [a-z0-9-]: $name"
  [[ "$addr" =~ ^10\.77\.0\.[0-9]{1,3}$ ]] || fatal "address must be in 10.77.0.0/24: $addr"
  veth_host="vh-$name"
  veth_ns="vn-$name"
  bridge_up
  ns_del "$name" 2>/dev/null || true
  ip netns add "$name"
  ip link add "$veth_host" type veth peer name "$veth_ns"
  ip link set "$veth_ns" netns "$name"
  ip link set "$veth_host" master "$BRIDGE"
  ip link set "$veth_host" up
  ip -n "$name" addr add "$addr/24" dev "$veth_ns"
  ip -n "$name" link set "$veth_ns" up
  ip -n "$name" link set lo up
  ip -n "$name" route add default via "$BRIDGE_ADDR"
}

ns_del() {
  local name="$1"
  ip link del "vh-$name" 2>/dev/null || true
  if ip netns list | grep -qw -- "$name"; then
    ip netns pids "$name" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$name"
  fi
}

case "${1:-}" in
  bridge-up) bridge_up ;;
  bridge-down) ip link del "$BRIDGE" 2>/dev/null || true ;;
  add) ns_add "${2:?name}" "${3:?address}" ;;
  del) ns_del "${2:?name}" ;;
  -h|--help|"") sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) fatal "unknown command: $1" ;;
esac
