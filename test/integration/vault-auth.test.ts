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
import type { NewCluster } from '../../src/core/cluster-records.js';
import { Secret } from '../../src/core/secret.js';
import { type TestRun, runEdgectl } from '../support/context.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { rootEnv, tempDir, tokenWithPolicy, vaultFrom, clusterFixture, rejection } from '../support/vault.js';

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

describe('a token that expires during a run (issue 15.5)', () => {
  it('a 403 after the token expired is reported as the expired token (exit 5, log in again), although an earlier 403 found it valid', async () => {
    const policy = readmePolicy('edgectl-operator', 'rke2-abc12345')
      .split('\n')
      .filter((l) => !l.includes('detailed-metadata'))
      .join('\n');
    await bao.api('PUT', 'sys/policies/acl/edgectl-operator-short', { policy });
    const token = (await bao.api('POST', 'auth/token/create', { policies: ['edgectl-operator-short'], ttl: '3s', explicit_max_ttl: '3s' })).json.auth.client_token as string;
    secrets.push(token);
    const v = vaultFrom({ VAULT_ADDR: bao.addr, VAULT_TOKEN: token });
    try {
      // the detailed-metadata LIST is denied (the optional line is missing): a 403 while the token is valid
      expect((await v.registry.listClusters()).map((c) => c.id)).toContain('rke2-auth0001');
      expect(v.debug.filter((l) => l.startsWith('vault: GET auth/token/lookup-self → 200'))).toHaveLength(1);
      // wait until Vault refuses the token
      const deadline = Date.now() + 10_000;
      while ((await bao.api('GET', 'auth/token/lookup-self', undefined, { token, allow: [403] })).status !== 403) {
        if (Date.now() > deadline) throw new Error('the 3s token did not expire');
        await new Promise((r) => setTimeout(r, 200));
      }
      const err = await rejection(v.registry.listClusters());
      expect(err.reason).toBe('auth');
      expect(err.exitCode).toBe(5);
      expect(err.message).toContain('it is invalid, expired or revoked');
      expect(err.hint).toContain('log in again');
    } finally {
      await v.client.close();
    }
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
    // the hint points at the per-role check, not at a check that suggests every role's grants
    expect(run.stderr).toContain('edgectl vault check --role server|agent|operator');
    // issue 10.2: read on kv/data/rke2/* serves no role; the fix is per role, from that role's README policy
    const check = await runEdgectl(['vault', 'check'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly } });
    expect(check.code).toBe(5);
    expect(check.stdout).toMatch(/^FAIL {2}capabilities {2}the token serves none of server, agent, operator on rke2\/\* \(probed with rke2-00000000\): server lacks create\+update on kv\/data\/rke2\/rke2-00000000 \(register and update the cluster secret\);/m);
    // no role was named: no stanzas (another role's lines are no fix), but how to get the role's own
    expect(check.stdout).not.toMatch(/path "/);
    expect(check.stdout).toContain('fix: check the role this token is for, to get the lines of that role\'s README policy it lacks: edgectl vault check --role server|agent|operator [--cluster-id ID]');
    const asServer = await runEdgectl(['vault', 'check', '--role', 'server'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly } });
    expect(asServer.code).toBe(5);
    expect(asServer.stdout).toContain('server: add (from edgectl-server');
    expect(asServer.stdout).toContain('path "kv/data/rke2/*" { capabilities = ["create", "update"] }');
    expect(asServer.stdout).toContain('path "kv/metadata/rke2/*" { capabilities = ["patch"] }');
    expectFixWithinReadme(asServer.stdout, 'rke2-00000000');
    const asOperator = await runEdgectl(['vault', 'check', '--role', 'operator'], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: readOnly } });
    expect(asOperator.stdout).toContain('path "kv/metadata/rke2/*" { capabilities = ["read", "delete", "list"] }');
    expectFixWithinReadme(asOperator.stdout, 'rke2-00000000');
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

/** Every stanza a check suggests must be one of the README policies' stanzas (same path, no more capabilities). */
function expectFixWithinReadme(stdout: string, clusterId: string): void {
  const stanza = /path "([^"]+)"\s*\{\s*capabilities = \[([^\]]*)\]\s*\}/g;
  const caps = (list: string): string[] => [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
  const granted = new Map<string, Set<string>>();
  for (const name of ['edgectl-server', 'edgectl-server-day2', 'edgectl-agent', 'edgectl-operator']) {
    for (const m of readmePolicy(name, clusterId).matchAll(stanza)) {
      const set = granted.get(m[1] ?? '') ?? new Set<string>();
      for (const c of caps(m[2] ?? '')) set.add(c);
      granted.set(m[1] ?? '', set);
    }
  }
  for (const m of stdout.matchAll(stanza)) {
    const readme = granted.get(m[1] ?? '');
    expect(readme, `suggested path ${m[1]} is in no README policy`).toBeDefined();
    for (const c of caps(m[2] ?? '')) expect(readme?.has(c), `README grants no ${c} on ${m[1]}`).toBe(true);
  }
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
    // issue 10.2: the default (--role all) passes a correct server setup and says which role it serves
    const all = await runEdgectl(['vault', 'check'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^PASS {2}capabilities {2}serves server, agent on rke2\/\* \(probed with rke2-00000000\); not operator/m); // a server may do what an agent does
  });

  it('server with the day-2 policy: --role server reports nothing optional missing; without it, names the day-2 stanzas of that cluster only', async () => {
    const token = await tokenWithPolicy(bao, 'edgectl-server-full', `${readmePolicy('edgectl-server', ID)}\n${readmePolicy('edgectl-server-day2', ID)}`);
    secrets.push(token);
    const full = await runEdgectl(['vault', 'check', '--role', 'server', '--cluster-id', ID], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: token } });
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/^PASS {2}capabilities {2}server: create, read, update, patch on cluster rke2-pol00001\n/m);
    const base = await tokenWithPolicy(bao, 'edgectl-server', readmePolicy('edgectl-server', ID));
    secrets.push(base);
    const part = await runEdgectl(['vault', 'check', '--role', 'server', '--cluster-id', ID], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: base } });
    expect(part.code).toBe(0);
    expect(part.stdout).toContain(`path "kv/metadata/rke2/${ID}/nodes/*" { capabilities = ["delete", "list"] }`);
    expectFixWithinReadme(part.stdout, ID);
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
    // issue 10.2: the default role passes for the agent's cluster, and never suggests write access to every cluster
    const all = await runEdgectl(['vault', 'check', '--cluster-id', ID], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^PASS {2}capabilities {2}serves agent on cluster rke2-pol00001; not server, operator/m);
    const noId = await runEdgectl(['vault', 'check'], { env });
    expect(noId.code).toBe(5);
    expect(noId.stdout).toContain('(an agent needs --cluster-id)');
    const agentNoId = await runEdgectl(['vault', 'check', '--role', 'agent'], { env });
    expect(agentNoId.code).toBe(5);
    expect(agentNoId.stdout).toContain('agent: its policy (edgectl-agent) names its cluster: check it with --cluster-id ID');
    const other = await runEdgectl(['vault', 'check', '--role', 'agent', '--cluster-id', 'rke2-auth0001'], { env });
    expect(other.stdout).toContain('path "kv/data/rke2/rke2-auth0001" { capabilities = ["read"] }');
    for (const run of [noId, agentNoId, other]) {
      expect(run.stdout).not.toContain('path "kv/data/rke2/*"');
      expectFixWithinReadme(run.stdout, 'rke2-auth0001');
    }
  });

  it('an agent policy missing its node-entry line: the fix is that line, for that cluster', async () => {
    const policy = readmePolicy('edgectl-agent', ID).split('\n').filter((l) => !l.startsWith(`path "kv/data/rke2/${ID}/nodes/*"`)).join('\n');
    const token = await tokenWithPolicy(bao, `edgectl-agent-partial-${ID}`, policy);
    secrets.push(token);
    const run = await runEdgectl(['vault', 'check', '--role', 'agent', '--cluster-id', ID], { env: { VAULT_ADDR: bao.addr, VAULT_TOKEN: token } });
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(/^FAIL {2}capabilities {2}agent: the token's policy lacks create\+read\+update on kv\/data\/rke2\/rke2-pol00001\/nodes\/probe-node \(its node entry\)$/m);
    expect(run.stdout).toContain(`path "kv/data/rke2/${ID}/nodes/*" { capabilities = ["create", "read", "update"] }`);
    expect(run.stdout).not.toContain('path "kv/data/rke2/*"');
    expectFixWithinReadme(run.stdout, ID);
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
    const all = await runEdgectl(['vault', 'check'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^PASS {2}capabilities {2}serves operator on rke2\/\*/m);
    const v = vaultFrom(env);
    try {
      expect((await rejection(v.registry.registerCluster(cluster('rke2-pol00002')))).reason).toBe('denied');
    } finally {
      await v.client.close();
    }
    // srv-1 is a registered server: cluster delete refuses it without --force
    const del = await runEdgectl(['cluster', 'delete', ID, '--yes', '--force', '-o', 'json'], { env });
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

  it('the mixed form (issue 15.4): VAULT_NAMESPACE=team-m with --vault-mount site-1/kv, a mount of the child namespace team-m/site-1', async () => {
    await bao.api('POST', 'sys/namespaces/team-m', {});
    await bao.api('POST', 'sys/namespaces/site-1', {}, { namespace: 'team-m' });
    await enableKv(bao, 'kv', 2, 'team-m/site-1');
    const seed = vaultFrom(rootEnv(bao, { VAULT_NAMESPACE: 'team-m/site-1' }));
    try {
      await seed.registry.registerCluster(cluster('rke2-mixed001'));
    } finally {
      await seed.client.close();
    }
    const env = rootEnv(bao, { VAULT_NAMESPACE: 'team-m' });
    const list = await runEdgectl(['cluster', 'list', '-o', 'json', '--vault-mount', 'site-1/kv'], { env });
    expect(list.stderr).not.toContain('error');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).clusters.map((c: { id: string }) => c.id)).toEqual(['rke2-mixed001']);
    const check = await runEdgectl(['vault', 'check', '--vault-mount', 'site-1/kv'], { env });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^PASS {2}kv-mount +site-1\/kv\/ is a KV version 2 mount/m);
    // a path inside a mount is still refused
    const inside = await runEdgectl(['cluster', 'list', '--vault-mount', 'site-1/kv/rke2'], { env });
    expect(inside.code).toBe(6);
  });

  it('a token of namespace team-b used with VAULT_NAMESPACE=team-a: a refusal naming the token\'s namespace (exit 5), not a missing mount (issue 15.4)', async () => {
    await bao.api('POST', 'sys/namespaces/team-b', {});
    await enableKv(bao, 'kv', 2, 'team-b');
    const token = await tokenWithPolicy(bao, 'edgectl-operator', readmePolicy('edgectl-operator', 'rke2-abc12345'), 'team-b');
    secrets.push(token);
    const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: token, VAULT_NAMESPACE: 'team-a' };
    const list = await runEdgectl(['cluster', 'list'], { env });
    expect(list.code).toBe(5);
    expect(list.stderr).toContain('the Vault token belongs to namespace "team-b/", which is not "team-a" nor a parent of it');
    expect(list.stderr).not.toContain('does not exist');
    const check = await runEdgectl(['vault', 'check', '-o', 'json'], { env });
    expect(check.code).toBe(5);
    const auth = JSON.parse(check.stdout).checks.find((c: { name: string }) => c.name === 'auth');
    expect(auth.status).toBe('fail');
    expect(auth.detail).toContain('belongs to namespace "team-b/"');
    expect(auth.fix).toContain('VAULT_NAMESPACE=team-b');
    noSecretsIn(list);
    noSecretsIn(check);
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
