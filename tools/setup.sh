#!/usr/bin/env bash
# Installs everything the tests and the demo need on a fresh Debian machine of
# this kind: apt packages (bats + helpers, shellcheck, iproute2, openssl, and
# binutils for the strip in npm run build:sea, systemd-container + debootstrap +
# openssh-client for the container hosts of tools/lab.sh, cloud-init for `cloud-init
# schema` over the user-data edgectl writes), the npm dependencies
# (npm ci), and the pinned OpenBao binary (.tools/bin/bao).
# Idempotent; safe to re-run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_packages=(bats bats-support bats-assert shellcheck iproute2 openssl python3 ca-certificates util-linux binutils systemd-container debootstrap openssh-client procps cloud-init)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci: exactly the locked versions, and it never rewrites package-lock.json,
  # so a fresh clone stays clean after setup. The lockfile lists every platform's
  # optional packages (rollup's, via vitest); a lockfile written without them is
  # refused by npm ci, which is the point: regenerate it with a plain
  # `npm install` from an empty node_modules and commit it.
  echo "setup: npm ci (locked versions)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

bash tools/install-bao.sh

# the base rootfs of the container hosts (tools/lab.sh; cached under .lab/, rebuilt only when
# its recipe changes); needs root, like the tests that use it
if [ "$(id -u)" -eq 0 ]; then
  bash tools/lab.sh base >/dev/null
fi
