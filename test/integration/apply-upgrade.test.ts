/**
 * Rolling upgrades through `edgectl apply -f cluster.yaml` (issue 13), with the single
 * executable on this machine against four real systemd container hosts (2 servers, 2 agents)
 * and a real OpenBao on the lab bridge. The fake release's kubectl (on every node at
 * /var/lib/rancher/rke2/bin/kubectl) logs cordon/drain/uncordon with the time of each call.
 *
 * Covers: a file that skips a minor release is refused before any change; the dry run lists
 * cordon, drain, upgrade, uncordon per node and changes nothing (--no-drain: the upgrades alone);
 * the real run upgrades the servers one at a time, then the agents, every node cordoned,
 * drained and uncordoned in that order on another server; a re-apply changes nothing; a drain
 * failure on one agent stops the rollout with an error naming the nodes done, the one that
 * failed and why, and those left; the same file again, with a new agent, finishes the rollout
 * and the new agent joins at the new version once the agents are upgraded.
 *
 * Needs root and the lab tools; run under the shared lock: flock /tmp/edgectl-hosts.lock ...
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerHost, LAB_GATEWAY, containerHostsUnavailable, ensureBase, ensureBridge, run as exec, upContainerHost } from '../support/container-host.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');
const KEY = join(LAB_DIR, 'ssh/id_ed25519');
const why = containerHostsUnavailable();

const A = 'v1.30.1+rke2r1';
const B = 'v1.30.2+rke2r1';
const C = 'v1.30.3+rke2r1';
const SKIP = 'v1.32.0+rke2r1';
const SERVERS = ['au-srv1', 'au-srv2'];
const AGENTS = ['au-agt1', 'au-agt2'];
const ALL = [...SERVERS, ...AGENTS];
/** joins in the last test, together with a rollout */
const LATE = 'au-agt3';
const ip = (i: number): string => `10.78.0.${181 + i}`;
const KUBECTL_LOG = '/var/log/edgectl-sim/kubectl.log';

interface ApplyJson {
  dry_run: boolean;
  changed: boolean;
  hosts: Array<{ host: string; result: string; changes: string[] }>;
  phases: Array<{ title: string; hosts: Array<{ host: string; actions: string[]; changes: string[] }> }>;
}

interface KubectlCall {
  on: string;
  verb: string;
  node: string;
  flags: string;
  at: number;
}

describe('edgectl apply: rolling upgrade with drain on four container hosts', () => {
  let bao: OpenBao;
  let work: string;
  let hosts: ContainerHost[] = [];
  let late: ContainerHost | undefined;

  const spec = (version: string, names: readonly string[] = ALL): string => {
    const lines = [
      'apiVersion: edgectl.io/v1alpha1',
      'kind: Cluster',
      'metadata: { name: upgrade-lab }',
      'spec:',
      '  cluster:',
      '    id: new',
      `    rke2: { version: "${version}", airgapDir: /opt/releases/${version} }`,
      '  vault:',
      `    address: ${bao.addr}`,
      '  options: { concurrency: 2, drain: { timeout: 90s } }',
      '  hosts:',
    ];
    for (const [i, name] of names.entries()) {
      lines.push(`    - role: ${SERVERS.includes(name) ? 'server' : 'agent'}`, `      ssh: { address: "${ip(i)}", user: root, keyPath: "${KEY}" }`, `      nodeName: ${name}`);
    }
    return `${lines.join('\n')}\n`;
  };
  const writeSpec = (version: string, names: readonly string[] = ALL): string => {
    const path = join(work, `cluster-${version}-${names.length}.yaml`);
    writeFileSync(path, spec(version, names));
    return path;
  };
  const apply = (args: string[]) => exec(SEA, ['apply', ...args], { env: { PATH: '/usr/bin:/bin', HOME: work, VAULT_TOKEN: bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.2' } });
  const versions = async (): Promise<string[]> => Promise.all(hosts.map(async (h) => (await h.exec('sh', ['-c', '/usr/local/bin/rke2 --version | sed -n "1s/^rke2 version \\([^ ]*\\).*/\\1/p"'])).stdout.trim()));
  /** every kubectl call on every host, in time order */
  const kubectlCalls = async (): Promise<KubectlCall[]> => {
    const calls: KubectlCall[] = [];
    for (const h of hosts) {
      for (const line of ((await h.read(KUBECTL_LOG)) ?? '').split('\n')) {
        const m = /^(\w+) (\S+)((?: --\S+)*) @(\d+\.\d+)$/.exec(line);
        if (m !== null) calls.push({ on: h.name, verb: m[1] ?? '', node: m[2] ?? '', flags: (m[3] ?? '').trim(), at: Number(m[4]) });
      }
    }
    return calls.sort((x, y) => x.at - y.at);
  };
  const clearKubectlLogs = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => h.exec('rm', ['-f', KUBECTL_LOG])));
  };

  beforeAll(async () => {
    if (why !== undefined) throw new Error(`cannot run container hosts here: ${why}`);
    await ensureBase();
    work = mkdtempSync(join(tmpdir(), 'edgectl-apply-upgrade-'));
    const releases = join(work, 'releases');
    for (const v of [A, B, C]) {
      const built = await exec('bash', [join(PROJECT_ROOT, 'test/support/fake-rke2/build-release.sh'), join(releases, v), v]);
      if (built.code !== 0) throw new Error(`build-release ${v} failed: ${built.stderr}`);
    }
    await ensureBridge();
    bao = await startOpenBao({ host: LAB_GATEWAY });
    await enableKv(bao, 'kv', 2);
    hosts = await Promise.all(ALL.map((n, i) => upContainerHost(n, { ip: ip(i), binds: [`${releases}:/opt/releases`] })));
    late = await upContainerHost(LATE, { ip: ip(ALL.length), binds: [`${releases}:/opt/releases`] });
    const first = await apply(['-f', writeSpec(A), '--accept-new-host-keys']);
    if (first.code !== 0) throw new Error(`apply at ${A} failed (${first.code}): ${first.stderr}`);
  }, 900_000);

  afterAll(async () => {
    await Promise.all([...hosts, ...(late === undefined ? [] : [late])].map((h) => h.down()));
    await bao?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('au-setup: the cluster runs A everywhere, and RKE2 put its kubectl on every node', async () => {
    expect(await versions()).toEqual([A, A, A, A]);
    for (const h of hosts) expect((await h.exec('test', ['-x', '/var/lib/rancher/rke2/bin/kubectl'])).code, h.name).toBe(0);
    await clearKubectlLogs();
  });

  it('au-skew: a file that skips a minor release is refused (exit 3) before any change', async () => {
    const r = await apply(['-f', writeSpec(SKIP)]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`refusing the rolling upgrade to ${SKIP}; nothing was changed`);
    expect(r.stderr).toMatch(/2 minor releases apart/);
    expect(await versions()).toEqual([A, A, A, A]);
    expect(await kubectlCalls()).toEqual([]);
  }, 300_000);

  it('au-dry-run: the plan lists cordon, drain, upgrade, uncordon per node; nothing changes', async () => {
    const r = await apply(['-f', writeSpec(B), '--dry-run', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as ApplyJson;
    const servers = plan.phases.find((p) => p.title === `Upgrade the servers to ${B}, one at a time`);
    const agents = plan.phases.find((p) => p.title === `Upgrade the agents to ${B}`);
    expect(servers?.hosts.map((h) => h.host)).toEqual(SERVERS);
    expect(agents?.hosts.map((h) => h.host)).toEqual(AGENTS);
    for (const h of [...(servers?.hosts ?? []), ...(agents?.hosts ?? [])]) {
      expect(h.changes.map((c) => c.split(' ')[0]), h.host).toEqual(['cordon', 'drain', 'run', 'record', 'uncordon']);
      expect(h.changes[1]).toContain('--timeout=90s');
      expect(h.changes[2]).toContain(`/usr/local/bin/edgectl rke2 upgrade --version ${B} --airgap-dir /opt/releases/${B}`);
    }
    // srv1 is drained from srv2, everyone else from srv1
    expect(servers?.hosts[0]?.changes[0]).toBe('cordon node au-srv1 (kubectl on au-srv2)');
    expect(agents?.hosts[1]?.changes[0]).toBe('cordon node au-agt2 (kubectl on au-srv1)');
    const text = await apply(['-f', writeSpec(B), '--dry-run']);
    expect(text.stdout).toContain('  au-agt1: drain node au-agt1 --ignore-daemonsets --delete-emptydir-data --timeout=90s (kubectl on au-srv1)');
    expect(await versions()).toEqual([A, A, A, A]);
    expect(await kubectlCalls()).toEqual([]);
  }, 300_000);

  it('au-rollout: servers one at a time, then agents; each cordoned, drained, upgraded, uncordoned in that order', async () => {
    const dry = JSON.parse((await apply(['-f', writeSpec(B), '--dry-run', '-o', 'json'])).stdout) as ApplyJson;
    const r = await apply(['-f', writeSpec(B), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ApplyJson;
    expect(out.hosts.map((h) => [h.host, h.result])).toEqual(ALL.map((n) => [n, 'done']));
    // the real run made exactly the changes the dry run listed
    for (const p of out.phases) for (const h of p.hosts) expect(h.changes, `${p.title} ${h.host}`).toEqual(dry.phases.find((d) => d.title === p.title)?.hosts.find((x) => x.host === h.host)?.changes);
    expect(await versions()).toEqual([B, B, B, B]);

    const calls = await kubectlCalls();
    // servers: strictly one after another, srv1 from srv2 then srv2 from srv1
    expect(calls.slice(0, 6).map((c) => `${c.on} ${c.verb} ${c.node}`)).toEqual([
      'au-srv2 cordon au-srv1', 'au-srv2 drain au-srv1', 'au-srv2 uncordon au-srv1',
      'au-srv1 cordon au-srv2', 'au-srv1 drain au-srv2', 'au-srv1 uncordon au-srv2',
    ]);
    // then the agents (in the pool, so they may interleave), each in order on srv1
    const agentCalls = calls.slice(6);
    expect(agentCalls).toHaveLength(6);
    for (const a of AGENTS) expect(agentCalls.filter((c) => c.node === a).map((c) => `${c.on} ${c.verb}`), a).toEqual(['au-srv1 cordon', 'au-srv1 drain', 'au-srv1 uncordon']);
    expect(calls.filter((c) => c.verb === 'drain').every((c) => c.flags === '--ignore-daemonsets --delete-emptydir-data --timeout=90s')).toBe(true);
    // every server's uncordon came before any agent was touched
    const lastServer = Math.max(...calls.filter((c) => SERVERS.includes(c.node)).map((c) => c.at));
    expect(Math.min(...calls.filter((c) => AGENTS.includes(c.node)).map((c) => c.at))).toBeGreaterThan(lastServer);
    for (const h of hosts) {
      const unit = SERVERS.includes(h.name) ? 'rke2-server' : 'rke2-agent';
      expect((await h.exec('systemctl', ['is-active', unit])).stdout, h.name).toBe('active\n');
    }
    // the new versions are in the node entries, which later joins and rke2 upgrade check against
    const clusterId = ((await hosts[0]?.read('/etc/edgectl/cluster-id')) ?? '').trim();
    for (const n of ALL) expect((await bao.api('GET', `kv/data/rke2/${clusterId}/nodes/${n}`)).json.data.data.rke2_version, n).toBe(B);
  }, 600_000);

  it('au-reapply: the same file again changes nothing and says so', async () => {
    await clearKubectlLogs();
    const r = await apply(['-f', writeSpec(B)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to change');
    expect(r.stdout.split('\n').filter((l) => / unchanged /.test(l))).toHaveLength(4);
    expect(await kubectlCalls()).toEqual([]);
    expect(await versions()).toEqual([B, B, B, B]);
  }, 300_000);

  it('au-no-drain: --no-drain plans the upgrades alone, no cordon, drain or uncordon', async () => {
    const r = await apply(['-f', writeSpec(C), '--dry-run', '--no-drain', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as ApplyJson;
    const nodes = plan.phases.filter((p) => p.title.startsWith('Upgrade the ')).flatMap((p) => p.hosts);
    expect(nodes.map((h) => h.host)).toEqual(ALL);
    for (const h of nodes) {
      expect(h.changes.map((c) => c.split(' ')[0]), h.host).toEqual(['run', 'record']);
      expect(h.actions[0]).toMatch(/^no drain/);
    }
    expect(await versions()).toEqual([B, B, B, B]);
  }, 300_000);

  it('au-drain-fails: a drain failure on one agent stops the rollout, naming done, failed and why, and left', async () => {
    await clearKubectlLogs();
    const srv1 = hosts[0];
    if (srv1 === undefined) throw new Error('no host');
    await srv1.exec('sh', ['-c', 'mkdir -p /etc/edgectl-sim && echo FAKE_KUBECTL_FAIL_DRAIN=au-agt1 > /etc/edgectl-sim/kubectl.env']);
    try {
      const r = await apply(['-f', writeSpec(C), '--concurrency', '1']);
      expect(r.code, r.stderr).toBe(7);
      expect(r.stderr).toContain(`rolling upgrade to ${C} stopped at au-agt1`);
      expect(r.stderr).toContain('kubectl drain au-agt1');
      expect(r.stderr).toContain('FAKE_KUBECTL_FAIL_DRAIN');
      expect(r.stderr).toContain('upgraded: au-srv1, au-srv2; failed: au-agt1; left: au-agt2');
      expect(await versions()).toEqual([C, C, B, B]);
      // the failed node was uncordoned again, and the agent after it was never touched
      const calls = await kubectlCalls();
      expect(calls.filter((c) => c.node === 'au-agt1').map((c) => c.verb)).toEqual(['cordon', 'drain', 'uncordon']);
      expect(calls.filter((c) => c.node === 'au-agt2')).toEqual([]);
    } finally {
      await srv1.exec('rm', ['-f', '/etc/edgectl-sim/kubectl.env']);
    }
  }, 600_000);

  it('au-converge: the same file again, with a new agent, finishes the rollout; the new agent joins at the new version after the agents', async () => {
    await clearKubectlLogs();
    const r = await apply(['-f', writeSpec(C, [...ALL, LATE]), '--accept-new-host-keys', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ApplyJson;
    expect(out.hosts.map((h) => [h.host, h.result])).toEqual([...SERVERS.map((n) => [n, 'unchanged']), ...AGENTS.map((n) => [n, 'done']), [LATE, 'done']]);
    const titles = out.phases.filter((p) => p.hosts.some((h) => h.changes.length > 0)).map((p) => p.title);
    expect(titles.slice(-2)).toEqual([`Upgrade the agents to ${C}`, 'Join the agents']);
    expect(await versions()).toEqual([C, C, C, C]);
    expect((await late?.exec('sh', ['-c', '/usr/local/bin/rke2 --version | sed -n 1p']))?.stdout).toContain(C);
    const calls = await kubectlCalls();
    expect(calls).toHaveLength(6);
    for (const a of AGENTS) expect(calls.filter((c) => c.node === a).map((c) => c.verb), a).toEqual(['cordon', 'drain', 'uncordon']);
  }, 600_000);
});
