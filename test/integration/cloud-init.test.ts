/**
 * `edgectl rke2 cloud-init` through the single executable: five user-data files from a
 * real OpenBao set up by `edgectl vault setup`, each a valid cloud-config by the real
 * `cloud-init schema` (Debian's cloud-init), each with its own join code in a 0600 file
 * entry; then one file's write_files and runcmd, in cloud-init's order, on a fresh
 * systemd container host with no Vault credential: edgectl installed by the embedded
 * install-edgectl.sh with the pinned sha256, and the host joined.
 *
 * Needs root, the lab tools and cloud-init (tools/setup.sh); run under the shared lock.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../support/container-lab.js';
import { run as exec } from '../support/container-host.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const SEA_SHA = readFileSync(join(PROJECT_ROOT, 'dist/edgectl-linux-x64.sha256'), 'utf8').split(/\s+/)[0] ?? '';

interface UserData {
  write_files: Array<{ path: string; owner: string; permissions: string; content: string; encoding?: string }>;
  runcmd: string[][];
}

describe('edgectl rke2 cloud-init', () => {
  let lab: ContainerLab;
  let server: ContainerLabHost;
  let fresh: ContainerLabHost;
  let clusterId: string;
  let out: string;
  const operator = (args: string[]) => exec(SEA, args, { env: { PATH: '/usr/bin:/bin', ...lab.vaultEnv() } });

  beforeAll(async () => {
    lab = await createContainerLab();
    [server, fresh] = await Promise.all([lab.host('ci-srv1', '10.78.0.101'), lab.host('ci-new1', '10.78.0.102')]);
    const setup = await operator(['vault', 'setup']);
    expect(setup.code, setup.stderr).toBe(0);
    const boot = await server.edgectl(['rke2', 'server', '--airgap-dir', lab.releaseDir, '--wait-timeout', '60']);
    expect(boot.code, boot.stderr).toBe(0);
    clusterId = boot.stdout.trim();
    const roles = await operator(['vault', 'setup', '--cluster-id', clusterId]);
    expect(roles.code, roles.stderr).toBe(0);
    out = join(lab.workDir, 'seed');
  }, 900_000);

  afterAll(async () => {
    await lab?.close();
  }, 300_000);

  it('writes five valid cloud-configs, 0600, each with its own code, and prints no code', async () => {
    const r = await operator(['rke2', 'cloud-init', '--cluster-id', clusterId, '--role', 'agent', '--count', '5', '--install-from', '/opt/edgectl', '--airgap-dir', lab.releaseDir, '--out', out, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { edgectl_sha256: string; files: Array<{ file: string; accessor: string }> };
    expect(doc.edgectl_sha256).toBe(SEA_SHA);
    expect(doc.files).toHaveLength(5);
    expect(readdirSync(out).sort()).toEqual(doc.files.map((f) => f.file.slice(out.length + 1)).sort());
    const codes = new Set<string>();
    for (const f of doc.files) {
      expect(statSync(f.file).mode & 0o777).toBe(0o600);
      const schema = await exec('cloud-init', ['schema', '--config-file', f.file]);
      expect(schema, `${schema.stdout}${schema.stderr}`).toMatchObject({ code: 0 });
      expect(schema.stdout).toContain('Valid');
      const ud = parse(readFileSync(f.file, 'utf8')) as UserData;
      const code = ud.write_files.find((w) => w.path === '/run/edgectl/join-code');
      expect(code).toMatchObject({ permissions: '0600', owner: 'root:root' });
      codes.add(code?.content ?? '');
      expect(ud.runcmd[0]).toEqual(['bash', '/run/edgectl/install-edgectl.sh', '--from', '/opt/edgectl', '--sha256', SEA_SHA]);
      expect(ud.runcmd[1]).toEqual(['/usr/local/bin/edgectl', 'rke2', 'agent', '--join-code-file', '/run/edgectl/join-code', '--airgap-dir', lab.releaseDir]);
      expect(r.stdout + r.stderr).not.toContain((code?.content ?? 'x').trim());
    }
    expect(codes.size).toBe(5);
    // five outstanding codes in Vault, one per file
    const list = await operator(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '--role', 'agent', '-o', 'json']);
    expect((JSON.parse(list.stdout) as { codes: unknown[] }).codes).toHaveLength(5);
  }, 120_000);

  it('a fresh host that runs one file as cloud-init would installs the pinned edgectl and joins', async () => {
    const file = readdirSync(out).map((n) => join(out, n))[0] ?? '';
    const ud = parse(readFileSync(file, 'utf8')) as UserData;
    // write_files, then runcmd in order, as cloud-init does (the base image has no cloud-init)
    for (const w of ud.write_files) {
      const content = w.encoding === 'b64' ? Buffer.from(w.content, 'base64').toString('utf8') : w.content;
      const put = await fresh.run('sh', ['-c', 'umask 077; mkdir -p "$(dirname "$1")"; cat >"$1"; chmod "$2" "$1"; chown "$3" "$1"', 'sh', w.path, w.permissions, w.owner], { input: content });
      expect(put.code, put.stderr).toBe(0);
    }
    expect((await fresh.run('stat', ['-c', '%a', '/run/edgectl/join-code'])).stdout.trim()).toBe('600');
    for (const cmd of ud.runcmd) {
      const r = await fresh.run(cmd[0] ?? '', cmd.slice(1));
      expect(r.code, `${cmd.join(' ')}\n${r.stderr}`).toBe(0);
    }
    expect((await fresh.run('sha256sum', ['/usr/local/bin/edgectl'])).stdout.split(' ')[0]).toBe(SEA_SHA);
    expect((await fresh.run('systemctl', ['is-active', 'rke2-agent'])).stdout).toBe('active\n');
    expect(fresh.read('/run/edgectl/join-code')).toBeUndefined();
    const entry = await lab.bao.api('GET', `kv/data/rke2/${clusterId}/nodes/ci-new1`);
    expect(entry.json.data.data.join_code_accessor).toMatch(/^[A-Za-z0-9-]{8,}$/);
  }, 300_000);

  it('a pinned hash the executable does not have installs nothing and joins nothing', async () => {
    const r = await operator(['rke2', 'cloud-init', '--cluster-id', clusterId, '--role', 'agent', '--count', '1', '--install-from', '/opt/edgectl', '--edgectl-sha256', 'f'.repeat(64), '--out', join(lab.workDir, 'seed2')]);
    expect(r.code, r.stderr).toBe(0);
    const ud = parse(readFileSync(join(lab.workDir, 'seed2', readdirSync(join(lab.workDir, 'seed2'))[0] ?? ''), 'utf8')) as UserData;
    const install = await server.run(ud.runcmd[0]?.[0] ?? '', [...(ud.runcmd[0]?.slice(1) ?? [])].map((a) => (a === '/run/edgectl/install-edgectl.sh' ? '/opt/scripts/install-edgectl.sh' : a)));
    expect(install.code).toBe(1);
    expect(install.stderr).toContain(`pins ${'f'.repeat(64)}; nothing was installed`);
  }, 120_000);

  it('refuses bad input before minting anything (exit 2)', async () => {
    for (const args of [
      ['--count', '0'],
      ['--install-from', 'relative/dir'],
      ['--out', '-'],
      ['--tls-san', 'api.example'],
    ]) {
      const r = await operator(['rke2', 'cloud-init', '--cluster-id', clusterId, '--role', 'agent', '--count', '1', '--out', join(lab.workDir, 'bad'), ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    const list = await operator(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '--role', 'agent', '-o', 'json']);
    expect((JSON.parse(list.stdout) as { codes: unknown[] }).codes).toHaveLength(5); // 4 left of the first five, 1 of seed2
  }, 120_000);
});
