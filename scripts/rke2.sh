#!/usr/bin/env bash
# rke2.sh: install, configure, upgrade and remove RKE2 on one host.
#
# This header is the script's public contract; scripts/README.md mirrors it.
#
# Usage:
#   rke2.sh server    [options]           install (or keep) RKE2, configure and start rke2-server
#   rke2.sh agent     --server URL --token-file F [options]   the same for rke2-agent
#   rke2.sh upgrade   (--version V | --channel C | --airgap-dir DIR) [options]
#   rke2.sh uninstall [--yes] [--dry-run]
#   rke2.sh status    [--json]
#   rke2.sh wait-ready (server|agent) [--timeout SECONDS]
#   rke2.sh token-rotate [--dry-run]       rotate the cluster's server token (on a server)
#   rke2.sh token-sync --token-file F [--dry-run]   put a new token in place for the next start
#   rke2.sh artifact-version --airgap-dir DIR   print the RKE2 version of air-gap artifacts (read-only)
#   rke2.sh --help | rke2.sh COMMAND --help
#
# Options of server and agent:
#   --token-file F         join token file, mode 0600 or 0400, owned by root; "-" reads stdin.
#                          Required for agent and for a joining server; optional for a new cluster
#                          (RKE2 then generates one). Copied to /etc/rancher/rke2/edgectl-token.
#   --server URL           https URL of an existing server (supervisor port, usually 9345).
#                          server: join as an additional server; agent: required.
#   --tls-san NAME         extra SAN for the server certificate (server only; repeatable)
#   --node-name NAME       Kubernetes node name (RFC 1123 subdomain)
#   --node-label K=V       node label (repeatable)
#   --node-taint K=V:EFFECT  node taint, EFFECT one of NoSchedule|PreferNoSchedule|NoExecute
#                          (repeatable; K:EFFECT without a value is accepted too)
#   --config-file F        extra RKE2 config (YAML mapping) copied verbatim into the drop-in: a
#                          regular root-owned file, not group/world-writable, at most 64 KiB, of
#                          plain `key: value` lines, list items and indented lines (no quoted, '?',
#                          flow or merge keys); a dry run shows its path and sha256, not its content;
#                          must not set token, agent-token, token-file, server, or a key a flag sets
#   --cni NAME             CNI plugin(s): canal|calico|cilium|flannel|none, or multus,PLUGIN (server only)
#   --profile cis          CIS hardening profile
#   --version V            RKE2 version to install, e.g. v1.30.6+rke2r1 (INSTALL_RKE2_VERSION)
#   --channel C            release channel, e.g. stable|latest|v1.30 (INSTALL_RKE2_CHANNEL)
#   --install-script P|URL installer to run: a local file (used as is) or an https URL fetched
#                          with curl. Default: https://get.rke2.io, or DIR/install.sh with --airgap-dir
#   --airgap-dir DIR       directory holding rke2.linux-ARCH.tar.gz and sha256sum-ARCH.txt
#                          (INSTALL_RKE2_ARTIFACT_PATH); the checksum is verified before anything changes
#   --no-start             write everything and enable the service, but do not start or restart it
#   --wait-timeout S       seconds to wait for readiness (default 900; 0 checks once)
#   --dry-run              print what would be done on stdout and change nothing
#
# Options of upgrade:
#   --version V | --channel C   target version, or a channel resolved with curl against
#                          --channel-url URL (default https://update.rke2.io/v1-release/channels)
#   --airgap-dir DIR, --install-script P|URL, --wait-timeout S, --dry-run   as above
#   --force                allow a downgrade (refused otherwise) and reinstall the same version
#   --json                 with --dry-run: print the plan as one JSON object (installed, target,
#                          role, action, restart) instead of dry-run lines
#
# Options of uninstall: --yes (do not ask; required when stdin is not a terminal), --dry-run.
# Options of status: --json (one JSON object on stdout).
# Options of wait-ready: --timeout S (default 900).
# Options of token-rotate: --dry-run. Runs `rke2 token rotate` with no token on its command line
#                          or in its environment: RKE2 reads the current token from
#                          /var/lib/rancher/rke2/server/token and generates the new one itself,
#                          writing it to that file. Needs RKE2 v1.25.15, v1.26.10, v1.27.7, v1.28.3
#                          or a later release of those lines, or v1.29 and later. Then it does
#                          what token-sync does with the new token. Nothing is restarted.
# Options of token-sync:   --token-file F (required; "-" reads stdin), --dry-run. Writes the token
#                          to /etc/rancher/rke2/edgectl-token and makes the drop-in reference it,
#                          so the next start of rke2-server/rke2-agent uses it; the running service
#                          is not restarted. A K10 token's CA hash must match this node's cluster CA.
# Options of artifact-version: --airgap-dir DIR (required). Verifies the artifacts' checksum,
#                          prints the version of the rke2 binary in the tarball on stdout and
#                          changes nothing (exit 3 when the artifacts are missing, do not match
#                          their checksum, or hold no readable version). Needs no root.
#
# Environment:
#   EDGECTL_EVENTS_FD      if it names an open file descriptor (>= 3), one progress event per
#                          line is written to it: TYPE<TAB>STEP<TAB>MESSAGE, TYPE one of
#                          start|done|fail|skip|info|warn, STEP matching [a-z-]+
#                          (verify, install, configure, start, wait-ready, upgrade, uninstall,
#                          token).
#                          Messages never contain secrets. Unset or closed: human logs only.
#   EDGECTL_EVENTS=stderr  write the events to stderr instead, each line prefixed
#                          "@edgectl-event<TAB>" (for transports with only stdin, stdout and
#                          stderr, such as SSH); EDGECTL_EVENTS_FD is then ignored.
#   EDGECTL_CHANGE_EVENTS=1  also one event "change<TAB>STEP<TAB>DESCRIPTION" before each change
#                          the run makes; DESCRIPTION is its --dry-run line without
#                          "dry-run: would " (and without a trailing ':').
#   RKE2_SH_POLL_INTERVAL  seconds between readiness checks (default 5). Meant for tests.
#   INSTALL_RKE2_*, RKE2_* are removed from the installer's environment; only
#                          INSTALL_RKE2_TYPE, INSTALL_RKE2_VERSION, INSTALL_RKE2_CHANNEL and
#                          INSTALL_RKE2_ARTIFACT_PATH are set, derived from flags.
#
# Files written (RKE2's own files are written by RKE2 and its installer):
#   /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml   drop-in owned by this script (mode 0600)
#   /etc/rancher/rke2/edgectl-token                   join token (mode 0600), referenced as token-file
#                                                     (token-rotate and token-sync rewrite it too)
#   /var/lib/rancher/rke2/edgectl-restart-pending     empty marker: a change the running service
#                                                     has not picked up yet (next run restarts once)
#   /etc/rancher/rke2/config.yaml is never written.
# Readiness: server = rke2-server active and /var/lib/rancher/rke2/server/token written;
#            agent  = rke2-agent active and /var/lib/rancher/rke2/agent/kubelet.kubeconfig written.
#
# Exit codes:
#   0 ok
#   1 unexpected failure
#   2 usage or invalid input (bad flag, URL, label, taint, version string, ...)
#   3 precondition failed (not root, token file missing or with loose mode or not owned by root,
#     missing air-gap artifact, checksum mismatch, downgrade without --force, RKE2 not installed,
#     host already has the other role, RKE2 too old for token rotation, token rotation on a host
#     that is not a ready server, a token whose CA hash does not match this node's cluster CA)
#   4 an RKE2 program failed: the installer (or its download, the channel resolution), the
#     uninstaller, or `rke2 token rotate`
#   5 service failed to enable, start or restart
#   6 timed out waiting for readiness (the message names the condition that failed)
#   7 aborted by the user (uninstall confirmation declined)
#   130, 143 interrupted by SIGINT, SIGTERM
set -euo pipefail

readonly OPERATOR_CONFIG=/etc/rancher/rke2/config.yaml
readonly DROPIN_DIR=/etc/rancher/rke2/config.yaml.d
readonly DROPIN_FILE=/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml
readonly TOKEN_FILE=/etc/rancher/rke2/edgectl-token
readonly SERVER_TOKEN_FILE=/var/lib/rancher/rke2/server/token
readonly AGENT_KUBECONFIG=/var/lib/rancher/rke2/agent/kubelet.kubeconfig
readonly SERVER_CA_FILE=/var/lib/rancher/rke2/server/tls/server-ca.crt
readonly AGENT_CA_FILE=/var/lib/rancher/rke2/agent/server-ca.crt
readonly RESTART_MARKER=/var/lib/rancher/rke2/edgectl-restart-pending
readonly DEFAULT_INSTALL_SCRIPT=https://get.rke2.io
readonly DEFAULT_CHANNEL_URL=https://update.rke2.io/v1-release/channels
readonly DEFAULT_WAIT_TIMEOUT=900
readonly CONFIG_MAX_BYTES=65536
readonly VERSION_RE='^v([0-9]+)\.([0-9]+)\.([0-9]+)(-rc([0-9]+))?\+rke2r([0-9]+)$'

# Globals set by setup_env and the option parser.
COMMAND=""
CURRENT_STEP=verify
FAIL_EMITTED=""
EVENTS_FD=""
EVENTS_PREFIX=""
CHANGE_EVENTS=""
CHANGES=0
TMP_DIR=""
POLL_INTERVAL=5
ARCH=""
RKE2_BIN=""

OPT_TOKEN_FILE=""
OPT_SERVER=""
OPT_TLS_SANS=()
OPT_NODE_NAME=""
OPT_NODE_LABELS=()
OPT_NODE_TAINTS=()
OPT_CONFIG_FILE=""
OPT_CNI=""
OPT_PROFILE=""
OPT_VERSION=""
OPT_CHANNEL=""
OPT_CHANNEL_URL=""
OPT_INSTALL_SCRIPT=""
OPT_AIRGAP_DIR=""
OPT_NO_START=""
OPT_WAIT_TIMEOUT=""
OPT_DRY_RUN=""
OPT_FORCE=""
OPT_YES=""
OPT_JSON=""
OPT_ROLE=""

TOKEN_VALUE=""
CHANNEL_VERSION=""
INSTALLER=""
INSTALLER_DESC=""

# --- logging and events -----------------------------------------------------

# emit writes one progress event to the events channel (EDGECTL_EVENTS_FD, or stderr with
# EVENTS_PREFIX when EDGECTL_EVENTS=stderr) when there is one.
emit() {
  [ -n "$EVENTS_FD" ] || return 0
  local type="$1" step="$2" msg="$3"
  msg=${msg//$'\t'/ }
  msg=${msg//$'\n'/ }
  # A closed reader must not kill the script with SIGPIPE: write in a subshell
  # that ignores it, and stop emitting on the first failed write.
  if ! ( trap '' PIPE; printf '%s%s\t%s\t%s\n' "$EVENTS_PREFIX" "$type" "$step" "$msg" >&"$EVENTS_FD" ) 2>/dev/null; then
    EVENTS_FD=""
  fi
}

# info logs progress for humans on stderr.
info() {
  printf '[INFO]  %s\n' "$*" >&2
}

# warn logs a warning on stderr and as a warn event.
warn() {
  printf '[WARN]  %s\n' "$*" >&2
  emit warn "$CURRENT_STEP" "$*"
}

# fatal [CODE] MESSAGE: logs the error, emits a fail event and exits with CODE (default 1).
fatal() {
  local code=1
  if [ "$#" -gt 1 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    code=$1
    shift
  fi
  printf '[ERROR] %s\n' "$*" >&2
  emit fail "$CURRENT_STEP" "$*"
  FAIL_EMITTED=1
  exit "$code"
}

# usage_error reports a usage problem (exit 2) with a hint to --help.
usage_error() {
  local hint="rke2.sh --help"
  [ -n "$COMMAND" ] && hint="rke2.sh $COMMAND --help"
  fatal 2 "$* (see: $hint)"
}

# silent_in_dry_run STEP: a dry run reports only its checks (verify) as it goes; the steps
# that change the host are reported once, skipped, by dry_run_skipped.
silent_in_dry_run() {
  [ -n "$OPT_DRY_RUN" ] && [ "$1" != verify ]
}

step_start() {
  CURRENT_STEP=$1
  if silent_in_dry_run "$1"; then return 0; fi
  info "$2"
  emit start "$1" "$2"
}

step_done() {
  if silent_in_dry_run "$1"; then return 0; fi
  info "$2"
  emit "done" "$1" "$2"
}

step_skip() {
  CURRENT_STEP=$1
  if silent_in_dry_run "$1"; then return 0; fi
  info "$2"
  emit skip "$1" "$2"
}

# dry_run_skipped STEP...: at the end of a dry run, one skip event per step it did not run.
dry_run_skipped() {
  local step
  [ -n "$OPT_DRY_RUN" ] || return 0
  for step in "$@"; do
    info "dry-run: nothing changed ($step)"
    emit skip "$step" "dry-run: nothing changed"
  done
}

# note logs for humans and as an info event.
note() {
  info "$*"
  emit info "$CURRENT_STEP" "$*"
}

# plan prints one line of a dry-run plan on stdout (the plan is the command's data); with
# --json the plan is printed as one JSON object instead, so the lines are left out.
plan() {
  [ -z "$OPT_JSON" ] || return 0
  printf 'dry-run: %s\n' "$*"
}

# --- the change gate -----------------------------------------------------------------

# change [--show FN ARG] STEP DESCRIPTION CMD [ARGS...]: the one gate every change to the host
# passes through, so a dry run prints exactly the changes a real run makes, from the same code
# path. Dry run: print "dry-run: would DESCRIPTION" (followed by ':' and the lines FN ARG
# prints, with --show) and run nothing. Real run: report the change (a change event of STEP,
# with EDGECTL_CHANGE_EVENTS=1), then run CMD in STEP; change returns CMD's status. CHANGES
# counts the changes made (in a dry run, planned). DESCRIPTION is shown and logged: never a secret.
change() {
  local show="" show_arg=""
  if [ "$1" = --show ]; then
    show=$2
    show_arg=$3
    shift 3
  fi
  local step=$1 desc=$2
  shift 2
  CHANGES=$((CHANGES + 1))
  if [ -n "$OPT_DRY_RUN" ]; then
    if [ -n "$show" ]; then
      plan "would $desc:"
      [ -n "$OPT_JSON" ] || "$show" "$show_arg"
    else
      plan "would $desc"
    fi
    return 0
  fi
  CURRENT_STEP=$step
  [ -z "$CHANGE_EVENTS" ] || emit change "$step" "$desc"
  "$@"
}

# keep DESCRIPTION [CMD [ARGS...]]: something the run leaves as it is. Dry run: print
# "dry-run: would DESCRIPTION". Real run: run CMD when given (a check that only makes sense
# for real, such as waiting for a service that is left running), else nothing.
keep() {
  local desc=$1
  shift
  if [ -n "$OPT_DRY_RUN" ]; then
    plan "would $desc"
    return 0
  fi
  [ "$#" -eq 0 ] || "$@"
}

# --- help -------------------------------------------------------------------

usage_main() {
  cat <<'EOF'
Usage: rke2.sh COMMAND [options]

Install, configure, upgrade and remove RKE2 on this host.

Commands:
  server      install (or keep) RKE2, write its configuration, start rke2-server, wait until ready
  agent       the same for rke2-agent (needs --server and --token-file)
  upgrade     reinstall RKE2 at another version and restart the running service
  uninstall   run rke2-uninstall.sh and remove the files this script wrote
  status      installed version, role, service state, config files, token presence
  wait-ready  wait until rke2-server or rke2-agent is ready
  token-rotate  rotate the cluster's server token with 'rke2 token rotate' (on a server)
  token-sync  put a new cluster token in place for the next start of rke2-server/rke2-agent
  artifact-version  print the RKE2 version of air-gap artifacts (changes nothing)

Run 'rke2.sh COMMAND --help' for the options of a command.

Environment:
  EDGECTL_EVENTS_FD      open file descriptor (>= 3) for progress events: TYPE<TAB>STEP<TAB>MESSAGE
  EDGECTL_EVENTS=stderr  progress events on stderr instead, prefixed "@edgectl-event<TAB>"
  EDGECTL_CHANGE_EVENTS=1  add a "change" event before each change the run makes
  RKE2_SH_POLL_INTERVAL  seconds between readiness checks (default 5; for tests)

Exit codes:
  0 ok                          4 installer, uninstaller or 'rke2 token rotate' failed
  1 unexpected failure          5 service failed to start or restart
  2 usage or invalid input      6 timed out waiting for readiness
  3 precondition failed         7 aborted by the user
EOF
}

usage_server() {
  cat <<'EOF'
Usage: rke2.sh server [options]

Install (or keep) RKE2, write /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml, enable and start
rke2-server, and wait until it is ready. Without --server a new cluster is initialized; with
--server URL this host joins that cluster as an additional server.

Options:
  --token-file F          join token file (mode 0600/0400, owned by root; "-" reads stdin);
                          required with --server, optional for a new cluster
  --server URL            https URL of an existing server to join (e.g. https://10.0.0.10:9345)
  --tls-san NAME          extra SAN for the server certificate (repeatable)
  --node-name NAME        Kubernetes node name
  --node-label K=V        node label (repeatable)
  --node-taint K=V:EFFECT node taint; EFFECT NoSchedule|PreferNoSchedule|NoExecute (repeatable)
  --config-file F         extra RKE2 config (YAML) copied into the drop-in
  --cni NAME              canal|calico|cilium|flannel|none, or multus,PLUGIN
  --profile cis           CIS hardening profile
  --version V             RKE2 version to install (e.g. v1.30.6+rke2r1)
  --channel C             release channel to install from (e.g. stable, latest, v1.30)
  --install-script P|URL  installer: local file or https URL (default https://get.rke2.io)
  --airgap-dir DIR        install from rke2.linux-ARCH.tar.gz + sha256sum-ARCH.txt in DIR
  --no-start              enable the service but do not start or restart it
  --wait-timeout S        seconds to wait for readiness (default 900)
  --dry-run               print what would be done and change nothing
  -h, --help              show this help
EOF
}

usage_agent() {
  cat <<'EOF'
Usage: rke2.sh agent --server URL --token-file F [options]

Install (or keep) RKE2, write /etc/rancher/rke2/config.yaml.d/50-edgectl.yaml, enable and start
rke2-agent, and wait until it is ready.

Options:
  --server URL            https URL of a server (required, e.g. https://10.0.0.10:9345)
  --token-file F          join token file (required; mode 0600/0400, owned by root; "-" reads stdin)
  --node-name NAME        Kubernetes node name
  --node-label K=V        node label (repeatable)
  --node-taint K=V:EFFECT node taint; EFFECT NoSchedule|PreferNoSchedule|NoExecute (repeatable)
  --config-file F         extra RKE2 config (YAML) copied into the drop-in
  --profile cis           CIS hardening profile
  --version V             RKE2 version to install (e.g. v1.30.6+rke2r1)
  --channel C             release channel to install from (e.g. stable, latest, v1.30)
  --install-script P|URL  installer: local file or https URL (default https://get.rke2.io)
  --airgap-dir DIR        install from rke2.linux-ARCH.tar.gz + sha256sum-ARCH.txt in DIR
  --no-start              enable the service but do not start or restart it
  --wait-timeout S        seconds to wait for readiness (default 900)
  --dry-run               print what would be done and change nothing
  -h, --help              show this help
EOF
}

usage_upgrade() {
  cat <<'EOF'
Usage: rke2.sh upgrade (--version V | --channel C | --airgap-dir DIR) [options]

Reinstall RKE2 at the target version and restart the running service (rke2-server or
rke2-agent), then wait until it is ready. A downgrade is refused unless --force; the
same version is left alone unless --force.

Options:
  --version V             target version (e.g. v1.30.6+rke2r1)
  --channel C             resolve the target version from this channel with curl
  --channel-url URL       channel server (default https://update.rke2.io/v1-release/channels)
  --airgap-dir DIR        install from the artifacts in DIR (its version is the target)
  --install-script P|URL  installer: local file or https URL (default https://get.rke2.io)
  --force                 allow a downgrade or a reinstall of the same version
  --wait-timeout S        seconds to wait for readiness after the restart (default 900)
  --dry-run               print what would be done and change nothing
  --json                  with --dry-run: print the plan as one JSON object
  -h, --help              show this help
EOF
}

usage_uninstall() {
  cat <<'EOF'
Usage: rke2.sh uninstall [--yes] [--dry-run]

Run the installed rke2-uninstall.sh (stops RKE2 and removes it with its data), then remove
/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml and /etc/rancher/rke2/edgectl-token.
Asks for confirmation on a terminal.

Options:
  --yes                   do not ask (required when stdin is not a terminal)
  --dry-run               print what would be done and change nothing
  -h, --help              show this help
EOF
}

usage_status() {
  cat <<'EOF'
Usage: rke2.sh status [--json]

Show the installed RKE2 version, the role (server, agent or none), the state of rke2-server
and rke2-agent, the RKE2 config files and whether token files are present (never their
content). Exits 3 when RKE2 is not installed (the report is still printed).

Options:
  --json                  print one JSON object instead of text
  -h, --help              show this help
EOF
}

usage_artifact_version() {
  cat <<'EOF'
Usage: rke2.sh artifact-version --airgap-dir DIR

Verify the air-gap artifacts in DIR (rke2.linux-ARCH.tar.gz against sha256sum-ARCH.txt) and
print the version of the rke2 binary inside the tarball. Changes nothing; needs no root.

Options:
  --airgap-dir DIR        directory holding the air-gap artifacts (required)
  -h, --help              show this help
EOF
}

usage_token_rotate() {
  cat <<'EOF'
Usage: rke2.sh token-rotate [--dry-run]

Rotate the cluster's server token on this server with 'rke2 token rotate'. No token is passed on
its command line or in its environment: RKE2 reads the current token from
/var/lib/rancher/rke2/server/token, generates the new one and writes it there. The new token is
then written to /etc/rancher/rke2/edgectl-token (0600), which the drop-in references, so the next
start of rke2-server uses it. Nothing is restarted. Every other node needs the new token before
its next restart (rke2.sh token-sync there). Needs RKE2 v1.25.15, v1.26.10, v1.27.7, v1.28.3 or a
later release of those lines, or v1.29 and later, and a ready rke2-server.

Options:
  --dry-run               print what would be done and change nothing
  -h, --help              show this help
EOF
}

usage_token_sync() {
  cat <<'EOF'
Usage: rke2.sh token-sync --token-file F [--dry-run]

Write the cluster's current token to /etc/rancher/rke2/edgectl-token (0600) and make the drop-in
reference it, so the next start of rke2-server or rke2-agent uses it. The running service is not
restarted. A token in K10 form must carry this node's cluster CA hash.

Options:
  --token-file F          the token (mode 0600/0400, owned by root; "-" reads stdin)
  --dry-run               print what would be done and change nothing
  -h, --help              show this help
EOF
}

usage_wait_ready() {
  cat <<'EOF'
Usage: rke2.sh wait-ready (server|agent) [--timeout SECONDS]

Wait until the service is ready: server = rke2-server active and
/var/lib/rancher/rke2/server/token written; agent = rke2-agent active and
/var/lib/rancher/rke2/agent/kubelet.kubeconfig written. Exits 6 on timeout, naming the
condition that failed.

Options:
  --timeout S             seconds to wait (default 900; 0 checks once)
  -h, --help              show this help
EOF
}

# --- setup ------------------------------------------------------------------

# on_exit removes the temp dir and keeps the exit code; an exit nobody reported
# becomes a fail event and exit 1, so a stray child status never looks documented.
on_exit() {
  local code=$?
  set +e
  trap - EXIT
  if [ "$code" -ne 0 ] && [ -z "$FAIL_EMITTED" ]; then
    printf '[ERROR] unexpected failure in step %s (exit %s)\n' "$CURRENT_STEP" "$code" >&2
    emit fail "$CURRENT_STEP" "unexpected failure (exit $code)"
    code=1
  fi
  if [ -n "$TMP_DIR" ]; then
    rm -rf "$TMP_DIR"
  fi
  exit "$code"
}

# on_signal NAME CODE: an interrupt ends the script with 128 + the signal number, as the
# RKE2 installer does, so callers can tell it from a failure.
on_signal() {
  trap - INT TERM
  fatal "$2" "interrupted by SIG$1"
}

# setup_events picks the events channel: stderr with a fixed prefix when EDGECTL_EVENTS=stderr
# (for transports with only stdin, stdout and stderr, such as SSH), else EDGECTL_EVENTS_FD when
# it names an open descriptor >= 3. EDGECTL_CHANGE_EVENTS=1 adds a change event per change.
setup_events() {
  [ "${EDGECTL_CHANGE_EVENTS:-}" != 1 ] || CHANGE_EVENTS=1
  if [ "${EDGECTL_EVENTS:-}" = stderr ]; then
    # a copy of stderr: emit silences its own errors on fd 2, and children get neither
    exec {EVENTS_FD}>&2
    EVENTS_PREFIX=$'@edgectl-event\t'
    return 0
  fi
  local fd="${EDGECTL_EVENTS_FD:-}"
  [ -n "$fd" ] || return 0
  if [[ $fd =~ ^[0-9]+$ ]] && [ "$fd" -ge 3 ] && { true >&"$fd"; } 2>/dev/null; then
    EVENTS_FD=$fd
  fi
}

# setup_env resolves defaults and creates the temp dir.
setup_env() {
  POLL_INTERVAL="${RKE2_SH_POLL_INTERVAL:-5}"
  if ! [[ $POLL_INTERVAL =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ $POLL_INTERVAL =~ ^0+(\.0+)?$ ]]; then
    POLL_INTERVAL=5
  fi
  OPT_WAIT_TIMEOUT="${OPT_WAIT_TIMEOUT:-$DEFAULT_WAIT_TIMEOUT}"
  OPT_CHANNEL_URL="${OPT_CHANNEL_URL:-$DEFAULT_CHANNEL_URL}"
  TMP_DIR=$(mktemp -d -t rke2-sh.XXXXXXXXXX)
  chmod 700 "$TMP_DIR"
}

# setup_arch maps the machine to RKE2's artifact architecture names.
setup_arch() {
  local machine
  machine=$(uname -m)
  case "$machine" in
    x86_64|amd64) ARCH=amd64 ;;
    aarch64|arm64) ARCH=arm64 ;;
    s390x) ARCH=s390x ;;
    *) fatal 3 "unsupported architecture: $machine" ;;
  esac
}

# --- option parsing -----------------------------------------------------------

# need_value fails with a usage error when an option has no value.
need_value() {
  if [ "$2" -lt 2 ]; then
    usage_error "option $1 needs a value"
  fi
}

# parse_options COMMAND ALLOWED ARGS...: fills OPT_* for the options in ALLOWED (space separated).
parse_options() {
  local allowed=" $1 "
  shift
  local opt
  while [ "$#" -gt 0 ]; do
    opt=$1
    case "$opt" in
      -h|--help)
        "usage_${COMMAND//-/_}"
        exit 0
        ;;
      --*=*)
        usage_error "write '${opt%%=*} VALUE', not '${opt%%=*}=...'"
        ;;
      -*) ;;
      *)
        if [ "$COMMAND" = wait-ready ] && [ -z "$OPT_ROLE" ]; then
          OPT_ROLE=$opt
          shift
          continue
        fi
        usage_error "unexpected argument for $COMMAND: $opt"
        ;;
    esac
    if [[ $allowed != *" $opt "* ]]; then
      usage_error "unknown option for $COMMAND: $opt"
    fi
    case "$opt" in
      --token-file) need_value "$opt" "$#"; OPT_TOKEN_FILE=$2; shift 2 ;;
      --server) need_value "$opt" "$#"; OPT_SERVER=$2; shift 2 ;;
      --tls-san) need_value "$opt" "$#"; OPT_TLS_SANS+=("$2"); shift 2 ;;
      --node-name) need_value "$opt" "$#"; OPT_NODE_NAME=$2; shift 2 ;;
      --node-label) need_value "$opt" "$#"; OPT_NODE_LABELS+=("$2"); shift 2 ;;
      --node-taint) need_value "$opt" "$#"; OPT_NODE_TAINTS+=("$2"); shift 2 ;;
      --config-file) need_value "$opt" "$#"; OPT_CONFIG_FILE=$2; shift 2 ;;
      --cni) need_value "$opt" "$#"; OPT_CNI=$2; shift 2 ;;
      --profile) need_value "$opt" "$#"; OPT_PROFILE=$2; shift 2 ;;
      --version) need_value "$opt" "$#"; OPT_VERSION=$2; shift 2 ;;
      --channel) need_value "$opt" "$#"; OPT_CHANNEL=$2; shift 2 ;;
      --channel-url) need_value "$opt" "$#"; OPT_CHANNEL_URL=$2; shift 2 ;;
      --install-script) need_value "$opt" "$#"; OPT_INSTALL_SCRIPT=$2; shift 2 ;;
      --airgap-dir) need_value "$opt" "$#"; OPT_AIRGAP_DIR=$2; shift 2 ;;
      --wait-timeout|--timeout) need_value "$opt" "$#"; OPT_WAIT_TIMEOUT=$2; shift 2 ;;
      --no-start) OPT_NO_START=1; shift ;;
      --dry-run) OPT_DRY_RUN=1; shift ;;
      --force) OPT_FORCE=1; shift ;;
      --yes) OPT_YES=1; shift ;;
      --json) OPT_JSON=1; shift ;;
      *) usage_error "unknown option for $COMMAND: $opt" ;;
    esac
  done
}

# --- input validation (pure checks; exit 2) -------------------------------------

is_dns_label() {
  [[ $1 =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]]
}

# is_dns_subdomain: RFC 1123 subdomain, as Kubernetes node names and label prefixes.
is_dns_subdomain() {
  local name=$1 part
  [ "${#name}" -ge 1 ] && [ "${#name}" -le 253 ] || return 1
  local IFS=.
  local -a parts
  read -r -a parts <<<"$name"
  [[ $name != .* && $name != *. && $name != *..* ]] || return 1
  for part in "${parts[@]}"; do
    is_dns_label "$part" || return 1
  done
}

# is_label_key: [prefix/]name as Kubernetes label and taint keys.
is_label_key() {
  local key=$1 prefix name
  if [[ $key == */* ]]; then
    prefix=${key%%/*}
    name=${key#*/}
    is_dns_subdomain "$prefix" || return 1
  else
    name=$key
  fi
  [ "${#name}" -le 63 ] && [[ $name =~ ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$ ]]
}

is_label_value() {
  [ -z "$1" ] && return 0
  [ "${#1}" -le 63 ] && [[ $1 =~ ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$ ]]
}

is_https_url() {
  local url=$1 port
  [[ $url =~ ^https://([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?/?$ ]] || return 1
  port=${BASH_REMATCH[4]}
  if [ -n "$port" ] && { [ "$((10#$port))" -lt 1 ] || [ "$((10#$port))" -gt 65535 ]; }; then
    return 1
  fi
}

is_https_download_url() {
  [[ $1 =~ ^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[-A-Za-z0-9._~/%+]*)?$ ]]
}

is_uint() {
  [[ $1 =~ ^[0-9]{1,9}$ ]]
}

# validate_node_inputs checks every flag of server/agent (syntax only; exit 2 on the first bad one).
validate_node_inputs() {
  local role=$1 item key value effect
  if [ "$role" = agent ]; then
    [ -n "$OPT_SERVER" ] || usage_error "agent needs --server URL"
    [ -n "$OPT_TOKEN_FILE" ] || usage_error "agent needs --token-file F"
  fi
  if [ -n "$OPT_SERVER" ]; then
    ! [[ $OPT_SERVER =~ ^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@ ]] || fatal 2 "invalid --server: it must not contain credentials (user:password@)"
    is_https_url "$OPT_SERVER" || fatal 2 "invalid --server '$OPT_SERVER': expected https://HOST[:PORT]"
    [ -n "$OPT_TOKEN_FILE" ] || usage_error "--server needs --token-file F"
  fi
  for item in "${OPT_TLS_SANS[@]}"; do
    [[ $item =~ ^[A-Za-z0-9*]([-A-Za-z0-9.:*]{0,252}[A-Za-z0-9])?$ ]] \
      || fatal 2 "invalid --tls-san '$item': expected a DNS name or IP address"
  done
  if [ -n "$OPT_NODE_NAME" ]; then
    is_dns_subdomain "$OPT_NODE_NAME" \
      || fatal 2 "invalid --node-name '$OPT_NODE_NAME': expected lowercase RFC 1123 name"
  fi
  for item in "${OPT_NODE_LABELS[@]}"; do
    [[ $item == *=* ]] || fatal 2 "invalid --node-label '$item': expected KEY=VALUE"
    key=${item%%=*}
    value=${item#*=}
    is_label_key "$key" || fatal 2 "invalid --node-label '$item': bad key '$key'"
    is_label_value "$value" || fatal 2 "invalid --node-label '$item': bad value '$value'"
  done
  for item in "${OPT_NODE_TAINTS[@]}"; do
    [[ $item == *:* ]] || fatal 2 "invalid --node-taint '$item': expected KEY=VALUE:EFFECT"
    effect=${item##*:}
    key=${item%:*}
    value=""
    if [[ $key == *=* ]]; then
      value=${key#*=}
      key=${key%%=*}
    fi
    is_label_key "$key" || fatal 2 "invalid --node-taint '$item': bad key '$key'"
    is_label_value "$value" || fatal 2 "invalid --node-taint '$item': bad value '$value'"
    case "$effect" in
      NoSchedule|PreferNoSchedule|NoExecute) ;;
      *) fatal 2 "invalid --node-taint '$item': effect must be NoSchedule, PreferNoSchedule or NoExecute" ;;
    esac
  done
  if [ -n "$OPT_CNI" ]; then
    validate_cni "$OPT_CNI"
  fi
  if [ -n "$OPT_PROFILE" ] && [ "$OPT_PROFILE" != cis ]; then
    fatal 2 "invalid --profile '$OPT_PROFILE': the only profile is 'cis'"
  fi
  validate_source_inputs
  is_uint "$OPT_WAIT_TIMEOUT" || fatal 2 "invalid --wait-timeout '$OPT_WAIT_TIMEOUT': expected whole seconds"
}

validate_cni() {
  local cni=$1 first rest
  first=${cni%%,*}
  rest=""
  [[ $cni == *,* ]] && rest=${cni#*,}
  if [ -n "$rest" ]; then
    [ "$first" = multus ] || fatal 2 "invalid --cni '$cni': only multus may be combined (multus,PLUGIN)"
    first=$rest
  fi
  case "$first" in
    canal|calico|cilium|flannel|none) ;;
    multus) [ -z "$rest" ] || fatal 2 "invalid --cni '$cni'" ;;
    *) fatal 2 "invalid --cni '$cni': expected canal, calico, cilium, flannel, none or multus,PLUGIN" ;;
  esac
  [ "$first" != multus ] || fatal 2 "invalid --cni '$cni': multus needs a primary plugin (multus,PLUGIN)"
}

# validate_source_inputs checks --version/--channel/--install-script/--airgap-dir syntax.
validate_source_inputs() {
  if [ -n "$OPT_VERSION" ] && ! [[ $OPT_VERSION =~ $VERSION_RE ]]; then
    fatal 2 "invalid --version '$OPT_VERSION': expected vMAJOR.MINOR.PATCH+rke2rN (e.g. v1.30.6+rke2r1)"
  fi
  if [ -n "$OPT_CHANNEL" ] && ! [[ $OPT_CHANNEL =~ ^[a-z0-9][a-z0-9.-]{0,62}$ ]]; then
    fatal 2 "invalid --channel '$OPT_CHANNEL': expected a channel name such as stable, latest or v1.30"
  fi
  if [ -n "$OPT_VERSION" ] && [ -n "$OPT_CHANNEL" ]; then
    usage_error "--version and --channel exclude each other"
  fi
  if [ -n "$OPT_CHANNEL" ] && [ -n "$OPT_AIRGAP_DIR" ]; then
    usage_error "--channel cannot be used with --airgap-dir (the artifacts fix the version)"
  fi
  if [ -n "$OPT_INSTALL_SCRIPT" ] && [[ $OPT_INSTALL_SCRIPT == *://* ]]; then
    is_https_download_url "$OPT_INSTALL_SCRIPT" \
      || fatal 2 "invalid --install-script '$OPT_INSTALL_SCRIPT': a URL must be https"
  fi
  if [ -z "$OPT_INSTALL_SCRIPT" ] && [ -z "$OPT_AIRGAP_DIR" ]; then
    OPT_INSTALL_SCRIPT=$DEFAULT_INSTALL_SCRIPT
  fi
}

# --- host probes (verify_*; exit 3) ------------------------------------------

verify_root() {
  [ "$(id -u)" = 0 ] || fatal 3 "rke2.sh $COMMAND must run as root (try: sudo bash rke2.sh $COMMAND ...)"
}

verify_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || fatal 3 "required tool not found on PATH: $tool"
  done
}

# verify_token_file reads the join token from --token-file (or stdin) into TOKEN_VALUE.
verify_token_file() {
  local file=$OPT_TOKEN_FILE perms token=""
  [ -n "$file" ] || return 0
  if [ "$file" = - ]; then
    IFS= read -r -d '' token || true
    file="stdin"
  else
    [ -e "$file" ] || fatal 3 "token file $file does not exist"
    [ -f "$file" ] || fatal 3 "token file $file is not a regular file"
    perms=$(stat -L -c '%a %u' "$file")
    case "${perms% *}" in
      600|400) ;;
      *) fatal 3 "token file $file has mode ${perms% *}; it must be 0600 or 0400 (chmod 600 $file)" ;;
    esac
    [ "${perms#* }" = 0 ] || fatal 3 "token file $file must be owned by root (owner uid ${perms#* })"
    IFS= read -r -d '' token <"$file" || true
  fi
  token=${token%$'\n'}
  token=${token%$'\r'}
  [ -n "$token" ] || fatal 3 "token from $file is empty"
  if ! [[ $token =~ ^[[:graph:]]+$ ]] || [ "${#token}" -gt 4096 ]; then
    fatal 3 "token from $file must be one line of printable characters without spaces"
  fi
  TOKEN_VALUE=$token
}

# verify_config_file checks --config-file before it is copied into the drop-in: a regular file
# owned by root and writable only by root (a symlink only to a file in its own directory), at
# most CONFIG_MAX_BYTES, and in the simple form this script can prove safe without a YAML
# parser: top-level lines are plain `key: value` (or `key:`) lines, list items or indented
# continuations. Quoted keys, explicit '?' keys, flow mappings, merge keys, anchors and document
# markers are refused, so no spelling of a key can hide from the check that the file sets none
# of token, agent-token, token-file, agent-token-file, server or a key a flag sets.
verify_config_file() {
  local file=$OPT_CONFIG_FILE real dir perms mode owner size line n=0 seen_key="" key
  local LC_ALL=C
  [ -n "$file" ] || return 0
  [ -e "$file" ] || fatal 3 "config file $file does not exist or is not readable"
  if [ -L "$file" ]; then
    real=$(readlink -f -- "$file") || fatal 3 "config file $file is a dangling symlink"
    dir=$(cd -- "$(dirname -- "$file")" && pwd -P)
    [ "$(dirname -- "$real")" = "$dir" ] \
      || fatal 3 "config file $file is a symlink to a file outside its directory; pass the file itself"
  fi
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    fatal 3 "config file $file does not exist or is not readable"
  fi
  perms=$(stat -L -c '%a %u %s' -- "$file")
  read -r mode owner size <<<"$perms"
  [ "$owner" = 0 ] || fatal 3 "config file $file must be owned by root (owner uid $owner)"
  [ $((8#$mode & 8#022)) -eq 0 ] || fatal 3 "config file $file is writable by group or others (mode $mode)"
  [ "$size" -le "$CONFIG_MAX_BYTES" ] || fatal 2 "config file $file is $(((size + 1023) / 1024)) KiB; at most $((CONFIG_MAX_BYTES / 1024)) KiB"
  [ "$(tr -d '\000' <"$file" | wc -c)" -eq "$size" ] || fatal 2 "config file $file contains NUL bytes; it is not YAML"
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [[ $line =~ ^[[:space:]]*$ ]] || [[ $line =~ ^[[:space:]]*# ]]; then
      continue
    fi
    if [[ $line =~ ^([A-Za-z0-9_][A-Za-z0-9_.-]*):([[:space:]].*)?$ ]]; then
      key=${BASH_REMATCH[1]}
      seen_key=1
      verify_config_key "$key"
      continue
    fi
    if [ -n "$seen_key" ] && [[ $line == ' '* || $line == - || $line == '- '* ]]; then
      continue
    fi
    fatal 2 "config file $file line $n is not a plain 'key: value' line, a list item or an indented continuation (quoted keys, '?', '{', '<<', anchors and document markers are refused)"
  done <"$file"
}

# verify_config_key KEY refuses a top-level key of --config-file that the token, --server or a
# flag owns.
verify_config_key() {
  local file=$OPT_CONFIG_FILE key=$1
  case "$key" in
    token|agent-token|token-file|agent-token-file)
      fatal 2 "config file $file sets '$key'; pass the join token with --token-file instead" ;;
    server)
      fatal 2 "config file $file sets 'server'; use --server instead" ;;
  esac
  if printf '%s\n' "$RENDERED_KEYS" | grep -qxF -- "$key"; then
    fatal 2 "config file $file sets '$key', which a flag already sets"
  fi
}

# verify_airgap checks the air-gap artifacts and their checksum before anything changes.
verify_airgap() {
  local dir=$OPT_AIRGAP_DIR tarball sums expected actual
  [ -n "$dir" ] || return 0
  [ -d "$dir" ] || fatal 3 "air-gap directory $dir does not exist"
  tarball="rke2.linux-$ARCH.tar.gz"
  sums="sha256sum-$ARCH.txt"
  [ -f "$dir/$tarball" ] || fatal 3 "missing air-gap artifact $dir/$tarball"
  [ -f "$dir/$sums" ] || fatal 3 "missing air-gap artifact $dir/$sums"
  expected=$(awk -v f="$tarball" '$2 == f || $2 == "*" f { print $1; exit }' "$dir/$sums")
  [ -n "$expected" ] || fatal 3 "$dir/$sums has no checksum for $tarball"
  actual=$(sha256sum "$dir/$tarball" | awk '{ print $1 }')
  if [ "$expected" != "$actual" ]; then
    fatal 3 "checksum mismatch for $dir/$tarball: expected $expected, got $actual"
  fi
  note "verified $dir/$tarball (sha256 $actual)"
}

# airgap_version prints the version of the rke2 binary inside the air-gap tarball.
airgap_version() {
  local out
  mkdir -p "$TMP_DIR/airgap"
  tar -xzf "$OPT_AIRGAP_DIR/rke2.linux-$ARCH.tar.gz" -C "$TMP_DIR/airgap" bin/rke2 2>/dev/null || return 0
  out=$("$TMP_DIR/airgap/bin/rke2" --version 2>/dev/null) || return 0
  parse_rke2_version "$out"
}

# resolve_installer decides which installer to run; the download itself is fetch_installer.
resolve_installer() {
  if [ -z "$OPT_INSTALL_SCRIPT" ] && [ -n "$OPT_AIRGAP_DIR" ]; then
    [ -f "$OPT_AIRGAP_DIR/install.sh" ] \
      || fatal 3 "air-gap install needs an installer: pass --install-script or put install.sh in $OPT_AIRGAP_DIR"
    OPT_INSTALL_SCRIPT=$OPT_AIRGAP_DIR/install.sh
  fi
  if [[ $OPT_INSTALL_SCRIPT == https://* ]]; then
    INSTALLER_DESC=$OPT_INSTALL_SCRIPT
  else
    if [ ! -f "$OPT_INSTALL_SCRIPT" ] || [ ! -r "$OPT_INSTALL_SCRIPT" ]; then
      fatal 3 "install script $OPT_INSTALL_SCRIPT does not exist or is not readable"
    fi
    INSTALLER=$OPT_INSTALL_SCRIPT
    INSTALLER_DESC=$OPT_INSTALL_SCRIPT
  fi
}

# fetch_installer downloads an https installer into the temp dir.
fetch_installer() {
  [ -z "$INSTALLER" ] || return 0
  verify_tools curl
  info "downloading installer $OPT_INSTALL_SCRIPT"
  if ! curl -fsSL --proto '=https' -o "$TMP_DIR/install.sh" "$OPT_INSTALL_SCRIPT"; then
    fatal 4 "could not download installer $OPT_INSTALL_SCRIPT"
  fi
  INSTALLER=$TMP_DIR/install.sh
}

# --- RKE2 facts --------------------------------------------------------------------

# find_rke2 sets RKE2_BIN to the installed rke2 binary (tarball installs use /usr/local or
# /opt/rke2 when /usr/local is read-only or a mount point; RPMs use /usr/bin).
find_rke2() {
  local candidate
  RKE2_BIN=""
  for candidate in /usr/local/bin/rke2 /opt/rke2/bin/rke2 /usr/bin/rke2; do
    if [ -x "$candidate" ]; then
      RKE2_BIN=$candidate
      return 0
    fi
  done
  return 1
}

parse_rke2_version() {
  printf '%s\n' "$1" | sed -n '1s/^rke2 version \([^ ]*\).*/\1/p'
}

# installed_version prints the installed RKE2 version, or nothing.
installed_version() {
  local out
  find_rke2 || return 0
  out=$("$RKE2_BIN" --version 2>/dev/null) || return 0
  parse_rke2_version "$out"
}

# version_cmp A B prints -1, 0 or 1; both must match VERSION_RE.
version_cmp() {
  local -a a b
  local i
  [[ $1 =~ $VERSION_RE ]] || return 1
  a=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[5]:-999999}" "${BASH_REMATCH[6]}")
  [[ $2 =~ $VERSION_RE ]] || return 1
  b=("${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[5]:-999999}" "${BASH_REMATCH[6]}")
  for i in 0 1 2 3 4; do
    if [ "$((10#${a[i]}))" -lt "$((10#${b[i]}))" ]; then echo -1; return 0; fi
    if [ "$((10#${a[i]}))" -gt "$((10#${b[i]}))" ]; then echo 1; return 0; fi
  done
  echo 0
}

unit_active() {
  systemctl is-active --quiet "$1.service" >/dev/null 2>&1
}

unit_enabled() {
  systemctl is-enabled --quiet "$1.service" >/dev/null 2>&1
}

unit_state() {
  local state
  state=$(systemctl "$1" "$2.service" 2>/dev/null) || true
  printf '%s\n' "${state:-unknown}" | head -n 1
}

# current_role prints server, agent or none from the enabled or active unit.
current_role() {
  if unit_enabled rke2-server || unit_active rke2-server; then
    echo server
  elif unit_enabled rke2-agent || unit_active rke2-agent; then
    echo agent
  else
    echo none
  fi
}

verify_role_conflict() {
  local role=$1 other=server
  [ "$role" = server ] && other=agent
  if unit_enabled "rke2-$other" || unit_active "rke2-$other"; then
    fatal 3 "this host already runs rke2-$other; run 'rke2.sh uninstall' before making it a $role"
  fi
}

# --- configuration --------------------------------------------------------------

RENDERED_KEYS=""

yaml_list() {
  local key=$1 item
  shift
  [ "$#" -gt 0 ] || return 0
  printf '%s:\n' "$key"
  for item in "$@"; do
    printf '  - "%s"\n' "$item"
  done
  RENDERED_KEYS+="$key"$'\n'
}

yaml_scalar() {
  [ -n "$2" ] || return 0
  printf '%s: "%s"\n' "$1" "$2"
  RENDERED_KEYS+="$1"$'\n'
}

# render_dropin writes the drop-in for ROLE to stdout; values were validated, so quoting is safe.
render_dropin() {
  local role=$1
  printf '# Written by edgectl rke2.sh (%s); rewritten on every run, do not edit.\n' "$role"
  printf '# Put your own settings in /etc/rancher/rke2/config.yaml. The join token is not here.\n'
  if [ -n "$TOKEN_VALUE" ]; then
    yaml_scalar token-file "$TOKEN_FILE"
  fi
  yaml_scalar server "$OPT_SERVER"
  yaml_scalar node-name "$OPT_NODE_NAME"
  yaml_list tls-san ${OPT_TLS_SANS[@]+"${OPT_TLS_SANS[@]}"}
  yaml_list node-label ${OPT_NODE_LABELS[@]+"${OPT_NODE_LABELS[@]}"}
  yaml_list node-taint ${OPT_NODE_TAINTS[@]+"${OPT_NODE_TAINTS[@]}"}
  yaml_scalar cni "$OPT_CNI"
  yaml_scalar profile "$OPT_PROFILE"
}

# append_extra_config copies --config-file into the rendered drop-in.
append_extra_config() {
  local out=$1
  [ -n "$OPT_CONFIG_FILE" ] || return 0
  {
    printf '# --- extra configuration from --config-file ---\n'
    cat "$OPT_CONFIG_FILE"
    # keep the drop-in newline-terminated even when the extra file is not
    [ -z "$(tail -c 1 "$OPT_CONFIG_FILE")" ] || printf '\n'
  } >>"$out"
}

# install_file SRC DEST MODE: atomic replace in DEST's directory; no-op when identical.
install_file() {
  local src=$1 dest=$2 mode=$3 tmp
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    [ "$(stat -c '%a' "$dest")" = "$mode" ] || chmod "$mode" "$dest"
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  tmp="$dest.edgectl-tmp"
  (umask 077 && cp "$src" "$tmp")
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
}

# write_token_file puts TOKEN_VALUE in $TOKEN_FILE (0600, atomic).
write_token_file() {
  (umask 077 && printf '%s\n' "$TOKEN_VALUE" >"$TMP_DIR/token")
  install_file "$TMP_DIR/token" "$TOKEN_FILE" 600
}

# token_change prints what configuring does to the token file: write (missing, another token or
# another mode), remove (no token given) or nothing.
token_change() {
  if [ -n "$TOKEN_VALUE" ]; then
    if [ ! -f "$TOKEN_FILE" ] || [ "$(cat "$TOKEN_FILE")" != "$TOKEN_VALUE" ] \
      || [ "$(stat -c '%a' "$TOKEN_FILE")" != 600 ]; then
      echo write
    fi
  elif [ -e "$TOKEN_FILE" ]; then
    echo remove
  fi
}

# dropin_differs RENDERED: the drop-in is missing, or has other content or another mode.
dropin_differs() {
  ! { [ -f "$DROPIN_FILE" ] && cmp -s "$1" "$DROPIN_FILE" && [ "$(stat -c '%a' "$DROPIN_FILE")" = 600 ]; }
}

# The node's configuration changes record the pending restart before they write, so a crash
# in between still gets its restart from the next run. The token file is written before the
# drop-in that references it and removed after the drop-in that no longer does, so a crash
# never leaves a drop-in pointing at a missing file.
write_node_token() {
  mark_restart_pending
  write_token_file
}

write_node_dropin() {
  mark_restart_pending
  install_file "$1" "$DROPIN_FILE" 600
}

remove_node_token() {
  mark_restart_pending
  rm -f "$TOKEN_FILE"
}

# show_dropin RENDERED prints the drop-in's own lines for the plan; an appended --config-file
# is shown by path and sha256 only, never its content.
show_dropin() {
  sed -n '/^# --- extra configuration from --config-file ---$/q;s/^/  | /p' "$1"
  if [ -n "$OPT_CONFIG_FILE" ]; then
    plan "  + the content of $OPT_CONFIG_FILE (sha256 $(sha256sum <"$OPT_CONFIG_FILE" | awk '{ print $1 }'), $(wc -c <"$OPT_CONFIG_FILE") bytes; not shown)"
  fi
}

# The restart marker is written before a change the running service must pick up and removed
# once it is (re)started, so a run that dies in between, or a change written with --no-start,
# still gets its one restart from the next run.
mark_restart_pending() {
  mkdir -p "$(dirname "$RESTART_MARKER")"
  : >"$RESTART_MARKER"
}

restart_pending() {
  [ -e "$RESTART_MARKER" ]
}

# --- installer ---------------------------------------------------------------------

# run_installer ROLE VERSION: runs the installer with a clean INSTALL_RKE2_*/RKE2_* environment.
run_installer() {
  local role=$1 version=$2
  (
    while IFS= read -r name; do
      unset "$name"
    done < <(compgen -e | grep -E '^(INSTALL_RKE2_|RKE2_)' || true)
    close_events_fd
    export INSTALL_RKE2_TYPE="$role"
    [ -z "$version" ] || export INSTALL_RKE2_VERSION="$version"
    [ -z "$OPT_CHANNEL" ] || [ -n "$version" ] || export INSTALL_RKE2_CHANNEL="$OPT_CHANNEL"
    [ -z "$OPT_AIRGAP_DIR" ] || export INSTALL_RKE2_ARTIFACT_PATH="$OPT_AIRGAP_DIR"
    exec sh "$INSTALLER"
  ) </dev/null >&2 || fatal 4 "installer $INSTALLER_DESC failed"
  find_rke2 || fatal 4 "installer $INSTALLER_DESC finished but no rke2 binary was found"
}

installer_env_desc() {
  local role=$1 version=$2
  local desc="INSTALL_RKE2_TYPE=$role"
  [ -z "$version" ] || desc+=" INSTALL_RKE2_VERSION=$version"
  [ -z "$OPT_CHANNEL" ] || [ -n "$version" ] || desc+=" INSTALL_RKE2_CHANNEL=$OPT_CHANNEL"
  [ -z "$OPT_AIRGAP_DIR" ] || desc+=" INSTALL_RKE2_ARTIFACT_PATH=$OPT_AIRGAP_DIR"
  printf '%s\n' "$desc"
}

# close_events_fd keeps the events descriptor (and the events settings) away from child
# programs (call in a subshell).
close_events_fd() {
  unset EDGECTL_EVENTS_FD EDGECTL_EVENTS EDGECTL_CHANGE_EVENTS
  if [ -n "$EVENTS_FD" ]; then
    eval "exec $EVENTS_FD>&-"
  fi
}

# run_systemctl ARGS...: systemctl without the events descriptor, and with its output in a temp
# file that is copied to stderr afterwards, so that nothing it leaves running (a service
# started by a service manager that hands its descriptors on) keeps the script's stdout, stderr
# or events descriptor open after the script has exited: a reader waiting for the end of those
# streams gets it when the script exits.
run_systemctl() {
  local out=$TMP_DIR/systemctl.out status=0
  (close_events_fd && exec systemctl "$@") </dev/null >"$out" 2>&1 || status=$?
  cat "$out" >&2
  return "$status"
}

# --- service and readiness ------------------------------------------------------

# ready_failures ROLE prints the readiness conditions that do not hold, one per line.
ready_failures() {
  local role=$1
  unit_active "rke2-$role" || echo "service rke2-$role not active"
  if [ "$role" = server ]; then
    [ -s "$SERVER_TOKEN_FILE" ] || echo "token file $SERVER_TOKEN_FILE not written"
  else
    [ -s "$AGENT_KUBECONFIG" ] || echo "agent kubeconfig $AGENT_KUBECONFIG not written"
  fi
}

# wait_ready ROLE TIMEOUT polls until ready; exits 6 naming the failed conditions.
# A change of the failed conditions is reported at once (log and info event); the
# same conditions only as a log line every 30s saying how long they have held, so a
# long wait is not thirty copies of one line (edgectl adds its own heartbeat).
wait_ready() {
  local role=$1 timeout=$2 failures start now last_report last_failures="" since
  step_start wait-ready "waiting up to ${timeout}s for rke2-$role to be ready"
  start=$SECONDS
  last_report=$start
  since=$start
  while :; do
    failures=$(ready_failures "$role" | paste -sd ';' - | sed 's/;/; /g')
    if [ -z "$failures" ]; then
      step_done wait-ready "rke2-$role is ready after $((SECONDS - start))s"
      return 0
    fi
    now=$SECONDS
    if [ "$((now - start))" -ge "$timeout" ]; then
      fatal 6 "timed out after ${timeout}s waiting for rke2-$role: $failures (see: journalctl -u rke2-$role; $(ready_ports_hint "$role"))"
    fi
    if [ "$failures" != "$last_failures" ]; then
      last_failures=$failures
      since=$now
      last_report=$now
      note "waiting for rke2-$role: $failures"
    elif [ "$((now - last_report))" -ge 30 ]; then
      last_report=$now
      info "still waiting after $((now - start))s: $failures (same for $((now - since))s)"
    fi
    sleep "$POLL_INTERVAL"
  done
}

# ready_ports_hint ROLE: the ports a node of ROLE needs, for a readiness timeout.
ready_ports_hint() {
  if [ "$1" = server ]; then
    echo "ports 6443 (API) and 9345 (registration) must be free here and reachable from the other nodes"
  else
    echo "the server must be reachable on ports 9345 (registration) and 6443 (API)"
  fi
}

# --- commands ------------------------------------------------------------------------

cmd_node() {
  local role=$1
  shift
  local allowed="--token-file --server --node-name --node-label --node-taint --config-file --profile --version --channel --install-script --airgap-dir --no-start --wait-timeout --dry-run"
  [ "$role" = server ] && allowed+=" --tls-san --cni"
  parse_options "$allowed" "$@"
  setup_env
  validate_node_inputs "$role"
  verify_root
  verify_tools systemctl sha256sum
  setup_arch

  step_start verify "checking inputs for rke2-$role"
  verify_token_file
  local rendered=$TMP_DIR/50-edgectl.yaml
  render_dropin "$role" >"$rendered"
  verify_config_file
  append_extra_config "$rendered"
  verify_airgap
  verify_role_conflict "$role"
  if [ "$OPT_PROFILE" = cis ] && ! getent passwd etcd >/dev/null 2>&1; then
    warn "profile cis: no 'etcd' user; RKE2 will not start until the CIS host preparation is done (see RKE2's hardening guide)"
  fi
  local current need_install=""
  current=$(installed_version)
  if [ -z "$current" ]; then
    need_install=1
    resolve_installer
  elif [ -n "$OPT_VERSION" ] && [ "$OPT_VERSION" != "$current" ]; then
    warn "RKE2 $current is installed; keeping it (use 'rke2.sh upgrade --version $OPT_VERSION' to change versions)"
  fi
  step_done verify "inputs valid"

  if [ -n "$need_install" ]; then
    change install "install RKE2 with $INSTALLER_DESC ($(installer_env_desc "$role" "$OPT_VERSION"))" \
      install_rke2 "$role" "$OPT_VERSION"
  else
    keep "keep RKE2 $current"
    step_skip install "RKE2 $current is already installed"
  fi
  configure_node "$rendered"
  start_service "$role"
  if [ "$role" = server ] && [ -z "$OPT_NO_START" ] && [ -z "$OPT_DRY_RUN" ]; then
    info "the cluster join token is in $SERVER_TOKEN_FILE (readable by root only)"
  fi
  dry_run_skipped install configure start
}

# install_rke2 ROLE VERSION: fetch and run the installer; a new binary needs a (re)start.
install_rke2() {
  local role=$1 version=$2
  fetch_installer
  step_start install "installing RKE2 with $INSTALLER_DESC ($(installer_env_desc "$role" "$version"))"
  run_installer "$role" "$version"
  mark_restart_pending
  step_done install "installed RKE2 $(installed_version)"
}

# configure_node RENDERED: the token file and the drop-in, each written only when it differs.
configure_node() {
  local rendered=$1 token
  step_start configure "writing $DROPIN_FILE"
  token=$(token_change)
  if [ "$token" = write ]; then
    change configure "write $TOKEN_FILE (mode 0600; token not shown)" write_node_token
  elif [ -n "$TOKEN_VALUE" ]; then
    keep "keep $TOKEN_FILE"
  fi
  if dropin_differs "$rendered"; then
    change --show show_dropin "$rendered" configure "write $DROPIN_FILE (mode 0600)" write_node_dropin "$rendered"
  else
    keep "keep $DROPIN_FILE"
  fi
  if [ "$token" = remove ]; then
    change configure "remove $TOKEN_FILE" remove_node_token
  fi
  if [ "$CHANGES" -eq 0 ]; then
    step_done configure "configuration unchanged"
  else
    step_done configure "configuration written"
  fi
}

# start_service ROLE: enable, then start, restart once for a pending change, or leave alone.
start_service() {
  local role=$1 unit="rke2-$1" changed=""
  CURRENT_STEP=start
  if [ "$CHANGES" -gt 0 ] || restart_pending; then
    changed=1
  fi
  if ! unit_enabled "$unit"; then
    change start "enable $unit" enable_unit "$unit"
  fi
  if [ -n "$OPT_NO_START" ]; then
    if unit_active "$unit" && [ -n "$changed" ]; then
      warn "$unit is running with the old configuration; --no-start given, so the next run restarts it"
    fi
    keep "not start $unit (--no-start)"
    step_skip start "--no-start: $unit not started"
    return 0
  fi
  if ! unit_active "$unit"; then
    change start "start $unit and wait up to ${OPT_WAIT_TIMEOUT}s for readiness" start_unit "$role"
  elif [ -n "$changed" ]; then
    change start "restart $unit and wait up to ${OPT_WAIT_TIMEOUT}s for readiness" restart_unit "$role" "configuration changed"
  else
    step_skip start "$unit is running and nothing changed"
    keep "leave $unit running (nothing changed)" wait_ready "$role" "$OPT_WAIT_TIMEOUT"
  fi
}

# enable_unit UNIT: systemctl enable, exit 5 when it fails.
enable_unit() {
  step_start start "enabling $1"
  run_systemctl enable "$1.service" || fatal 5 "could not enable $1"
  step_done start "$1 enabled"
}

# start_unit ROLE: start the stopped service (this applies any pending change), then the wait.
start_unit() {
  local role=$1 unit="rke2-$1"
  step_start start "starting $unit"
  run_systemctl start --no-block "$unit.service" || fatal 5 "could not start $unit"
  rm -f "$RESTART_MARKER"
  step_done start "$unit started"
  wait_ready "$role" "$OPT_WAIT_TIMEOUT"
}

# restart_unit ROLE REASON: one restart that applies the pending change, then the wait.
restart_unit() {
  local role=$1 unit="rke2-$1"
  step_start start "restarting $unit ($2)"
  run_systemctl restart --no-block "$unit.service" || fatal 5 "could not restart $unit"
  rm -f "$RESTART_MARKER"
  step_done start "$unit restarted"
  wait_ready "$role" "$OPT_WAIT_TIMEOUT"
}

# resolve_channel sets CHANNEL_VERSION to the version the channel URL redirects to
# (the official installer resolves channels the same way).
resolve_channel() {
  local url="${OPT_CHANNEL_URL%/}/$OPT_CHANNEL" effective
  verify_tools curl
  if ! effective=$(curl -fsSL --proto '=https' -o /dev/null -w '%{url_effective}' "$url"); then
    fatal 4 "could not resolve channel $OPT_CHANNEL at $url"
  fi
  CHANNEL_VERSION=${effective##*/}
  [[ $CHANNEL_VERSION =~ $VERSION_RE ]] \
    || fatal 4 "channel $OPT_CHANNEL resolved to '$CHANNEL_VERSION', which is not an RKE2 version"
}

# upgrade_plan_json ACTION RESTART: the upgrade --dry-run --json plan (one line on stdout).
upgrade_plan_json() {
  printf '{"installed":%s,"target":%s,"role":%s,"action":%s,"restart":%s}\n' \
    "$(json_str "$UPGRADE_CURRENT")" "$(json_str "$UPGRADE_TARGET")" "$(json_str "$UPGRADE_ROLE")" \
    "$(json_str "$1")" "$(json_bool "$2")"
}

UPGRADE_CURRENT=""
UPGRADE_TARGET=""
UPGRADE_ROLE=""

cmd_upgrade() {
  parse_options "--version --channel --channel-url --install-script --airgap-dir --force --wait-timeout --dry-run --json" "$@"
  setup_env
  validate_source_inputs
  if [ -z "$OPT_VERSION" ] && [ -z "$OPT_CHANNEL" ] && [ -z "$OPT_AIRGAP_DIR" ]; then
    usage_error "upgrade needs --version V, --channel C or --airgap-dir DIR"
  fi
  if [ -n "$OPT_JSON" ] && [ -z "$OPT_DRY_RUN" ]; then
    usage_error "--json applies only with --dry-run"
  fi
  is_https_download_url "$OPT_CHANNEL_URL" || fatal 2 "invalid --channel-url '$OPT_CHANNEL_URL': expected an https URL"
  is_uint "$OPT_WAIT_TIMEOUT" || fatal 2 "invalid --wait-timeout '$OPT_WAIT_TIMEOUT': expected whole seconds"
  verify_root
  verify_tools systemctl sha256sum
  setup_arch

  step_start verify "checking upgrade inputs"
  local current target cmp role
  current=$(installed_version)
  find_rke2 || fatal 3 "RKE2 is not installed; use 'rke2.sh server' or 'rke2.sh agent' first"
  verify_airgap
  if [ -n "$OPT_AIRGAP_DIR" ]; then
    target=$(airgap_version)
    [ -n "$target" ] || fatal 3 "cannot read the RKE2 version inside $OPT_AIRGAP_DIR/rke2.linux-$ARCH.tar.gz"
    if [ -n "$OPT_VERSION" ] && [ "$OPT_VERSION" != "$target" ]; then
      fatal 3 "--version $OPT_VERSION does not match the air-gap artifacts ($target)"
    fi
  elif [ -n "$OPT_CHANNEL" ]; then
    resolve_channel
    target=$CHANNEL_VERSION
    note "channel $OPT_CHANNEL resolves to $target"
  else
    target=$OPT_VERSION
  fi
  role=$(current_role)
  if ! cmp=$(version_cmp "$target" "$current"); then
    [ -n "$OPT_FORCE" ] || fatal 3 "cannot compare installed version '${current:-unknown}' with $target; use --force"
    cmp=1
  fi
  resolve_installer
  step_done verify "installed ${current:-unknown}, target $target, role $role"
  UPGRADE_CURRENT=$current
  UPGRADE_TARGET=$target
  UPGRADE_ROLE=$role

  local install_role=$role unit="rke2-$role" active=""
  [ "$role" != none ] || install_role=server
  [ "$role" = none ] || ! unit_active "$unit" || active=1
  if [ "$cmp" = 0 ] && [ -z "$OPT_FORCE" ]; then
    step_skip upgrade "RKE2 is already at $target"
    if [ -n "$active" ] && restart_pending; then
      # an earlier run installed this version but did not get to restart
      change start "restart $unit (RKE2 $target is installed, its restart is pending)" \
        restart_unit "$role" "pending restart"
      upgrade_dry_run_finished restart 1
    else
      keep "keep RKE2 $current (already at $target)"
      upgrade_dry_run_finished keep ""
    fi
    return 0
  fi
  if [ "$cmp" = -1 ] && [ -z "$OPT_FORCE" ]; then
    fatal 3 "refusing to downgrade RKE2 from $current to $target (use --force to allow)"
  fi
  change upgrade "install RKE2 $target over $current with $INSTALLER_DESC ($(installer_env_desc "$install_role" "$target"))" \
    upgrade_rke2 "$install_role" "$current" "$target" "$active"
  if [ -n "$active" ]; then
    change start "restart $unit and wait up to ${OPT_WAIT_TIMEOUT}s for readiness" restart_unit "$role" "new version"
  else
    keep "not restart anything (no RKE2 service is running)"
    step_skip start "no RKE2 service is running; nothing to restart"
  fi
  local action=upgrade
  [ "$cmp" != -1 ] || action=downgrade
  [ "$cmp" != 0 ] || action=reinstall
  upgrade_dry_run_finished "$action" "$active"
}

# upgrade_rke2 ROLE CURRENT TARGET ACTIVE: reinstall at TARGET; a running service (ACTIVE set)
# gets its restart recorded first, so a run that dies after the install still restarts it.
upgrade_rke2() {
  local role=$1 current=$2 target=$3 active=$4 now
  fetch_installer
  step_start upgrade "upgrading RKE2 from $current to $target"
  [ -z "$active" ] || mark_restart_pending
  run_installer "$role" "$target"
  now=$(installed_version)
  [ "$now" = "$target" ] || fatal 4 "installer finished but RKE2 reports '${now:-nothing}', expected $target"
  step_done upgrade "RKE2 is now $target"
}

# upgrade_dry_run_finished ACTION RESTART: the end of an upgrade dry run: the JSON plan with
# --json, and the skip event of the upgrade step.
upgrade_dry_run_finished() {
  [ -n "$OPT_DRY_RUN" ] || return 0
  [ -z "$OPT_JSON" ] || upgrade_plan_json "$1" "$2"
  dry_run_skipped upgrade
}

# confirm asks on the terminal; declined → exit 7.
confirm_uninstall() {
  local answer=""
  # a dry run changes nothing, so there is nothing to confirm
  [ -z "$OPT_YES" ] && [ -z "$OPT_DRY_RUN" ] || return 0
  [ -t 0 ] || usage_error "uninstall needs --yes when stdin is not a terminal"
  printf 'This stops RKE2 and deletes it with its data (/var/lib/rancher/rke2, /etc/rancher/rke2).\nUninstall RKE2 from this host? [y/N] ' >&2
  IFS= read -r answer || true
  case "$answer" in
    y|Y|yes|YES|Yes) ;;
    *) fatal 7 "uninstall aborted by the user" ;;
  esac
}

cmd_uninstall() {
  parse_options "--yes --dry-run" "$@"
  setup_env
  verify_root
  step_start verify "checking what is installed"
  local uninstaller=""
  if find_rke2; then
    uninstaller="$(dirname "$RKE2_BIN")/rke2-uninstall.sh"
    [ -x "$uninstaller" ] || fatal 3 "RKE2 is installed at $RKE2_BIN but $uninstaller is missing"
  fi
  if [ -n "$uninstaller" ]; then
    step_done verify "found $uninstaller"
  else
    step_done verify "RKE2 is not installed"
  fi
  # the files to remove are decided before the uninstaller runs (it may remove some of them),
  # so the plan and the real run name the same changes
  local f
  local -a files=()
  for f in "$DROPIN_FILE" "$TOKEN_FILE"; do
    [ ! -e "$f" ] || files+=("$f")
  done
  if [ -z "$uninstaller" ] && [ "${#files[@]}" -eq 0 ]; then
    keep "not run an uninstaller (RKE2 is not installed)"
    step_skip uninstall "nothing to uninstall"
    dry_run_skipped uninstall
    return 0
  fi
  confirm_uninstall
  if [ -n "$uninstaller" ]; then
    change uninstall "run $uninstaller" run_uninstaller "$uninstaller"
  else
    keep "not run an uninstaller (RKE2 is not installed)"
    step_start uninstall "RKE2 is not installed; removing this script's files only"
  fi
  [ ! -e "$RESTART_MARKER" ] || files+=("$RESTART_MARKER")
  for f in ${files[@]+"${files[@]}"}; do
    change uninstall "remove $f" remove_script_file "$f"
  done
  step_done uninstall "RKE2 uninstalled"
  dry_run_skipped uninstall
}

# remove_script_file PATH removes a file this script wrote, and the drop-in directory with the
# drop-in when nothing else is left in it.
remove_script_file() {
  rm -f "$1"
  [ "$1" != "$DROPIN_FILE" ] || rmdir "$DROPIN_DIR" 2>/dev/null || true
}

# run_uninstaller PATH: RKE2's own uninstaller, without the events descriptor; exit 4 when it fails.
run_uninstaller() {
  step_start uninstall "running $1"
  (close_events_fd && exec "$1") </dev/null >&2 || fatal 4 "$1 failed"
}

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}

# yes_no VALUE IF_SET IF_EMPTY
yes_no() {
  if [ -n "$1" ]; then printf '%s' "$2"; else printf '%s' "$3"; fi
}

json_bool() {
  if [ -n "$1" ]; then printf true; else printf false; fi
}

cmd_status() {
  parse_options "--json" "$@"
  setup_env
  verify_root
  local version="" binary="" role s_active s_enabled a_active a_enabled f
  local -a configs=()
  if find_rke2; then
    binary=$RKE2_BIN
    version=$(installed_version)
  fi
  role=$(current_role)
  s_active=$(unit_state is-active rke2-server)
  s_enabled=$(unit_state is-enabled rke2-server)
  a_active=$(unit_state is-active rke2-agent)
  a_enabled=$(unit_state is-enabled rke2-agent)
  [ ! -f "$OPERATOR_CONFIG" ] || configs+=("$OPERATOR_CONFIG")
  for f in "$DROPIN_DIR"/*.yaml; do
    [ ! -f "$f" ] || configs+=("$f")
  done
  local token_present="" server_token_present="" dropin_present=""
  [ ! -f "$TOKEN_FILE" ] || token_present=1
  [ ! -s "$SERVER_TOKEN_FILE" ] || server_token_present=1
  [ ! -f "$DROPIN_FILE" ] || dropin_present=1

  if [ -n "$OPT_JSON" ]; then
    printf '{"installed":%s' "$(json_bool "$binary")"
    printf ',"version":'; if [ -n "$version" ]; then json_str "$version"; else printf null; fi
    printf ',"binary":'; if [ -n "$binary" ]; then json_str "$binary"; else printf null; fi
    printf ',"role":%s' "$(json_str "$role")"
    printf ',"services":{"rke2-server":{"active":%s,"enabled":%s}' "$(json_str "$s_active")" "$(json_str "$s_enabled")"
    printf ',"rke2-agent":{"active":%s,"enabled":%s}}' "$(json_str "$a_active")" "$(json_str "$a_enabled")"
    printf ',"configFiles":['
    local sep=""
    for f in ${configs[@]+"${configs[@]}"}; do
      printf '%s%s' "$sep" "$(json_str "$f")"
      sep=,
    done
    printf ']'
    printf ',"dropIn":{"path":%s,"present":%s}' "$(json_str "$DROPIN_FILE")" "$(json_bool "$dropin_present")"
    printf ',"tokenFile":{"path":%s,"present":%s}' "$(json_str "$TOKEN_FILE")" "$(json_bool "$token_present")"
    printf ',"serverToken":{"path":%s,"present":%s}' "$(json_str "$SERVER_TOKEN_FILE")" "$(json_bool "$server_token_present")"
    printf '}\n'
  else
    printf 'installed:     %s\n' "$(yes_no "$binary" "yes ($binary)" no)"
    printf 'version:       %s\n' "${version:-none}"
    printf 'role:          %s\n' "$role"
    printf 'rke2-server:   %s, %s\n' "$s_active" "$s_enabled"
    printf 'rke2-agent:    %s, %s\n' "$a_active" "$a_enabled"
    printf 'config files:  %s\n' "${configs[*]:-none}"
    printf 'drop-in:       %s %s\n' "$DROPIN_FILE" "$(yes_no "$dropin_present" present absent)"
    printf 'token file:    %s %s\n' "$TOKEN_FILE" "$(yes_no "$token_present" present absent)"
    printf 'server token:  %s %s\n' "$SERVER_TOKEN_FILE" "$(yes_no "$server_token_present" present absent)"
  fi
  if [ -z "$binary" ]; then
    printf '[ERROR] RKE2 is not installed\n' >&2
    FAIL_EMITTED=1
    exit 3
  fi
}

# --- token rotation -------------------------------------------------------------------

# rotate_supported VERSION: succeeds when RKE2 VERSION has `rke2 token rotate` (v1.25.15,
# v1.26.10, v1.27.7, v1.28.3 and later releases of those lines, every release from v1.29 on).
rotate_supported() {
  local major minor min_patch
  [[ $1 =~ $VERSION_RE ]] || return 1
  major=$((10#${BASH_REMATCH[1]}))
  minor=$((10#${BASH_REMATCH[2]}))
  [ "$major" -ge 1 ] || return 1
  [ "$major" -eq 1 ] || return 0
  case "$minor" in
    25) min_patch=15 ;;
    26) min_patch=10 ;;
    27) min_patch=7 ;;
    28) min_patch=3 ;;
    *) [ "$minor" -gt 28 ] && return 0 || return 1 ;;
  esac
  [ "$(version_cmp "$1" "v1.$minor.$min_patch+rke2r1")" != -1 ]
}

# token_ca_prefix TOKEN prints "K10<ca hash>::" of a full token, or nothing for a short one.
token_ca_prefix() {
  if [[ $1 =~ ^(K10[0-9a-f]{64}::) ]]; then
    printf '%s' "${BASH_REMATCH[1]}"
  fi
}

# verify_token_ca ROLE: a K10 token must carry the sha256 of this node's cluster CA (the PEM
# file, or the DER certificate for a custom CA), so a token of another cluster is never put in place.
verify_token_ca() {
  local role=$1 ca want got der=""
  if ! [[ $TOKEN_VALUE =~ ^K10([0-9a-f]{64}):: ]]; then
    warn "the token has no CA hash (not in K10 form); it cannot be checked against this node's cluster CA"
    return 0
  fi
  want=${BASH_REMATCH[1]}
  ca=$AGENT_CA_FILE
  [ "$role" != server ] || ca=$SERVER_CA_FILE
  if [ ! -s "$ca" ]; then
    warn "cannot check the token's CA hash: $ca is missing"
    return 0
  fi
  got=$(sha256sum "$ca" | awk '{ print $1 }')
  [ "$got" != "$want" ] || return 0
  if command -v openssl >/dev/null 2>&1; then
    der=$(openssl x509 -in "$ca" -outform DER 2>/dev/null | sha256sum | awk '{ print $1 }') || der=""
  fi
  [ "$der" != "$want" ] || return 0
  fatal 3 "the token's CA hash does not match this node's cluster CA ($ca): it belongs to another cluster"
}

# warn_operator_token: a token in the operator's config.yaml is not changed by a rotation.
warn_operator_token() {
  if [ -f "$OPERATOR_CONFIG" ] && grep -qE '^(token|token-file|agent-token|agent-token-file)[[:space:]]*:' "$OPERATOR_CONFIG"; then
    warn "$OPERATOR_CONFIG sets a token; the drop-in's token-file takes precedence, but remove the stale entry from $OPERATOR_CONFIG"
  fi
}

# dropin_token_file_state prints "ours" when the drop-in references $TOKEN_FILE, "other" when it
# sets token-file to something else, and "none" otherwise.
dropin_token_file_state() {
  if [ ! -f "$DROPIN_FILE" ] || ! grep -qE '^token-file[[:space:]]*:' "$DROPIN_FILE"; then
    echo none
  elif grep -qxF "token-file: \"$TOKEN_FILE\"" "$DROPIN_FILE"; then
    echo ours
  else
    echo other
  fi
}

# render_dropin_with_token_file ROLE prints the drop-in with the token-file line where
# render_dropin puts it (after the header comments), so a later `server`/`agent` run given the
# same token renders the same file and does not restart anything.
render_dropin_with_token_file() {
  local line="token-file: \"$TOKEN_FILE\""
  if [ -f "$DROPIN_FILE" ]; then
    awk -v line="$line" 'added == 0 && !/^#/ { print line; added = 1 } { print } END { if (added == 0) print line }' "$DROPIN_FILE"
  else
    printf '# Written by edgectl rke2.sh (%s); rewritten on every run, do not edit.\n' "$1"
    printf '# Put your own settings in /etc/rancher/rke2/config.yaml. The join token is not here.\n'
    printf '%s\n' "$line"
  fi
}

# adopt_token ROLE [new]: put TOKEN_VALUE in $TOKEN_FILE (0600, atomic) and reference it from the
# drop-in (token file first, so the drop-in never points at a missing file). "new": the token is
# a fresh one (a rotation's), so it is written whatever the file holds now; a dry run of a
# rotation does not know it yet. Never restarts: the service uses the token from its next start.
# Sets TOKEN_ADOPTED when something changed.
TOKEN_ADOPTED=""
adopt_token() {
  local role=$1 fresh=${2:-}
  TOKEN_ADOPTED=""
  if [ -n "$fresh" ] || [ "$(token_change)" = write ]; then
    change token "write $TOKEN_FILE (mode 0600; token not shown)" write_token_file
    TOKEN_ADOPTED=1
  else
    keep "keep $TOKEN_FILE (already holds this token)"
  fi
  if [ "$(dropin_token_file_state)" = none ]; then
    change token "add 'token-file: \"$TOKEN_FILE\"' to $DROPIN_FILE" add_dropin_token_file "$role"
    TOKEN_ADOPTED=1
  fi
}

# add_dropin_token_file ROLE: the drop-in, with the line that references $TOKEN_FILE added.
add_dropin_token_file() {
  render_dropin_with_token_file "$1" >"$TMP_DIR/dropin"
  install_file "$TMP_DIR/dropin" "$DROPIN_FILE" 600
}

# verify_dropin_token_file: the drop-in must not point token-file elsewhere (someone edited it).
verify_dropin_token_file() {
  if [ "$(dropin_token_file_state)" = other ]; then
    fatal 3 "$DROPIN_FILE sets token-file to a file other than $TOKEN_FILE; it was edited by hand (re-run 'rke2.sh server' or 'rke2.sh agent' to rewrite it)"
  fi
}

# run_token_rotate runs RKE2's own rotation with no token on its command line or in its
# environment (RKE2_TOKEN/RKE2_URL and friends removed): it reads the current token from
# $SERVER_TOKEN_FILE and the server generates and writes the new one.
run_token_rotate() {
  (
    while IFS= read -r name; do
      unset "$name"
    done < <(compgen -e | grep -E '^(RKE2_|K3S_)' || true)
    close_events_fd
    exec "$RKE2_BIN" token rotate
  ) </dev/null >&2 || fatal 4 "rke2 token rotate failed (see its output above)"
}

cmd_token_rotate() {
  parse_options "--dry-run" "$@"
  setup_env
  verify_root
  verify_tools systemctl sha256sum
  step_start verify "checking that this host can rotate the cluster token"
  find_rke2 || fatal 3 "RKE2 is not installed"
  local version role failures
  version=$(installed_version)
  if ! rotate_supported "$version"; then
    fatal 3 "RKE2 ${version:-(unknown version)} has no 'rke2 token rotate' (it exists since v1.25.15, v1.26.10, v1.27.7 and v1.28.3, and in every release from v1.29): upgrade RKE2 first"
  fi
  role=$(current_role)
  [ "$role" = server ] || fatal 3 "token rotation runs on a server; this host's role is $role"
  failures=$(ready_failures server | paste -sd ';' - | sed 's/;/; /g')
  [ -z "$failures" ] || fatal 3 "rke2-server is not ready: $failures"
  verify_dropin_token_file
  warn_operator_token
  step_done verify "RKE2 $version server is ready"

  change token "run $RKE2_BIN token rotate (no token on its command line: RKE2 reads the current one from $SERVER_TOKEN_FILE and generates the new one)" \
    rotate_server_token
  adopt_token server new
  keep "not restart rke2-server"
  step_done token "server token rotated; $TOKEN_FILE holds the new token; rke2-server keeps running"
  dry_run_skipped token
}

# rotate_server_token: `rke2 token rotate`, then TOKEN_VALUE is the new server token, checked to
# have changed and to carry the cluster's CA hash as before.
rotate_server_token() {
  local before after old="" prefix
  IFS= read -r old <"$SERVER_TOKEN_FILE" || true
  prefix=$(token_ca_prefix "$old")
  old=""
  before=$(sha256sum "$SERVER_TOKEN_FILE" | awk '{ print $1 }')
  step_start token "rotating the server token with rke2 token rotate"
  run_token_rotate
  after=$(sha256sum "$SERVER_TOKEN_FILE" | awk '{ print $1 }')
  [ "$before" != "$after" ] || fatal 4 "rke2 token rotate succeeded but $SERVER_TOKEN_FILE did not change"
  IFS= read -r TOKEN_VALUE <"$SERVER_TOKEN_FILE" || true
  [[ $TOKEN_VALUE =~ ^[[:graph:]]+$ ]] || fatal 4 "$SERVER_TOKEN_FILE holds no valid token after the rotation"
  if [ -n "$prefix" ] && [ "$(token_ca_prefix "$TOKEN_VALUE")" != "$prefix" ]; then
    fatal 4 "the rotated token in $SERVER_TOKEN_FILE carries another CA hash than before"
  fi
}

cmd_token_sync() {
  parse_options "--token-file --dry-run" "$@"
  setup_env
  [ -n "$OPT_TOKEN_FILE" ] || usage_error "token-sync needs --token-file F (\"-\" reads stdin)"
  verify_root
  verify_tools systemctl sha256sum
  step_start verify "checking the token"
  verify_token_file
  find_rke2 || fatal 3 "RKE2 is not installed"
  local role
  role=$(current_role)
  [ "$role" != none ] || fatal 3 "neither rke2-server nor rke2-agent is enabled or running on this host"
  verify_token_ca "$role"
  verify_dropin_token_file
  warn_operator_token
  step_done verify "token valid for this $role"

  step_start token "putting the token in place for the next start of rke2-$role"
  adopt_token "$role"
  keep "not restart rke2-$role (it uses the token from its next start)"
  if [ -n "$TOKEN_ADOPTED" ]; then
    step_done token "$TOKEN_FILE updated; rke2-$role keeps running and uses it from its next start"
  else
    step_skip token "$TOKEN_FILE already holds this token"
  fi
  dry_run_skipped token
}

cmd_wait_ready() {
  parse_options "--timeout" "$@"
  setup_env
  case "$OPT_ROLE" in
    server|agent) ;;
    "") usage_error "wait-ready needs a role: server or agent" ;;
    *) usage_error "invalid role '$OPT_ROLE': expected server or agent" ;;
  esac
  is_uint "$OPT_WAIT_TIMEOUT" || fatal 2 "invalid --timeout '$OPT_WAIT_TIMEOUT': expected whole seconds"
  verify_root
  verify_tools systemctl
  find_rke2 || fatal 3 "RKE2 is not installed"
  wait_ready "$OPT_ROLE" "$OPT_WAIT_TIMEOUT"
}

# cmd_artifact_version: the version a node installs from --airgap-dir, before it installs
# (edgectl checks it against the cluster's versions).
cmd_artifact_version() {
  parse_options "--airgap-dir" "$@"
  setup_env
  [ -n "$OPT_AIRGAP_DIR" ] || usage_error "artifact-version needs --airgap-dir DIR"
  setup_arch
  verify_airgap
  local version
  version=$(airgap_version)
  [ -n "$version" ] || fatal 3 "cannot read the RKE2 version inside $OPT_AIRGAP_DIR/rke2.linux-$ARCH.tar.gz"
  printf '%s\n' "$version"
}

main() {
  trap on_exit EXIT
  trap 'on_signal INT 130' INT
  trap 'on_signal TERM 143' TERM
  setup_events
  if [ "$#" -eq 0 ]; then
    usage_main >&2
    FAIL_EMITTED=1
    exit 2
  fi
  COMMAND=$1
  shift
  case "$COMMAND" in
    -h|--help) COMMAND=""; usage_main ;;
    server|agent) cmd_node "$COMMAND" "$@" ;;
    upgrade) cmd_upgrade "$@" ;;
    uninstall) cmd_uninstall "$@" ;;
    status) cmd_status "$@" ;;
    wait-ready) cmd_wait_ready "$@" ;;
    token-rotate) cmd_token_rotate "$@" ;;
    token-sync) cmd_token_sync "$@" ;;
    artifact-version) cmd_artifact_version "$@" ;;
    *)
      local unknown=$COMMAND
      COMMAND=""
      usage_error "unknown command: $unknown"
      ;;
  esac
}

main "$@"
