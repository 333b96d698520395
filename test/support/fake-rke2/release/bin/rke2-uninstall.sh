#!/bin/sh
# rke2-uninstall.sh (FAKE, for edgectl tests): removes the fake RKE2 like the real script
# removes RKE2: stops it, disables the units, deletes binaries, units, /etc/rancher/rke2 and
# /var/lib/rancher/rke2. It only touches paths that test/support/sim-host.sh bind-mounts.
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "rke2-uninstall.sh: must run as root" >&2
  exit 1
fi
PREFIX=/usr/local
"$PREFIX/bin/rke2-killall.sh"
systemctl disable rke2-server.service rke2-agent.service 2>/dev/null || true
systemctl reset-failed rke2-server.service rke2-agent.service 2>/dev/null || true
rm -f "$PREFIX"/lib/systemd/system/rke2-server.service "$PREFIX"/lib/systemd/system/rke2-agent.service
rm -f "$PREFIX"/lib/systemd/system/rke2-server.env "$PREFIX"/lib/systemd/system/rke2-agent.env
rm -f /etc/systemd/system/rke2-server.service /etc/systemd/system/rke2-agent.service
rm -rf /etc/rancher/rke2 /var/lib/rancher/rke2 "$PREFIX/share/rke2"
rm -f "$PREFIX/bin/rke2" "$PREFIX/bin/rke2-killall.sh"
systemctl daemon-reload
rm -f "$PREFIX/bin/rke2-uninstall.sh"
echo "fake RKE2 uninstalled"
