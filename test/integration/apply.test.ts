/**
 * `edgectl apply -f cluster.yaml` through the single executable on this machine, against
 * ten real systemd container hosts (tools/lab.sh) with real sshd: 3 servers and 7 agents.
 * A real OpenBao listens on the lab bridge; the operator holds the root token, the hosts
 * hold nothing until apply sends each its own single-use join code on the SSH channel.
 *
 * Covers: validation before any connection (exit 2, every problem with its path), unknown
 * host keys refused until --accept-new-host-keys, --dry-run (hosts and Vault unchanged,
 * plan = what the real run then does), apply from nothing, the re-apply that changes
 * nothing, a host that is down (agents go on, a server stops the rollout), and a scan of
 * every host's processes during the join for the RKE2 token and the join codes.
 *
 * Needs root and the lab tools; run under the shared lock: flock /tmp/edgectl-hosts.lock ...
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerHost, run as exec, prepareContainerLab, upContainerHost } from '../support/container-host.js';
import { FAKE_RELEASE_VERSION } from '../support/lab.js';
import { type OpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');
const KEY = join(LAB_DIR, 'ssh/id_ed25519');

const SERVERS = ['ap-srv1', 'ap-srv2', 'ap-srv3'];
const AGENTS = ['ap-agt1', 'ap-agt2', 'ap-agt3', 'ap-agt4', 'ap-agt5', 'ap-agt6', 'ap-agt7'];
/** added to the cluster later (booted with the others, first in the file then) */
const LATER = ['ap-agt8', 'ap-agt9'];
const ip = (i: number): string => `10.78.0.${121 + i}`;

interface ApplyJson {
  dry_run: boolean;
  cluster_id: string;
  changed: boolean;
  vault_changes: string[];
  hosts: Array<{ host: string; role: string; result: string; changes: string[]; error: { message: string } | null }>;
  phases: Array<{ title: string; hosts: Array<{ host: string; changes: string[] }> }>;
}

describe('edgectl apply on ten container hosts', () => {
  let bao: OpenBao;
  let work: string;
  let hosts: ContainerHost[] = [];
  let knownHosts: string;
  let clusterId = '';

  const spec = (names: readonly string[], extra = ''): string => {
    const lines = [
      'apiVersion: edgectl.io/v1alpha1',
      'kind: Cluster',
      'metadata: { name: lab }',
      'spec:',
      '  cluster:',
      '    id: new',
      `    rke2: { airgapDir: /opt/releases/${FAKE_RELEASE_VERSION} }`,
      '  vault:',
      `    address: ${bao.addr}`,
      '  options: { concurrency: 4 }',
      '  hosts:',
    ];
    for (const name of names) {
      const i = [...SERVERS, ...AGENTS, ...LATER].indexOf(name);
      lines.push(`    - role: ${SERVERS.includes(name) ? 'server' : 'agent'}`, `      ssh: { address: "${ip(i)}", user: root, keyPath: "${KEY}" }`, `      nodeName: ${name}`);
    }
    return `${lines.join('\n')}\n${extra}`;
  };
  const writeSpec = (names: readonly string[], file = 'cluster.yaml'): string => {
    const path = join(work, file);
    writeFileSync(path, spec(names));
    return path;
  };
  const apply = (args: string[]) =>
    exec(SEA, ['apply', ...args], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.2' } });
  /** what a host holds of edgectl and RKE2: for "nothing changed" checks */
  const snapshot = async (h: ContainerHost): Promise<string> =>
    (await h.exec('sh', ['-c', 'ls -la /usr/local/bin /etc/edgectl /etc/rancher 2>&1; systemctl is-active rke2-server rke2-agent 2>&1; true'])).stdout;
  const vaultTree = async (): Promise<unknown> => ({
    clusters: (await bao.api('LIST', 'kv/metadata/rke2', undefined, { allow: [404] })).json?.data?.keys ?? [],
    policies: ((await bao.api('LIST', 'sys/policies/acl')).json?.data?.keys as string[] | undefined ?? []).filter((p) => p.startsWith('edgectl-')),
    auth: Object.keys((await bao.api('GET', 'sys/auth')).json?.data ?? {}).sort(),
  });

  beforeAll(async () => {
    let releases: string;
    ({ work, releases, bao } = await prepareContainerLab('edgectl-apply-'));
    const names = [...SERVERS, ...AGENTS, ...LATER];
    hosts = await Promise.all(names.map((n, i) => upContainerHost(n, { ip: ip(i), binds: [`${releases}:/opt/releases`] })));
    knownHosts = join(work, '.ssh/known_hosts');
  }, 900_000);

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.down()));
    await bao?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('validates the whole file before connecting anywhere (exit 2, every problem with its path)', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, spec(['ap-srv1']).replace('user: root', 'user: root, port: 99999').replace('role: server', 'role: boss'));
    const r = await apply(['-f', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.hosts[0].role: "boss" is neither server nor agent');
    expect(r.stderr).toContain('spec.hosts[0].ssh.port: 99999 is not a port');
    expect(r.stderr).not.toContain('Connect to');
  });

  it('refuses unknown host keys unless told to record them', async () => {
    const file = writeSpec(['ap-srv1', 'ap-agt1']);
    const r = await apply(['-f', file, '--dry-run']);
    expect(r.code, r.stderr).toBe(8);
    expect(r.stderr).toContain('unknown host key');
    expect(r.stderr).toContain('--accept-new-host-keys');
  });

  it('--dry-run connects and plans every host, and changes nothing on any host or in Vault', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS]);
    const before = await Promise.all(hosts.map(snapshot));
    const vaultBefore = await vaultTree();
    const r = await apply(['-f', file, '--dry-run', '--accept-new-host-keys', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as ApplyJson;
    expect(plan.dry_run).toBe(true);
    expect(plan.hosts.map((h) => h.result)).toEqual(Array(10).fill('planned'));
    const bootstrap = plan.phases.find((p) => p.title === 'Bootstrap the first server');
    expect(bootstrap?.hosts.map((h) => h.host)).toEqual(['ap-srv1']);
    expect(plan.phases.find((p) => p.title === 'Join the agents')?.hosts.map((h) => h.host)).toEqual(AGENTS);
    expect(await Promise.all(hosts.map(snapshot))).toEqual(before);
    expect(await vaultTree()).toEqual(vaultBefore);
    // the host keys were recorded: one line per host
    expect(readFileSync(knownHosts, 'utf8').trim().split('\n')).toHaveLength(10);
    // the two hosts added later are not in the file yet: their keys are added when they are
  });

  it('apply from nothing: the first server bootstraps, the others join one at a time, the agents in a pool', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS]);
    const dry = JSON.parse((await apply(['-f', file, '--dry-run', '-o', 'json'])).stdout) as ApplyJson;
    // watch the hosts' processes while apply runs: no RKE2 token and no join code in any argv or environment
    const scans: string[] = [];
    let scanning = true;
    const scanner = (async () => {
      while (scanning) {
        for (const h of hosts) {
          const s = await h.exec('sh', ['-c', 'for p in /proc/[0-9]*; do tr "\\0" " " <"$p/cmdline" 2>/dev/null; echo; tr "\\0" "\\n" <"$p/environ" 2>/dev/null; done']);
          scans.push(s.stdout);
        }
      }
    })();
    const r = await apply(['-f', file, '-o', 'json']);
    scanning = false;
    await scanner;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ApplyJson;
    clusterId = out.cluster_id;
    expect(clusterId).toMatch(/^rke2-[a-z0-9]{8}$/);
    expect(out.hosts.map((h) => [h.host, h.result])).toEqual([...SERVERS, ...AGENTS].map((n) => [n, 'done']));
    // the real run made exactly the changes the dry run listed, host by host (codes are per host; IDs differ)
    const norm = (xs: string[]): string[] => xs.map((x) => x.replace(/rke2-[a-z0-9]{8}/g, 'ID'));
    for (const p of out.phases) {
      const planned = dry.phases.find((d) => d.title === p.title);
      for (const h of p.hosts) expect(norm(h.changes)).toEqual(norm(planned?.hosts.find((x) => x.host === h.host)?.changes ?? []));
    }
    for (const h of hosts.filter((x) => !LATER.includes(x.name))) {
      const unit = SERVERS.includes(h.name) ? 'rke2-server' : 'rke2-agent';
      expect((await h.exec('systemctl', ['is-active', unit])).stdout, h.name).toBe('active\n');
      expect((await h.read('/etc/edgectl/cluster-id'))?.trim()).toBe(clusterId);
    }
    const nodes = await bao.api('LIST', `kv/metadata/rke2/${clusterId}/nodes`);
    expect([...(nodes.json.data.keys as string[])].sort()).toEqual([...SERVERS, ...AGENTS].sort());
    const entry = await bao.api('GET', `kv/data/rke2/${clusterId}/nodes/ap-agt3`);
    expect(entry.json.data.data.join_code_accessor).toMatch(/^[A-Za-z0-9-]{8,}$/);
    const token = (await hosts[0]?.read('/var/lib/rancher/rke2/server/token'))?.trim() ?? '';
    expect(token).toMatch(/^K10/);
    // the scan saw the joins themselves (so it looked while the secrets were in use)
    expect(scans.some((s) => s.includes('/usr/local/bin/edgectl rke2 agent --join-code-file -'))).toBe(true);
    const leaks = scans.filter((s) => s.includes(token.split('::')[1] ?? token) || s.includes('edgectl-join-v1.'));
    expect(leaks).toEqual([]);
    expect(r.stderr).not.toContain(token);
  }, 600_000);

  it('a re-apply of the same file changes nothing and says so', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS]);
    const before = await Promise.all(hosts.map(snapshot));
    const r = await apply(['-f', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`cluster ${clusterId}: nothing to change`);
    expect(r.stdout.split('\n').filter((l) => / unchanged /.test(l))).toHaveLength(10);
    expect(await Promise.all(hosts.map(snapshot))).toEqual(before);
  }, 300_000);

  it('status -f: every host active in the cluster, every node in Vault', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS]);
    const r = await exec(SEA, ['status', '-f', file, '-o', 'json'], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken } });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; cluster: { id: string; nodes_in_vault: number }; hosts: Array<{ service: string; in_vault: boolean; joined_with_code: boolean }> };
    expect(doc.ok).toBe(true);
    expect(doc.cluster).toMatchObject({ id: clusterId, nodes_in_vault: 10 });
    expect(doc.hosts.every((h) => h.service === 'active' && h.in_vault && h.joined_with_code)).toBe(true);
  }, 120_000);

  it('Vault unreachable: nothing starts, no host is even connected', async () => {
    const file = join(work, 'novault.yaml');
    writeFileSync(file, spec([...SERVERS, ...AGENTS]).replace(bao.addr, 'http://10.78.0.1:1'));
    const r = await exec(SEA, ['apply', '-f', file], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken, VAULT_MAX_RETRIES: '0' } });
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain('Connect to');
  }, 120_000);

  it('a host that is down: a down agent does not stop the others (exit 7 naming it); a down server stops everything', async () => {
    const ghost = '10.78.0.140';
    const withGhost = (role: 'agent' | 'server'): string => {
      const path = join(work, `ghost-${role}.yaml`);
      writeFileSync(path, `${spec([...SERVERS, ...AGENTS])}    - role: ${role}\n      ssh: { address: "${ghost}", user: root, keyPath: "${KEY}" }\n      nodeName: ap-ghost\n`);
      return path;
    };
    const agentDown = await exec(SEA, ['apply', '-f', withGhost('agent'), '--ssh-timeout', '3', '-o', 'json'], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken } });
    expect(agentDown.code, agentDown.stderr).toBe(7);
    const doc = JSON.parse(agentDown.stdout) as ApplyJson;
    expect(doc.hosts.find((h) => h.host === 'ap-ghost')).toMatchObject({ result: 'failed' });
    expect(doc.hosts.filter((h) => h.host !== 'ap-ghost').every((h) => h.result === 'unchanged')).toBe(true);
    expect(agentDown.stderr).toContain('ap-ghost');
    const serverDown = await exec(SEA, ['apply', '-f', withGhost('server'), '--ssh-timeout', '3'], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken } });
    expect(serverDown.code).toBe(7);
    expect(serverDown.stderr).toContain('server ap-ghost is not usable');
    expect(serverDown.stderr).toContain('nothing was changed');
  }, 300_000);

  it('a changed host key is refused, even with --accept-new-host-keys', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS]);
    const original = readFileSync(knownHosts, 'utf8');
    const lines = original.trim().split('\n');
    // the key of ap-agt1 recorded for ap-agt2's address
    const agt1 = lines.find((l) => l.startsWith(`${ip(3)} `)) ?? '';
    writeFileSync(knownHosts, `${lines.filter((l) => !l.startsWith(`${ip(4)} `)).join('\n')}\n${agt1.replace(ip(3), ip(4))}\n`);
    try {
      const r = await apply(['-f', file, '--accept-new-host-keys']);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/ap-agt2: .*host key changed/);
    } finally {
      writeFileSync(knownHosts, original);
    }
  }, 300_000);

  it('two agents added, apply killed mid-join: the re-apply converges and joins both', async () => {
    const file = writeSpec([...SERVERS, ...AGENTS, ...LATER]);
    const child = spawn(SEA, ['apply', '-f', file, '--accept-new-host-keys'], {
      env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const killed = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // the first progress line from a new agent's own edgectl: it is joining now
        if (/ap-agt8: /.test(stderr) && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => resolve());
    });
    await killed;
    await new Promise((r) => child.once('close', r).once('exit', r));
    expect(child.signalCode ?? 'exited', stderr).toBe('SIGKILL');
    const r = await apply(['-f', file, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ApplyJson;
    expect(out.cluster_id).toBe(clusterId);
    expect(out.hosts.filter((h) => !LATER.includes(h.host)).every((h) => h.result === 'unchanged')).toBe(true);
    for (const name of LATER) {
      const h = hosts.find((x) => x.name === name);
      expect((await h?.exec('systemctl', ['is-active', 'rke2-agent']))?.stdout, name).toBe('active\n');
    }
    const nodes = await bao.api('LIST', `kv/metadata/rke2/${clusterId}/nodes`);
    expect((nodes.json.data.keys as string[]).length).toBe(12);
    const again = await apply(['-f', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to change');
  }, 600_000);
});
