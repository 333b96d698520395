#!/usr/bin/env bash
# lab.sh: real hosts for edgectl's tests and demo. Each host is a Debian bookworm container
# booted with systemd-nspawn (systemd as PID 1, journald, sshd) on an overlay over a cached
# base rootfs, with its own hostname, machine-id, SSH host key and static address on the
# lab bridge. Needs root, systemd-nspawn and debootstrap (tools/setup.sh installs them).
#
# Usage: tools/lab.sh COMMAND [ARGS]
#   base                      build the base rootfs when missing or its recipe changed; prints its path
#   up NAME [--ip A] [--bind-ro SRC:DEST]...
#                             boot a host (address 10.78.0.2-254; default: the first free one)
#                             and wait until systemd reports it running; prints its address
#   exec [--env VAR]... NAME CMD [ARG]...
#                             run CMD as root inside NAME (nsenter into all its namespaces) with a
#                             clean environment (PATH, HOME=/root, LANG=C.UTF-8) plus each VAR copied
#                             from this process's environment (HOME and LANG too, when named), so
#                             values never appear on a command line
#   copy NAME SRC DEST        copy the file SRC into NAME at the absolute path DEST (mode kept)
#   ssh NAME [CMD]...         ssh as root with the lab's key; the host key is checked against
#                             the one the lab made for NAME
#   wait NAME                 wait until NAME has booted
#   reboot NAME               reboot NAME from inside (systemctl reboot) and wait until it is back
#   leader NAME               print the PID (on this machine) of NAME's systemd
#   ip NAME                   print NAME's address
#   down NAME | down --all    stop NAME (clean poweroff, then SIGKILL), remove its overlay, cgroups,
#                             link and state; --all also removes anything left by killed runs
#                             (marked edgelab-*) and the bridge
#   bridge                    create the bridge (up does it too), e.g. before a server listens on 10.78.0.1
#   list                      NAME ADDRESS STATE for each host
#
# Network: bridge edgelab0 with 10.78.0.1/24 (this machine only; the simulated hosts use
# edgesim0 10.77.0.0/24). Hosts get no gateway: they reach the bridge and nothing else.
# State: $EDGECTL_LAB_DIR (default REPO/.lab, git-ignored): base-<recipe sha>/, hosts/NAME/, ssh/.
# Base mirror: $EDGECTL_LAB_MIRROR, else the Debian mirror apt uses on this machine.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=${EDGECTL_LAB_DIR:-$REPO/.lab}
HOSTS_DIR=$LAB_DIR/hosts
KEY=$LAB_DIR/ssh/id_ed25519
BRIDGE=edgelab0
NET_PREFIX=10.78.0
GATEWAY=$NET_PREFIX.1
MARK=edgelab
SUITE=bookworm
BASE_PACKAGES=systemd,systemd-sysv,dbus,iproute2,curl,ca-certificates,openssl,python3,procps,iptables,kmod,openssh-server,sudo
CGROUP_HIERARCHIES=(systemd unified memory)
BOOT_TIMEOUT=${EDGECTL_LAB_BOOT_TIMEOUT:-60}
SERVICE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

usage_error() {
  echo "lab.sh: $*" >&2
  echo "Run 'tools/lab.sh --help' for usage." >&2
  exit 2
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (mounts, cgroups, network links); running as uid $(id -u)"
}

require_tools() {
  local t missing=()
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing ${missing[*]}; run: bash tools/setup.sh (Debian packages systemd-container, debootstrap, openssh-client, iproute2)"
}

validate_name() {
  # vb-NAME must fit a 15-character interface name, or nspawn would hash it
  [[ $1 =~ ^[a-z][a-z0-9-]{0,11}$ ]] || usage_error "invalid host name '$1' (lowercase letter, then up to 11 of a-z 0-9 -)"
}

validate_ip() {
  local last
  [[ $1 =~ ^10\.78\.0\.([0-9]{1,3})$ ]] || usage_error "invalid address '$1' (10.78.0.2 to 10.78.0.254)"
  last=$((10#${BASH_REMATCH[1]}))
  if [ "$last" -lt 2 ] || [ "$last" -gt 254 ]; then
    usage_error "invalid address '$1' (10.78.0.2 to 10.78.0.254)"
  fi
}

# ---------------------------------------------------------------------------------------------
# base rootfs

# customize_base ROOT: what every host shares; part of the recipe (its text is hashed).
customize_base() {
  local root=$1
  # an empty machine-id: each host gets its own (lab.sh writes one per host)
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  # host keys are made per host
  rm -f "$root"/etc/ssh/ssh_host_*
  mkdir -p "$root/etc/ssh/sshd_config.d"
  printf '%s\n' 'PermitRootLogin prohibit-password' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UseDNS no' \
    'HostKey /etc/ssh/ssh_host_ed25519_key' >"$root/etc/ssh/sshd_config.d/edgelab.conf"
  chroot "$root" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
  # nothing on the console, no timers that reach out
  chroot "$root" systemctl mask console-getty.service getty@.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer fstrim.timer >/dev/null 2>&1
  chroot "$root" systemctl set-default multi-user.target >/dev/null 2>&1
  rm -f "$root/etc/hostname"
  apt_clean "$root"
}

apt_clean() {
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages
}

recipe_sha() {
  { printf '%s\n' "$SUITE" "$BASE_PACKAGES" variant=minbase; declare -f customize_base apt_clean; } | sha256sum | cut -c1-12
}

base_dir() {
  printf '%s/base-%s\n' "$LAB_DIR" "$(recipe_sha)"
}

# apt_mirror prints the Debian mirror apt uses here (deb822 .sources or a sources.list line).
apt_mirror() {
  local f uri=""
  if [ -n "${EDGECTL_LAB_MIRROR:-}" ]; then
    printf '%s\n' "$EDGECTL_LAB_MIRROR"
    return
  fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [ -z "$uri" ] || break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

cmd_base() {
  require_root
  require_tools debootstrap
  local dir tmp mirror start old
  dir=$(base_dir)
  if [ -f "$dir/.complete" ]; then
    printf '%s\n' "$dir"
    return
  fi
  mirror=$(apt_mirror)
  start=$(date +%s)
  mkdir -p "$LAB_DIR"
  tmp=$dir.tmp.$$
  rm -rf "$tmp"
  echo "lab.sh: building base rootfs $dir (debootstrap $SUITE from $mirror)" >&2
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$tmp" "$mirror" >"$LAB_DIR/base-build.log" 2>&1; then
    rm -rf "$tmp"
    die "debootstrap failed; see $LAB_DIR/base-build.log"
  fi
  customize_base "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  touch "$dir/.complete"
  # older bases (another recipe) that no running host uses
  for old in "$LAB_DIR"/base-*; do
    if [ "$old" = "$dir" ] || [ ! -d "$old" ]; then continue; fi
    grep -qs "lowerdir=${old}[,:]" /proc/mounts || rm -rf "$old"
  done
  echo "lab.sh: base built in $(( $(date +%s) - start ))s ($(du -sm "$dir" | cut -f1) MB)" >&2
  printf '%s\n' "$dir"
}

# ---------------------------------------------------------------------------------------------
# network

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  if ! ip -4 addr show dev "$BRIDGE" | grep -q "inet $GATEWAY/24"; then
    ip addr add "$GATEWAY/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
}

address_in_use() {
  local f
  for f in "$HOSTS_DIR"/*/ip; do
    [ -f "$f" ] || continue
    [ "$(cat "$f")" != "$1" ] || return 0
  done
  return 1
}

first_free_ip() {
  local i
  for i in $(seq 2 254); do
    address_in_use "$NET_PREFIX.$i" || { printf '%s\n' "$NET_PREFIX.$i"; return; }
  done
  die "no free address left on $BRIDGE"
}

# ---------------------------------------------------------------------------------------------
# hosts

host_dir() {
  printf '%s/%s\n' "$HOSTS_DIR" "$1"
}

ensure_key() {
  local dir
  dir=$(dirname "$KEY")
  mkdir -p "$dir"
  chmod 700 "$dir"
  # hosts come up in parallel: one of them makes the key, the others wait for it
  (
    flock 9
    if [ ! -f "$KEY" ]; then
      ssh-keygen -q -t ed25519 -N '' -C edgelab -f "$KEY" </dev/null
    fi
  ) 9>"$dir/.keygen.lock"
}

# write_host_identity ROOT NAME IP HOSTDIR: hostname, machine-id, network, SSH keys of one host.
write_host_identity() {
  local root=$1 name=$2 ip=$3 dir=$4
  printf '%s\n' "$name" >"$root/etc/hostname"
  printf '127.0.0.1 localhost\n%s %s\n' "$ip" "$name" >"$root/etc/hosts"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
  echo >>"$root/etc/machine-id"
  mkdir -p "$root/etc/systemd/network"
  cat >"$root/etc/systemd/network/10-host0.network" <<EOF
# written by tools/lab.sh: a static address on $BRIDGE, no gateway
[Match]
Name=host0

[Network]
Address=$ip/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$root/etc/ssh/ssh_host_ed25519_key"
  printf '%s %s\n' "$ip" "$(cut -d' ' -f1,2 "$root/etc/ssh/ssh_host_ed25519_key.pub")" >"$dir/known_hosts"
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$KEY.pub" "$root/root/.ssh/authorized_keys"
}

# join_cgroups NAME: move this shell into the host's own cgroups (before exec'ing nspawn).
join_cgroups() {
  local h
  for h in "${CGROUP_HIERARCHIES[@]}"; do
    [ -d "/sys/fs/cgroup/$h" ] || continue
    mkdir -p "/sys/fs/cgroup/$h/$MARK-$1"
    echo "$BASHPID" >"/sys/fs/cgroup/$h/$MARK-$1/cgroup.procs"
  done
}

# run_nspawn_loop NAME NSPAWN-ARGS...: the host's supervisor (its pid is in hosts/NAME/pid).
# With --keep-unit, a reboot inside the container makes systemd-nspawn exit 133 (it expects a
# service manager to restart it); this loop boots the host again. SIGTERM powers it off.
run_nspawn_loop() {
  local name=$1 child=0 rc stopping=0
  shift
  trap 'stopping=1; [ "$child" -eq 0 ] || kill -TERM "$child" 2>/dev/null || true' TERM INT
  while :; do
    systemd-nspawn "$@" &
    child=$!
    rc=0
    wait "$child" || rc=$?
    # a trapped signal ends wait early; wait for nspawn itself
    while kill -0 "$child" 2>/dev/null; do
      rc=0
      wait "$child" || rc=$?
    done
    if [ "$stopping" = 1 ] || [ "$rc" != 133 ]; then
      exit "$rc"
    fi
    echo "lab.sh: $name rebooted" >&2
  done
}

# supervisor_pid NAME: the pid of NAME's run_nspawn_loop, if it still runs in NAME's cgroup.
supervisor_pid() {
  local dir pid
  dir=$(host_dir "$1")
  [ -f "$dir/pid" ] || return 1
  pid=$(cat "$dir/pid")
  grep -qs ":name=systemd:/$MARK-$1\$" "/proc/$pid/cgroup" || return 1
  printf '%s\n' "$pid"
}

# leader_pid NAME: the pid of the container's systemd (child of nspawn, child of the loop).
leader_pid() {
  local pid nspawn child
  pid=$(supervisor_pid "$1") || return 1
  for nspawn in $(ps -o pid= --ppid "$pid"); do
    [ "$(cat "/proc/$nspawn/comm" 2>/dev/null)" = systemd-nspawn ] || continue
    for child in $(ps -o pid= --ppid "$nspawn"); do
      if [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ]; then
        printf '%s\n' "$child"
        return 0
      fi
    done
  done
  return 1
}

# reboot_host NAME: reboot inside NAME and wait until it has booted again.
reboot_host() {
  local name=$1 old new deadline
  old=$(leader_pid "$name") || die "host $name is not running"
  nsenter -t "$old" -a systemctl reboot
  deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
  while new=$(leader_pid "$name" || true); [ -z "$new" ] || [ "$new" = "$old" ]; do
    supervisor_pid "$name" >/dev/null || die "host $name did not come back from the reboot"
    [ "$(date +%s)" -lt "$deadline" ] || die "host $name did not reboot within ${BOOT_TIMEOUT}s"
    sleep 0.05
  done
  wait_booted "$name"
}

# wait_booted NAME [LAUNCHER]: wait until NAME's systemd reports the boot finished; fail unless
# "running". LAUNCHER is the pid of the supervisor just started (before it has joined its cgroups).
wait_booted() {
  local name=$1 launcher=${2:-} leader state="" deadline
  deadline=$(( $(date +%s) + BOOT_TIMEOUT ))
  until leader=$(leader_pid "$name"); do
    supervisor_pid "$name" >/dev/null || { [ -n "$launcher" ] && [ -d "/proc/$launcher" ]; } || die "systemd-nspawn for $name exited: $(tail -n 5 "$(host_dir "$name")/console.log")"
    [ "$(date +%s)" -lt "$deadline" ] || die "host $name did not start within ${BOOT_TIMEOUT}s"
    sleep 0.05
  done
  # systemctl answers once PID 1's private socket is up ("offline" or nothing before that);
  # --wait then waits for the boot to end
  while [ -z "$state" ] || [ "$state" = offline ]; do
    state=$(timeout "$BOOT_TIMEOUT" nsenter -t "$leader" -a systemctl is-system-running --wait 2>/dev/null || true)
    case "$state" in
      ''|offline)
        [ "$(date +%s)" -lt "$deadline" ] || die "host $name did not answer systemctl within ${BOOT_TIMEOUT}s"
        sleep 0.05 ;;
    esac
  done
  if [ "$state" != running ]; then
    die "host $name booted to '$state': $(nsenter -t "$leader" -a systemctl --failed --no-legend 2>&1 | head -n 5)"
  fi
}

# ensure_inotify_instances: every booted host's systemd, journald, networkd and path units hold
# inotify instances, all counted against root's fs.inotify.max_user_instances (default 128): past
# about 20 hosts the next one boots "degraded" (its .path units fail). Raise the limit when lower.
INOTIFY_INSTANCES=8192
ensure_inotify_instances() {
  local current
  current=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo "$INOTIFY_INSTANCES")
  if [ "$current" -lt "$INOTIFY_INSTANCES" ]; then
    echo "lab.sh: raising fs.inotify.max_user_instances from $current to $INOTIFY_INSTANCES (hosts need several each)" >&2
    echo "$INOTIFY_INSTANCES" >/proc/sys/fs/inotify/max_user_instances || die "could not raise fs.inotify.max_user_instances (sysctl -w fs.inotify.max_user_instances=$INOTIFY_INSTANCES)"
  fi
}

host_running() {
  leader_pid "$1" >/dev/null 2>&1
}

cmd_up() {
  require_root
  require_tools systemd-nspawn nsenter ssh-keygen ip
  local name="" ip="" base dir root start
  local -a binds=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --ip) [ "$#" -ge 2 ] || usage_error "--ip needs an address"; ip=$2; shift 2 ;;
      --bind-ro)
        [ "$#" -ge 2 ] || usage_error "--bind-ro needs SRC:DEST"
        [[ $2 =~ ^/[^:]+:/[^:]+$ ]] || usage_error "--bind-ro needs absolute SRC:DEST, got '$2'"
        binds+=("--bind-ro=$2"); shift 2 ;;
      -*) usage_error "unknown option $1" ;;
      *) [ -z "$name" ] || usage_error "unexpected argument $1"; name=$1; shift ;;
    esac
  done
  [ -n "$name" ] || usage_error "up needs a NAME"
  validate_name "$name"
  dir=$(host_dir "$name")
  [ ! -e "$dir" ] || die "host $name exists already (tools/lab.sh down $name)"
  if [ -n "$ip" ]; then
    validate_ip "$ip"
    ! address_in_use "$ip" || die "address $ip is taken by another lab host"
  fi
  base=$(cmd_base)
  start=$(date +%s%N)
  mkdir -p "$dir"/{upper,work,root}
  [ -n "$ip" ] || ip=$(first_free_ip)
  printf '%s\n' "$ip" >"$dir/ip"
  ensure_key
  ensure_bridge
  ensure_inotify_instances
  root=$dir/root
  mount -t overlay "$MARK-$name" -o "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work" "$root"
  write_host_identity "$root" "$name" "$ip" "$dir"
  (
    join_cgroups "$name"
    # the pid file names the supervisor only once it is in its cgroups (supervisor_pid checks)
    printf '%s\n' "$BASHPID" >"$dir/pid"
    run_nspawn_loop "$name" --quiet --boot --register=no --keep-unit --directory="$root" \
      --machine="$name" --hostname="$name" --uuid="$(cat "$root/etc/machine-id")" \
      --network-bridge="$BRIDGE" --console=passive --link-journal=no \
      ${binds[@]+"${binds[@]}"}
  ) </dev/null >"$dir/console.log" 2>&1 &
  # a host that did not boot cleanly is removed again: a failed up leaves nothing behind
  if ! (wait_booted "$name" "$!"); then
    down_host "$name"
    exit 1
  fi
  echo "lab.sh: $name up at $ip in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
  printf '%s\n' "$ip"
}

cmd_exec() {
  require_root
  local name leader var
  local -a keep=()
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --env)
        [ "$#" -ge 2 ] || usage_error "--env needs a variable name"
        [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || usage_error "invalid variable name '$2'"
        keep+=("$2"); shift 2 ;;
      --) shift; break ;;
      -*) usage_error "unknown option $1" ;;
      *) break ;;
    esac
  done
  [ "$#" -ge 2 ] || usage_error "exec needs NAME and a command"
  name=$1
  shift
  validate_name "$name"
  leader=$(leader_pid "$name") || die "host $name is not running"
  # a clean environment without putting any value on a command line; then lab.sh itself becomes
  # nsenter (no subshell in between): nsenter re-raises the signal that killed the command, so
  # this process dies by it too and the caller sees the real cause
  while IFS= read -r var; do
    case " ${keep[*]:-} " in
      *" $var "*) export "${var?}" ;;
      *) unset "$var" 2>/dev/null || true ;;
    esac
  done < <(compgen -e)
  export PATH=$SERVICE_PATH
  # an explicit --env HOME / --env LANG wins over the defaults
  case " ${keep[*]:-} " in *" HOME "*) ;; *) export HOME=/root ;; esac
  case " ${keep[*]:-} " in *" LANG "*) ;; *) export LANG=C.UTF-8 ;; esac
  exec nsenter -t "$leader" -a -- "$@"
}

# safe_dest PATH: an absolute path without .. components
safe_dest() {
  if [[ $1 != /* ]] || [[ $1 =~ (^|/)\.\.(/|$) ]]; then
    usage_error "DEST must be an absolute path without '..': $1"
  fi
}

cmd_copy() {
  require_root
  [ "$#" -eq 3 ] || usage_error "copy needs NAME SRC DEST"
  local name=$1 src=$2 dest=$3 root
  validate_name "$name"
  safe_dest "$dest"
  [ -f "$src" ] || die "no such file: $src"
  host_running "$name" || die "host $name is not running"
  root=$(host_dir "$name")/root
  # through the merged overlay; refuse a destination whose directories are symlinks (they
  # would resolve on this machine, not in the host)
  if [ -n "$(find "$root$(dirname "$dest")" -maxdepth 0 -type l 2>/dev/null)" ]; then
    die "refusing to copy through a symlink: $dest"
  fi
  install -D -m "$(stat -c %a "$src")" "$src" "$root$dest"
}

cmd_ssh() {
  require_tools ssh
  [ "$#" -ge 1 ] || usage_error "ssh needs NAME"
  local name=$1 dir
  shift
  validate_name "$name"
  dir=$(host_dir "$name")
  [ -f "$dir/known_hosts" ] || die "host $name does not exist"
  exec ssh -q -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$dir/known_hosts" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 \
    "root@$(cat "$dir/ip")" "$@"
}

# kill_cgroup NAME: kill every process left in the host's cgroups (cgroup v2 cgroup.kill, else
# SIGKILL to each listed pid), wait until they are gone, then remove the cgroup trees, deepest first.
kill_cgroup() {
  local name=$1 h cg pid i pids seen=""
  cg=/sys/fs/cgroup/unified/$MARK-$name
  if [ -f "$cg/cgroup.kill" ]; then
    seen=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)
    echo 1 >"$cg/cgroup.kill" 2>/dev/null || true
  fi
  for h in "${CGROUP_HIERARCHIES[@]}"; do
    cg=/sys/fs/cgroup/$h/$MARK-$name
    [ -d "$cg" ] || continue
    for i in $(seq 1 50); do
      pids=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)
      [ -n "$pids" ] || break
      seen+=" $pids"
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
      sleep 0.1
    done
  done
  # a killed task leaves cgroup.procs before it is gone; wait for the processes themselves
  for pid in $seen; do
    for i in $(seq 1 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.05
    done
  done
  for h in "${CGROUP_HIERARCHIES[@]}"; do
    cg=/sys/fs/cgroup/$h/$MARK-$name
    [ -d "$cg" ] || continue
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ ! -d "$cg" ] || echo "lab.sh: could not remove cgroup $cg" >&2
  done
}

# stop_host NAME: SIGTERM to the supervisor (nspawn powers the container off), SIGKILL what is left.
stop_host() {
  local name=$1 pid i
  if pid=$(supervisor_pid "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    [ ! -d "/proc/$pid" ] || echo "lab.sh: $name did not power off in $((i / 10))s; killing it" >&2
  fi
  kill_cgroup "$name"
}

remove_link() {
  ! ip link show "vb-$1" >/dev/null 2>&1 || ip link del "vb-$1" 2>/dev/null || true
}

# unmount_marked NAME: every mount of the host's overlay (source edgelab-NAME) and any mount below
# its state dir, deepest first
unmount_marked() {
  local name=$1 dir target
  dir=$(host_dir "$name")
  while read -r target; do
    umount -l "$target" 2>/dev/null || true
  done < <(awk -v src="$MARK-$name" -v dir="$dir/" '$1 == src || index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r)
}

down_host() {
  local name=$1
  stop_host "$name"
  unmount_marked "$name"
  remove_link "$name"
  # nspawn's mount propagation directory for the machine
  if ! grep -qs " /run/systemd/nspawn/propagate/$name " /proc/mounts; then
    rm -rf "/run/systemd/nspawn/propagate/$name"
  fi
  rm -rf "$(host_dir "$name")"
}

# marked_names: names of hosts that left anything behind (state dirs, cgroups, mounts, links)
marked_names() {
  {
    local d
    for d in "$HOSTS_DIR"/*/; do
      [ -d "$d" ] && basename "$d"
    done
    for d in /sys/fs/cgroup/*/"$MARK"-*/; do
      [ -d "$d" ] && basename "$d" | sed "s/^$MARK-//"
    done
    awk -v m="$MARK-" 'index($1, m) == 1 { print substr($1, length(m) + 1) }' /proc/mounts
    ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | sed -n 's/^vb-\([^@]*\).*/\1/p'
  } | sort -u
}

cmd_down() {
  require_root
  [ "$#" -eq 1 ] || usage_error "down needs NAME or --all"
  local name
  if [ "$1" = --all ]; then
    for name in $(marked_names); do
      [[ $name =~ ^[a-z][a-z0-9-]{0,11}$ ]] || continue
      down_host "$name"
    done
    ! ip link show "$BRIDGE" >/dev/null 2>&1 || ip link del "$BRIDGE"
    rmdir "$HOSTS_DIR" 2>/dev/null || true
    return
  fi
  validate_name "$1"
  down_host "$1"
}

cmd_list() {
  local d name state
  for d in "$HOSTS_DIR"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    if host_running "$name"; then state=running; else state=stopped; fi
    printf '%s %s %s\n' "$name" "$(cat "$d/ip" 2>/dev/null || echo -)" "$state"
  done
}

cmd_leader() {
  [ "$#" -eq 1 ] || usage_error "leader needs NAME"
  validate_name "$1"
  leader_pid "$1" || die "host $1 is not running"
}

cmd_ip() {
  [ "$#" -eq 1 ] || usage_error "ip needs NAME"
  validate_name "$1"
  cat "$(host_dir "$1")/ip" 2>/dev/null || die "host $1 does not exist"
}

main() {
  local cmd=${1:-}
  [ "$#" -eq 0 ] || shift
  case "$cmd" in
    -h|--help|help) usage ;;
    base) [ "$#" -eq 0 ] || usage_error "base takes no arguments"; cmd_base ;;
    up) cmd_up "$@" ;;
    exec) cmd_exec "$@" ;;
    copy) cmd_copy "$@" ;;
    ssh) cmd_ssh "$@" ;;
    down) cmd_down "$@" ;;
    list) cmd_list ;;
    bridge) require_root; ensure_bridge ;;
    leader) cmd_leader "$@" ;;
    reboot) [ "$#" -eq 1 ] || usage_error "reboot needs NAME"; validate_name "$1"; require_root; reboot_host "$1" ;;
    wait) [ "$#" -eq 1 ] || usage_error "wait needs NAME"; validate_name "$1"; require_root; wait_booted "$1" ;;
    ip) cmd_ip "$@" ;;
    '') usage >&2; exit 2 ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

main "$@"
