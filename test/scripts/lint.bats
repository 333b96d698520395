#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2030,SC2031  # bats sets output/stderr/lines; each @test is a subshell
# Static checks: shellcheck over the script, the test support, the helper and the bats files.

setup() {
  load test_helper
}

@test "shellcheck is clean" {
  command -v shellcheck >/dev/null || fail "shellcheck is not installed"
  local -a files=(
    "$REPO_ROOT"/scripts/*.sh
    "$SUPPORT"/*.sh
    "$SUPPORT"/*/*.sh
    "$STUBS"/*
    "$FAKE"/release/bin/*
    "$REPO_ROOT"/test/scripts/test_helper.bash
    "$REPO_ROOT"/test/scripts/*.bats
  )
  run shellcheck -x "${files[@]}"
  assert_success
  assert_output ""
}
