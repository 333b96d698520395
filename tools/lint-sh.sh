#!/usr/bin/env bash
# Runs shellcheck over every shell file of the project (scripts, test helpers, tools, CI, bats).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.sh' '*.bash' '.ci/run' 'test/support/stubs/*' 'test/support/fake-rke2/release/bin/*' | sort -u)
mapfile -t bats_files < <(git ls-files --cached --others --exclude-standard -- '*.bats')
if [ "${#files[@]}" -gt 0 ]; then shellcheck -x "${files[@]}"; fi
if [ "${#bats_files[@]}" -gt 0 ]; then shellcheck -x -s bash "${bats_files[@]}"; fi
echo "shellcheck: ${#files[@]} shell files and ${#bats_files[@]} bats files clean" >&2
