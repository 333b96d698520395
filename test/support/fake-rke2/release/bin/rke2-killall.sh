#!/bin/sh
# rke2-killall.sh (FAKE, for edgectl tests): stops the RKE2 services. The real script also
# kills containerd shims and unmounts pod volumes; the fake runs no pods.
for unit in rke2-server rke2-agent; do
  systemctl stop "$unit.service" 2>/dev/null || true
done
