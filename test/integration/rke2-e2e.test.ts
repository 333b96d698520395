/**
 * `edgectl rke2 server` / `rke2 agent` end to end: real systemd hosts (containers booted by
 * tools/lab.sh on the lab bridge, 10.78.0.101 and up) running the single executable, a real
 * OpenBao, the fake RKE2 release under the real systemd. Needs root, systemd-nspawn and the
 * lab's base rootfs (see test/support/README.md); run under the shared hosts lock.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_GATEWAY } from '../support/container-host.js';
import { type ContainerLab, type ContainerLabHost, containerHostSnapshot, createContainerLab } from '../support/container-lab.js';
import { waitForScriptsToFinish } from '../support/lab.js';

const SERVER_TOKEN = '/var/lib/rancher/rke2/server/token';
const JOIN_TOKEN = '/etc/rancher/rke2/edgectl-token';
const CLUSTER_ID_FILE = '/etc/edgectl/cluster-id';

type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
/** a fresh host with its own address (10.78.0.101-149; rke2-day2.test.ts uses 151-199) */
async function newHost(prefix: string): Promise<LabHost> {
  n += 1;
  if (n > 49) throw new Error('out of e2e test addresses');
  return lab.host(`${prefix}${n}`, `10.78.0.${100 + n}`);
}

async function vaultData(path: string): Promise<Record<string, string> | undefined> {
  const r = await lab.bao.api('GET', `kv/data/${path}`, undefined, { allow: [404] });
  return r.status === 404 ? undefined : r.json.data.data;
}

async function vaultList(path: string): Promise<string[]> {
  const r = await lab.bao.api('LIST', `kv/metadata/${path}`, undefined, { allow: [404] });
  return r.status === 404 ? [] : r.json.data.keys;
}

const snapshot = containerHostSnapshot;

const common = () => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

describe('bootstrap, agent join, second server', () => {
  let server: LabHost;
  let clusterId: string;

  it('bootstraps a cluster: ID persisted, token and metadata in Vault, node recorded', async () => {
    server = await newHost('srv');
    const r = await server.edgectl(['rke2', 'server', ...common(), '--tag', 'site=shop-12']);
    expect(r.stderr).toContain('Join agents with:');
    expect(r.code).toBe(0);
    clusterId = r.stdout.trim();
    expect(clusterId).toMatch(/^rke2-[a-z0-9]{8}$/);
    expect(server.read(CLUSTER_ID_FILE)).toBe(`${clusterId}\n`);
    expect(statSync(server.root(CLUSTER_ID_FILE)).mode & 0o777).toBe(0o644);
    const token = server.read(SERVER_TOKEN)?.trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::server:/);
    const data = await vaultData(`rke2/${clusterId}`);
    expect(data).toMatchObject({ token, server: `https://${server.address}:9345`, state: 'ready' });
    const meta = await lab.bao.api('GET', `kv/metadata/rke2/${clusterId}`);
    expect(meta.json.data.custom_metadata).toMatchObject({ hostname: server.name, ip: server.address, rke2_version: 'v1.30.1+rke2r1', 'tag.site': 'shop-12' });
    expect(meta.json.data.custom_metadata.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(await vaultData(`rke2/${clusterId}/nodes/${server.name}`)).toMatchObject({ role: 'server', ip: server.address });
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  it('joins an agent by cluster ID alone, after checking the server CA', async () => {
    const agent = await newHost('agt');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...common(), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ cluster_id: clusterId, role: 'agent', node_name: agent.name, server_url: `https://${server.address}:9345`, vault_path: `kv/data/rke2/${clusterId}`, rke2_version: 'v1.30.1+rke2r1' });
    expect(out.steps.map((s: { id: string }) => s.id)).toEqual(['ca-check', 'cluster-id', 'install', 'vault-node']);
    const token = server.read(SERVER_TOKEN)?.trim() ?? '';
    expect(agent.read(JOIN_TOKEN)?.trim()).toBe(token);
    expect(statSync(agent.root(JOIN_TOKEN)).mode & 0o777).toBe(0o600);
    expect(agent.read('/var/lib/rancher/rke2/agent/kubelet.kubeconfig')).toBeDefined();
    expect(await vaultData(`rke2/${clusterId}/nodes/${agent.name}`)).toMatchObject({ role: 'agent', hostname: agent.name });
    expect(r.stdout + r.stderr).not.toContain(token.split('::')[1] ?? 'x');
  });

  it('joins a second server with --cluster-id (HA) and records it', async () => {
    const second = await newHost('srv');
    const r = await second.edgectl(['rke2', 'add-master', '--cluster-id', clusterId, ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(second.read(CLUSTER_ID_FILE)).toBe(`${clusterId}\n`);
    expect(second.read(JOIN_TOKEN)?.trim()).toBe(server.read(SERVER_TOKEN)?.trim());
    expect(second.read('/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml')).toContain(`server: "https://${server.address}:9345"`);
    const nodes = await vaultList(`rke2/${clusterId}/nodes`);
    expect(nodes).toContain(second.name);
    expect(await vaultData(`rke2/${clusterId}/nodes/${second.name}`)).toMatchObject({ role: 'server' });
  });

  it('an agent joins with only the README\'s least-privilege agent policy', async () => {
    const policy = `path "kv/data/rke2/${clusterId}" { capabilities = ["read"] }\npath "kv/data/rke2/${clusterId}/nodes/*" { capabilities = ["create", "read", "update"] }\n`;
    await lab.bao.api('PUT', 'sys/policies/acl/agent-e2e', { policy });
    const created = await lab.bao.api('POST', 'auth/token/create', { policies: ['agent-e2e'], no_default_policy: true, ttl: '10m' });
    const agent = await newHost('agt');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...common()], { env: { VAULT_TOKEN: created.json.auth.client_token } });
    expect(r.code, r.stderr).toBe(0);
    expect(await vaultData(`rke2/${clusterId}/nodes/${agent.name}`)).toMatchObject({ role: 'agent' });
    // the same token cannot see other clusters
    const fresh = await newHost('agt');
    const other = await fresh.edgectl(['rke2', 'agent', '--cluster-id', 'rke2-other000', '--dry-run', ...common()], { env: { VAULT_TOKEN: created.json.auth.client_token } });
    expect(other.code).toBe(5);
    expect(other.stderr).toContain('kv/data/rke2/rke2-other000');
  });

  it('re-running the bootstrap converges without a restart or a new cluster', async () => {
    // systemd's own record: a (re)start would give rke2-server a new InvocationID and main PID
    const before = await server.unitRun('rke2-server');
    expect(before).toMatch(/^[0-9a-f]{32} [1-9]\d* active$/);
    const r = await server.edgectl(['rke2', 'server', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(clusterId);
    expect(await server.unitRun('rke2-server')).toBe(before);
    expect((await vaultData(`rke2/${clusterId}`))?.token).toBe(server.read(SERVER_TOKEN)?.trim());
  });

  it('refuses an agent whose server presents another cluster\'s CA (exit 8), installing nothing', async () => {
    const other = await newHost('srv');
    const r0 = await other.edgectl(['rke2', 'server', '--no-vault', ...common()]);
    expect(r0.code, r0.stderr).toBe(0);
    const agent = await newHost('agt');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, '--server', `https://${other.address}:9345`, ...common()]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/CA whose sha256 .* does not match the join token/);
    expect(agent.read(CLUSTER_ID_FILE)).toBeUndefined();
    expect(agent.read('/usr/local/bin/rke2')).toBeUndefined();
  });
});

describe('without Vault', () => {
  it('bootstraps with the token only on the node and says how to join by hand', async () => {
    const host = await newHost('solo');
    const before = await vaultList('rke2');
    const r = await host.edgectl(['rke2', 'server', ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(host.read(CLUSTER_ID_FILE)).toBe(`${id}\n`);
    expect(r.stderr).toContain('No Vault address configured');
    expect(r.stderr).toContain(`--server https://${host.address}:9345 --token-file`);
    expect(await vaultList('rke2')).toEqual(before);
  });

  it('joins with --server and --token-file (no Vault, no ID generation)', async () => {
    const first = await newHost('tk');
    expect((await first.edgectl(['rke2', 'server', '--no-vault', ...common()])).code).toBe(0);
    const second = await newHost('tk');
    // the operator copied the token into a root-only file on the joining host
    const tokenFile = '/etc/rancher/copied-token';
    const token = first.read(SERVER_TOKEN)?.trim() ?? '';
    const w = await second.run('bash', ['-c', `mkdir -p /etc/rancher && umask 077 && cat > ${tokenFile}`], { input: `${token}\n` });
    expect(w.code).toBe(0);
    const r = await second.edgectl(['rke2', 'server', '--server', `https://${first.address}:9345`, '--token-file', tokenFile, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(0);
    expect(second.read(JOIN_TOKEN)?.trim()).toBe(token);
    expect(second.read(CLUSTER_ID_FILE)).toBeUndefined();
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  it('refuses a token file with loose permissions (exit 3) before touching the host', async () => {
    const host = await newHost('tk');
    const loose = await host.run('bash', ['-c', 'mkdir -p /etc/rancher && echo K10$(printf "a%.0s" {1..64})::server:x > /etc/rancher/loose && chmod 644 /etc/rancher/loose']);
    expect(loose.code, loose.stderr).toBe(0);
    const r = await host.edgectl(['rke2', 'agent', '--server', 'https://10.77.0.1:9345', '--token-file', '/etc/rancher/loose', ...common()], { vault: false });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('mode 644');
    expect(host.read('/usr/local/bin/rke2')).toBeUndefined();
  });
});

describe('dry run', () => {
  it('prints the plan and changes nothing on the host or in Vault', async () => {
    const host = await newHost('dry');
    const before = { files: snapshot(host), vault: await vaultList('rke2') };
    const journal = (await host.systemdJournal()).length;
    const r = await host.edgectl(['rke2', 'server', '--dry-run', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Register cluster');
    expect(r.stdout).toContain('create kv/data/rke2/');
    expect(r.stdout).toContain('run the embedded rke2.sh server');
    expect(r.stdout).toContain('(dry run: nothing was changed)');
    // the ID in the plan is random: the output says the real run picks another unless given
    const planned = /cluster (rke2-[a-z0-9]+)\)/.exec(r.stdout)?.[1];
    expect(r.stdout).toContain(`the real run generates a new random cluster ID; pass --cluster-id ${planned} to use this one`);
    const json = await host.edgectl(['rke2', 'server', '--dry-run', '-o', 'json', ...common()]);
    expect(JSON.parse(json.stdout)).toMatchObject({ dry_run: true, cluster_id_generated: true });
    const fixed = await host.edgectl(['rke2', 'server', '--dry-run', '--cluster-id', 'rke2-fixed001', ...common()]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).not.toContain('generates a new random cluster ID');
    expect({ files: snapshot(host), vault: await vaultList('rke2') }).toEqual(before);
    // the script's preflight only asks systemctl (is-enabled, is-active): the host's systemd
    // logged no reload, start or stop since (it logs each of them)
    expect((await host.systemdJournal()).slice(journal).filter((l) => /Reload|Start|Stop/.test(l))).toEqual([]);
  });
});

describe('bad inputs', () => {
  it.each([
    [['rke2', 'agent', '--cluster-id', 'Not_An_ID'], 2, /invalid cluster ID/],
    [['rke2', 'agent', '--cluster-id', 'rke2-nosuch00'], 6, /not registered/],
    [['rke2', 'server', '--server', 'http://10.0.0.1:9345', '--token-file', '/x'], 2, /https/],
    [['rke2', 'server', '--node-label', 'bad label'], 2, /--node-label/],
  ])('%j exits %i and leaves the host untouched', async (args, code, message) => {
    const host = await newHost('bad');
    const before = snapshot(host);
    const r = await host.edgectl([...args, ...common()]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(snapshot(host)).toEqual(before);
  });

  it('stops before changing the host when Vault refuses (403) or is unreachable', async () => {
    const host = await newHost('bad');
    const before = snapshot(host);
    const denied = await host.edgectl(['rke2', 'server', ...common()], { env: { VAULT_TOKEN: 'not-a-token' } });
    expect(denied.code).toBe(5);
    const down = await host.edgectl(['rke2', 'server', ...common()], { env: { VAULT_ADDR: `http://${LAB_GATEWAY}:1`, VAULT_MAX_RETRIES: '0' } });
    expect(down.code).toBe(4);
    expect(snapshot(host)).toEqual(before);
  });
});

describe('two bootstraps racing for one cluster ID', () => {
  it('exactly one wins; the loser is left as it was', async () => {
    const a = await newHost('race');
    const b = await newHost('race');
    const id = `race-${Date.now().toString(36)}`;
    const [ra, rb] = await Promise.all([a.edgectl(['rke2', 'server', '--cluster-id', id, ...common()]), b.edgectl(['rke2', 'server', '--cluster-id', id, ...common()])]);
    const codes = [ra.code, rb.code].sort();
    expect(codes).toEqual([0, 6]);
    const [winner, loser] = ra.code === 0 ? [a, b] : [b, a];
    expect((ra.code === 0 ? rb : ra).stderr).toMatch(/already exists in Vault|being bootstrapped by host/);
    expect(loser.read(CLUSTER_ID_FILE)).toBeUndefined();
    expect(loser.read('/usr/local/bin/rke2')).toBeUndefined();
    expect((await vaultData(`rke2/${id}`))?.token).toBe(winner.read(SERVER_TOKEN)?.trim());
  });
});

describe('crash safety', () => {
  // kill edgectl (SIGKILL) when it reaches each step, then run the same command again
  it.each([
    ['Persist cluster ID'],
    ['Register cluster'],
    ['waiting up to'],
    ['Store the join token'],
    ['Record node'],
  ])('killed at "%s", a re-run converges to one cluster whose token is on the node', async (marker) => {
    const host = await newHost('crash');
    const id = `crash-${n}-${Date.now().toString(36)}`;
    const args = ['rke2', 'server', '--cluster-id', id, ...common()];
    const child = host.spawnEdgectl(args);
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes(marker) && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('close', () => resolve());
    });
    expect(stderr).toContain(marker);
    await waitForScriptsToFinish();
    const r = await host.edgectl(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(id);
    expect(host.read(CLUSTER_ID_FILE)).toBe(`${id}\n`);
    const data = await vaultData(`rke2/${id}`);
    expect(data?.state).toBe('ready');
    expect(data?.token).toBe(host.read(SERVER_TOKEN)?.trim());
    expect(await vaultList(`rke2/${id}/nodes`)).toEqual([host.name]);
  });
});

describe('Ctrl-C', () => {
  it('stops gracefully during the ready-wait, says what state the host is in, and a re-run completes', async () => {
    const host = await newHost('int');
    // the fake server takes 30s to become ready (test knob read through the unit's EnvironmentFile=)
    await host.run('bash', ['-c', 'mkdir -p /usr/local/lib/systemd/system && echo FAKE_RKE2_READY_DELAY=30 > /usr/local/lib/systemd/system/rke2-server.env']);
    const id = `int-${Date.now().toString(36)}`;
    const args = ['rke2', 'server', '--cluster-id', id, ...common()];
    const child = host.spawnEdgectl(args);
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        const before = stderr;
        stderr += d.toString();
        if (!before.includes('waiting up to') && stderr.includes('waiting up to')) child.kill('SIGINT');
      });
      child.on('close', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT received');
    expect(stderr).toMatch(/interrupted/);
    expect(stderr).toContain('interrupted during "Install and start RKE2 server"');
    expect(stderr).toMatch(/completed before it: Persist cluster ID [^;]+; Register cluster/);
    expect(stderr).toContain('Re-run the same command to continue');
    expect((await vaultData(`rke2/${id}`))?.state).toBe('bootstrapping');
    await host.run('bash', ['-c', 'echo FAKE_RKE2_READY_DELAY=0 > /usr/local/lib/systemd/system/rke2-server.env']);
    await host.stopServices();
    const r = await host.edgectl(args);
    expect(r.code, r.stderr).toBe(0);
    expect((await vaultData(`rke2/${id}`))?.token).toBe(host.read(SERVER_TOKEN)?.trim());
  });
});

describe('secrets stay out of argv and environments', () => {
  it('no process shows the join token in /proc/*/cmdline or /proc/*/environ during a join', async () => {
    const server = await newHost('sec');
    const boot = await server.edgectl(['rke2', 'server', ...common()]);
    expect(boot.code, boot.stderr).toBe(0);
    const token = server.read(SERVER_TOKEN)?.trim() ?? '';
    const password = token.split('::server:')[1] ?? '';
    expect(password.length).toBeGreaterThan(8);
    const seen = new Set<string>();
    let scanning = true;
    const scan = async (): Promise<void> => {
      while (scanning) {
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          for (const f of ['cmdline', 'environ']) {
            try {
              seen.add(readFileSync(`/proc/${pid}/${f}`).toString('latin1'));
            } catch {
              // process gone or not readable
            }
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const scanner = scan();
    const agent = await newHost('sec');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', boot.stdout.trim(), ...common()]);
    scanning = false;
    await scanner;
    expect(r.code, r.stderr).toBe(0);
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].some((s) => s.includes('rke2.sh'))).toBe(true); // the scan did see the script run
    expect([...seen].filter((s) => s.includes(password))).toEqual([]);
  });
});
