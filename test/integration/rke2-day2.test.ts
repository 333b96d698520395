/**
 * Day-2 operations end to end: upgrade, token rotation and sync, status,
 * uninstall and kubeconfig on real systemd hosts (containers booted by tools/lab.sh on the
 * lab bridge, 10.78.0.151–199; the fake RKE2 under the real systemd, the single executable)
 * against a real OpenBao, each node using the README's Vault policy for its role, pasted as
 * it is. A three-node cluster is carried through its life in order; the crash
 * during a rotation and the refusals use hosts of their own.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { LAB_GATEWAY } from '../support/container-host.js';
import { type ContainerLab, type ContainerLabHost, SCRIPTS_IN_HOST, createContainerLab } from '../support/container-lab.js';
import { FAKE_RELEASE_VERSION, waitForScriptsToFinish } from '../support/lab.js';
import { PROJECT_ROOT } from '../support/paths.js';
import type { ExecResult } from '../support/sim-host.js';

const SERVER_TOKEN = '/var/lib/rancher/rke2/server/token';
const JOIN_TOKEN = '/etc/rancher/rke2/edgectl-token';
const CLUSTER_ID_FILE = '/etc/edgectl/cluster-id';
const DROP_IN = '/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml';
const TOKEN_LOG = '/var/log/edgectl-sim/rke2-token.log';
const V1 = FAKE_RELEASE_VERSION;
const V2 = 'v1.30.2+rke2r1';
const V_OLD = 'v1.29.9+rke2r1';
const V_NO_ROTATE = 'v1.26.9+rke2r1';
const RKE2_SH = `${SCRIPTS_IN_HOST}/rke2.sh`;

type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
/** a fresh host on the lab bridge, 10.78.0.151 and up (rke2-e2e.test.ts uses 101–149) */
async function newHost(prefix: string): Promise<LabHost> {
  n += 1;
  if (n > 48) throw new Error('out of day-2 test addresses');
  return lab.host(`dy${prefix}${n}`, `10.78.0.${150 + n}`);
}

const common = () => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];
const release = (v: string): Promise<string> => lab.release(v);

async function vaultData(path: string, version?: number): Promise<Record<string, unknown> | undefined> {
  const r = await lab.bao.api('GET', `kv/data/${path}${version === undefined ? '' : `?version=${version}`}`, undefined, { allow: [404] });
  return r.status === 404 ? undefined : r.json.data.data;
}

async function vaultMeta(path: string): Promise<{ current_version: number; custom_metadata: Record<string, string> | null } | undefined> {
  const r = await lab.bao.api('GET', `kv/metadata/${path}`, undefined, { allow: [404] });
  return r.status === 404 ? undefined : r.json.data;
}

/** The README policy under <!-- policy: NAME -->, the example cluster ID replaced. */
function readmePolicy(name: string, clusterId: string): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- policy: ${name} -->\\n\`\`\`hcl\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (m?.[1] === undefined) throw new Error(`README has no policy ${name}`);
  return m[1].replaceAll('rke2-abc12345', clusterId);
}

/** A token holding only the named README policies (no default policy). */
async function tokenWith(clusterId: string, names: string[]): Promise<string> {
  for (const name of names) await lab.bao.api('PUT', `sys/policies/acl/${name}-${clusterId}`, { policy: readmePolicy(name, clusterId) });
  const r = await lab.bao.api('POST', 'auth/token/create', { policies: names.map((p) => `${p}-${clusterId}`), no_default_policy: true, ttl: '30m' });
  return r.json.auth.client_token as string;
}

/** run a shell snippet as root on a host (its real systemctl) */
function sh(host: LabHost, script: string): Promise<ExecResult> {
  return host.run('bash', ['-c', script], { env: { RKE2_SH_POLL_INTERVAL: '0.1' } });
}

const secretOf = (token: string | undefined): string => token?.trim().split('::server:')[1] ?? 'missing-token';
const mode = (host: LabHost, path: string): number => statSync(host.root(path)).mode & 0o777;
const json = (r: ExecResult): any => JSON.parse(r.stdout); // eslint-disable-line @typescript-eslint/no-explicit-any -- the documented --output json shapes are checked field by field

function expectNoSecrets(results: ExecResult[], secrets: string[]): void {
  for (const r of results) for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
}

/** Every process command line and environment (/proc/PID/cmdline, environ) seen while `body` runs. */
async function scanProcesses<T>(body: () => Promise<T>): Promise<{ result: T; seen: Set<string> }> {
  const seen = new Set<string>();
  let scanning = true;
  const scan = (async () => {
    while (scanning) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        for (const f of ['cmdline', 'environ']) {
          try {
            seen.add(readFileSync(`/proc/${pid}/${f}`).toString('latin1'));
          } catch {
            // gone or not readable
          }
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    return { result: await body(), seen };
  } finally {
    scanning = false;
    await scan;
  }
}

beforeAll(async () => {
  lab = await createContainerLab();
  await Promise.all([release(V2), release(V_OLD), release(V_NO_ROTATE)]);
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

describe('a three-node cluster through its life', () => {
  let s1: LabHost;
  let s2: LabHost;
  let a1: LabHost;
  let id: string;
  let serverToken: string;
  let agentToken: string;
  let operatorToken: string;
  const asServer = () => ({ env: { VAULT_TOKEN: serverToken } });
  const asAgent = () => ({ env: { VAULT_TOKEN: agentToken } });
  let oldToken: string;
  let newToken: string;

  it('sets up two servers and an agent; the README policies are pasted per role', async () => {
    s1 = await newHost('s');
    const boot = await s1.edgectl(['rke2', 'server', ...common()]);
    expect(boot.code, boot.stderr).toBe(0);
    id = boot.stdout.trim();
    s2 = await newHost('s');
    a1 = await newHost('a');
    const [j2, ja] = await Promise.all([s2.edgectl(['rke2', 'server', '--cluster-id', id, ...common()]), a1.edgectl(['rke2', 'agent', '--cluster-id', id, ...common()])]);
    expect(j2.code, j2.stderr).toBe(0);
    expect(ja.code, ja.stderr).toBe(0);
    serverToken = await tokenWith(id, ['edgectl-server', 'edgectl-server-day2']);
    agentToken = await tokenWith(id, ['edgectl-agent']);
    operatorToken = await tokenWith(id, ['edgectl-operator']);
    oldToken = s1.read(SERVER_TOKEN)?.trim() ?? '';
    expect(oldToken).toMatch(/^K10[0-9a-f]{64}::server:/);
  });

  it('status on a server: this node and the cluster as Vault holds it (JSON and text), never a token', async () => {
    const r = await s1.edgectl(['rke2', 'status', '-o', 'json'], asServer());
    expect(r.code, r.stderr).toBe(0);
    const st = json(r);
    expect(st.node).toMatchObject({ name: s1.name, cluster_id: id, installed: true, rke2_version: V1, role: 'server', ready: true, not_ready: [], token: { file: SERVER_TOKEN, standing: 'current' } });
    expect(st.node.service).toEqual({ unit: 'rke2-server', active: 'active', enabled: 'enabled' });
    expect(st.vault_status).toBe('ok');
    const meta = await vaultMeta(`rke2/${id}`);
    expect(st.cluster).toMatchObject({ id, state: 'ready', server: `https://${s1.address}:9345`, created_by: s1.name, created_at: meta?.custom_metadata?.created_at, rke2_version: V1 });
    expect(st.cluster.token).toEqual({ kv_version: meta?.current_version, versions_kept: meta?.current_version, generation: 0, rotated_at: null, rotated_by: null });
    expect(st.cluster.servers.map((x: { name: string }) => x.name).sort()).toEqual([s1.name, s2.name].sort());
    expect(st.cluster.agents.map((x: { name: string; rke2_version: string }) => [x.name, x.rke2_version])).toEqual([[a1.name, V1]]);
    const text = await s1.edgectl(['rke2', 'status'], asServer());
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ready {10}yes$/m);
    expect(text.stdout).toMatch(new RegExp(`^cluster token {2}generation 0, KV version ${meta?.current_version}`, 'm'));
    expect(text.stdout).toContain(`${a1.name}  agent`);
    expectNoSecrets([r, text], [secretOf(oldToken)]);
  });

  it('status on an agent with the README agent policy; without Vault it shows this node and says so', async () => {
    const r = await a1.edgectl(['rke2', 'status', '-o', 'json'], asAgent());
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ vault_status: 'ok', node: { role: 'agent', ready: true, token: { file: JOIN_TOKEN, standing: 'current' } } });
    const off = await a1.edgectl(['rke2', 'status', '--no-vault', '-o', 'json'], asAgent());
    expect(off.code, off.stderr).toBe(0);
    expect(json(off)).toMatchObject({ vault_status: 'disabled', cluster: null, node: { cluster_id: id, role: 'agent', ready: true, rke2_version: V1, token: { standing: null } } });
    const none = await a1.edgectl(['rke2', 'status'], { vault: false });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/^vault {10}not configured \(no VAULT_ADDR \/ --vault-addr\): showing this node only$/m);
    expect(none.stdout).toMatch(/^role {11}agent$/m);
  });

  it('upgrade refuses an agent newer than its servers and a downgrade; nothing changes', async () => {
    const installs = (h: LabHost): number => (h.read('/var/log/edgectl-sim/installer.log') ?? '').split('\n').filter(Boolean).length;
    const before = [installs(a1), installs(s1)];
    const past = await a1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', await release(V2)], asAgent());
    expect(past.code).toBe(3);
    expect(past.stderr).toContain(`refusing to upgrade agent ${a1.name} to ${V2}: it would be newer than server(s)`);
    expect(past.stderr).toContain(`${s1.name} (${V1})`);
    const down = await s1.edgectl(['rke2', 'upgrade', '--version', V_OLD, '--airgap-dir', await release(V_OLD)], asServer());
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`refusing to downgrade RKE2 from ${V1} to ${V_OLD} (use --force to allow)`);
    const dry = await s1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', await release(V2), '--dry-run'], asServer());
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Plan for edgectl rke2 upgrade (server ${s1.name}, ${V1} → ${V2}):`);
    expect(dry.stdout).toContain(`run the embedded rke2.sh upgrade --version ${V2} --airgap-dir`);
    expect([installs(a1), installs(s1)]).toEqual(before);
    expect((await vaultData(`rke2/${id}/nodes/${a1.name}`))?.rke2_version).toBe(V1);
  });

  it('upgrades the servers, then the agent: each waits until ready and records its version', async () => {
    const dir = await release(V2);
    const r1 = await s1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir, '--wait-timeout', '60', '-o', 'json'], asServer());
    expect(r1.code, r1.stderr).toBe(0);
    expect(json(r1)).toMatchObject({ cluster_id: id, node: s1.name, role: 'server', installed: V1, target: V2, action: 'upgrade', restart: true, rke2_version: V2 });
    expect((await vaultData(`rke2/${id}/nodes/${s1.name}`))?.rke2_version).toBe(V2);
    expect((await vaultMeta(`rke2/${id}`))?.custom_metadata?.rke2_version).toBe(V1); // s2 is still at V1
    // the agent is still refused: one server is behind
    const early = await a1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir], asAgent());
    expect(early.code).toBe(3);
    expect(early.stderr).toContain(`${s2.name} (${V1})`);
    expect(early.stderr).not.toContain(`${s1.name} (`);
    const r2 = await s2.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir, '--wait-timeout', '60'], asServer());
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout.trim()).toBe(`${s2.name}: RKE2 ${V1} → ${V2}`);
    expect((await vaultMeta(`rke2/${id}`))?.custom_metadata?.rke2_version).toBe(V2);
    const ra = await a1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir, '--wait-timeout', '60'], asAgent());
    expect(ra.code, ra.stderr).toBe(0);
    expect((await vaultData(`rke2/${id}/nodes/${a1.name}`))?.rke2_version).toBe(V2);
    // a re-run keeps the version and restarts nothing
    // systemd's own record: a (re)start gives the unit a new InvocationID and main PID
    const run = await s1.unitRun('rke2-server');
    const again = await s1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir, '-o', 'json'], asServer());
    expect(again.code, again.stderr).toBe(0);
    expect(json(again).action).toBe('keep');
    const text = await s1.edgectl(['rke2', 'upgrade', '--version', V2, '--airgap-dir', dir], asServer());
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.trim()).toBe(`${s1.name}: RKE2 is already at ${V2}; nothing was reinstalled or restarted`);
    expect(await s1.unitRun('rke2-server')).toBe(run);
    // the token survived the upgrade
    expect(s1.read(SERVER_TOKEN)?.trim()).toBe(oldToken);
  });

  it('token rotate on an agent is refused (exit 3); a dry run on the server changes nothing', async () => {
    const onAgent = await a1.edgectl(['rke2', 'token', 'rotate'], asAgent());
    expect(onAgent.code).toBe(3);
    expect(onAgent.stderr).toContain("token rotation runs on a server of the cluster; this host's role is agent");
    // without Vault there is nowhere to keep the new token: refused before RKE2 is called
    const noVault = await s1.edgectl(['rke2', 'token', 'rotate'], { vault: false });
    expect(noVault.code).toBe(3);
    expect(noVault.stderr).toContain('no Vault address');
    const version = (await vaultMeta(`rke2/${id}`))?.current_version;
    const dry = await s1.edgectl(['rke2', 'token', 'rotate', '--dry-run'], asServer());
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Plan for edgectl rke2 token rotate (rotate, cluster ${id}):`);
    expect(dry.stdout).toContain('rke2 token rotate with no token on its command line or in its environment');
    expect((await vaultMeta(`rke2/${id}`))?.current_version).toBe(version);
    expect(s1.read(SERVER_TOKEN)?.trim()).toBe(oldToken);
    expect(s1.read(TOKEN_LOG)).toBeUndefined();
  });

  it('token rotate: RKE2 makes a new token, Vault gets a new version (the old one stays readable), the other nodes are listed', async () => {
    const previous = (await vaultMeta(`rke2/${id}`))?.current_version ?? 0;
    const run = await s1.unitRun('rke2-server');
    const { result: r, seen } = await scanProcesses(() => s1.edgectl(['rke2', 'token', 'rotate', '-o', 'json'], asServer()));
    expect(r.code, r.stderr).toBe(0);
    newToken = s1.read(SERVER_TOKEN)?.trim() ?? '';
    expect(newToken).not.toBe(oldToken);
    expect(newToken.split('::')[0]).toBe(oldToken.split('::')[0]); // same cluster CA
    const out = json(r);
    expect(out).toMatchObject({ cluster_id: id, mode: 'rotated', node: s1.name, previous_kv_version: previous, kv_version: previous + 1, token_generation: 1, vault_path: `kv/data/rke2/${id}` });
    expect(out.nodes_to_sync.map((x: { name: string }) => x.name).sort()).toEqual([a1.name, s2.name].sort());
    expect(out.sync_command).toBe(`sudo -E edgectl rke2 token sync --cluster-id ${id}`);
    // Vault: the new token as a new version, with check-and-set; the old version keeps the old token
    expect(await vaultData(`rke2/${id}`)).toMatchObject({ token: newToken, token_generation: 1, token_rotated_by: s1.name, state: 'ready' });
    expect((await vaultData(`rke2/${id}`, previous))?.token).toBe(oldToken);
    // this server: its token file holds the new token for its next start; nothing was restarted
    expect(s1.read(JOIN_TOKEN)?.trim()).toBe(newToken);
    expect(mode(s1, JOIN_TOKEN)).toBe(0o600);
    expect(s1.read(DROP_IN)).toContain('token-file: "/etc/rancher/rke2/edgectl-token"');
    expect(await s1.unitRun('rke2-server')).toBe(run);
    expect(await vaultData(`rke2/${id}/nodes/${s1.name}`)).toMatchObject({ token_generation: 1 });
    // RKE2 got no token on its command line or in its environment; no process ever showed one
    expect(s1.read(TOKEN_LOG)).toBe('token rotate\n');
    expect([...seen].some((s) => s.includes('token-rotate'))).toBe(true);
    expect([...seen].filter((s) => s.includes(secretOf(oldToken)) || s.includes(secretOf(newToken)))).toEqual([]);
    expectNoSecrets([r], [secretOf(oldToken), secretOf(newToken)]);
  });

  it('status shows which nodes still need the new token', async () => {
    const r = await s1.edgectl(['rke2', 'status', '-o', 'json'], asServer());
    expect(r.code, r.stderr).toBe(0);
    const c = json(r).cluster;
    expect(c.token).toMatchObject({ generation: 1, rotated_by: s1.name });
    const current = Object.fromEntries([...c.servers, ...c.agents].map((x: { name: string; token_current: boolean }) => [x.name, x.token_current]));
    expect(current).toEqual({ [s1.name]: true, [s2.name]: false, [a1.name]: false });
    const text = await s1.edgectl(['rke2', 'status'], asServer());
    expect(text.stdout).toContain(`2 node(s) need the current token before their next restart: sudo -E edgectl rke2 token sync --cluster-id ${id}`);
  });

  it('token sync on the agent: the new token in place without a restart; a re-run changes nothing; it reconnects with it', async () => {
    const run = await a1.unitRun('rke2-agent');
    expect(run).toMatch(/^[0-9a-f]{32} [1-9]\d* active$/);
    const r = await a1.edgectl(['rke2', 'token', 'sync', '-o', 'json'], asAgent());
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ cluster_id: id, node: a1.name, role: 'agent', token_generation: 1, changed: true });
    expect(a1.read(JOIN_TOKEN)?.trim()).toBe(newToken);
    expect(mode(a1, JOIN_TOKEN)).toBe(0o600);
    expect(await a1.unitRun('rke2-agent')).toBe(run);
    expect(await vaultData(`rke2/${id}/nodes/${a1.name}`)).toMatchObject({ token_generation: 1, rke2_version: V2 });
    const again = await a1.edgectl(['rke2', 'token', 'sync'], asAgent());
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${a1.name}: token generation 1 of ${id} was already in place`);
    // the restarted agent authenticates with the new token (it writes its kubeconfig only then)
    const restart = await sh(a1, `rm -f /var/lib/rancher/rke2/agent/kubelet.kubeconfig && systemctl restart rke2-agent && bash ${RKE2_SH} wait-ready agent --timeout 30`);
    expect(restart.code, restart.stderr).toBe(0);
    expectNoSecrets([r, again], [secretOf(newToken)]);
  });

  it('a server still running the earlier token refuses to rotate; after token sync and a restart it is current', async () => {
    const refused = await s2.edgectl(['rke2', 'token', 'rotate'], asServer());
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`this server still runs with an earlier token of cluster ${id}`);
    expect(s2.read(TOKEN_LOG)).toBeUndefined();
    const sync = await s2.edgectl(['rke2', 'token', 'sync'], asServer());
    expect(sync.code, sync.stderr).toBe(0);
    expect(s2.read(JOIN_TOKEN)?.trim()).toBe(newToken);
    const pending = await s2.edgectl(['rke2', 'status'], asServer());
    expect(pending.stdout).toContain(`current (${JOIN_TOKEN}); rke2-server still runs with the earlier token until its next restart`);
    // RKE2 rewrites its token file at start; remove it so the wait sees the restarted server's
    const restart = await sh(s2, `rm -f ${SERVER_TOKEN} && systemctl restart rke2-server && bash ${RKE2_SH} wait-ready server --timeout 30`);
    expect(restart.code, restart.stderr).toBe(0);
    expect(s2.read(SERVER_TOKEN)?.trim()).toBe(newToken);
    const st = await s2.edgectl(['rke2', 'status', '-o', 'json'], asServer());
    expect(json(st).node.token).toEqual({ file: JOIN_TOKEN, standing: 'current', running: 'current' });
    expect(json(st).cluster.servers.every((x: { token_current: boolean }) => x.token_current)).toBe(true);
  });

  it('kubeconfig --publish stores the admin kubeconfig with the server address rewritten; re-runs write nothing', async () => {
    const r = await s1.edgectl(['rke2', 'kubeconfig', '--publish', '-o', 'json'], asServer());
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ cluster_id: id, source: 'local', server: `https://${s1.address}:6443`, out: null, published: { vault_path: `kv/data/rke2-admin/${id}/kubeconfig`, kv_version: 1, changed: true } });
    const stored = await vaultData(`rke2-admin/${id}/kubeconfig`);
    expect(stored).toMatchObject({ server: `https://${s1.address}:6443`, published_by: s1.name });
    expect(String(stored?.kubeconfig)).toContain(`server: https://${s1.address}:6443`);
    expect(String(stored?.kubeconfig)).not.toContain('127.0.0.1');
    const again = await s1.edgectl(['rke2', 'kubeconfig', '--publish', '-o', 'json'], asServer());
    expect(json(again).published).toMatchObject({ kv_version: 1, changed: false });
    const lb = await s1.edgectl(['rke2', 'kubeconfig', '--publish', '--server-address', 'k8s.edge.example'], asServer());
    expect(lb.code, lb.stderr).toBe(0);
    expect(lb.stdout.trim()).toBe(`kv/data/rke2-admin/${id}/kubeconfig`);
    expect(await vaultData(`rke2-admin/${id}/kubeconfig`)).toMatchObject({ server: 'https://k8s.edge.example:6443' });
    const loop = await s1.edgectl(['rke2', 'kubeconfig', '--publish', '--server-address', '127.0.0.1'], asServer());
    expect(loop.code).toBe(2);
    expect(loop.stderr).toContain('127.0.0.1 reaches only the machine itself');
    expect((await vaultMeta(`rke2-admin/${id}/kubeconfig`))?.current_version).toBe(2);
    // the client key never reaches the output
    const key = /client-key-data: (\S+)/.exec(s1.read('/etc/rancher/rke2/rke2.yaml') ?? '')?.[1] ?? 'missing-key';
    expectNoSecrets([r, again, lb, loop], [key]);
  });

  it('kubeconfig --from-vault: operators get it (mode 0600, never 127.0.0.1); the agent policy cannot read it', async () => {
    const out = '/etc/edgectl/admin.kubeconfig';
    const denied = await a1.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', out], asAgent());
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain(`kv/data/rke2-admin/${id}/kubeconfig`);
    expect(a1.read(out)).toBeUndefined();
    const op = await newHost('op'); // an operator's machine: no RKE2, no cluster ID file
    const r = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', out], { env: { VAULT_TOKEN: operatorToken } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect(mode(op, out)).toBe(0o600);
    const text = op.read(out) ?? '';
    expect(text).toContain('server: https://k8s.edge.example:6443');
    expect(text).not.toContain('127.0.0.1');
    expect(text).toContain(`current-context: ${id}`);
    const key = /client-key-data: (\S+)/.exec(s1.read('/etc/rancher/rke2/rke2.yaml') ?? '')?.[1];
    expect(key).toBeDefined();
    expect(text).toContain(`client-key-data: ${key}`); // the credentials arrive intact
    // the operator may point it elsewhere when fetching; the file is rewritten in place, still 0600
    const direct = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', out, '--server-address', s2.address ?? ''], { env: { VAULT_TOKEN: operatorToken } });
    expect(direct.code, direct.stderr).toBe(0);
    expect(op.read(out)).toContain(`server: https://${s2.address}:6443`);
    expect(mode(op, out)).toBe(0o600);
    expectNoSecrets([r, direct, denied], [key ?? 'x']);
  });

  it('kubeconfig on a server without Vault writes a 0600 file pointing at the given address', async () => {
    const out = '/etc/edgectl/local.kubeconfig';
    const r = await s2.edgectl(['rke2', 'kubeconfig', '--out', out, '--server-address', `${s2.address}:6443`], { vault: false });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(s2, out)).toBe(0o600);
    expect(s2.read(out)).toContain(`server: https://${s2.address}:6443`);
    expect(s2.read(out)).not.toContain('127.0.0.1');
  });

  it('kubeconfig --out merges into an existing kubeconfig, creates a missing directory 0700, and refuses what is not a kubeconfig', async () => {
    const op = await newHost('op');
    const asOperator = { env: { VAULT_TOKEN: operatorToken, HOME: '/etc/edgectl/home' } };
    // ~/.kube does not exist yet (and "~" reached edgectl unexpanded)
    const first = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', '~/.kube/config', '-o', 'json'], asOperator);
    expect(first.code, first.stderr).toBe(0);
    const cfg = '/etc/edgectl/home/.kube/config';
    expect(json(first)).toMatchObject({ out: cfg, out_action: 'created' });
    expect(mode(op, '/etc/edgectl/home/.kube')).toBe(0o700);
    expect(mode(op, cfg)).toBe(0o600);
    // another cluster's entries and the current-context survive a second fetch
    const other = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: prod', '  cluster:', '    server: https://prod.example:6443', 'contexts:', '- name: prod', '  context:', '    cluster: prod', '    user: prod', 'current-context: prod', 'users:', '- name: prod', '  user:', '    token: prod-secret', ''].join('\n');
    const st = await sh(op, `printf '%s' '${other}' > ${cfg} && chmod 600 ${cfg}`);
    expect(st.code, st.stderr).toBe(0);
    const merged = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', cfg, '-o', 'json'], asOperator);
    expect(merged.code, merged.stderr).toBe(0);
    expect(json(merged)).toMatchObject({ out_action: 'merged' });
    const text = op.read(cfg) ?? '';
    expect(text).toContain('server: https://prod.example:6443');
    expect(text).toContain('token: prod-secret');
    expect(text).toContain(`name: ${id}`);
    expect(text).toContain('current-context: prod');
    expect(mode(op, cfg)).toBe(0o600);
    const use = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', cfg, '--use-context'], asOperator);
    expect(use.code, use.stderr).toBe(0);
    expect(op.read(cfg)).toContain(`current-context: ${id}`);
    expect(op.read(cfg)).toContain('server: https://prod.example:6443');
    // --force replaces the file
    const forced = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', cfg, '--force', '-o', 'json'], asOperator);
    expect(forced.code, forced.stderr).toBe(0);
    expect(json(forced)).toMatchObject({ out_action: 'replaced' });
    expect(op.read(cfg)).not.toContain('prod.example');
    // a file there that is not a kubeconfig is left alone
    const notes = '/etc/edgectl/home/notes.txt';
    await sh(op, `printf 'not: [yaml' > ${notes}`);
    const refused = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', notes], asOperator);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('exists and is not a kubeconfig; nothing was written');
    expect(op.read(notes)).toBe('not: [yaml');
    // Vault holding something that is not a kubeconfig: exit 6, nothing written
    await lab.bao.api('POST', 'kv/data/rke2-admin/rke2-badkube1/kubeconfig', { data: { kubeconfig: 'not: [yaml', server: 'https://x.example:6443' } });
    const bad = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', 'rke2-badkube1', '--out', '/etc/edgectl/bad.kubeconfig']);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain('is not valid YAML; nothing was written');
    expect(op.read('/etc/edgectl/bad.kubeconfig')).toBeUndefined();
    // other spellings of loopback are refused like 127.0.0.1
    for (const addr of ['127.1', '2130706433', '0x7f.0.0.1', '::ffff:7f00:1', '[::1]']) {
      const loop = await op.edgectl(['rke2', 'kubeconfig', '--from-vault', '--cluster-id', id, '--out', cfg, '--server-address', addr], asOperator);
      expect(loop.code, addr).toBe(2);
      expect(loop.stderr).toContain('reaches only the machine itself');
    }
  });

  it('uninstall --deregister on the agent removes RKE2, its local files and its node entry; the cluster stays', async () => {
    const r = await a1.edgectl(['rke2', 'uninstall', '--yes', '--deregister', '-o', 'json'], asAgent());
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ cluster_id: id, node: a1.name, rke2_was_installed: true, deregistered: true, last_server: false, cluster_purged: false, cluster_still_registered: true });
    expect(a1.read('/usr/local/bin/rke2')).toBeUndefined();
    expect(a1.read(CLUSTER_ID_FILE)).toBeUndefined();
    expect(a1.read(JOIN_TOKEN)).toBeUndefined();
    expect(await vaultData(`rke2/${id}/nodes/${a1.name}`)).toBeUndefined();
    expect((await vaultData(`rke2/${id}`))?.token).toBe(newToken);
    // a re-run finds nothing left to do
    const again = await a1.edgectl(['rke2', 'uninstall', '--yes', '--deregister', '--cluster-id', id], asAgent());
    expect(again.code, again.stderr).toBe(0);
  });

  it('--purge-cluster is refused while another server is registered, before anything changes', async () => {
    const r = await s2.edgectl(['rke2', 'uninstall', '--yes', '--deregister', '--purge-cluster'], asServer());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`other servers are still registered: ${s1.name}`);
    expect(s2.read('/usr/local/bin/rke2')).toBeDefined();
    expect(s2.read(CLUSTER_ID_FILE)).toBe(`${id}\n`);
    expect(await vaultData(`rke2/${id}/nodes/${s2.name}`)).toBeDefined();
  });

  it('the last server: without --purge-cluster the cluster stays (and edgectl says so); with it the cluster is deleted', async () => {
    const r2 = await s2.edgectl(['rke2', 'uninstall', '--yes', '--deregister', '-o', 'json'], asServer());
    expect(r2.code, r2.stderr).toBe(0);
    expect(json(r2)).toMatchObject({ last_server: false, cluster_purged: false });
    const r1 = await s1.edgectl(['rke2', 'uninstall', '--yes', '--deregister'], asServer());
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).toContain(`This was the last server of cluster ${id}. The cluster stays registered in kv/ at ${lab.bao.addr}`);
    expect(r1.stderr).toContain(`edgectl cluster delete ${id}, or re-run with --purge-cluster`);
    expect(await vaultMeta(`rke2/${id}`)).toBeDefined();
    expect(s1.read(CLUSTER_ID_FILE)).toBeUndefined();
    // the same host, RKE2 gone, its entry gone: the purge still knows it was the last server
    const purge = await s1.edgectl(['rke2', 'uninstall', '--yes', '--purge-cluster', '--cluster-id', id, '-o', 'json'], asServer());
    expect(purge.code, purge.stderr).toBe(0);
    expect(json(purge)).toMatchObject({ rke2_was_installed: false, last_server: true, cluster_purged: true, cluster_still_registered: false });
    expect(await vaultMeta(`rke2/${id}`)).toBeUndefined();
    expect(await vaultMeta(`rke2-admin/${id}/kubeconfig`)).toBeUndefined();
    const nodes = await lab.bao.api('LIST', `kv/metadata/rke2/${id}/nodes`, undefined, { allow: [404] });
    expect(nodes.status).toBe(404);
  });
});

describe('a crash between the rotation and the Vault write', () => {
  let proxy: FaultProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it('is completed by a re-run: the token RKE2 wrote on the server is published, no second rotation', async () => {
    const c1 = await newHost('c');
    const boot = await c1.edgectl(['rke2', 'server', ...common()]);
    expect(boot.code, boot.stderr).toBe(0);
    const id = boot.stdout.trim();
    const oldToken = c1.read(SERVER_TOKEN)?.trim() ?? '';
    const previous = (await vaultMeta(`rke2/${id}`))?.current_version ?? 0;
    // edgectl talks to Vault through a proxy that holds the write of the cluster secret;
    // the moment that write arrives (the rotation is done), edgectl is killed with SIGKILL
    proxy = await startFaultProxy(lab.bao.addr, { host: LAB_GATEWAY });
    const child = c1.spawnEdgectl(['rke2', 'token', 'rotate'], { env: { VAULT_ADDR: proxy.url } });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const held = new Promise<void>((resolve) => {
      proxy?.inject({
        name: 'hold-publish',
        match: ({ method, url }) => method === 'POST' && url === `/v1/kv/data/rke2/${id}`,
        action: {
          kind: 'hold',
          onHold: () => {
            child.kill('SIGKILL');
            resolve();
          },
        },
      });
    });
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await held;
    await closed;
    await waitForScriptsToFinish();
    expect(stderr).toContain('Store the new token in Vault');
    const rotated = c1.read(SERVER_TOKEN)?.trim() ?? '';
    expect(rotated).not.toBe(oldToken);
    expect((await vaultData(`rke2/${id}`))?.token).toBe(oldToken); // the write never landed
    expect(c1.read(JOIN_TOKEN)?.trim()).toBe(rotated);

    // re-running the install must not put the old token back over the rotated one
    const reinstall = await c1.edgectl(['rke2', 'server', ...common()]);
    expect(reinstall.code).toBe(3);
    expect(reinstall.stderr).toContain('that is not in Vault yet: a rotation here did not finish');
    expect(reinstall.stderr).toContain(`sudo -E edgectl rke2 token rotate --cluster-id ${id}`);
    expect(c1.read(JOIN_TOKEN)?.trim()).toBe(rotated);

    const r = await c1.edgectl(['rke2', 'token', 'rotate', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ mode: 'recovered', previous_kv_version: previous, kv_version: previous + 1, token_generation: 1 });
    expect(r.stderr).toContain('publishing it instead of rotating again');
    expect(c1.read(SERVER_TOKEN)?.trim()).toBe(rotated);
    expect((await vaultData(`rke2/${id}`))?.token).toBe(rotated);
    expect((await vaultData(`rke2/${id}`, previous))?.token).toBe(oldToken);
    expect(c1.read(TOKEN_LOG)).toBe('token rotate\n'); // RKE2 rotated exactly once
    // now the install re-run converges: same token, the drop-in already references it, no restart
    const run = await c1.unitRun('rke2-server');
    expect(run).toMatch(/^[0-9a-f]{32} [1-9]\d* active$/);
    const again = await c1.edgectl(['rke2', 'server', ...common()]);
    expect(again.code, again.stderr).toBe(0);
    expect(await c1.unitRun('rke2-server')).toBe(run);
    expectNoSecrets([r, reinstall, again], [secretOf(oldToken), secretOf(rotated)]);
    expect(stderr).not.toContain(secretOf(rotated));
  });
});

describe('nodes that are gone or were renamed', () => {
  it('uninstall finds the entry under the --node-name the node joined with, also on a re-run after RKE2 is gone', async () => {
    const srv = await newHost('n');
    const boot = await srv.edgectl(['rke2', 'server', ...common()]);
    expect(boot.code, boot.stderr).toBe(0);
    const id = boot.stdout.trim();
    const ag = await newHost('n');
    const join = await ag.edgectl(['rke2', 'agent', '--cluster-id', id, '--node-name', 'edge-worker-7', ...common()]);
    expect(join.code, join.stderr).toBe(0);
    expect(await vaultData(`rke2/${id}/nodes/edge-worker-7`)).toBeDefined();
    expect(ag.read('/etc/edgectl/node-name')).toBe('edge-worker-7\n');
    // without --deregister Vault is not consulted: edgectl must not claim what it has not checked
    const plain = await ag.edgectl(['rke2', 'uninstall', '--yes']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('is still listed');
    expect(plain.stderr).toContain('Vault was not consulted (no --deregister)');
    expect(plain.stderr).toContain(`edgectl cluster node remove ${id} edge-worker-7`);
    expect(ag.read('/usr/local/bin/rke2')).toBeUndefined();
    expect(ag.read(DROP_IN)).toBeUndefined();
    // RKE2's config (and its node-name) is gone; the re-run still removes the right entry
    const dereg = await ag.edgectl(['rke2', 'uninstall', '--deregister', '--cluster-id', id, '--yes', '-o', 'json']);
    expect(dereg.code, dereg.stderr).toBe(0);
    expect(json(dereg)).toMatchObject({ node: 'edge-worker-7', deregistered: true });
    expect(dereg.stderr).toContain('✓ Remove node edge-worker-7');
    expect(await vaultData(`rke2/${id}/nodes/edge-worker-7`)).toBeUndefined();
    expect(ag.read('/etc/edgectl/node-name')).toBeUndefined();
    // nothing left to remove: no ✓ for a deletion that did not happen, and the JSON says so
    const again = await ag.edgectl(['rke2', 'uninstall', '--deregister', '--cluster-id', id, '--yes', '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again)).toMatchObject({ node: ag.name, deregistered: false });
    expect(again.stderr).not.toContain('✓ Remove node');
    expect(again.stderr).toContain(`node ${ag.name} has no entry under cluster ${id} in Vault, so nothing was removed there`);
    expect(again.stderr).toContain(`${srv.name} (server)`);
  });

  it('cluster node remove: an operator removes a dead server\'s entry, which unblocks --purge-cluster on the last server', async () => {
    const srv = await newHost('n');
    const boot = await srv.edgectl(['rke2', 'server', ...common()]);
    expect(boot.code, boot.stderr).toBe(0);
    const id = boot.stdout.trim();
    const serverToken = await tokenWith(id, ['edgectl-server', 'edgectl-server-day2']);
    const operator = { env: { VAULT_TOKEN: await tokenWith(id, ['edgectl-operator']) } };
    // a server that died without deregistering
    const dead = { role: 'server', hostname: 'dead-host', ip: '10.77.0.250', rke2_version: V1, joined_at: '2026-01-01T00:00:00Z' };
    await lab.bao.api('POST', `kv/data/rke2/${id}/nodes/dead-srv`, { data: dead });
    const blocked = await srv.edgectl(['rke2', 'uninstall', '--yes', '--purge-cluster', '--dry-run'], { env: { VAULT_TOKEN: serverToken } });
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('other servers are still registered: dead-srv');
    expect(blocked.stderr).toContain(`edgectl cluster node remove ${id} NODE`);

    const op = await newHost('op');
    const noTty = await op.edgectl(['cluster', 'node', 'remove', id, 'dead-srv'], operator);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('needs --yes when stdin is not a terminal');
    const dry = await op.edgectl(['cluster', 'node', 'remove', id, 'dead-srv', '--dry-run', '-o', 'json'], operator);
    expect(dry.code, dry.stderr).toBe(0);
    expect(json(dry)).toEqual({ cluster_id: id, node: 'dead-srv', role: 'server', vault_path: `kv/data/rke2/${id}/nodes/dead-srv`, removed: false, dry_run: true, servers_left: [srv.name] });
    expect(await vaultData(`rke2/${id}/nodes/dead-srv`)).toBeDefined();
    const bad = await op.edgectl(['cluster', 'node', 'remove', id, 'Not_A_Node', '--yes'], operator);
    expect(bad.code).toBe(2);
    const rm = await op.edgectl(['cluster', 'node', 'remove', id, 'dead-srv', '--yes', '-o', 'json'], operator);
    expect(rm.code, rm.stderr).toBe(0);
    expect(json(rm)).toEqual({ cluster_id: id, node: 'dead-srv', role: 'server', vault_path: `kv/data/rke2/${id}/nodes/dead-srv`, removed: true, servers_left: [srv.name] });
    expect(await vaultMeta(`rke2/${id}/nodes/dead-srv`)).toBeUndefined();
    const twice = await op.edgectl(['cluster', 'node', 'remove', id, 'dead-srv', '--yes'], operator);
    expect(twice.code).toBe(6);
    expect(twice.stderr).toContain(`node dead-srv is not registered under cluster ${id}`);
    expect(twice.stderr).toContain(`registered nodes: ${srv.name} (server)`);

    const purge = await srv.edgectl(['rke2', 'uninstall', '--yes', '--purge-cluster', '-o', 'json'], { env: { VAULT_TOKEN: serverToken } });
    expect(purge.code, purge.stderr).toBe(0);
    expect(json(purge)).toMatchObject({ last_server: true, cluster_purged: true, deregistered: true });
    expect(await vaultMeta(`rke2/${id}`)).toBeUndefined();
  });
});

describe('refusals and bare hosts', () => {
  it('token rotate on an RKE2 without `rke2 token rotate` names the releases that have it; nothing changes', async () => {
    const o1 = await newHost('o');
    const boot = await o1.edgectl(['rke2', 'server', '--airgap-dir', await release(V_NO_ROTATE), '--wait-timeout', '60']);
    expect(boot.code, boot.stderr).toBe(0);
    const id = boot.stdout.trim();
    const version = (await vaultMeta(`rke2/${id}`))?.current_version;
    const r = await o1.edgectl(['rke2', 'token', 'rotate']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`RKE2 ${V_NO_ROTATE} has no 'rke2 token rotate'; it needs v1.25.15, v1.26.10, v1.27.7, v1.28.3`);
    expect(r.stderr).toContain('upgrade the servers first');
    expect(o1.read(TOKEN_LOG)).toBeUndefined();
    expect((await vaultMeta(`rke2/${id}`))?.current_version).toBe(version);
  });

  it('status and token sync on a host without RKE2: the report, then exit 3', async () => {
    const bare = await newHost('b');
    const r = await bare.edgectl(['rke2', 'status', '-o', 'json']);
    expect(r.code).toBe(3);
    expect(json(r)).toMatchObject({ vault_status: 'no-cluster-id', cluster: null, node: { installed: false, role: 'none', ready: false, cluster_id: null } });
    expect(r.stderr).toContain('RKE2 is not installed on this host');
    const sync = await bare.edgectl(['rke2', 'token', 'sync', '--cluster-id', 'rke2-nosuch00']);
    expect(sync.code).toBe(3);
    expect(sync.stderr).toContain('RKE2 is not installed on this host');
  });
});
