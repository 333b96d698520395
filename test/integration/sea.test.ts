/**
 * The single executable (dist/edgectl-linux-x64, `npm run build:sea`) behaves
 * like `node dist/edgectl.cjs`: the smoke subset of the suite run against it.
 * Version, help and usage errors equal the bundle's; `scripts export` writes
 * scripts/rke2.sh byte for byte; it runs with an empty environment and no node
 * on PATH; and a full bootstrap + agent join on real systemd hosts (containers booted by
 * tools/lab.sh on the lab bridge, 10.78.0.225-226; needs root, systemd-nspawn and the lab's
 * base rootfs, run under the shared hosts lock) against a real OpenBao works with the
 * executable as edgectl.
 *
 * The executable is built first when it is missing or older than its sources
 * (`npm test` builds it in test:integration anyway).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, type ContainerLabHost, createContainerLab } from '../support/container-lab.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { type ExecResult, exec } from '../support/sim-host.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const BUNDLE = join(PROJECT_ROOT, 'dist/edgectl.cjs');
const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Newest modification time of the files the executable is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (path: string): void => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'scripts', 'package.json', 'sea-config.json', 'tools/bundle.mjs', 'tools/build-sea.mjs', 'tools/sea-main.cjs', 'tools/sea-code-cache.cjs']) {
    walk(join(PROJECT_ROOT, p));
  }
  return newest;
}

function ensureBuilt(): void {
  const fresh = existsSync(SEA) && existsSync(BUNDLE) && statSync(SEA).mtimeMs >= newestSource() && statSync(BUNDLE).mtimeMs >= newestSource();
  if (fresh) return;
  const r = spawnSync('npm', ['run', 'build:sea'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm run build:sea failed:\n${r.stderr}\n${r.stdout}`);
}

const sea = (args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' }): Promise<ExecResult> => exec(SEA, args, { env });
const bundle = (args: string[]): Promise<ExecResult> => exec(process.execPath, [BUNDLE, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

beforeAll(() => {
  ensureBuilt();
}, 300_000);

describe('the executable on its own', () => {
  it('--version prints the package version and nothing else (no experimental-feature warning)', async () => {
    const r = await sea(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each([[['--help']], [['rke2', '--help']], [['rke2', 'agent', '--help']], [['cluster', 'list', '--help']], [['frobnicate']], [['rke2', 'agent', '--cluster-id', 'Not_An_ID']]])(
    '%j: same stdout, stderr and exit code as node dist/edgectl.cjs',
    async (args) => {
      const [fromSea, fromBundle] = await Promise.all([sea(args), bundle(args)]);
      expect(fromSea).toEqual(fromBundle);
    },
  );

  it('scripts export writes scripts/rke2.sh byte for byte, mode 0755', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgectl-sea-export-'));
    const r = await sea(['scripts', 'export', dir]);
    expect(r.code, r.stderr).toBe(0);
    const expected = readFileSync(join(PROJECT_ROOT, 'scripts/rke2.sh'));
    expect(readFileSync(join(dir, 'rke2.sh')).equals(expected)).toBe(true);
    expect(statSync(join(dir, 'rke2.sh')).mode & 0o777).toBe(0o755);
    expect(r.stdout).toContain(`${createHash('sha256').update(expected).digest('hex')}  ${join(dir, 'rke2.sh')}`);
  });

  it('needs no node and no environment: runs with env -i and an empty PATH', async () => {
    const r = await exec('env', ['-i', 'PATH=/nonexistent', SEA, '--version']);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('loads undici from its asset on first use (a Vault error, not a crash, when Vault is down)', async () => {
    const r = await sea(['cluster', 'list'], { PATH: '/usr/bin:/bin', VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'x', VAULT_MAX_RETRIES: '0' });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
  });

  it('V8 accepts the code caches built into it (the bundle\'s and undici\'s)', async () => {
    const env = { PATH: '/usr/bin:/bin', EDGECTL_DEBUG: '1', VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'x', VAULT_MAX_RETRIES: '0' };
    const r = await sea(['cluster', 'list'], env);
    expect(r.stderr).toContain('cannot reach Vault'); // undici was loaded
    expect(r.stderr).not.toContain('rejected');
    // the check can see a rejection: V8 flags change the cache's flag hash; edgectl still works
    const flagged = await sea(['cluster', 'list'], { ...env, NODE_OPTIONS: '--stack-trace-limit=5' });
    expect(flagged.code).toBe(4);
    expect(flagged.stderr).toContain('V8 rejected the embedded code cache');
    expect(flagged.stderr).toContain('V8 rejected the code cache of undici.cjs');
    const quiet = await sea(['--version'], { PATH: '/usr/bin:/bin', NODE_OPTIONS: '--stack-trace-limit=5' });
    expect(quiet).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('the .sha256 file and SHA256SUMS match the release artifacts (sha256sum -c)', async () => {
    const line = readFileSync(`${SEA}.sha256`, 'utf8');
    expect(line).toBe(`${createHash('sha256').update(readFileSync(SEA)).digest('hex')}  edgectl-linux-x64\n`);
    const check = await exec('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(PROJECT_ROOT, 'dist') });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.split('\n').filter(Boolean).sort()).toEqual(['edgectl-linux-x64: OK', 'install-edgectl.sh: OK', 'rke2.sh: OK']);
    expect(readFileSync(join(PROJECT_ROOT, 'dist/rke2.sh')).equals(readFileSync(join(PROJECT_ROOT, 'scripts/rke2.sh')))).toBe(true);
  });
});

describe('bootstrap and agent join with the executable on container hosts', () => {
  // the container lab's hosts always run the single executable (bind-mounted at /opt/edgectl)
  let lab: ContainerLab;
  let server: ContainerLabHost;
  let clusterId: string;
  const common = (): string[] => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

  beforeAll(async () => {
    lab = await createContainerLab();
  }, 900_000);
  afterAll(async () => {
    await lab?.close();
  }, 300_000);

  it('rke2 server bootstraps a cluster whose token lands in Vault', async () => {
    server = await lab.host('seasrv1', '10.78.0.225');
    const r = await server.edgectl(['rke2', 'server', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    clusterId = r.stdout.trim();
    expect(clusterId).toMatch(/^rke2-[a-z0-9]{8}$/);
    const token = server.read('/var/lib/rancher/rke2/server/token')?.trim();
    const data = await lab.bao.api('GET', `kv/data/rke2/${clusterId}`);
    expect(data.json.data.data).toMatchObject({ token, state: 'ready', server: `https://${server.address}:9345` });
  });

  it('rke2 agent --cluster-id joins with the token from Vault, after the CA check', async () => {
    const agent = await lab.host('seaagt1', '10.78.0.226');
    const r = await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...common(), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { cluster_id: string; steps: Array<{ id: string }> };
    expect(out.cluster_id).toBe(clusterId);
    expect(out.steps.map((s) => s.id)).toEqual(['ca-check', 'cluster-id', 'install', 'vault-node']);
    expect(agent.read('/etc/rancher/rke2/edgectl-token')?.trim()).toBe(server.read('/var/lib/rancher/rke2/server/token')?.trim());
    expect(statSync(agent.root('/etc/rancher/rke2/edgectl-token')).mode & 0o777).toBe(0o600);
  });

  it('cluster list through the executable shows the cluster and both nodes are recorded', async () => {
    const r = await server.edgectl(['cluster', 'list', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { clusters: Array<{ id: string }> }).clusters.map((c) => c.id)).toContain(clusterId);
    const nodes = await lab.bao.api('LIST', `kv/metadata/rke2/${clusterId}/nodes`);
    expect([...(nodes.json.data.keys as string[])].sort()).toEqual(['seaagt1', 'seasrv1']);
  });
});
