#!/usr/bin/env bash
# install-edgectl.sh: install the edgectl single executable on a Linux x86-64 host.
#
# This header is the script's public contract.
#
# Usage:
#   curl -fsSL https://github.com/edgectl/edgectl/releases/latest/download/install-edgectl.sh | sudo bash
#   sudo bash install-edgectl.sh [--base-url URL | --version V | --from DIR] [--sha256 HEX] [--bin-dir DIR] [--dry-run]
#
# It fetches edgectl-linux-x64 and edgectl-linux-x64.sha256 (a sha256sum line) from the
# base URL, or takes them from a local directory (--from, for air-gapped sites), checks the
# executable's sha256 against the .sha256 file BEFORE anything is installed or run, checks
# that the verified executable runs on this host (--version), and only then moves it into
# place as BIN_DIR/edgectl (mode 0755) with an atomic rename. An up-to-date edgectl (same
# sha256) is left as it is. A checksum mismatch, a failed download or an executable that
# cannot run here leaves the host exactly as it was.
#
# Options (flags win over the environment):
#   --base-url URL   EDGECTL_BASE_URL  where the release files are
#                    (default https://github.com/edgectl/edgectl/releases/latest/download)
#   --version V      EDGECTL_VERSION   a release tag, e.g. v0.1.0: base URL
#                    https://github.com/edgectl/edgectl/releases/download/V (ignored with --base-url)
#   --from DIR       EDGECTL_FROM      take the files from DIR; no network access
#   --sha256 HEX     EDGECTL_SHA256    the sha256 the executable must have, pinned by the caller
#                                      (edgectl rke2 cloud-init does): the .sha256 file must agree
#   --bin-dir DIR    EDGECTL_BIN_DIR   where to install (default /usr/local/bin)
#   --prefix DIR                       same as --bin-dir DIR/bin
#   --dry-run                          print what would be done and change nothing (no download)
#   -h, --help                         this help
#
# Needs: bash, uname, mktemp, install, mv, sha256sum (or shasum), and curl (or wget) unless --from.
# The checksum protects against corrupt and truncated downloads; that the files are genuine
# rests on HTTPS to the release location (or on how DIR was filled, with --from), unless
# --sha256 pins the hash from a trusted place.
#
# Exit codes: 0 installed or already up to date (or --dry-run), 1 failure, 2 usage error.
set -euo pipefail

ASSET=edgectl-linux-x64
DEFAULT_BASE_URL=https://github.com/edgectl/edgectl/releases/latest/download
RELEASES_URL=https://github.com/edgectl/edgectl/releases/download

TMP_DIR=""
STAGED=""

# --- logging ---------------------------------------------------------------

# info logs progress on stderr.
info() {
  printf '[INFO]  %s\n' "$*" >&2
}

# warn logs a warning on stderr.
warn() {
  printf '[WARN]  %s\n' "$*" >&2
}

# fatal [CODE] MESSAGE: logs the error and exits with CODE (default 1).
fatal() {
  local code=1
  if [ "$#" -gt 1 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    code=$1
    shift
  fi
  printf '[ERROR] %s\n' "$*" >&2
  exit "$code"
}

usage() {
  sed -n '2,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" 2>/dev/null | sed -e '$d' -e 's/^# \{0,1\}//' || true
}

# usage_help prints the header; when the script comes from a pipe it has no file to read.
usage_help() {
  if [ -f "${BASH_SOURCE[0]:-}" ]; then
    usage
  else
    printf 'install-edgectl.sh [--base-url URL | --version V | --from DIR] [--sha256 HEX] [--bin-dir DIR] [--dry-run]\n'
  fi
}

# --- setup -----------------------------------------------------------------

# on_exit removes the temp dir and a staged file that was never moved into place, keeping the exit code.
on_exit() {
  local code=$?
  set +e
  trap - EXIT
  [ -z "$STAGED" ] || rm -f "$STAGED"
  [ -z "$TMP_DIR" ] || rm -rf "$TMP_DIR"
  exit "$code"
}

# parse_args reads the flags over the EDGECTL_* environment.
parse_args() {
  BASE_URL=${EDGECTL_BASE_URL:-}
  VERSION=${EDGECTL_VERSION:-}
  FROM_DIR=${EDGECTL_FROM:-}
  BIN_DIR=${EDGECTL_BIN_DIR:-}
  PINNED=${EDGECTL_SHA256:-}
  DRY_RUN=""
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --base-url|--version|--from|--sha256|--bin-dir|--prefix)
        if [ "$#" -lt 2 ] || [ -z "$2" ]; then fatal 2 "$1 needs a value (see --help)"; fi
        case "$1" in
          --base-url) BASE_URL=$2 ;;
          --version) VERSION=$2 ;;
          --from) FROM_DIR=$2 ;;
          --sha256) PINNED=$2 ;;
          --bin-dir) BIN_DIR=$2 ;;
          --prefix) BIN_DIR=${2%/}/bin ;;
        esac
        shift 2
        ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h|--help) usage_help; exit 0 ;;
      *) fatal 2 "unknown argument: $1 (see --help)" ;;
    esac
  done
}

# setup_env resolves every default and checks the values.
setup_env() {
  BIN_DIR=${BIN_DIR:-/usr/local/bin}
  BIN_DIR=${BIN_DIR%/}
  [ -n "$BIN_DIR" ] || BIN_DIR=/
  TARGET=$BIN_DIR/edgectl
  PINNED=${PINNED,,}
  if [ -n "$PINNED" ] && ! [[ $PINNED =~ ^[0-9a-f]{64}$ ]]; then fatal 2 "--sha256: expected 64 hex digits"; fi
  if [ -n "$FROM_DIR" ]; then
    [ -d "$FROM_DIR" ] || fatal 2 "--from $FROM_DIR: no such directory"
    SOURCE="directory $FROM_DIR"
    return 0
  fi
  if [ -z "$BASE_URL" ]; then
    if [ -n "$VERSION" ]; then
      [[ $VERSION =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || fatal 2 "--version $VERSION: expected a release tag like v0.1.0"
      [[ $VERSION == v* ]] || VERSION=v$VERSION
      BASE_URL=$RELEASES_URL/$VERSION
    else
      BASE_URL=$DEFAULT_BASE_URL
    fi
  fi
  BASE_URL=${BASE_URL%/}
  case "$BASE_URL" in
    https://*) ;;
    http://*) warn "$BASE_URL is plain HTTP: the checksum then only guards against corrupt downloads, not tampering" ;;
    *) fatal 2 "--base-url $BASE_URL: expected an https:// URL (or --from DIR for local files)" ;;
  esac
  SOURCE=$BASE_URL
}

# --- checks ----------------------------------------------------------------

# verify_platform refuses hosts the executable cannot run on.
verify_platform() {
  local os machine
  os=$(uname -s)
  machine=$(uname -m)
  [ "$os" = Linux ] || fatal "edgectl-linux-x64 runs on Linux, this is $os"
  case "$machine" in
    x86_64|amd64) ;;
    *) fatal "edgectl-linux-x64 runs on x86-64, this machine is $machine" ;;
  esac
}

# verify_tools finds a downloader (unless --from) and a sha256 tool.
verify_tools() {
  if command -v sha256sum >/dev/null 2>&1; then
    SHA256=(sha256sum)
  elif command -v shasum >/dev/null 2>&1; then
    SHA256=(shasum -a 256)
  else
    fatal "neither sha256sum nor shasum found: cannot verify the download"
  fi
  [ -n "$FROM_DIR" ] && return 0
  if command -v curl >/dev/null 2>&1; then
    DOWNLOADER=curl
  elif command -v wget >/dev/null 2>&1; then
    DOWNLOADER=wget
  else
    fatal "neither curl nor wget found (or use --from DIR with the files copied by hand)"
  fi
}

# verify_bin_dir checks that BIN_DIR exists (or can be created) and is writable.
verify_bin_dir() {
  if [ -e "$TARGET" ] && [ ! -f "$TARGET" ]; then
    fatal "$TARGET exists and is not a regular file; remove it first"
  fi
  if [ -d "$BIN_DIR" ]; then
    [ -w "$BIN_DIR" ] || fatal "cannot write to $BIN_DIR: run as root (sudo) or choose --bin-dir"
  else
    [ -n "$DRY_RUN" ] || mkdir -p "$BIN_DIR" || fatal "cannot create $BIN_DIR: run as root (sudo) or choose --bin-dir"
  fi
}

# sha256_of FILE prints the file's sha256.
sha256_of() {
  local out
  out=$("${SHA256[@]}" "$1") || fatal "cannot compute the sha256 of $1"
  printf '%s\n' "${out%% *}"
}

# --- steps -----------------------------------------------------------------

# download URL FILE fetches URL into FILE, failing on HTTP errors.
download() {
  local url=$1 file=$2
  info "downloading $url"
  case "$DOWNLOADER" in
    curl) curl -fsSL --retry 3 -o "$file" "$url" || fatal "download failed: $url" ;;
    wget) wget -q --tries=3 -O "$file" "$url" || fatal "download failed: $url" ;;
  esac
}

# fetch_files puts the executable and its .sha256 into TMP_DIR.
fetch_files() {
  TMP_DIR=$(mktemp -d -t install-edgectl.XXXXXXXXXX)
  chmod 700 "$TMP_DIR"
  if [ -n "$FROM_DIR" ]; then
    local f
    for f in "$ASSET" "$ASSET.sha256"; do
      [ -f "$FROM_DIR/$f" ] || fatal "$FROM_DIR/$f: not found (the directory needs $ASSET and $ASSET.sha256)"
      cp "$FROM_DIR/$f" "$TMP_DIR/$f"
    done
    info "using $FROM_DIR/$ASSET"
  else
    download "$BASE_URL/$ASSET.sha256" "$TMP_DIR/$ASSET.sha256"
    download "$BASE_URL/$ASSET" "$TMP_DIR/$ASSET"
  fi
}

# verify_checksum compares the executable's sha256 with the .sha256 file; EXPECTED is the verified hash.
verify_checksum() {
  local line actual
  line=$(head -n 1 "$TMP_DIR/$ASSET.sha256")
  EXPECTED=${line%%[[:space:]]*}
  EXPECTED=${EXPECTED,,}
  [[ $EXPECTED =~ ^[0-9a-f]{64}$ ]] || fatal "$ASSET.sha256 does not start with a sha256 (got: ${line:0:80})"
  if [ -n "$PINNED" ] && [ "$PINNED" != "$EXPECTED" ]; then
    fatal "$ASSET.sha256 from $SOURCE says $EXPECTED, but --sha256 pins $PINNED; nothing was installed"
  fi
  actual=$(sha256_of "$TMP_DIR/$ASSET")
  if [ "$actual" != "$EXPECTED" ]; then
    fatal "sha256 mismatch for $ASSET from $SOURCE: expected $EXPECTED, got $actual; nothing was installed"
  fi
  info "sha256 verified: $EXPECTED"
}

# up_to_date is true when TARGET already is this exact executable.
up_to_date() {
  [ -f "$TARGET" ] && [ "$(sha256_of "$TARGET")" = "$EXPECTED" ]
}

# install_verified stages the verified executable next to TARGET, checks it runs, and renames it into place.
install_verified() {
  STAGED=$(mktemp "$BIN_DIR/.edgectl.new.XXXXXXXXXX")
  install -m 0755 "$TMP_DIR/$ASSET" "$STAGED"
  # the staged copy is the verified file; run it only now, in BIN_DIR (TMPDIR may be noexec)
  local version
  if ! version=$("$STAGED" --version 2>&1); then
    fatal "the verified executable does not run on this host (${version:0:200}); it needs Linux x86-64 with glibc 2.28 or newer. Nothing was installed"
  fi
  mv -f "$STAGED" "$TARGET"
  STAGED=""
  info "installed edgectl $version as $TARGET"
}

# print_plan describes a --dry-run.
print_plan() {
  if [ -n "$FROM_DIR" ]; then
    printf 'would take %s and %s.sha256 from %s\n' "$ASSET" "$ASSET" "$FROM_DIR"
  else
    printf 'would download %s/%s.sha256 and %s/%s\n' "$BASE_URL" "$ASSET" "$BASE_URL" "$ASSET"
  fi
  if [ -n "$PINNED" ]; then printf 'would require sha256 %s (pinned)\n' "$PINNED"; fi
  printf 'would verify the sha256, check that it runs, and install it as %s (mode 0755)\n' "$TARGET"
  printf '(dry run: nothing was downloaded or changed)\n'
}

main() {
  trap on_exit EXIT
  trap 'fatal 130 "interrupted"' INT TERM
  parse_args "$@"
  setup_env
  verify_platform
  verify_tools
  verify_bin_dir
  if [ -n "$DRY_RUN" ]; then
    print_plan
    return 0
  fi
  fetch_files
  verify_checksum
  if up_to_date; then
    info "$TARGET is already this edgectl (sha256 $EXPECTED); nothing to do"
    return 0
  fi
  install_verified
}

main "$@"
