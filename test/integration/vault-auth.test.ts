/**
 * Authentication, authorization and namespaces against a real OpenBao: token
 * from the environment and ~/.vault-token, AppRole with plain and
 * response-wrapped secret IDs (a wrapped one works exactly once), a
 * policy-limited token getting a 403 that names path and capability, an
 * invalid token told apart from a missing capability, and namespaces that
 * isolate clusters. No token or secret ID ever appears in output.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError } from '../../src/adapters/vault/errors.js';
import type { NewCluster } from '../../src/app/registry.js';
import { Secret } from '../../src/core/secret.js';
import { type TestRun, runEdgectl } from '../support/context.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { rootEnv, tempDir, tokenWithPolicy, vaultFrom, clusterFixture } from '../support/vault.js';

let bao: OpenBao;
let home: ReturnType<typeof tempDir>;
let roleId: string;
/** every secret handed to edgectl in this file, to prove none is ever printed */
const secrets: string[] = [];

const cluster = (id: string): NewCluster => clusterFixture(id);

const OPERATOR_POLICY = `
path "kv/data/rke2/*" { capabilities = ["create", "read", "update"] }
path "kv/metadata/rke2/*" { capabilities = ["read", "patch", "list", "delete"] }
`;

async function rejection(p: Promise<unknown>): Promise<VaultError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VaultError) return err;
    throw err;
  }
  throw new Error('expected a VaultError');
}

async function newSecretId(opts: { wrap?: boolean; namespace?: string } = {}): Promise<string> {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  if (opts.wrap === true) {
    // bao.api cannot set X-Vault-Wrap-TTL: call the endpoint directly with it
    const res = await fetch(`${bao.addr}/v1/auth/approle/role/edge/secret-id`, {
      method: 'POST',
      headers: { 'X-Vault-Token': bao.rootToken, 'X-Vault-Wrap-TTL': '300s', ...(opts.namespace === undefined ? {} : { 'X-Vault-Namespace': opts.namespace }) },
    });
    const json = (await res.json()) as { wrap_info: { token: string } };
    secrets.push(json.wrap_info.token);
    return json.wrap_info.token;
  }
  const res = await bao.api('POST', 'auth/approle/role/edge/secret-id', {}, ns);
  const sid = res.json.data.secret_id as string;
  secrets.push(sid);
  return sid;
}

function noSecretsIn(run: TestRun): void {
  for (const s of [...secrets, bao.rootToken]) {
    expect(run.stdout).not.toContain(s);
    expect(run.stderr).not.toContain(s);
  }
}

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  home = tempDir('edgectl-home-');
  await bao.api('PUT', 'sys/policies/acl/edgectl-operator', { policy: OPERATOR_POLICY });
  await bao.api('POST', 'sys/auth/approle', { type: 'approle' });
  await bao.api('POST', 'auth/approle/role/edge', { token_policies: ['edgectl-operator'], token_ttl: '10m' });
  roleId = (await bao.api('GET', 'auth/approle/role/edge/role-id')).json.data.role_id as string;
  const seed = vaultFrom(rootEnv(bao));
  await seed.registry.registerCluster(cluster('rke2-auth0001'));
  await seed.client.close();
});
afterAll(async () => {
  await bao?.stop();
  home?.cleanup();
});

describe('token auth', () => {
  it('uses VAULT_TOKEN', async () => {
    const run = await runEdgectl(['cluster', 'list', '-o', 'json'], { env: rootEnv(bao) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).clusters.map((c: { id: string }) => c.id)).toEqual(['rke2-auth0001']);
    noSecretsIn(run);
  });

  it('falls back to ~/.vault-token', async () => {
    writeFileSync(join(home.path, '.vault-token'), `${bao.rootToken}\n`, { mode: 0o600 });
    const run = await runEdgectl(['cluster', 'show', 'rke2-auth0001', '-o', 'json'], { env: { VAULT_ADDR: bao.addr }, homeDir: home.path });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).id).toBe('rke2-auth0001');
    noSecretsIn(run);
  });

  it('fails with exit 5 and says what to set when there are no credentials', async () => {
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: bao.addr }, homeDir: '/nonexistent-home' });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('no Vault credentials: VAULT_TOKEN is not set and /nonexistent-home/.vault-token does not exist');
    expect(run.stderr).toContain('hint: set VAULT_TOKEN, run bao login');
  });

  it('tells an invalid token (exit 5, auth) apart from a missing capability', async () => {
    const bogus = 's.thisTokenDoesNotExist0';
    secrets.push(bogus);
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bogus });
    try {
      const err = await rejection(v.registry.readCluster('rke2-auth0001'));
      expect(err.reason).toBe('auth');
      expect(err.exitCode).toBe(5);
      expect(err.message).toContain('Vault refused the token from VAULT_TOKEN: it is invalid, expired or revoked');
      expect(err.message).not.toContain(bogus);
    } finally {
      await v.client.close();
    }
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: bogus, EDGECTL_DEBUG: '1' } });
    expect(run.code).toBe(5);
    noSecretsIn(run);
  });
});

describe('a policy-limited token', () => {
  it('gets a 403 naming the path and the capability it lacks (exit 5)', async () => {
    const readOnly = await tokenWithPolicy(bao, 'rke2-read', 'path "kv/data/rke2/*" { capabilities = ["read"] }');
    secrets.push(readOnly);
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly });
    try {
      // reading is allowed
      expect((await v.registry.readCluster('rke2-auth0001')).server).toBe('https://10.0.0.1:9345');
      const create = await rejection(v.registry.registerCluster(cluster('rke2-auth0002')));
      expect(create.reason).toBe('denied');
      expect(create.status).toBe(403);
      expect(create.exitCode).toBe(5);
      expect(create.message).toBe('permission denied: POST kv/data/rke2/rke2-auth0002 needs the "create" capability on kv/data/rke2/rke2-auth0002 in the token\'s policy');
      const list = await rejection(v.registry.listClusters());
      expect(list.message).toBe('permission denied: LIST kv/metadata/rke2 needs the "list" capability on kv/metadata/rke2 in the token\'s policy');
    } finally {
      await v.client.close();
    }
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('needs the "list" capability on kv/metadata/rke2');
    const check = await runEdgectl(['vault', 'check'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly } });
    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/^FAIL {2}capabilities {2}the token's policy lacks create\+update on kv\/data\/rke2\/rke2-00000000 \(register and update the cluster secret\);/m);
    expect(check.stdout).toContain('path "kv/data/rke2/*" { capabilities = ["create", "update"] }');
    expect(check.stdout).toContain('path "kv/metadata/rke2/*" { capabilities = ["read", "patch", "list"] }');
    noSecretsIn(run);
    noSecretsIn(check);
  });
});

/** The policy in the README under <!-- policy: NAME -->, for the mount kv, with the example cluster ID replaced. */
function readmePolicy(name: string, clusterId: string): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- policy: ${name} -->\\n\`\`\`hcl\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (m?.[1] === undefined) throw new Error(`README has no policy ${name}`);
  return m[1].replaceAll('rke2-abc12345', clusterId);
}

describe('the README policies, pasted as they are', () => {
  const ID = 'rke2-pol00001';
  const entry = { role: 'agent' as const, hostname: 'a1', ip: '10.0.0.7', rke2_version: 'v1.30.1+rke2r1', joined_at: '2026-03-04T06:00:00Z' };

  it('server: registers, updates and records nodes; cannot list or delete; vault check --role server passes', async () => {
    const token = await tokenWithPolicy(bao, 'edgectl-server', readmePolicy('edgectl-server', ID));
    secrets.push(token);
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    try {
      const rec = await v.registry.registerCluster({ ...cluster(ID), tags: { env: 'prod' } });
      await v.registry.updateCluster(rec, { state: 'ready', metadata: { tags: { env: 'prod', site: 'ber' } } });
      await v.registry.recordNode(ID, 'srv-1', { ...entry, role: 'server' });
      expect((await v.registry.readCluster(ID)).metadata.tags).toEqual({ env: 'prod', site: 'ber' });
      await v.kv.write(`rke2-admin/${ID}/kubeconfig`, { kubeconfig: 'apiVersion: v1' }, { cas: 0 });
      expect((await rejection(v.registry.listClusters())).reason).toBe('denied');
      expect((await rejection(v.registry.deleteCluster(ID))).reason).toBe('denied');
    } finally {
      await v.client.close();
    }
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token };
    expect((await runEdgectl(['vault', 'check', '--role', 'server'], { env })).code).toBe(0);
    const all = await runEdgectl(['vault', 'check'], { env });
    expect(all.code).toBe(5);
    expect(all.stdout).toContain('list on kv/metadata/rke2/ (cluster list)');
  });

  it('agent: reads its cluster and records its own node; nothing else; vault check --role agent passes', async () => {
    const token = await tokenWithPolicy(bao, `edgectl-agent-${ID}`, readmePolicy('edgectl-agent', ID));
    secrets.push(token);
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    try {
      expect((await v.registry.readCluster(ID)).token.reveal()).toContain('joinsecret');
      expect((await v.registry.recordNode(ID, 'a1', entry)).version).toBe(1);
      expect((await v.registry.recordNode(ID, 'a1', entry)).version).toBe(2); // a re-run of the join
      expect((await rejection(v.registry.updateCluster(await v.registry.readCluster(ID), { state: 'ready' }))).reason).toBe('denied');
      expect((await rejection(v.registry.listClusters())).reason).toBe('denied');
      expect((await rejection(v.kv.read(`rke2-admin/${ID}/kubeconfig`))).reason).toBe('denied');
      expect((await rejection(v.registry.readCluster('rke2-auth0001'))).reason).toBe('denied');
    } finally {
      await v.client.close();
    }
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token };
    expect((await runEdgectl(['vault', 'check', '--role', 'agent', '--cluster-id', ID], { env })).code).toBe(0);
    expect((await runEdgectl(['vault', 'check', '--role', 'agent', '--cluster-id', 'rke2-auth0001'], { env })).code).toBe(5);
  });

  it('operator: lists (one detailed-metadata LIST), shows and deletes; cannot create; vault check --role operator passes', async () => {
    const token = await tokenWithPolicy(bao, 'edgectl-operator-readme', readmePolicy('edgectl-operator', ID));
    secrets.push(token);
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token };
    const list = await runEdgectl(['cluster', 'list', '-o', 'json'], { env: { ...env, EDGECTL_DEBUG: '1' } });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).clusters.map((c: { id: string }) => c.id)).toContain(ID);
    expect(list.stderr).toContain('vault: LIST kv/detailed-metadata/rke2 → 200');
    expect(list.stderr).not.toContain('unavailable');
    const show = await runEdgectl(['cluster', 'show', ID, '-o', 'json'], { env });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).nodes.map((n: { name: string }) => n.name)).toEqual(['a1', 'srv-1']);
    expect((await runEdgectl(['vault', 'check', '--role', 'operator'], { env })).code).toBe(0);
    const v = vaultFrom(env);
    try {
      expect((await rejection(v.registry.registerCluster(cluster('rke2-pol00002')))).reason).toBe('denied');
    } finally {
      await v.client.close();
    }
    const del = await runEdgectl(['cluster', 'delete', ID, '--yes', '-o', 'json'], { env });
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toEqual({ id: ID, deleted: true, versions: 2, nodes_deleted: 2, kubeconfig_deleted: true });
    for (const s of [list, show, del]) noSecretsIn(s);
  });
});

describe('AppRole', () => {
  it('logs in once per run with VAULT_ROLE_ID + VAULT_SECRET_ID, even for many concurrent requests', async () => {
    const sid = await newSecretId();
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: sid });
    try {
      await Promise.all(Array.from({ length: 20 }, () => v.registry.readCluster('rke2-auth0001')));
      expect(v.client.stats.logins).toBe(1);
      const self = await v.client.lookupSelf();
      expect(self.policies).toContain('edgectl-operator');
    } finally {
      await v.client.close();
    }
  });

  it('reads the secret ID from --vault-secret-id-file and warns when the file is readable by others', async () => {
    const file = join(home.path, 'sid-plain');
    writeFileSync(file, `${await newSecretId()}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const run = await runEdgectl(['cluster', 'list', '-o', 'json', '--vault-secret-id-file', file], { env: { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).clusters.length).toBeGreaterThan(0);
    expect(run.stderr).toContain(`${file} is readable by other users (mode 644); a secret ID file should be 0600`);
    noSecretsIn(run);
  });

  it('unwraps a response-wrapped secret ID; the same wrapped secret ID used twice fails the second time (exit 5)', async () => {
    const file = join(home.path, 'sid-wrapped');
    writeFileSync(file, await newSecretId({ wrap: true }), { mode: 0o600 });
    const env = { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId };
    const first = await runEdgectl(['cluster', 'list', '-o', 'json', '--vault-secret-id-file', file], { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).clusters.map((c: { id: string }) => c.id)).toContain('rke2-auth0001');
    const second = await runEdgectl(['cluster', 'list', '--vault-secret-id-file', file], { env });
    expect(second.code).toBe(5);
    expect(second.stderr).toContain('the response-wrapped secret ID is not valid: it was already unwrapped (a wrapping token works once) or it expired');
    expect(second.stderr).toContain('someone else may have intercepted and unwrapped it: treat the secret ID as compromised');
    expect(second.stderr).toContain('look in the audit log for who unwrapped it');
    noSecretsIn(first);
    noSecretsIn(second);
  });

  it('accepts the JSON that `bao write -wrap-ttl=… -format=json` prints', async () => {
    const token = await newSecretId({ wrap: true });
    const file = join(home.path, 'sid-wrapped.json');
    writeFileSync(file, JSON.stringify({ request_id: '', wrap_info: { token, ttl: 300, creation_path: 'auth/approle/role/edge/secret-id' } }), { mode: 0o600 });
    const run = await runEdgectl(['cluster', 'list', '--vault-secret-id-file', file], { env: { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rke2-auth0001');
  });

  it('refuses a wrapping token that did not come from the AppRole secret-id endpoint', async () => {
    const wrapped = await fetch(`${bao.addr}/v1/sys/wrapping/wrap`, {
      method: 'POST',
      headers: { 'X-Vault-Token': bao.rootToken, 'X-Vault-Wrap-TTL': '300s', 'Content-Type': 'application/json' },
      body: JSON.stringify({ secret_id: 'planted' }),
    });
    const token = ((await wrapped.json()) as { wrap_info: { token: string } }).wrap_info.token;
    secrets.push(token);
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: token } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('the wrapping token was not created by auth/approle/role/<role>/secret-id (creation path "sys/wrapping/wrap"); refusing to use it');
    noSecretsIn(run);
  });

  it('reports a wrong secret ID as a refused login (exit 5)', async () => {
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: 'not-the-secret-id' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('Vault login refused (auth/approle/login): invalid role or secret ID');
    expect(run.stderr).not.toContain('not-the-secret-id');
  });
});

describe('namespaces', () => {
  it('a cluster registered in a namespace is visible there and invisible outside it', async () => {
    await bao.api('POST', 'sys/namespaces/team-a', {});
    await enableKv(bao, 'kv', 2, 'team-a');
    const inNs = vaultFrom(rootEnv(bao, { VAULT_NAMESPACE: 'team-a' }));
    try {
      await inNs.registry.registerCluster(cluster('rke2-ns000001'));
      expect((await inNs.registry.readCluster('rke2-ns000001')).server).toBe('https://10.0.0.1:9345');
      expect((await inNs.registry.listClusters()).map((c) => c.id)).toEqual(['rke2-ns000001']);
    } finally {
      await inNs.client.close();
    }
    // the request really carried the namespace: the secret exists only there
    expect((await bao.api('GET', 'kv/data/rke2/rke2-ns000001', undefined, { namespace: 'team-a' })).status).toBe(200);
    expect((await bao.api('GET', 'kv/data/rke2/rke2-ns000001', undefined, { allow: [404] })).status).toBe(404);

    const outside = await runEdgectl(['cluster', 'show', 'rke2-ns000001'], { env: rootEnv(bao) });
    expect(outside.code).toBe(6);
    expect(outside.stderr).toContain('cluster rke2-ns000001 is not registered in Vault (kv/data/rke2/rke2-ns000001)');
    const rootList = await runEdgectl(['cluster', 'list', '-o', 'json'], { env: rootEnv(bao) });
    expect(JSON.parse(rootList.stdout).clusters.map((c: { id: string }) => c.id)).not.toContain('rke2-ns000001');
    const nsList = await runEdgectl(['cluster', 'list', '-o', 'json', '--vault-namespace', 'team-a'], { env: rootEnv(bao) });
    expect(nsList.code).toBe(0);
    expect(JSON.parse(nsList.stdout)).toMatchObject({ namespace: 'team-a', clusters: [{ id: 'rke2-ns000001' }] });
  });

  it('an AppRole inside the namespace logs in there', async () => {
    await bao.api('PUT', 'sys/policies/acl/edgectl-operator', { policy: OPERATOR_POLICY }, { namespace: 'team-a' });
    await bao.api('POST', 'sys/auth/approle', { type: 'approle' }, { namespace: 'team-a' });
    await bao.api('POST', 'auth/approle/role/edge', { token_policies: ['edgectl-operator'] }, { namespace: 'team-a' });
    const nsRole = (await bao.api('GET', 'auth/approle/role/edge/role-id', undefined, { namespace: 'team-a' })).json.data.role_id as string;
    const sid = await newSecretId({ wrap: true, namespace: 'team-a' });
    const run = await runEdgectl(['cluster', 'list', '-o', 'json'], { env: { VAULT_ADDR: bao.addr, VAULT_NAMESPACE: 'team-a', VAULT_ROLE_ID: nsRole, VAULT_SECRET_ID: sid } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).clusters.map((c: { id: string }) => c.id)).toEqual(['rke2-ns000001']);
  });

  it('a namespace that does not exist: exit 5, named, and vault check says so', async () => {
    const run = await runEdgectl(['cluster', 'list'], { env: rootEnv(bao, { VAULT_NAMESPACE: 'no-such-ns' }) });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`Vault namespace "no-such-ns" does not exist at ${bao.addr}`);
    const check = await runEdgectl(['vault', 'check', '--vault-namespace', 'no-such-ns'], { env: rootEnv(bao) });
    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/^FAIL {2}namespace +Vault namespace "no-such-ns" does not exist/m);
    expect(check.stdout).toMatch(/^SKIP {2}auth/m);
  });
});
