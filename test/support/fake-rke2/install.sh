#!/bin/sh
# install.sh (FAKE): a stand-in for https://get.rke2.io in edgectl tests. Not the real
# installer, and it never uses the network. It honours the subset of the official contract
# that edgectl uses, and installs with the tarball method:
#
#   INSTALL_RKE2_ARTIFACT_PATH  directory with rke2.linux-ARCH.tar.gz and sha256sum-ARCH.txt
#                               (the air-gap layout); the tarball's sha256 must match
#   INSTALL_RKE2_VERSION        version to "download" when no artifact path is set
#   INSTALL_RKE2_CHANNEL        channel to resolve when neither is set (default stable)
#   INSTALL_RKE2_TYPE           server|agent (default server; the tarball holds both units)
#   INSTALL_RKE2_METHOD         only "tar" (or unset)
#   INSTALL_RKE2_TAR_PREFIX     install prefix (default /usr/local; the real installer would
#                               pick /opt/rke2 when /usr/local is a mount point, as on sim hosts)
#   INSTALL_RKE2_SKIP_RELOAD    skip "systemctl daemon-reload"
#
# Test-only variable (not INSTALL_RKE2_*, so rke2.sh passes it through):
#   FAKE_RKE2_RELEASES_DIR      stands in for the release download site: DIR/VERSION/ holds a
#                               release from build-release.sh, DIR/channels/NAME holds a version
#
# Each run appends a summary to /var/log/edgectl-sim/installer.log and its whole environment
# to /var/log/edgectl-sim/installer-env.log, so tests can check what reached the installer.
set -eu

info() { echo "[INFO]  $*"; }
fatal() {
  echo "[ERROR] $*" >&2
  exit 1
}

SIM_LOG_DIR=/var/log/edgectl-sim
mkdir -p "$SIM_LOG_DIR"
{
  echo "=== fake install.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  env | sort
} >>"$SIM_LOG_DIR/installer-env.log"
echo "run TYPE=${INSTALL_RKE2_TYPE:-} VERSION=${INSTALL_RKE2_VERSION:-} CHANNEL=${INSTALL_RKE2_CHANNEL:-} ARTIFACT_PATH=${INSTALL_RKE2_ARTIFACT_PATH:-}" \
  >>"$SIM_LOG_DIR/installer.log"

[ "$(id -u)" -eq 0 ] || fatal "You need to be root to perform this install"

case "$(uname -m)" in
  x86_64|amd64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) fatal "unsupported architecture $(uname -m)" ;;
esac
TYPE=${INSTALL_RKE2_TYPE:-${INSTALL_RKE2_EXEC:-server}}
case "$TYPE" in
  server|agent) ;;
  *) fatal "invalid INSTALL_RKE2_TYPE: $TYPE" ;;
esac
case "${INSTALL_RKE2_METHOD:-tar}" in
  tar) ;;
  *) fatal "the fake installer supports only INSTALL_RKE2_METHOD=tar" ;;
esac
DEFAULT_PREFIX=/usr/local
PREFIX=${INSTALL_RKE2_TAR_PREFIX:-$DEFAULT_PREFIX}

if [ -n "${INSTALL_RKE2_ARTIFACT_PATH:-}" ]; then
  SOURCE=$INSTALL_RKE2_ARTIFACT_PATH
  info "staging local artifacts from $SOURCE"
else
  [ -n "${FAKE_RKE2_RELEASES_DIR:-}" ] \
    || fatal "download failed: the fake installer has no network (set INSTALL_RKE2_ARTIFACT_PATH or FAKE_RKE2_RELEASES_DIR)"
  VERSION=${INSTALL_RKE2_VERSION:-}
  if [ -z "$VERSION" ]; then
    CHANNEL=${INSTALL_RKE2_CHANNEL:-stable}
    info "finding release for channel $CHANNEL"
    [ -f "$FAKE_RKE2_RELEASES_DIR/channels/$CHANNEL" ] || fatal "download failed: unknown channel $CHANNEL"
    VERSION=$(cat "$FAKE_RKE2_RELEASES_DIR/channels/$CHANNEL")
  fi
  info "using $VERSION as release"
  SOURCE=$FAKE_RKE2_RELEASES_DIR/$VERSION
  [ -d "$SOURCE" ] || fatal "download failed: no release $VERSION"
fi

TARBALL=$SOURCE/rke2.linux-$ARCH.tar.gz
SUMS=$SOURCE/sha256sum-$ARCH.txt
[ -f "$SUMS" ] || fatal "cannot find $SUMS"
[ -f "$TARBALL" ] || fatal "cannot find $TARBALL"
TMP_DIR=$(mktemp -d -t rke2-install.XXXXXXXXXX)
trap 'rm -rf "$TMP_DIR"' EXIT
cp -f "$TARBALL" "$TMP_DIR/rke2.tarball"
EXPECTED=$(grep "rke2.linux-$ARCH.tar.gz" "$SUMS" | awk '{print $1}')
ACTUAL=$(sha256sum "$TMP_DIR/rke2.tarball" | awk '{print $1}')
info "verifying tarball"
[ "$EXPECTED" = "$ACTUAL" ] || fatal "download sha256 does not match $EXPECTED, got $ACTUAL"

info "unpacking tarball file to $PREFIX"
mkdir -p "$PREFIX"
tar xzf "$TMP_DIR/rke2.tarball" -C "$PREFIX"
if [ "$PREFIX" != "$DEFAULT_PREFIX" ]; then
  sed -i "s|$DEFAULT_PREFIX|$PREFIX|" "$PREFIX"/lib/systemd/system/rke2-*.service "$PREFIX/bin/rke2-uninstall.sh"
  mkdir -p /etc/systemd/system
  mv -f "$PREFIX"/lib/systemd/system/rke2-*.service /etc/systemd/system/
fi
if [ -z "${INSTALL_RKE2_SKIP_RELOAD:-}" ]; then
  systemctl daemon-reload
fi
info "installed $("$PREFIX/bin/rke2" --version | sed -n 1p) to $PREFIX"
