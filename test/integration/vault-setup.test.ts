/**
 * `edgectl vault setup` against a real OpenBao (root token): an empty server
 * set up, then again with nothing changed (text and JSON); --dry-run lists the
 * exact calls and changes nothing; setup inside a namespace; a KV v1 mount
 * refused before any change; the generated per-cluster policies and AppRole
 * roles pass `vault check` for their role, and an agent's credential cannot
 * read another cluster's secret.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRun, runEdgectl } from '../support/context.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { rootEnv } from '../support/vault.js';
import { basePolicies, clusterPolicies, renderPolicy, setupAdminPolicyRules } from '../../src/core/vault-policies.js';

let bao: OpenBao;
const edgectl = (argv: string[], env: Record<string, string> = {}): Promise<TestRun> => runEdgectl(argv, { env: rootEnv(bao, env) });
const json = (run: TestRun): any => JSON.parse(run.stdout); // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect the documented JSON

beforeAll(async () => {
  bao = await startOpenBao();
});
afterAll(async () => {
  await bao?.stop();
});

/** What exists in a namespace: the KV mount, the approle auth method, the edgectl policies. */
async function snapshot(namespace?: string): Promise<{ mounts: string[]; auth: string[]; policies: string[] }> {
  const ns = namespace === undefined ? {} : { namespace };
  const mounts = Object.keys((await bao.api('GET', 'sys/mounts', undefined, ns)).json.data).sort();
  const auth = Object.keys((await bao.api('GET', 'sys/auth', undefined, ns)).json.data).sort();
  const policies = ((await bao.api('GET', 'sys/policies/acl?list=true', undefined, { ...ns, allow: [404] })).json?.data?.keys ?? []) as string[];
  return { mounts, auth, policies: policies.filter((p) => p.startsWith('edgectl-')).sort() };
}

describe('vault setup on an empty OpenBao', () => {
  it('creates the mount, the AppRole method and the policies; the second run changes nothing and says so', async () => {
    expect((await snapshot()).mounts).not.toContain('kv/');
    const first = await edgectl(['vault', 'setup', '-o', 'json']);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const out = json(first);
    expect(out).toMatchObject({ dry_run: false, namespace: null, mount: 'kv', approle_mount: 'approle', cluster_id: null, changed: true });
    expect(out.items).toEqual([
      { kind: 'mount', name: 'kv', status: 'created' },
      { kind: 'auth-method', name: 'approle', status: 'created' },
      { kind: 'policy', name: 'edgectl-operator', status: 'created' },
      { kind: 'policy', name: 'edgectl-bootstrap', status: 'created' },
    ]);
    expect(out.steps[0].changes).toEqual(['POST sys/mounts/kv {"type":"kv","options":{"version":"2"}}']);
    expect(out.steps[1].changes).toEqual(['POST sys/auth/approle {"type":"approle"}']);
    // read back: what Vault holds is what the module renders
    const mount = (await bao.api('GET', 'sys/mounts')).json.data['kv/'];
    expect(mount).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect((await bao.api('GET', 'sys/auth')).json.data['approle/'].type).toBe('approle');
    for (const p of basePolicies('kv')) expect((await bao.api('GET', `sys/policies/acl/${p.name}`)).json.data.policy).toBe(p.hcl);

    const again = await edgectl(['vault', 'setup']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged: mount kv/ (KV v2)');
    expect(again.stdout).toContain('unchanged: auth method approle/ (AppRole)');
    expect(again.stdout).toContain('unchanged: policy edgectl-operator');
    expect(again.stdout).toContain('unchanged: policy edgectl-bootstrap');
    expect(again.stdout).toContain(`nothing changed: Vault at ${bao.addr} was already set up for edgectl`);
    expect(again.stdout).not.toMatch(/^(created|updated):/m);

    const againJson = json(await edgectl(['vault', 'setup', '-o', 'json']));
    expect(againJson.changed).toBe(false);
    expect(againJson.items.every((i: { status: string }) => i.status === 'unchanged')).toBe(true);
    expect(againJson.steps.flatMap((s: { changes: string[] }) => s.changes)).toEqual([]);
  });

  it('a policy changed by hand is rewritten (updated), and only it', async () => {
    await bao.api('PUT', 'sys/policies/acl/edgectl-operator', { policy: 'path "kv/data/*" { capabilities = ["read"] }\n' });
    const run = json(await edgectl(['vault', 'setup', '-o', 'json']));
    expect(run.changed).toBe(true);
    expect(run.items.filter((i: { status: string }) => i.status !== 'unchanged')).toEqual([{ kind: 'policy', name: 'edgectl-operator', status: 'updated' }]);
    expect(run.steps[2].changes).toEqual([`PUT sys/policies/acl/edgectl-operator ${JSON.stringify({ policy: basePolicies('kv')[0]?.hcl })}`]);
    expect((await bao.api('GET', 'sys/policies/acl/edgectl-operator')).json.data.policy).toBe(basePolicies('kv')[0]?.hcl);
  });

  it('--cluster-id adds the two policies and the two AppRole roles with exactly the documented settings', async () => {
    const run = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-setup001', '-o', 'json']);
    expect(run.code).toBe(0);
    const out = json(run);
    expect(out.items.filter((i: { status: string }) => i.status !== 'unchanged').map((i: { kind: string; name: string; status: string }) => `${i.status} ${i.kind} ${i.name}`)).toEqual([
      'created policy edgectl-rke2-setup001-server',
      'created policy edgectl-rke2-setup001-agent',
      'created approle-role edgectl-rke2-setup001-server',
      'created approle-role edgectl-rke2-setup001-agent',
    ]);
    for (const p of clusterPolicies('kv', 'rke2-setup001')) expect((await bao.api('GET', `sys/policies/acl/${p.name}`)).json.data.policy).toBe(p.hcl);
    for (const role of ['server', 'agent']) {
      const name = `edgectl-rke2-setup001-${role}`;
      const d = (await bao.api('GET', `auth/approle/role/${name}`)).json.data;
      expect(d).toMatchObject({
        token_policies: [name],
        token_ttl: 900,
        token_max_ttl: 3600,
        secret_id_num_uses: 1,
        secret_id_ttl: 86400,
        bind_secret_id: true,
        token_type: 'service',
        token_no_default_policy: false,
      });
      const roleId = (await bao.api('GET', `auth/approle/role/${name}/role-id`)).json.data.role_id;
      expect(out.items.find((i: { name: string; kind: string }) => i.kind === 'approle-role' && i.name === name).role_id).toBe(roleId);
    }
    expect(out.steps[4].changes[1]).toBe(
      'POST auth/approle/role/edgectl-rke2-setup001-agent {"token_policies":["edgectl-rke2-setup001-agent"],"token_ttl":"15m","token_max_ttl":"1h","secret_id_num_uses":1,"secret_id_ttl":"24h","bind_secret_id":true,"token_type":"service","token_no_default_policy":false}',
    );

    const again = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-setup001']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged: AppRole role edgectl-rke2-setup001-agent');
    expect(again.stdout).toContain('nothing changed');

    // a role loosened by hand is put back
    await bao.api('POST', 'auth/approle/role/edgectl-rke2-setup001-agent', { secret_id_num_uses: 0, token_ttl: '30m' });
    const fixed = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-setup001']);
    expect(fixed.stdout).toContain('updated: AppRole role edgectl-rke2-setup001-agent');
    expect((await bao.api('GET', 'auth/approle/role/edgectl-rke2-setup001-agent')).json.data).toMatchObject({ secret_id_num_uses: 1, token_ttl: 900 });
  });
});

describe('vault setup --dry-run', () => {
  it('lists the exact calls and changes nothing (read back)', async () => {
    await bao.api('POST', 'sys/namespaces/team-dry', {});
    const before = await snapshot('team-dry');
    const run = await edgectl(['vault', 'setup', '--dry-run', '--cluster-id', 'rke2-dry00001', '-o', 'json', '--vault-namespace', 'team-dry']);
    expect(run.code).toBe(0);
    const out = json(run);
    expect(out).toMatchObject({ dry_run: true, namespace: 'team-dry', mount: 'kv', cluster_id: 'rke2-dry00001' });
    const changes = out.plan.flatMap((s: { changes: string[] }) => s.changes);
    const [operator, bootstrap] = basePolicies('kv');
    const [server, agent] = clusterPolicies('kv', 'rke2-dry00001');
    expect(changes).toEqual([
      'POST sys/mounts/kv {"type":"kv","options":{"version":"2"}}',
      'POST sys/auth/approle {"type":"approle"}',
      `PUT sys/policies/acl/edgectl-operator ${JSON.stringify({ policy: operator?.hcl })}`,
      `PUT sys/policies/acl/edgectl-bootstrap ${JSON.stringify({ policy: bootstrap?.hcl })}`,
      `PUT sys/policies/acl/edgectl-rke2-dry00001-server ${JSON.stringify({ policy: server?.hcl })}`,
      `PUT sys/policies/acl/edgectl-rke2-dry00001-agent ${JSON.stringify({ policy: agent?.hcl })}`,
      expect.stringMatching(/^POST auth\/approle\/role\/edgectl-rke2-dry00001-server \{"token_policies":\["edgectl-rke2-dry00001-server"\],"token_ttl":"15m"/),
      expect.stringMatching(/^POST auth\/approle\/role\/edgectl-rke2-dry00001-agent \{/),
    ]);
    const text = await edgectl(['vault', 'setup', '--dry-run', '--namespace', 'team-dry']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('POST sys/mounts/kv {"type":"kv","options":{"version":"2"}}');
    expect(text.stdout).toContain('(dry run: nothing was changed)');
    expect(await snapshot('team-dry')).toEqual(before);
    expect(before.policies).toEqual([]);
    // the real run makes exactly the calls the dry run listed, in order
    const real = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-dry00001', '-o', 'json', '--vault-namespace', 'team-dry']);
    expect(real.code).toBe(0);
    expect(json(real).steps.flatMap((s: { changes: string[] }) => s.changes)).toEqual(changes);
  });

  it('on a set-up Vault: no calls, everything unchanged', async () => {
    const run = json(await edgectl(['vault', 'setup', '--dry-run', '--cluster-id', 'rke2-setup001', '-o', 'json']));
    expect(run.plan.flatMap((s: { changes: string[] }) => s.changes)).toEqual([]);
    expect(run.plan.flatMap((s: { actions: string[] }) => s.actions)).toContain('unchanged: policy edgectl-rke2-setup001-agent');
  });
});

describe('vault setup inside a namespace', () => {
  it('sets everything up there (--namespace, an alias of --vault-namespace), nothing outside', async () => {
    await bao.api('POST', 'sys/namespaces/team-s', {});
    const rootBefore = await snapshot();
    const run = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-nsset001', '--namespace', 'team-s', '-o', 'json']);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ namespace: 'team-s', changed: true });
    const inNs = await snapshot('team-s');
    expect(inNs.mounts).toContain('kv/');
    expect(inNs.auth).toContain('approle/');
    expect(inNs.policies).toEqual(['edgectl-bootstrap', 'edgectl-operator', 'edgectl-rke2-nsset001-agent', 'edgectl-rke2-nsset001-server']);
    expect((await bao.api('GET', 'auth/approle/role/edgectl-rke2-nsset001-agent', undefined, { namespace: 'team-s' })).status).toBe(200);
    expect(await snapshot()).toEqual(rootBefore);
    const again = await edgectl(['vault', 'setup', '--cluster-id', 'rke2-nsset001'], { VAULT_NAMESPACE: 'team-s' });
    expect(again.stdout).toContain('nothing changed: Vault at');
    expect(again.stdout).toContain('namespace team-s');
    // the alias works on every command that takes the Vault flags
    const list = await edgectl(['cluster', 'list', '-o', 'json', '--namespace', 'team-s']);
    expect(list.code).toBe(0);
    expect(json(list)).toMatchObject({ namespace: 'team-s', clusters: [] });
  });

  it('--namespace and --vault-namespace that differ are a usage error', async () => {
    const run = await edgectl(['vault', 'setup', '--namespace', 'team-s', '--vault-namespace', 'team-x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--namespace and --vault-namespace differ');
  });
});

describe('the privileges vault setup needs', () => {
  it('a token holding only the README setup-admin policy (and default) sets a namespace up, a cluster included', async () => {
    await bao.api('POST', 'sys/namespaces/team-adm', {});
    const ns = { namespace: 'team-adm' };
    await bao.api('PUT', 'sys/policies/acl/setup-admin', { policy: renderPolicy(setupAdminPolicyRules('kv', 'approle')) }, ns);
    const token = (await bao.api('POST', 'auth/token/create', { policies: ['setup-admin'], ttl: '10m' }, ns)).json.auth.client_token as string;
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token, VAULT_NAMESPACE: 'team-adm' };
    const run = await runEdgectl(['vault', 'setup', '--cluster-id', 'rke2-admin001', '-o', 'json'], { env });
    expect(run.stderr).not.toMatch(/error|denied/i);
    expect(run.code).toBe(0);
    expect(json(run).items.every((i: { status: string }) => i.status === 'created')).toBe(true);
    const again = await runEdgectl(['vault', 'setup', '--cluster-id', 'rke2-admin001'], { env });
    expect(again.stdout).toContain('nothing changed');
    // and no more: it cannot write a policy that is not edgectl's
    const other = await bao.api('PUT', 'sys/policies/acl/root-like', { policy: 'path "*" { capabilities = ["sudo"] }' }, { token, ...ns, allow: [403] });
    expect(other.status).toBe(403);
  });
});

describe('vault setup refuses', () => {
  it('a KV v1 mount at the path (exit 6), before anything changes', async () => {
    await bao.api('POST', 'sys/namespaces/team-v1', {});
    await enableKv(bao, 'kv', 1, 'team-v1');
    const before = await snapshot('team-v1');
    const run = await edgectl(['vault', 'setup', '--vault-namespace', 'team-v1']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('mount "kv/" in namespace team-v1 is KV version 1; vault setup neither converts nor replaces it');
    expect(await snapshot('team-v1')).toEqual(before);
    expect(before.auth).not.toContain('approle/');
    expect((await bao.api('GET', 'sys/mounts', undefined, { namespace: 'team-v1' })).json.data['kv/'].options?.version ?? '1').toBe('1');
    const dry = await edgectl(['vault', 'setup', '--dry-run', '--vault-namespace', 'team-v1']);
    expect(dry.code).toBe(6);
  });

  it('another auth method at the AppRole path (exit 6)', async () => {
    await bao.api('POST', 'sys/auth/userpass-here', { type: 'userpass' });
    const run = await edgectl(['vault', 'setup', '--approle-mount', 'userpass-here']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('auth method "userpass-here/" is userpass, not AppRole');
  });

  it('a malformed --approle-mount (exit 2) before any network access', async () => {
    const run = await runEdgectl(['vault', 'setup', '--approle-mount', '../sys'], { env: { VAULT_ADDR: 'http://127.0.0.1:1', VAULT_TOKEN: 'x' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid AppRole auth mount');
  });
});

describe('the generated credentials', () => {
  /** A fresh secret ID for a role and its role ID: an AppRole login as a joining host would make it. */
  async function appRoleEnv(role: string, namespace?: string): Promise<Record<string, string>> {
    const ns = namespace === undefined ? {} : { namespace };
    const roleId = (await bao.api('GET', `auth/approle/role/${role}/role-id`, undefined, ns)).json.data.role_id as string;
    const secretId = (await bao.api('POST', `auth/approle/role/${role}/secret-id`, {}, ns)).json.data.secret_id as string;
    return { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId, ...(namespace === undefined ? {} : { VAULT_NAMESPACE: namespace }) };
  }

  it.each([['server'], ['agent']])('a login with the %s role passes vault check --role for it and its cluster', async (role) => {
    const run = await runEdgectl(['vault', 'check', '--role', role, '--cluster-id', 'rke2-setup001', '-o', 'json'], { env: await appRoleEnv(`edgectl-rke2-setup001-${role}`) });
    const out = json(run);
    expect(out.roles).toEqual({ [role]: true });
    const caps = out.checks.find((c: { name: string }) => c.name === 'capabilities');
    expect(caps.status).toBe('pass');
    expect(caps.fix).toBeNull(); // the optional day-2 lines too
    expect(run.code).toBe(0);
    // the same credential serves no other cluster
    const other = await runEdgectl(['vault', 'check', '--role', role, '--cluster-id', 'rke2-setup002'], { env: await appRoleEnv(`edgectl-rke2-setup001-${role}`) });
    expect(other.code).toBe(5);
  });

  it('an operator token passes vault check --role operator', async () => {
    const token = (await bao.api('POST', 'auth/token/create', { policies: ['edgectl-operator'], ttl: '10m' })).json.auth.client_token as string;
    const run = await runEdgectl(['vault', 'check', '--role', 'operator', '--cluster-id', 'rke2-setup001', '-o', 'json'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: token } });
    expect(json(run).checks.find((c: { name: string }) => c.name === 'capabilities')).toMatchObject({ status: 'pass', fix: null });
    expect(run.code).toBe(0);
  });

  it('an agent credential reads its own cluster and cannot read another cluster\'s secret or its admin kubeconfig (403)', async () => {
    expect((await edgectl(['vault', 'setup', '--cluster-id', 'rke2-setup002'])).code).toBe(0);
    for (const id of ['rke2-setup001', 'rke2-setup002']) {
      await bao.api('POST', `kv/data/rke2/${id}`, { data: { token: `K10x::server:${id}-secret`, server: 'https://10.0.0.1:9345', state: 'ready' } });
    }
    await bao.api('POST', 'kv/data/rke2-admin/rke2-setup001/kubeconfig', { data: { kubeconfig: 'apiVersion: v1' } });
    const env = await appRoleEnv('edgectl-rke2-setup001-agent');
    const login = await bao.api('POST', 'auth/approle/login', { role_id: env.VAULT_ROLE_ID, secret_id: env.VAULT_SECRET_ID });
    const token = login.json.auth.client_token as string;
    expect(login.json.auth.policies).toEqual(['default', 'edgectl-rke2-setup001-agent']);
    expect(login.json.auth.lease_duration).toBe(900);
    const get = async (path: string): Promise<number> => {
      const res = await fetch(`${bao.addr}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
      await res.text();
      return res.status;
    };
    expect(await get('kv/data/rke2/rke2-setup001')).toBe(200);
    expect(await get('kv/data/rke2/rke2-setup002')).toBe(403);
    expect(await get('kv/data/rke2-admin/rke2-setup001/kubeconfig')).toBe(403);
    // single use: the secret ID logged in once and is spent
    const second = await bao.api('POST', 'auth/approle/login', { role_id: env.VAULT_ROLE_ID, secret_id: env.VAULT_SECRET_ID }, { allow: [400, 403] });
    expect(second.status).not.toBe(200);
  });
});

describe('the single executable (dist/edgectl-linux-x64, npm run build:sea)', () => {
  it('sets a namespace up and, run again, changes nothing', async () => {
    await bao.api('POST', 'sys/namespaces/team-sea', {});
    const run = (): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(join(PROJECT_ROOT, 'dist/edgectl-linux-x64'), ['vault', 'setup', '--cluster-id', 'rke2-sea00001', '--namespace', 'team-sea', '-o', 'json'], {
        env: { PATH: process.env.PATH, VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
        encoding: 'utf8',
      });
    const first = run();
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ namespace: 'team-sea', changed: true });
    const second = run();
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: false });
    expect((await bao.api('GET', 'auth/approle/role/edgectl-rke2-sea00001-server', undefined, { namespace: 'team-sea' })).json.data.token_ttl).toBe(900);
  });
});
