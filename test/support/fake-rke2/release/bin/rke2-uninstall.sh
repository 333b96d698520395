#!/bin/sh
# rke2-uninstall.sh (FAKE, for edgectl tests): removes the fake RKE2 in the order of the real
# script: rke2-killall.sh, then disable and reset-failed the units and daemon-reload, then
# remove the unit files, binaries and data, and the uninstaller itself last. It only touches
# RKE2's own paths that test/support/sim-host.sh bind-mounts per simulated host (the real one
# also removes /etc/cni, /opt/cni/bin and /var/lib/kubelet, which the fake never creates).
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "rke2-uninstall.sh: must run as root" >&2
  exit 1
fi
PREFIX=/usr/local
RKE2_DATA_DIR=/var/lib/rancher/rke2

uninstall_killall() {
  killall_script="$(dirname "$0")/rke2-killall.sh"
  if [ -e "$killall_script" ]; then
    "$killall_script"
  fi
}

uninstall_disable_services() {
  if command -v systemctl >/dev/null 2>&1; then
    systemctl disable rke2-server.service rke2-agent.service 2>/dev/null || true
    systemctl reset-failed rke2-server.service rke2-agent.service 2>/dev/null || true
    systemctl daemon-reload
  fi
}

uninstall_remove_files() {
  find "$PREFIX/lib/systemd/system" -name 'rke2-*.service' -type f -delete 2>/dev/null || true
  find "$PREFIX/lib/systemd/system" -name 'rke2-*.env' -type f -delete 2>/dev/null || true
  find /etc/systemd/system -name 'rke2-*.service' -type f -delete 2>/dev/null || true
  rm -f "$PREFIX/bin/rke2" "$PREFIX/bin/rke2-killall.sh"
  rm -rf "$PREFIX/share/rke2"
  rm -rf /etc/rancher/rke2 /etc/rancher/node
  rm -d /etc/rancher 2>/dev/null || true
  rm -rf "$RKE2_DATA_DIR"
  rm -d /var/lib/rancher 2>/dev/null || true
}

uninstall_remove_self() {
  rm -f "$PREFIX/bin/rke2-uninstall.sh"
}

uninstall_killall
uninstall_disable_services
uninstall_remove_files
uninstall_remove_self
echo "fake RKE2 uninstalled"
