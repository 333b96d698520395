/**
 * What `edgectl apply` learns about a host before it plans anything: one
 * read-only POSIX sh program run over the host's transport prints
 * `key=value` lines; parseFacts reads them and factProblems says what stops
 * the host from joining. Pure (the transport runs the program).
 */

/** The read-only probe. Every line is key=value; absent facts print an empty value. */
export const FACTS_PROGRAM = [
  'set -u',
  'os_id=; os_version=',
  'if [ -r /etc/os-release ]; then . /etc/os-release; os_id=${ID:-}; os_version=${VERSION_ID:-}; fi',
  'echo "os=$os_id"',
  'echo "os_version=$os_version"',
  'echo "arch=$(uname -m)"',
  'echo "init=$(cat /proc/1/comm 2>/dev/null)"',
  'echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname)"',
  'echo "now=$(date +%s)"',
  'd=/var/lib; [ -d /var/lib/rancher ] && d=/var/lib/rancher',
  'echo "disk_free_kb=$(df -Pk "$d" 2>/dev/null | awk \'NR==2{print $4}\')"',
  // listening TCP ports from /proc (no ss/netstat needed): local port field, state 0A
  'echo "listening=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk \'$4=="0A"{split($2,a,":"); print a[2]}\' | sort -u | while read -r h; do printf "%d " "0x$h"; done)"',
  'echo "rke2_version=$( (/usr/local/bin/rke2 --version 2>/dev/null || rke2 --version 2>/dev/null) | sed -n \'1s/^rke2 version \\([^ ]*\\).*/\\1/p\')"',
  'echo "edgectl_sha256=$( [ -f /usr/local/bin/edgectl ] && sha256sum /usr/local/bin/edgectl | cut -d" " -f1)"',
  'echo "cluster_id=$(cat /etc/edgectl/cluster-id 2>/dev/null)"',
  'echo "rke2_server_active=$(systemctl is-active rke2-server 2>/dev/null)"',
  'echo "rke2_agent_active=$(systemctl is-active rke2-agent 2>/dev/null)"',
].join('\n');

export interface HostFacts {
  os: string;
  osVersion: string;
  arch: string;
  /** the name of PID 1 (systemd on a supported host) */
  init: string;
  hostname: string;
  /** the host's clock, seconds since the epoch, when the probe ran */
  now: number | undefined;
  diskFreeKb: number | undefined;
  listening: number[];
  rke2Version: string | undefined;
  edgectlSha256: string | undefined;
  clusterId: string | undefined;
  rke2ServerActive: boolean;
  rke2AgentActive: boolean;
}

/** The probe's output as facts; unknown keys are ignored, missing ones are absent. */
export function parseFacts(stdout: string): HostFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const str = (k: string): string => kv.get(k) ?? '';
  const opt = (k: string): string | undefined => (str(k) === '' ? undefined : str(k));
  const num = (k: string): number | undefined => (/^\d+$/.test(str(k)) ? Number(str(k)) : undefined);
  return {
    os: str('os'),
    osVersion: str('os_version'),
    arch: str('arch'),
    init: str('init'),
    hostname: str('hostname'),
    now: num('now'),
    diskFreeKb: num('disk_free_kb'),
    listening: str('listening').split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number).sort((a, b) => a - b),
    rke2Version: opt('rke2_version'),
    edgectlSha256: /^[0-9a-f]{64}$/.test(str('edgectl_sha256')) ? str('edgectl_sha256') : undefined,
    clusterId: opt('cluster_id'),
    rke2ServerActive: str('rke2_server_active') === 'active',
    rke2AgentActive: str('rke2_agent_active') === 'active',
  };
}

/** Ports RKE2 needs free on a host that does not run it yet. */
export const RKE2_PORTS: Readonly<Record<'server' | 'agent', readonly number[]>> = { server: [6443, 9345, 10250], agent: [10250] };
export const MIN_DISK_FREE_KB = 4 * 1024 * 1024;
export const MAX_CLOCK_SKEW_S = 30;

/** Why a host cannot take its role, one line each; empty when it can. `localNow` is this machine's clock (seconds). */
export function factProblems(f: HostFacts, role: 'server' | 'agent', localNow: number): string[] {
  const out: string[] = [];
  if (f.arch !== 'x86_64') out.push(`architecture ${f.arch || 'unknown'}: edgectl ships for x86_64 only`);
  if (f.init !== 'systemd') out.push(`PID 1 is ${f.init || 'unknown'}, not systemd: RKE2 runs as a systemd service`);
  if (f.diskFreeKb !== undefined && f.diskFreeKb < MIN_DISK_FREE_KB) out.push(`${Math.floor(f.diskFreeKb / 1024)} MiB free under /var/lib: RKE2 needs at least ${MIN_DISK_FREE_KB / 1024 / 1024} GiB`);
  if (f.now !== undefined && Math.abs(f.now - localNow) > MAX_CLOCK_SKEW_S) out.push(`its clock is ${Math.round(f.now - localNow)} s off this machine's (more than ${MAX_CLOCK_SKEW_S} s breaks TLS and Vault TTLs): fix NTP`);
  const runsRke2 = f.rke2ServerActive || f.rke2AgentActive;
  if (!runsRke2) {
    const busy = RKE2_PORTS[role].filter((p) => f.listening.includes(p));
    if (busy.length > 0) out.push(`port${busy.length > 1 ? 's' : ''} ${busy.join(', ')} already in use by something other than RKE2`);
  }
  if (role === 'agent' && f.rke2ServerActive) out.push('it runs an RKE2 server: the spec says agent');
  if (role === 'server' && f.rke2AgentActive) out.push('it runs an RKE2 agent: the spec says server');
  return out;
}
