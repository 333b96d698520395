/**
 * `edgectl kubeconfig -f` and `edgectl reset -f` through the single executable, against three
 * real systemd container hosts (tools/lab.sh, real sshd): one server and two agents applied
 * with `edgectl apply -f`, a real OpenBao on the lab bridge holding the registry.
 *
 * Covers: the admin kubeconfig read from the server over SSH and merged into ~/.kube/config
 * (0600, the other contexts kept, the server's address:6443); reset of one agent's file with
 * --yes --deregister (that agent uninstalled and its node entry gone, the others untouched);
 * reset without --yes off a terminal (exit 2, nothing touched); reset --dry-run (nothing
 * changed); the reset of the rest (every server reset, the cluster still registered until
 * --purge-cluster).
 *
 * Needs root and the lab tools; run under the shared lock: flock /tmp/edgectl-hosts.lock ...
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ContainerHost, run as exec, prepareContainerLab, upContainerHost } from '../support/container-host.js';
import { FAKE_RELEASE_VERSION } from '../support/lab.js';
import { type OpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');
const KEY = join(LAB_DIR, 'ssh/id_ed25519');

const SERVER = 'fr-srv1';
const AGENTS = ['fr-agt1', 'fr-agt2'];
const NAMES = [SERVER, ...AGENTS];
const ip = (i: number): string => `10.78.0.${161 + i}`;
/** an agent of the file that no host answers for */
const GHOST = 'fr-ghost';
const GHOST_IP = '10.78.0.175';

interface ResetJson {
  dry_run: boolean;
  cluster_id: string | null;
  every_server_reset: boolean;
  cluster_purged: boolean;
  changed: boolean;
  hosts: Array<{ host: string; role: string; result: string; deregistered: boolean; changes: string[] }>;
  phases: Array<{ title: string; hosts: Array<{ host: string; changes: string[]; actions: string[] }> }>;
}

describe('edgectl kubeconfig -f and reset -f on three container hosts', () => {
  let bao: OpenBao;
  let work: string;
  let hosts: ContainerHost[] = [];
  let clusterId = '';

  const writeSpec = (names: readonly string[], file: string, id = 'new'): string => {
    const lines = [
      'apiVersion: edgectl.io/v1alpha1',
      'kind: Cluster',
      'metadata: { name: fr }',
      'spec:',
      '  cluster:',
      `    id: ${id}`,
      `    rke2: { airgapDir: /opt/releases/${FAKE_RELEASE_VERSION} }`,
      '  vault:',
      `    address: ${bao.addr}`,
      '  hosts:',
    ];
    for (const name of names) {
      lines.push(`    - role: ${name === SERVER ? 'server' : 'agent'}`, `      ssh: { address: "${name === GHOST ? GHOST_IP : ip(NAMES.indexOf(name))}", user: root, keyPath: "${KEY}" }`, `      nodeName: ${name}`);
    }
    const path = join(work, file);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const edgectl = (args: string[]) => exec(SEA, args, { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.2' } });
  const host = (name: string): ContainerHost => {
    const h = hosts.find((x) => x.name === name);
    if (h === undefined) throw new Error(`no host ${name}`);
    return h;
  };
  /** what a host holds of edgectl and RKE2: for "nothing changed" checks */
  const snapshot = async (h: ContainerHost): Promise<string> =>
    (await h.exec('sh', ['-c', 'ls -la /usr/local/bin /usr/local/lib/systemd/system /etc/edgectl /etc/rancher /var/lib/rancher 2>&1; systemctl is-active rke2-server rke2-agent 2>&1; true'])).stdout;
  /** the RKE2 units systemd knows and the rke2 processes running */
  const rke2Left = async (h: ContainerHost): Promise<string> =>
    (await h.exec('sh', ['-c', "systemctl list-unit-files --no-legend 'rke2-*' 2>/dev/null; systemctl list-units --all --no-legend 'rke2-*' 2>/dev/null | grep -v not-found; pgrep -a -f '/rke2 (serve[r]|agen[t])|fake-superviso[r]' || true"])).stdout.trim();
  const nodesInVault = async (): Promise<string[]> =>
    (((await bao.api('LIST', `kv/metadata/rke2/${clusterId}/nodes`, undefined, { allow: [404] })).json?.data?.keys as string[] | undefined) ?? []).sort();
  const clusterInVault = async (): Promise<boolean> => (await bao.api('GET', `kv/data/rke2/${clusterId}`, undefined, { allow: [404] })).status === 200;

  beforeAll(async () => {
    let releases: string;
    ({ work, releases, bao } = await prepareContainerLab('edgectl-reset-'));
    hosts = await Promise.all(NAMES.map((n, i) => upContainerHost(n, { ip: ip(i), binds: [`${releases}:/opt/releases`] })));
  }, 900_000);

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.down()));
    await bao?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('apply -f of one server and two agents', async () => {
    const r = await edgectl(['apply', '-f', writeSpec(NAMES, 'cluster.yaml'), '--accept-new-host-keys', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    clusterId = (JSON.parse(r.stdout) as { cluster_id: string }).cluster_id;
    expect(clusterId).toMatch(/^rke2-[a-z0-9]{8}$/);
    expect(await nodesInVault()).toEqual([...NAMES].sort());
  }, 600_000);

  it('kubeconfig -f merges the admin kubeconfig read from the server into ~/.kube/config (0600, the server at its address:6443)', async () => {
    // an existing kubeconfig with another cluster: kept
    mkdirSync(join(work, '.kube'), { recursive: true, mode: 0o700 });
    const other = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'other', cluster: { server: 'https://192.0.2.1:6443' } }], users: [{ name: 'other', user: { token: 'x' } }], contexts: [{ name: 'other', context: { cluster: 'other', user: 'other' } }], 'current-context': 'other' };
    writeFileSync(join(work, '.kube/config'), JSON.stringify(other), { mode: 0o600 });
    const r = await edgectl(['kubeconfig', '-f', join(work, 'cluster.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const path = join(work, '.kube/config');
    expect(r.stdout.trim()).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const doc = parse(readFileSync(path, 'utf8')) as { clusters: Array<{ name: string; cluster: { server: string } }>; users: Array<{ name: string; user: Record<string, string> }>; contexts: Array<{ name: string }>; 'current-context': string };
    expect(doc.contexts.map((c) => c.name).sort()).toEqual([clusterId, 'other'].sort());
    expect(doc.clusters.find((c) => c.name === clusterId)?.cluster.server).toBe(`https://${ip(0)}:6443`);
    expect(doc['current-context']).toBe('other');
    // the admin key is in the file, never on stdout or stderr
    const key = doc.users.find((u) => u.name === clusterId)?.user['client-key-data'] ?? '';
    expect(key.length).toBeGreaterThan(20);
    expect(r.stdout + r.stderr).not.toContain(key);
    // --out - prints it, with another context name
    const printed = await edgectl(['kubeconfig', '-f', join(work, 'cluster.yaml'), '--out', '-', '--context', 'fr-lab']);
    expect(printed.code, printed.stderr).toBe(0);
    const one = parse(printed.stdout) as { contexts: Array<{ name: string }>; clusters: Array<{ cluster: { server: string } }> };
    expect(one.contexts.map((c) => c.name)).toEqual(['fr-lab']);
    expect(one.clusters[0]?.cluster.server).toBe(`https://${ip(0)}:6443`);
  }, 120_000);

  it('kubeconfig -f takes the published one from Vault when the file names the cluster', async () => {
    const pub = await host(SERVER).edgectl(['rke2', 'kubeconfig', '--publish'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken } });
    expect(pub.code, pub.stderr).toBe(0);
    const out = join(work, 'from-vault.kubeconfig');
    const r = await edgectl(['kubeconfig', '-f', writeSpec(NAMES, 'named.yaml', clusterId), '--out', out, '--context', 'fr-lab']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`from Vault (published by ${SERVER})`);
    expect(r.stderr).not.toContain('Connect to');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const doc = parse(readFileSync(out, 'utf8')) as { clusters: Array<{ name: string; cluster: { server: string } }>; contexts: Array<{ name: string }>; 'current-context': string };
    expect(doc.contexts.map((c) => c.name)).toEqual(['fr-lab']);
    expect(doc.clusters).toMatchObject([{ name: 'fr-lab', cluster: { server: `https://${ip(0)}:6443` } }]);
  }, 120_000);

  it('reset -f of one agent with --yes --deregister: it is uninstalled and out of Vault, the others untouched', async () => {
    // (a file of agents alone must name its cluster: "new" needs a server)
    const others = [host(SERVER), host('fr-agt2')];
    const before = await Promise.all(others.map(snapshot));
    expect(await rke2Left(host('fr-agt1'))).not.toBe('');
    const r = await edgectl(['reset', '-f', writeSpec(['fr-agt1'], 'agt1.yaml', clusterId), '--yes', '--deregister', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ResetJson;
    expect(doc.cluster_id).toBe(clusterId);
    expect(doc.hosts).toMatchObject([{ host: 'fr-agt1', role: 'agent', result: 'reset', deregistered: true }]);
    expect(await rke2Left(host('fr-agt1'))).toBe('');
    expect(await host('fr-agt1').read('/etc/edgectl/cluster-id')).toBeUndefined();
    expect(await nodesInVault()).toEqual([SERVER, 'fr-agt2'].sort());
    expect(await Promise.all(others.map(snapshot))).toEqual(before);
    expect((await host(SERVER).exec('systemctl', ['is-active', 'rke2-server'])).stdout).toBe('active\n');
  }, 300_000);

  it('reset without --yes off a terminal: exit 2, nothing touched', async () => {
    const before = await Promise.all(hosts.map(snapshot));
    const r = await edgectl(['reset', '-f', join(work, 'cluster.yaml'), '--deregister']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(r.stderr).not.toContain('Connect to');
    expect(await Promise.all(hosts.map(snapshot))).toEqual(before);
    expect(await nodesInVault()).toEqual([SERVER, 'fr-agt2'].sort());
  }, 120_000);

  it('reset on a terminal asks for the cluster ID; a wrong answer resets nothing', async () => {
    const before = await Promise.all(hosts.map(snapshot));
    // script(1) gives edgectl a terminal on stdin; the answer comes through it
    const r = await exec('script', ['-qec', `${SEA} reset -f ${join(work, 'cluster.yaml')} --deregister`, '/dev/null'], {
      env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken },
      input: 'not-the-id\n',
    });
    expect(r.stdout).toContain(`Type ${clusterId} to confirm`);
    expect(r.stdout).toContain(`nothing was reset: the confirmation did not match ${clusterId}`);
    expect(r.code).toBe(1);
    expect(await Promise.all(hosts.map(snapshot))).toEqual(before);
    expect(await nodesInVault()).toEqual([SERVER, 'fr-agt2'].sort());
  }, 120_000);

  it('reset --dry-run plans agents first, then the server, and changes nothing', async () => {
    const before = await Promise.all(hosts.map(snapshot));
    const r = await edgectl(['reset', '-f', join(work, 'cluster.yaml'), '--dry-run', '--deregister', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ResetJson;
    expect(doc.dry_run).toBe(true);
    expect(doc.phases.map((p) => p.title)).toEqual(['Uninstall the agents', 'Deregister the agents', 'Uninstall the servers, one at a time', 'Deregister the servers']);
    expect(doc.hosts.map((h) => [h.host, h.result])).toEqual([[SERVER, 'planned'], ['fr-agt1', 'unchanged'], ['fr-agt2', 'planned']]);
    const agentsPhase = doc.phases[0]?.hosts ?? [];
    expect(agentsPhase.find((h) => h.host === 'fr-agt1')?.actions.join(' ')).toContain('nothing to uninstall');
    expect(agentsPhase.find((h) => h.host === 'fr-agt2')?.changes.join(' ')).toContain('/usr/local/bin/edgectl rke2 uninstall --yes');
    expect(doc.phases[3]?.hosts.find((h) => h.host === SERVER)?.changes.join(' ')).toContain(`rke2/${clusterId}/nodes/${SERVER}`);
    expect(await Promise.all(hosts.map(snapshot))).toEqual(before);
    expect(await nodesInVault()).toEqual([SERVER, 'fr-agt2'].sort());
    // the text plan from the same phases
    const text = await edgectl(['reset', '-f', join(work, 'cluster.yaml'), '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('(dry run: nothing was changed on any host or in Vault)');
    expect(text.stdout.indexOf('Uninstall the agents:')).toBeLessThan(text.stdout.indexOf('Uninstall the servers, one at a time:'));
  }, 120_000);

  it('reset of the rest, one agent down: it is reported (exit 7), every other host uninstalled and deregistered, the cluster kept until --purge-cluster', async () => {
    const r = await edgectl(['reset', '-f', writeSpec([...NAMES, GHOST], 'ghost.yaml'), '--yes', '--deregister', '--ssh-timeout', '3']);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toContain(`${GHOST}:`);
    expect(r.stdout).toMatch(new RegExp(`${GHOST} +agent +failed`));
    expect(r.stdout).toContain(`cluster ${clusterId}: every server is reset; the cluster is still registered in Vault`);
    for (const h of hosts) expect(await rke2Left(h), h.name).toBe('');
    expect(await nodesInVault()).toEqual([]);
    expect(await clusterInVault()).toBe(true);
    // the hosts no longer know the cluster: a file that names it purges it
    const purge = await edgectl(['reset', '-f', writeSpec(NAMES, 'named.yaml', clusterId), '--yes', '--purge-cluster', '-o', 'json']);
    expect(purge.code, purge.stderr).toBe(0);
    const doc = JSON.parse(purge.stdout) as ResetJson;
    expect(doc).toMatchObject({ every_server_reset: true, cluster_purged: true });
    expect(doc.hosts.every((h) => h.result === 'unchanged')).toBe(true);
    expect(await clusterInVault()).toBe(false);
  }, 300_000);
});
