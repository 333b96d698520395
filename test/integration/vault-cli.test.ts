/**
 * `edgectl cluster list|show|delete` and `edgectl vault check` end to end
 * against a real OpenBao, through the real CLI (in-process, and once through
 * the bundled dist/edgectl.cjs): documented --output json shapes, exit codes,
 * the token only with --show-token and alone on stdout, confirmation before a
 * delete, and cluster IDs validated before any network access.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewCluster } from '../../src/core/cluster-records.js';
import { runCli } from '../../src/cli/run.js';
import { Secret } from '../../src/core/secret.js';
import { type TestRun, runEdgectl, testContext } from '../support/context.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { type TestVault, rootEnv, vaultFrom, clusterFixture } from '../support/vault.js';

let bao: OpenBao;
let v: TestVault;
const JOIN_SECRET = 'cli-joinsecret-0123456789';

const cluster = (id: string, extra: Partial<NewCluster> = {}): NewCluster =>
  clusterFixture(id, { token: new Secret(`K10abc::server:${JOIN_SECRET}-${id}`), ...extra });

const edgectl = (argv: string[], env: Record<string, string> = {}): Promise<TestRun> => runEdgectl(argv, { env: rootEnv(bao, env) });

/** Run the CLI as if stdin were a terminal, answering the prompt with `answer`. */
async function onTty(argv: string[], answer: string): Promise<TestRun> {
  const { ctx, out, err } = testContext({ env: rootEnv(bao), stdin: answer });
  const code = await runCli(argv, { ...ctx, stdinIsTTY: true });
  return { code, stdout: out.text, stderr: err.text };
}

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  await enableKv(bao, 'kv1', 1);
  v = vaultFrom(rootEnv(bao));
  const a = await v.registry.registerCluster(cluster('rke2-cli00001', { tags: { env: 'prod', site: 'ber' } }));
  await v.registry.updateCluster(a, { state: 'ready' }, new Date('2026-03-04T06:00:00.000Z'));
  await v.registry.registerCluster(cluster('rke2-cli00002', { hostname: 'srv-2', ip: '10.0.0.2', tags: { env: 'dev' } }));
  const entry = { role: 'server' as const, hostname: 'srv-1', ip: '10.0.0.1', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T05:10:00Z' };
  await v.registry.recordNode('rke2-cli00001', 'srv-1', entry);
  await v.registry.recordNode('rke2-cli00001', 'agent-1', { ...entry, role: 'agent', hostname: 'agent-1', ip: '10.0.0.11', joined_at: '2026-03-04T05:20:00Z' });
});
afterAll(async () => {
  await v?.client.close();
  await bao?.stop();
});

describe('edgectl cluster list', () => {
  it('--output json: the documented shape, no secrets', async () => {
    const run = await edgectl(['cluster', 'list', '-o', 'json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toEqual({
      mount: 'kv',
      namespace: null,
      clusters: [
        {
          id: 'rke2-cli00001',
          created_at: '2026-03-04T05:06:07.000Z',
          hostname: 'srv-1',
          ip: '10.0.0.1',
          rke2_version: 'v1.30.1+rke2r1',
          tags: { env: 'prod', site: 'ber' },
          current_version: 2,
          updated_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          deleted: false,
        },
        expect.objectContaining({ id: 'rke2-cli00002', hostname: 'srv-2', ip: '10.0.0.2', tags: { env: 'dev' }, current_version: 1 }),
      ],
    });
    expect(run.stdout + run.stderr).not.toContain(JOIN_SECRET);
  });

  it('text: a table on stdout, progress on stderr; --tag filters', async () => {
    const run = await edgectl(['cluster', 'list', '--tag', 'env=prod']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'ID             CREATED                   HOSTNAME  IP        RKE2            TAGS\n' +
        'rke2-cli00001  2026-03-04T05:06:07.000Z  srv-1     10.0.0.1  v1.30.1+rke2r1  env=prod,site=ber\n',
    );
    expect(run.stderr).toMatch(/✓ listing clusters under kv\/metadata\/rke2\/: 1 cluster/);
  });

  it('an empty registry: json with no clusters, nothing on stdout as text', async () => {
    const json = await edgectl(['cluster', 'list', '-o', 'json', '--tag', 'env=none']);
    expect(JSON.parse(json.stdout).clusters).toEqual([]);
    const text = await edgectl(['cluster', 'list', '--tag', 'env=none']);
    expect(text).toMatchObject({ code: 0, stdout: '' });
  });

  it('without any Vault address: exit 3 with what to set', async () => {
    const run = await runEdgectl(['cluster', 'list'], { env: {} });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no Vault address: set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr');
  });

  it('on a KV v1 mount: exit 6, says so', async () => {
    const run = await edgectl(['cluster', 'list', '--vault-mount', 'kv1']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('mount "kv1/" is KV version 1');
  });
});

describe('edgectl cluster show', () => {
  it('--output json: the documented shape, without the token', async () => {
    const run = await edgectl(['cluster', 'show', 'rke2-cli00001', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      id: 'rke2-cli00001',
      server: 'https://10.0.0.1:9345',
      state: 'ready',
      created_at: '2026-03-04T05:06:07.000Z',
      hostname: 'srv-1',
      ip: '10.0.0.1',
      rke2_version: 'v1.30.1+rke2r1',
      tags: { env: 'prod', site: 'ber' },
      current_version: 2,
      versions: 2,
      updated_time: expect.stringMatching(/^\d{4}-/),
      nodes: [
        { name: 'agent-1', role: 'agent', hostname: 'agent-1', ip: '10.0.0.11', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T05:20:00Z' },
        { name: 'srv-1', role: 'server', hostname: 'srv-1', ip: '10.0.0.1', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T05:10:00Z' },
      ],
    });
    expect(run.stdout + run.stderr).not.toContain(JOIN_SECRET);
  });

  it('text: the facts, token hidden', async () => {
    const run = await edgectl(['cluster', 'show', 'rke2-cli00001']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('server    https://10.0.0.1:9345\n');
    expect(run.stdout).toContain('versions  2 kept, current 2\n');
    expect(run.stdout).toContain('token     hidden (--show-token prints it)\n');
    expect(run.stdout).toMatch(/^ {2}agent-1 +agent +10\.0\.0\.11/m);
    expect(run.stdout + run.stderr).not.toContain(JOIN_SECRET);
  });

  it('--show-token: the token alone on stdout, nothing on stderr', async () => {
    const run = await edgectl(['cluster', 'show', 'rke2-cli00001', '--show-token']);
    expect(run).toEqual({ code: 0, stdout: `K10abc::server:${JOIN_SECRET}-rke2-cli00001\n`, stderr: '' });
  });

  it('an unknown cluster: exit 6', async () => {
    const run = await edgectl(['cluster', 'show', 'rke2-unknown0']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('cluster rke2-unknown0 is not registered in Vault (kv/data/rke2/rke2-unknown0)');
  });
});

describe('cluster IDs are validated before any network or disk access', () => {
  it('exits 2 without opening a connection', async () => {
    let connections = 0;
    const server = createServer((s) => {
      connections += 1;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const argv of [
        ['cluster', 'show', '../../sys/seal'],
        ['cluster', 'show', 'rke2-ABC'],
        ['cluster', 'delete', 'a/b', '--yes'],
        ['vault', 'check', '--cluster-id', '-x-'],
      ]) {
        const run = await runEdgectl(argv, { env: { VAULT_ADDR: addr, VAULT_TOKEN: 't' }, homeDir: '/nonexistent-home' });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('invalid cluster ID');
      }
      expect(connections).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('edgectl cluster delete', () => {
  // exit 2 (usage), as for rke2 uninstall and cluster node remove; it was 3 before they were made consistent
  it('refuses without --yes when stdin is not a terminal (exit 2), and deletes nothing', async () => {
    await v.registry.registerCluster(cluster('rke2-del00001'));
    const run = await edgectl(['cluster', 'delete', 'rke2-del00001']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refusing to delete cluster rke2-del00001 without confirmation: stdin is not a terminal');
    expect(run.stderr).toContain('hint: pass --yes');
    expect((await v.registry.readCluster('rke2-del00001')).id).toBe('rke2-del00001');
  });

  it('on a terminal: asks, and a wrong answer deletes nothing (exit 1)', async () => {
    const run = await onTty(['cluster', 'delete', 'rke2-del00001'], 'yes\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Delete cluster rke2-del00001 from Vault at');
    expect(run.stderr).toContain('Type rke2-del00001 to confirm:');
    expect(run.stderr).toContain('not deleted: the confirmation did not match rke2-del00001');
    expect((await v.registry.readCluster('rke2-del00001')).id).toBe('rke2-del00001');
  });

  it('on a terminal: typing the ID deletes it', async () => {
    const run = await onTty(['cluster', 'delete', 'rke2-del00001'], 'rke2-del00001\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('deleted cluster rke2-del00001 (1 version(s), 0 node entries)\n');
    expect(await v.kv.readMetadata('rke2/rke2-del00001')).toBeUndefined();
  });

  it('--yes --output json: the documented shape; nodes and all versions gone; a second delete is exit 6', async () => {
    const rec = await v.registry.registerCluster(cluster('rke2-del00002'));
    await v.registry.updateCluster(rec, { state: 'ready' });
    await v.registry.recordNode('rke2-del00002', 'n1', { role: 'agent', hostname: 'n1', ip: '10.0.0.5', rke2_version: 'v1', joined_at: '2026-01-01T00:00:00Z' });
    const run = await edgectl(['cluster', 'delete', 'rke2-del00002', '--yes', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: 'rke2-del00002', deleted: true, versions: 2, nodes_deleted: 1, kubeconfig_deleted: true });
    expect(await v.kv.readMetadata('rke2/rke2-del00002')).toBeUndefined();
    expect(await v.kv.readMetadata('rke2/rke2-del00002/nodes/n1')).toBeUndefined();
    const again = await edgectl(['cluster', 'delete', 'rke2-del00002', '--yes']);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('cluster rke2-del00002 is not registered in Vault');
  });

  it('--dry-run lists what would go and deletes nothing; registered servers block the delete unless --force', async () => {
    const id = 'rke2-del00003';
    await v.registry.registerCluster(cluster(id));
    const node = (role: 'server' | 'agent', name: string) => v.registry.recordNode(id, name, { role, hostname: name, ip: '10.0.0.5', rke2_version: 'v1', joined_at: '2026-01-01T00:00:00Z' });
    await Promise.all([node('server', 's1'), node('server', 's2'), node('agent', 'a1')]);
    const dry = await edgectl(['cluster', 'delete', id, '--dry-run', '--force', '-o', 'json']); // no --yes needed, no terminal
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({
      id,
      dry_run: true,
      deleted: false,
      versions: 1,
      nodes: [
        { name: 'a1', role: 'agent' },
        { name: 's1', role: 'server' },
        { name: 's2', role: 'server' },
      ],
      kubeconfig_path: `kv/data/rke2-admin/${id}/kubeconfig`,
    });
    const dryText = await edgectl(['cluster', 'delete', id, '--dry-run', '--force']);
    expect(dryText.stdout).toContain('2. delete 3 node entries: a1 (agent), s1 (server), s2 (server)');
    expect(dryText.stdout).toContain('(dry run: nothing was changed)');
    const refused = await edgectl(['cluster', 'delete', id, '--yes']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`cluster ${id} still has registered servers: s1, s2; nothing was deleted`);
    expect(refused.stderr).toContain('--force');
    const dryRefused = await edgectl(['cluster', 'delete', id, '--dry-run']);
    expect(dryRefused.code).toBe(3);
    expect((await v.registry.readCluster(id)).id).toBe(id);
    expect((await v.registry.listNodes(id)).length).toBe(3);
    const forced = await edgectl(['cluster', 'delete', id, '--yes', '--force', '-o', 'json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ id, deleted: true, nodes_deleted: 3 });
    expect(forced.stderr).toContain('while servers are registered (--force): s1, s2');
    expect(await v.kv.readMetadata(`rke2/${id}`)).toBeUndefined();
  });
});

describe('edgectl vault check', () => {
  it('all pass with a root token: one line per check, exit 0', async () => {
    const run = await edgectl(['vault', 'check']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'PASS config',
      'PASS reachable',
      'PASS unsealed',
      'PASS auth',
      'PASS kv-mount',
      'PASS capabilities',
    ]);
    expect(run.stdout).toContain('token from VAULT_TOKEN: policies root; no expiry');
    expect(run.stdout).not.toContain(bao.rootToken);
  });

  it('--output json: the documented shape', async () => {
    const run = await edgectl(['vault', 'check', '-o', 'json', '--cluster-id', 'rke2-cli00001']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ ok: true, address: bao.addr, namespace: null, mount: 'kv', auth: 'token from VAULT_TOKEN', warnings: [] });
    expect(json.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['config', 'pass'],
      ['reachable', 'pass'],
      ['unsealed', 'pass'],
      ['auth', 'pass'],
      ['kv-mount', 'pass'],
      ['capabilities', 'pass'],
    ]);
    // issue 10.2: --role all checks each role; a root token serves all three
    expect(json.checks[5]).toEqual({ name: 'capabilities', status: 'pass', detail: 'serves server, agent, operator on cluster rke2-cli00001', fix: null });
    expect(json.roles).toEqual({ server: true, agent: true, operator: true });
  });

  it('a KV v1 mount fails kv-mount with the fix (exit 6)', async () => {
    const run = await edgectl(['vault', 'check', '--vault-mount', 'kv1', '-o', 'json']);
    expect(run.code).toBe(6);
    const kv = JSON.parse(run.stdout).checks.find((c: { name: string }) => c.name === 'kv-mount');
    expect(kv).toEqual({
      name: 'kv-mount',
      status: 'fail',
      detail: 'mount "kv1/" is KV version 1; edgectl needs KV version 2 (versions, check-and-set, metadata)',
      fix: 'upgrade it in place (bao kv enable-versioning kv1/) or use another mount with --vault-mount',
    });
  });

  it('honours VAULT_KV_MOUNT (issue 15.7): the mount it names is the one checked and listed', async () => {
    const check = await edgectl(['vault', 'check', '-o', 'json'], { VAULT_KV_MOUNT: 'kv1' });
    expect(check.code).toBe(6);
    expect(JSON.parse(check.stdout).mount).toBe('kv1');
    const list = await edgectl(['cluster', 'list', '-o', 'json'], { EDGECTL_VAULT_MOUNT: 'kv', VAULT_KV_MOUNT: 'kv1' });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).mount).toBe('kv');
    expect(list.stderr).toContain('warning: VAULT_KV_MOUNT=kv1 is ignored: EDGECTL_VAULT_MOUNT sets the KV mount to kv');
  });

  it('no address: a failing config line and exit 3', async () => {
    const run = await runEdgectl(['vault', 'check'], { env: {} });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/^FAIL {2}config +no Vault address is configured\n +fix: set VAULT_ADDR/);
    expect(run.stdout).toMatch(/^SKIP {2}reachable/m);
  });

  it('plain http to a remote address is warned about', async () => {
    const run = await runEdgectl(['vault', 'check', '-o', 'json'], { env: { VAULT_ADDR: 'http://192.0.2.1:1', VAULT_TOKEN: 't', VAULT_CLIENT_TIMEOUT: '200ms', VAULT_MAX_RETRIES: '0' } });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('warning: VAULT_ADDR http://192.0.2.1:1 is plain http to a non-loopback address');
    expect(JSON.parse(run.stdout).warnings[0]).toContain('plain http');
  });
});

describe('the bundled CLI (dist/edgectl.cjs)', () => {
  it('lists clusters as JSON with the token only in the environment', () => {
    const build = spawnSync(process.execPath, ['tools/build.mjs'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(build.status).toBe(0);
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist/edgectl.cjs'), 'cluster', 'list', '-o', 'json'], {
      env: { PATH: process.env.PATH, VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).clusters.map((c: { id: string }) => c.id)).toContain('rke2-cli00001');
  });
});
