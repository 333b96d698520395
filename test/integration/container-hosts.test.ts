/**
 * edgectl on real systemd hosts: Debian containers booted with systemd-nspawn by
 * tools/lab.sh (systemd as PID 1, the fake RKE2 release's units run by the real systemd,
 * rke2-uninstall.sh calling the real systemctl, sshd). A real OpenBao listens on the lab
 * bridge (10.78.0.1). The hosts run the single executable (dist/edgectl-linux-x64).
 *
 * Covers: bootstrap of a server, agent join over the bridge by cluster ID, the units active
 * under systemd (Type=notify: active only after READY=1), a reboot (services come back enabled
 * and active), `edgectl rke2 uninstall` leaving no unit and no process, and
 * `tools/lab.sh down --all` leaving no mount, cgroup, link or process behind.
 *
 * Needs root, systemd-nspawn and debootstrap (tools/setup.sh); the base rootfs is built on first
 * use (tools/lab.sh base). Run under the shared lock: flock /tmp/edgectl-hosts.lock ...
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerHost, LAB_BRIDGE, downAll, lab, run as exec, prepareContainerLab, upContainerHost } from '../support/container-host.js';
import { FAKE_RELEASE_VERSION } from '../support/lab.js';
import { type OpenBao, processAlive } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SERVER_TOKEN = '/var/lib/rancher/rke2/server/token';
const AGENT_KUBECONFIG = '/var/lib/rancher/rke2/agent/kubelet.kubeconfig';
const AIRGAP = `/opt/releases/${FAKE_RELEASE_VERSION}`;
const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');

/** Processes of the fake RKE2 inside a host (its bash main process or its supervisor). */
async function rke2Processes(host: ContainerHost): Promise<string[]> {
  const r = await host.exec('ps', ['-eo', 'pid=,args=']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => /\/usr\/local\/bin\/rke2 |fake-supervisor\.py/.test(l));
}

/** What the lab leaves on this machine: mounts, cgroups, links, processes of these pids. */
function leftovers(pids: number[]): string[] {
  const found: string[] = [];
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [source = '', target = ''] = line.split(' ');
    if (source.startsWith('edgelab-') || target.startsWith(join(LAB_DIR, 'hosts'))) found.push(`mount ${line}`);
  }
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy);
    try {
      for (const name of readdirSync(dir)) if (name.startsWith('edgelab-')) found.push(`cgroup ${join(dir, name)}`);
    } catch {
      // a controller file, not a hierarchy
    }
  }
  for (const pid of pids) if (processAlive(pid)) found.push(`process ${pid}`);
  return found;
}

describe('edgectl on systemd-nspawn container hosts', () => {
  let bao: OpenBao;
  let work: string;
  let server: ContainerHost;
  let agent: ContainerHost;
  let clusterId: string;
  const vaultEnv = (): Record<string, string> => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, RKE2_SH_POLL_INTERVAL: '0.1' });
  const common = ['--airgap-dir', AIRGAP, '--wait-timeout', '60'];

  beforeAll(async () => {
    let releases: string;
    ({ work, releases, bao } = await prepareContainerLab('edgectl-ct-'));
    const binds = [`${releases}:/opt/releases`];
    [server, agent] = await Promise.all([upContainerHost('ct-srv1', { ip: '10.78.0.11', binds }), upContainerHost('ct-agt1', { ip: '10.78.0.12', binds })]);
  }, 900_000);

  afterAll(async () => {
    await server?.down();
    await agent?.down();
    await bao?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('each host is its own real systemd machine: PID 1 systemd, own hostname, machine-id and SSH host key', async () => {
    const [s, a] = await Promise.all([server.exec('sh', ['-c', 'cat /proc/1/comm; hostname; cat /etc/machine-id']), agent.exec('sh', ['-c', 'cat /proc/1/comm; hostname; cat /etc/machine-id'])]);
    const [sComm, sName, sId] = s.stdout.trim().split('\n');
    const [aComm, aName, aId] = a.stdout.trim().split('\n');
    expect([sComm, sName, aComm, aName]).toEqual(['systemd', 'ct-srv1', 'systemd', 'ct-agt1']);
    expect(sId).toMatch(/^[0-9a-f]{32}$/);
    expect(aId).toMatch(/^[0-9a-f]{32}$/);
    expect(sId).not.toBe(aId);
    // sshd with the lab's key, host key checked (no StrictHostKeyChecking=no)
    const overSsh = await server.ssh(['hostname']);
    expect(overSsh, overSsh.stderr).toMatchObject({ code: 0, stdout: 'ct-srv1\n' });
    // the agent's host key is not the server's: the server's known_hosts entry, for the agent's address, is refused
    const knownHosts = join(work, 'wrong_known_hosts');
    writeFileSync(knownHosts, readFileSync(join(LAB_DIR, 'hosts/ct-srv1/known_hosts'), 'utf8').replace('10.78.0.11', '10.78.0.12'));
    const wrong = await exec('ssh', ['-i', join(LAB_DIR, 'ssh/id_ed25519'), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', 'root@10.78.0.12', 'true']);
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toContain('Host key verification failed');
    // no route anywhere but the bridge
    const route = await server.exec('ip', ['route', 'get', '192.0.2.2']);
    expect(route.code).not.toBe(0);
    expect(route.stderr).toContain('unreachable');
  });

  it('rke2 server bootstraps a cluster; rke2-server is active under systemd (Type=notify) and its token is in Vault', async () => {
    const r = await server.edgectl(['rke2', 'server', ...common], { env: vaultEnv() });
    expect(r.code, r.stderr).toBe(0);
    clusterId = r.stdout.trim();
    expect(clusterId).toMatch(/^rke2-[a-z0-9]{8}$/);
    const active = await server.exec('systemctl', ['is-active', 'rke2-server']);
    expect(active.stdout).toBe('active\n');
    const show = await server.exec('systemctl', ['show', '-p', 'Type,NotifyAccess,KillMode,Delegate,UnitFileState', 'rke2-server']);
    expect(show.stdout.split('\n').filter(Boolean).sort()).toEqual(['Delegate=yes', 'KillMode=process', 'NotifyAccess=main', 'Type=notify', 'UnitFileState=enabled']);
    const journal = await server.exec('journalctl', ['-u', 'rke2-server', '--no-pager', '-o', 'cat']);
    expect(journal.stdout).toContain('notified systemd: READY=1');
    const token = (await server.read(SERVER_TOKEN))?.trim();
    const data = await bao.api('GET', `kv/data/rke2/${clusterId}`);
    expect(data.json.data.data).toMatchObject({ token, state: 'ready', server: 'https://10.78.0.11:9345' });
  });

  it('rke2 agent --cluster-id joins over the bridge with the token from Vault; rke2-agent is active', async () => {
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...common, '-o', 'json'], { env: vaultEnv() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { cluster_id: string; steps: Array<{ id: string }> };
    expect(out.cluster_id).toBe(clusterId);
    expect(out.steps.map((s) => s.id)).toEqual(['ca-check', 'cluster-id', 'install', 'vault-node']);
    expect((await agent.exec('systemctl', ['is-active', 'rke2-agent'])).stdout).toBe('active\n');
    expect(await agent.read(AGENT_KUBECONFIG)).toContain('server: https://127.0.0.1:6443');
    expect((await agent.read('/etc/rancher/rke2/edgectl-token'))?.trim()).toBe((await server.read(SERVER_TOKEN))?.trim());
    const nodes = await bao.api('LIST', `kv/metadata/rke2/${clusterId}/nodes`);
    expect([...(nodes.json.data.keys as string[])].sort()).toEqual(['ct-agt1', 'ct-srv1']);
  });

  it('a reboot of the server host brings rke2-server back enabled and active, with the same cluster', async () => {
    const token = await server.read(SERVER_TOKEN);
    const before = await server.leader();
    await server.reboot();
    expect(await server.leader()).not.toBe(before);
    expect((await server.exec('systemctl', ['is-enabled', 'rke2-server'])).stdout).toBe('enabled\n');
    expect((await server.exec('systemctl', ['is-active', 'rke2-server'])).stdout).toBe('active\n');
    expect(await server.read(SERVER_TOKEN)).toBe(token);
    // the agent, on its own host, still reaches the rebooted server's supervisor
    const ping = await agent.exec('curl', ['-ksS', '--max-time', '5', 'https://10.78.0.11:9345/ping']);
    expect(ping.stdout.trim(), ping.stderr).toBe('pong');
  });

  it('rke2 uninstall leaves no rke2 unit and no rke2 process on either host', async () => {
    for (const [host, unit] of [[agent, 'rke2-agent'], [server, 'rke2-server']] as const) {
      expect(await rke2Processes(host)).not.toEqual([]);
      const r = await host.edgectl(['rke2', 'uninstall', '--yes'], { env: vaultEnv() });
      expect(r.code, r.stderr).toBe(0);
      const files = await host.exec('systemctl', ['list-unit-files', '--no-legend', 'rke2*']);
      expect(files.stdout.trim()).toBe('');
      const units = await host.exec('systemctl', ['list-units', '--all', '--no-legend', 'rke2*']);
      expect(units.stdout.trim()).toBe('');
      expect((await host.exec('systemctl', ['show', '-p', 'LoadState', unit])).stdout).toBe('LoadState=not-found\n');
      expect(await rke2Processes(host)).toEqual([]);
      expect(await host.read('/usr/local/bin/rke2')).toBeUndefined();
      expect((await host.exec('test', ['-e', '/var/lib/rancher/rke2'])).code).toBe(1);
    }
  });

  it('a host that fails to boot is removed again: no state dir, mount, cgroup or link left', async () => {
    // nspawn refuses a bind mount whose source does not exist, after lab.sh made the overlay,
    // cgroups and state dir
    const r = await lab(['up', 'ct-bad1', '--ip', '10.78.0.13', '--bind-ro', `${join(work, 'no-such-dir')}:/opt/x`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('systemd-nspawn for ct-bad1 exited');
    expect(existsSync(join(LAB_DIR, 'hosts/ct-bad1'))).toBe(false);
    expect(leftovers([]).filter((l) => l.includes('edgelab-ct-bad1'))).toEqual([]);
    expect((await exec('ip', ['link', 'show', 'vb-ct-bad1'])).code).not.toBe(0);
    expect((await lab(['list'])).stdout).not.toContain('ct-bad1');
  });

  it('tools/lab.sh down --all leaves no mount, cgroup, link or process behind', async () => {
    const pids: number[] = [];
    for (const host of [server, agent]) {
      pids.push(await host.leader());
      pids.push(Number(readFileSync(join(LAB_DIR, 'hosts', host.name, 'pid'), 'utf8').trim()));
    }
    expect(leftovers([]).length).toBeGreaterThan(0); // the check sees the running lab
    await downAll();
    expect(leftovers(pids)).toEqual([]);
    const links = await exec('ip', ['-o', 'link', 'show']);
    expect(links.stdout).not.toMatch(new RegExp(`vb-ct-|${LAB_BRIDGE}`));
    const ps = await exec('ps', ['-eo', 'pid=,args=']);
    expect(ps.stdout.split('\n').filter((l) => /systemd-nspawn .*--machine=ct-/.test(l))).toEqual([]);
    expect(existsSync(join(LAB_DIR, 'hosts/ct-srv1'))).toBe(false);
    expect((await lab(['list'])).stdout).toBe('');
  });
});
