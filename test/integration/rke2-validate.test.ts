/**
 * Nothing changes on the host or in Vault before every input that can be
 * validated has been: flags, files, air-gap artifacts, the script's own
 * checks and the cluster data read from Vault. `--dry-run` fails exactly
 * where the real run does. Real systemd hosts (containers booted by tools/lab.sh on the lab
 * bridge, 10.78.0.201-208, named val-*) running the single executable, a real OpenBao, the
 * fake release. Needs root, systemd-nspawn and the lab's base rootfs (see
 * test/support/README.md); run under the shared hosts lock.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../support/container-lab.js';

const CLUSTER_ID_FILE = '/etc/edgectl/cluster-id';

type LabHost = ContainerLabHost;
let lab: ContainerLab;
let n = 0;
/** a fresh host with its own address (10.78.0.201-208: this file's share of the lab bridge) */
async function newHost(prefix: string): Promise<LabHost> {
  n += 1;
  if (n > 8) throw new Error('out of rke2-validate test addresses');
  return lab.host(`val-${prefix}${n}`, `10.78.0.${200 + n}`);
}

async function vaultList(path: string): Promise<string[]> {
  const r = await lab.bao.api('LIST', `kv/metadata/${path}`, undefined, { allow: [404] });
  return r.status === 404 ? [] : r.json.data.keys;
}

const common = () => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 300_000);

/** run a command for real and with --dry-run: both must fail with `code`, leaving the host and Vault as they were */
async function refusedUnchanged(host: LabHost, args: string[], code: number): Promise<{ stderr: string; dryStderr: string }> {
  const before = await vaultList('rke2');
  const real = await host.edgectl(args);
  expect(real.code, real.stderr).toBe(code);
  expect(host.read(CLUSTER_ID_FILE)).toBeUndefined();
  expect(host.read('/usr/local/bin/rke2')).toBeUndefined();
  expect(await vaultList('rke2')).toEqual(before);
  const dry = await host.edgectl([...args, '--dry-run']);
  expect(dry.code, dry.stderr).toBe(code);
  return { stderr: real.stderr, dryStderr: dry.stderr };
}

describe('bootstrap inputs are validated before the first change (issues 10.4, 16)', () => {
  let host: LabHost;
  beforeAll(async () => {
    host = await newHost('val');
  });

  it('a missing --airgap-dir: exit 3, no ID file, nothing in Vault, and --dry-run fails the same way', async () => {
    const r = await refusedUnchanged(host, ['rke2', 'server', '--airgap-dir', '/nonexistent', '--wait-timeout', '60'], 3);
    expect(r.stderr).toContain('/nonexistent');
    expect(r.dryStderr).toContain('/nonexistent');
  });

  it('a missing --config-file: exit 3 before any change', async () => {
    await refusedUnchanged(host, ['rke2', 'server', ...common(), '--config-file', '/nonexistent.yaml'], 3);
  });

  it.each([
    [['--cni', 'foo'], '--cni'],
    [['--cni', 'canal,calico'], '--cni'],
    [['--install-script', 'HTTPS://get.rke2.io'], '--install-script'],
    [['--channel', 'stable'], '--channel cannot be used with --airgap-dir'],
    [['--node-name', 'a..b'], '--node-name'],
    [['--node-label', `${'k'.repeat(64)}=v`], '--node-label'],
    [['--node-label', 'a..b/k=v'], '--node-label'],
    [['--advertise-address', 'x;touch /tmp/edgectl-pwned'], '--advertise-address'],
    [['--advertise-address', 'https://evil.example'], '--advertise-address'],
    [['--advertise-address', '10.0.0.9:9345'], 'port'],
    [Array.from({ length: 61 }, (_, i) => ['--tag', `t${i}=v`]).flat(), 'at most 60 tags'],
  ])('%j: exit 2, naming the problem, before any change', async (flags, problem) => {
    const r = await refusedUnchanged(host, ['rke2', 'server', ...common(), ...flags], 2);
    expect(r.stderr).toContain(problem);
    expect(r.dryStderr).toContain(problem);
  });

  it.each([
    ['https://host:0', 'outside 1-65535'],
    ['https://a b:9345', 'not https://HOST'],
    ['https://host#:9345', 'must be just https://HOST:PORT'],
    ['https://admin:pw@host:9345', 'credentials'],
  ])('--server %j is a usage error (exit 2), the credential never shown', async (server, problem) => {
    const r = await refusedUnchanged(host, ['rke2', 'agent', '--cluster-id', 'rke2-nothere0', '--server', server, ...common()], 2);
    expect(r.stderr).toContain(problem);
    expect(r.stderr).not.toContain('pw@');
  });
});

describe('a re-run that completes a bootstrap, and the dry run of an agent on a server (issues 10.4, 10.5)', () => {
  let server: LabHost;
  let clusterId: string;

  it('keeps the --tag of the re-run, merged with the tags of the registration', async () => {
    server = await newHost('srv');
    // --no-start: RKE2 writes no token, so the bootstrap stops after the registration
    const first = await server.edgectl(['rke2', 'server', ...common(), '--no-start', '--tag', 'env=prod']);
    expect(first.code, first.stderr).toBe(7);
    clusterId = server.read(CLUSTER_ID_FILE)?.trim() ?? '';
    expect(clusterId).toMatch(/^rke2-/);
    const r = await server.edgectl(['rke2', 'server', ...common(), '--tag', 'site=lab']);
    expect(r.code, r.stderr).toBe(0);
    const meta = await lab.bao.api('GET', `kv/metadata/rke2/${clusterId}`);
    expect(meta.json.data.custom_metadata).toMatchObject({ 'tag.env': 'prod', 'tag.site': 'lab' });
    const data = await lab.bao.api('GET', `kv/data/rke2/${clusterId}`);
    expect(data.json.data.data.state).toBe('ready');
  });

  it('rke2 agent --dry-run on a host that is already a server exits 3, like the real run', async () => {
    // systemd's own record of rke2-agent: a start, stop or enable would change its InvocationID,
    // main PID, state or enablement, and PID 1 logs every start and stop of it in the journal
    const unitBefore = await server.unitRun('rke2-agent');
    const enabledBefore = (await server.run('systemctl', ['is-enabled', 'rke2-agent'])).stdout;
    const journal = (await server.systemdJournal()).length;
    for (const dry of [['--dry-run'], []]) {
      const r = await server.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...common(), ...dry]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain('already runs rke2-server');
    }
    expect(server.read(CLUSTER_ID_FILE)).toBe(`${clusterId}\n`);
    expect(await server.unitRun('rke2-agent')).toBe(unitBefore);
    expect(unitBefore).toMatch(/^ 0 inactive$/);
    expect((await server.run('systemctl', ['is-enabled', 'rke2-agent'])).stdout).toBe(enabledBefore);
    expect((await server.systemdJournal()).slice(journal).filter((l) => /rke2-agent/.test(l))).toEqual([]);
  });
});

describe('cluster data from Vault is validated like a flag (issue 16)', () => {
  const token = `K10${'a'.repeat(64)}::server:joinsecret`;
  let n2 = 0;
  it.each([
    ['https://10.77.0.1:9345/$(touch /tmp/edgectl-pwned)', 'server field'],
    ['http://', 'server field'],
    ['not a url', 'server field'],
    ['https://10.77.0.1:9345\nx', 'server field'],
    ['https://admin:pw@10.77.0.1:9345', 'credentials'],
  ])('server %j: agent and HA joins exit 6 naming the field, before any change', async (bad, problem) => {
    n2 += 1;
    const id = `rke2-badsrv0${n2}`;
    await lab.bao.api('POST', `kv/data/rke2/${id}`, { data: { token, server: bad, state: 'ready' } });
    const host = await newHost('bad');
    for (const args of [
      ['rke2', 'agent', '--cluster-id', id, ...common()],
      ['rke2', 'server', '--cluster-id', id, ...common()],
    ]) {
      const r = await refusedUnchanged(host, args, 6);
      expect(r.stderr).toContain(problem);
      expect(r.stderr).toContain(id);
      expect(r.stderr).not.toContain('pw@');
      expect(r.stderr).not.toContain('joinsecret');
    }
  });
});

describe('--config-file (issue 16)', () => {
  let host: LabHost;
  /** a root-owned 0755 directory inside the host (edgectl there reads the files, not this machine) */
  const dir = '/srv/edgectl-cfg';
  beforeAll(async () => {
    host = await newHost('cfg');
    const mk = await host.run('install', ['-d', '-m', '0755', dir]);
    expect(mk.code, mk.stderr).toBe(0);
  });

  /** write a config file into the host; its path as the host sees it */
  const file = (name: string, text: string): string => {
    const p = `${dir}/${name}`;
    writeFileSync(host.root(p), text, { mode: 0o644 });
    return p;
  };

  it('a symlink to /etc/shadow is refused (exit 3) and its content never printed', async () => {
    // the host's own /etc/shadow (the link is resolved inside the host)
    const link = `${dir}/shadow.yaml`;
    symlinkSync('/etc/shadow', host.root(link));
    const r = await refusedUnchanged(host, ['rke2', 'server', ...common(), '--config-file', link], 3);
    expect(r.stderr).toContain('symlink');
    const dry = await host.edgectl(['rke2', 'server', ...common(), '--config-file', link, '--dry-run']);
    expect(dry.stdout + dry.stderr).not.toMatch(/root:[^:]*:\d+:/);
  });

  it.each([
    ['quoted.yaml', '"token": x\n', "'token'"],
    ['single.yaml', "'token': x\n", "'token'"],
    ['explicit.yaml', '? server\n: https://10.0.0.1:9345\n', "'server'"],
    ['flow.yaml', '{token-file: /root/t}\n', "'token-file'"],
    ['merge.yaml', '<<: {token: x}\n', 'merge key'],
    ['list.yaml', '- a\n- b\n', 'mapping'],
    ['notyaml.yaml', 'key: [unclosed\n', 'not valid YAML'],
    ['junk.yaml', 'x'.repeat(1024 * 1024), 'KiB'],
  ])('%s is refused with exit 2 naming the problem', async (name, text, problem) => {
    const r = await refusedUnchanged(host, ['rke2', 'server', ...common(), '--config-file', file(name, text)], 2);
    expect(r.stderr).toContain(problem);
  });

  it('a plan shows the config file by path and sha256, never its content', async () => {
    const p = file('good.yaml', 'write-kubeconfig-mode: "0640"\nkube-apiserver-arg:\n  - "audit-log-maxage=30"\n');
    const dry = await host.edgectl(['rke2', 'server', ...common(), '--config-file', p, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(p);
    expect(dry.stdout).toMatch(/sha256 [0-9a-f]{64}/);
    expect(dry.stdout + dry.stderr).not.toContain('audit-log-maxage');
    expect(host.read(CLUSTER_ID_FILE)).toBeUndefined();
  });
});
