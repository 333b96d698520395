#!/usr/bin/env bash
# sim-host.sh: run a command as a simulated edge host (tests only).
#
# Usage: sim-host.sh --state DIR [--hostname NAME] [--netns NS] [--] COMMAND [ARGS...]
#
# The command runs in its own mount namespace (and UTS namespace when --hostname
# is given) where the system paths an RKE2 node writes are bind-mounted from
# per-host directories under DIR:
#   /etc/rancher /var/lib/rancher /etc/edgectl /etc/systemd/system /usr/local
#   /var/log/edgectl-sim (the fake service logs)
# Bind mounts of private directories (rather than a fresh tmpfs each time) keep
# a host's state across several invocations, so a test can run a command, crash
# it, and run it again on "the same host". Nothing outside DIR is written,
# except that empty mount points are created on the real machine if missing.
#
# With --netns NS the command runs inside the network namespace NS (see
# test/support/netns.sh), so the host has its own address.
#
# Requires root (mount namespaces); exits 77 with a message otherwise so
# callers can report "cannot run" instead of passing silently.
set -euo pipefail

SIM_PATHS=(/etc/rancher /var/lib/rancher /etc/edgectl /etc/systemd/system /usr/local /var/log/edgectl-sim)

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
}

fatal() {
  printf 'sim-host: %s\n' "$*" >&2
  exit 1
}

state=""
host_name=""
netns=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --state) state="${2:?--state needs a directory}"; shift 2 ;;
    --hostname) host_name="${2:?--hostname needs a name}"; shift 2 ;;
    --netns) netns="${2:?--netns needs a name}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) fatal "unknown option: $1" ;;
    *) break ;;
  esac
done
[ -n "$state" ] || fatal "--state DIR is required"
[ "$#" -gt 0 ] || fatal "a command is required"
if [ "$(id -u)" != 0 ]; then
  printf 'sim-host: needs root for mount namespaces (running as uid %s)\n' "$(id -u)" >&2
  exit 77
fi

mkdir -p "$state"
state=$(cd "$state" && pwd)
for p in "${SIM_PATHS[@]}"; do
  mkdir -p "$state/root$p"
  [ -d "$p" ] || mkdir -p "$p"
done

# The inner script performs the mounts inside the new namespace, then execs.
# shellcheck disable=SC2016
inner='
set -euo pipefail
state="$1"; host_name="$2"; shift 2
mount --make-rprivate /
for p in /etc/rancher /var/lib/rancher /etc/edgectl /etc/systemd/system /usr/local /var/log/edgectl-sim; do
  mount --bind "$state/root$p" "$p"
done
if [ -n "$host_name" ]; then hostname "$host_name"; fi
exec "$@"
'

unshare_flags=(-m --propagation private)
[ -n "$host_name" ] && unshare_flags+=(-u)

if [ -n "$netns" ]; then
  exec ip netns exec "$netns" unshare "${unshare_flags[@]}" bash -c "$inner" sim-host "$state" "$host_name" "$@"
fi
exec unshare "${unshare_flags[@]}" bash -c "$inner" sim-host "$state" "$host_name" "$@"
