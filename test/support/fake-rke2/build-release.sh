#!/usr/bin/env bash
# build-release.sh: build a FAKE RKE2 release for tests (not RKE2).
#
# Usage: build-release.sh OUTDIR VERSION [ARCH]
#
# Writes, in the layout of RKE2's official air-gap artifacts:
#   OUTDIR/rke2.linux-ARCH.tar.gz   bin/rke2 (fake, reports VERSION), bin/rke2-killall.sh,
#                                   bin/rke2-uninstall.sh, lib/systemd/system/rke2-server.service,
#                                   lib/systemd/system/rke2-agent.service, share/rke2/... (with
#                                   share/rke2/runtime/bin/kubectl, the fake kubectl from bin/)
#   OUTDIR/sha256sum-ARCH.txt       "<sha256>  rke2.linux-ARCH.tar.gz"
#   OUTDIR/install.sh               copy of the fake installer (./install.sh), the way air-gap
#                                   instructions put install.sh next to the artifacts
# ARCH defaults to this machine's (amd64 on x86_64). The tarball is reproducible: the same
# VERSION gives the same bytes.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  usage >&2
  exit 2
fi
outdir=$1
version=$2
arch=${3:-}
if ! [[ $version =~ ^[A-Za-z0-9][A-Za-z0-9.+_-]*$ ]]; then
  echo "build-release.sh: invalid version: $version" >&2
  exit 2
fi
if [ -z "$arch" ]; then
  case "$(uname -m)" in
    x86_64|amd64) arch=amd64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cp -R "$here/release/." "$stage/"
sed "s/@VERSION@/$version/" "$here/release/bin/rke2" >"$stage/bin/rke2"
chmod 755 "$stage"/bin/* "$stage/share/rke2/fake-supervisor.py"
# kubectl is not in RKE2's tarball: RKE2 unpacks it from its runtime image into
# /var/lib/rancher/rke2/bin/ when it starts; the fake rke2 copies it from share/rke2/runtime/bin/
mkdir -p "$stage/share/rke2/runtime/bin"
mv "$stage/bin/kubectl" "$stage/share/rke2/runtime/bin/kubectl"
chmod 644 "$stage"/lib/systemd/system/*.service

mkdir -p "$outdir"
tarball="rke2.linux-$arch.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - bin lib share \
  | gzip -n >"$outdir/$tarball"
(cd "$outdir" && sha256sum "$tarball" >"sha256sum-$arch.txt")
cp "$here/install.sh" "$outdir/install.sh"
chmod 755 "$outdir/install.sh"
