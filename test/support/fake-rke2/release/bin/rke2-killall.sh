#!/bin/sh
# rke2-killall.sh (FAKE, for edgectl tests): stops RKE2 in the order of the real script:
# 1. stop every rke2 unit with systemctl, 2. kill what the units leave behind (KillMode=process
# leaves the children of the main process running; the real script kills the containerd shims,
# the fake kills its own supervisor processes), 3. unmount what lives under RKE2's run and data
# directories. Not done (the fake makes none of it, and on a simulated host without its own
# network namespace it would touch this machine): CNI links and iptables rules.
[ "$(id -u)" -eq 0 ] || { echo "rke2-killall.sh: must run as root" >&2; exit 1; }
SHARE_DIR="$(cd "$(dirname "$0")/.." && pwd)/share/rke2"

for service in rke2-server rke2-agent; do
  systemctl stop "$service.service" 2>/dev/null || true
done

# processes of the fake started from this installation, like killtree of the shims; only in
# this host's mount namespace (simulated hosts share one process table)
own_mnt=$(readlink /proc/self/ns/mnt)
for pid in $(pgrep -f "$SHARE_DIR/fake-supervisor.py" 2>/dev/null); do
  [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$own_mnt" ] || continue
  kill -9 "$pid" 2>/dev/null || true
done

do_unmount_and_remove() {
  awk -v path="$1" 'index($2, path) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mount; do
    umount -f "$mount" 2>/dev/null || true
  done
}
do_unmount_and_remove /run/k3s
do_unmount_and_remove /var/lib/rancher/rke2/
do_unmount_and_remove /var/lib/kubelet/pods
