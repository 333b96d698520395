/**
 * Join codes end to end against a real OpenBao and real systemd container hosts
 * (test/support/container-lab.ts; 10.78.0.161-.171, names jc*): minting
 * (files 0600, list, revoke), an agent with no Vault credential joining with
 * only a code through the single executable, and every refusal (used, expired,
 * revoked, bound elsewhere, forged) exiting 9 before the host changes. The
 * roles come from `edgectl vault setup --cluster-id` (test/support/join-roles.ts).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJoinCode, parseJoinCode } from '../../src/core/join-code.js';
import { Secret } from '../../src/core/secret.js';
import { runEdgectl } from '../support/context.js';
import { createJoinRoles } from '../support/join-roles.js';
import { type ContainerLab as Lab, type ContainerLabHost as LabHost, containerHostSnapshot as hostSnapshot, createContainerLab } from '../support/container-lab.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { rootEnv, tempDir } from '../support/vault.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');

let lab: Lab;
let server: LabHost;
let clusterId: string;
let codes: ReturnType<typeof tempDir>;
const common = (): string[] => ['--airgap-dir', lab.releaseDir, '--wait-timeout', '60'];

/** Mint on the operator side (this process), as the CLI does. */
async function mint(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runEdgectl(['rke2', 'join-code', '--cluster-id', clusterId, ...args], { env: rootEnv(lab.bao) });
}

/** Put a code file on a host, 0600, and return its path inside the host. */
function place(host: LabHost, file: string, name = 'agent.joincode'): string {
  const inside = `/etc/edgectl/${name}`;
  mkdirSync(host.root('/etc/edgectl'), { recursive: true });
  copyFileSync(file, host.root(inside));
  chmodSync(host.root(inside), 0o600);
  return inside;
}

async function oneCode(extra: string[] = []): Promise<string> {
  const r = await mint(['--role', 'agent', '--out', codes.path, '-o', 'json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { codes: Array<{ file: string }> }).codes[0]?.file ?? '';
}

/** Every process command line and environment seen while body runs, plus the join session file's token once it appears on host. */
async function scanProcesses<T>(host: LabHost, body: () => Promise<T>): Promise<{ result: T; seen: Set<string>; sessionTokens: Set<string> }> {
  const seen = new Set<string>();
  const sessionTokens = new Set<string>();
  let scanning = true;
  const scan = (async () => {
    while (scanning) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        for (const f of ['cmdline', 'environ']) {
          try {
            seen.add(readFileSync(`/proc/${pid}/${f}`).toString('latin1'));
          } catch {
            // gone or not readable
          }
        }
      }
      const session = host.read('/etc/edgectl/join-session');
      if (session !== undefined) {
        try {
          sessionTokens.add((JSON.parse(session) as { token: string }).token);
        } catch {
          // being written
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    return { result: await body(), seen, sessionTokens };
  } finally {
    scanning = false;
    await scan;
  }
}

beforeAll(async () => {
  lab = await createContainerLab();
  codes = tempDir('edgectl-codes-');
  server = await lab.host('jcsrv1', '10.78.0.161');
  const r = await server.edgectl(['rke2', 'server', ...common()]);
  if (r.code !== 0) throw new Error(r.stderr);
  clusterId = r.stdout.trim();
  await createJoinRoles(lab.bao, clusterId);
}, 900_000);

afterAll(async () => {
  await lab?.close();
  codes?.cleanup();
}, 300_000);

describe('rke2 join-code (minting)', () => {
  it('mints --count codes into new 0600 files, lists them without secrets, never overwrites', async () => {
    const r = await mint(['--role', 'agent', '--count', '3', '--ttl', '30m', '--out', codes.path, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { codes: Array<{ file: string; accessor: string; expires_at: string }> };
    expect(out.codes).toHaveLength(3);
    for (const c of out.codes) {
      expect(statSync(c.file).mode & 0o777).toBe(0o600);
      const code = parseJoinCode(new Secret(readFileSync(c.file, 'utf8')));
      expect(code).toMatchObject({ clusterId, role: 'agent', vaultAddr: lab.bao.addr, approleMount: 'approle', kvMount: 'kv' });
      expect(r.stdout).not.toContain(code.wrapToken.reveal());
    }
    const list = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    expect(list.code, list.stderr).toBe(0);
    const listedCodes = (JSON.parse(list.stdout) as { codes: Array<{ accessor: string; role: string; minted_by: string; expires_at: string }> }).codes;
    const listed = listedCodes.map((c) => c.accessor);
    for (const c of out.codes) expect(listed).toContain(c.accessor);
    const mine = listedCodes.find((c) => c.accessor === out.codes[0]?.accessor);
    expect(mine?.role).toBe('agent');
    expect(mine?.minted_by).toMatch(/@/);
    // the secret ID dies with its wrap: its expiry is the code's (within a few seconds)
    expect(Math.abs(Date.parse(mine?.expires_at ?? '') - Date.parse(out.codes[0]?.expires_at ?? ''))).toBeLessThan(10_000);
    expect(list.stdout).not.toMatch(/edgectl-join-v1\./);
    const revoke = await runEdgectl(['rke2', 'join-code', 'revoke', '--cluster-id', clusterId, '--accessor', out.codes[2]?.accessor ?? '', '--yes'], { env: rootEnv(lab.bao) });
    expect(revoke.code, revoke.stderr).toBe(0);
    const after = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    expect((JSON.parse(after.stdout) as { codes: Array<{ accessor: string }> }).codes.map((c) => c.accessor)).not.toContain(out.codes[2]?.accessor);
  });

  it('validates before Vault: ttl over 24h, count 0, bad CIDR are usage errors (exit 2)', async () => {
    const r = await mint(['--role', 'agent', '--ttl', '25h', '--count', '0', '--bind-cidr', '10.0.0.0/33', '--out', codes.path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ttl');
    expect(r.stderr).toContain('--bind-cidr');
  });

  it('--out - prints only the codes, one per line; with -o json it is a usage error', async () => {
    const r = await mint(['--role', 'agent', '--count', '2', '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const code = parseJoinCode(new Secret(line));
      expect(code.clusterId).toBe(clusterId);
      expect(r.stderr).not.toContain(code.wrapToken.reveal());
    }
    expect(new Set(lines).size).toBe(2);
    const both = await mint(['--role', 'agent', '--out', '-', '-o', 'json']);
    expect(both.code).toBe(2);
  });

  it('--host-vault-addr goes into the code; with VAULT_CACERT set, its PEM does too', async () => {
    const dir = tempDir('edgectl-jc-ca-');
    try {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=jc-test', '-days', '1', '-keyout', join(dir.path, 'k.pem'), '-out', join(dir.path, 'ca.pem')], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      const r = await runEdgectl(['rke2', 'join-code', '--cluster-id', clusterId, '--role', 'agent', '--out', '-', '--host-vault-addr', 'https://vault.edge.example:8200'], {
        env: rootEnv(lab.bao, { VAULT_CACERT: join(dir.path, 'ca.pem') }),
      });
      expect(r.code, r.stderr).toBe(0);
      const code = parseJoinCode(new Secret(r.stdout));
      expect(code.vaultAddr).toBe('https://vault.edge.example:8200');
      expect(code.caPem).toBe(readFileSync(join(dir.path, 'ca.pem'), 'utf8'));
      const bad = await mint(['--role', 'agent', '--out', '-', '--host-vault-addr', 'https://user:pw@vault:8200']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).not.toContain('pw@');
    } finally {
      dir.cleanup();
    }
  });

  it('inside a namespace: the code names it, list sees it, and its login token cannot read the root namespace', async () => {
    await lab.bao.api('POST', 'sys/namespaces/tenant-jc', {});
    await lab.bao.api('POST', 'sys/mounts/kv', { type: 'kv', options: { version: '2' } }, { namespace: 'tenant-jc' });
    await lab.bao.api('POST', 'kv/data/rke2/rke2-tenant01', { data: { token: 'K10x::server:y', server: 'https://10.0.0.1:9345', state: 'ready' } }, { namespace: 'tenant-jc' });
    await createJoinRoles(lab.bao, 'rke2-tenant01', { namespace: 'tenant-jc' });
    const r = await runEdgectl(['rke2', 'join-code', '--cluster-id', 'rke2-tenant01', '--role', 'agent', '--out', '-'], { env: rootEnv(lab.bao, { VAULT_NAMESPACE: 'tenant-jc' }) });
    expect(r.code, r.stderr).toBe(0);
    const code = parseJoinCode(new Secret(r.stdout));
    expect(code.namespace).toBe('tenant-jc');
    const list = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', 'rke2-tenant01', '-o', 'json'], { env: rootEnv(lab.bao, { VAULT_NAMESPACE: 'tenant-jc' }) });
    expect((JSON.parse(list.stdout) as { codes: unknown[] }).codes).toHaveLength(1);
    const ns = { namespace: 'tenant-jc' };
    const unwrap = await lab.bao.api('POST', 'sys/wrapping/unwrap', undefined, { token: code.wrapToken.reveal(), ...ns });
    const login = await lab.bao.api('POST', 'auth/approle/login', { role_id: code.roleId, secret_id: unwrap.json.data.secret_id }, ns);
    const token = login.json.auth.client_token as string;
    expect((await lab.bao.api('GET', 'kv/data/rke2/rke2-tenant01', undefined, { token, ...ns })).status).toBe(200);
    expect((await lab.bao.api('GET', `kv/data/rke2/${clusterId}`, undefined, { token, allow: [403] })).status).toBe(403);
  });

  it('revoke --dry-run names the calls and destroys nothing; an unregistered cluster is exit 6', async () => {
    const file = await oneCode();
    expect(existsSync(file)).toBe(true);
    const before = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    const accessors = (JSON.parse(before.stdout) as { codes: Array<{ accessor: string }> }).codes.map((c) => c.accessor);
    const dry = await runEdgectl(['rke2', 'join-code', 'revoke', '--cluster-id', clusterId, '--all', '--dry-run'], { env: rootEnv(lab.bao) });
    expect(dry.code, dry.stderr).toBe(0);
    for (const a of accessors) expect(dry.stdout).toContain(a);
    expect(dry.stdout).toContain('secret-id-accessor/destroy');
    const after = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    expect((JSON.parse(after.stdout) as { codes: Array<{ accessor: string }> }).codes.map((c) => c.accessor)).toEqual(accessors);
    const noYes = await runEdgectl(['rke2', 'join-code', 'revoke', '--cluster-id', clusterId, '--all'], { env: rootEnv(lab.bao) });
    expect(noYes.code).toBe(2);
    const missing = await runEdgectl(['rke2', 'join-code', '--cluster-id', 'rke2-missing1', '--role', 'agent', '--out', codes.path], { env: rootEnv(lab.bao) });
    expect(missing.code, missing.stderr).toBe(6);
    expect(missing.stderr).toContain('not registered');
  });

  it('a cluster without roles: exit 6 with the vault setup hint', async () => {
    await lab.bao.api('POST', 'kv/data/rke2/rke2-noroles1', { data: { token: 'K10x::server:y', server: 'https://10.0.0.1:9345', state: 'ready' } });
    const r = await runEdgectl(['rke2', 'join-code', '--cluster-id', 'rke2-noroles1', '--role', 'agent', '--out', codes.path], { env: rootEnv(lab.bao) });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain('edgectl vault setup --cluster-id rke2-noroles1');
  });
});

describe('rke2 agent --join-code-file', () => {
  let used: string;
  let firstAgent: LabHost;

  it('an agent with no Vault credential joins with only a code (single executable); the file is gone, the node names the accessor', async () => {
    const file = await oneCode();
    used = readFileSync(file, 'utf8');
    const agent = await lab.host('jcagt1', '10.78.0.162');
    firstAgent = agent;
    const inside = place(agent, file);
    const { result: r, seen, sessionTokens } = await scanProcesses(agent, () => agent.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false }));
    expect(r.code, r.stderr).toBe(0);
    // the leak scan: neither the code, its wrapping token, the login's Vault token nor the RKE2 token in any argv or environment
    const rke2Password = server.read('/var/lib/rancher/rke2/server/token')?.trim().split('::server:')[1] ?? '';
    const wrapToken = parseJoinCode(new Secret(used)).wrapToken.reveal();
    expect(rke2Password.length).toBeGreaterThan(8);
    expect(sessionTokens.size).toBe(1); // the scan saw the session file, so it knows the login token
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].some((x) => x.includes('rke2.sh'))).toBe(true);
    for (const secret of [used.trim(), wrapToken, rke2Password, ...sessionTokens]) expect([...seen].filter((x) => x.includes(secret))).toEqual([]);
    for (const secret of [wrapToken, ...sessionTokens]) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(existsSync(agent.root(inside))).toBe(false);
    expect(existsSync(agent.root('/etc/edgectl/join-session'))).toBe(false);
    const entry = await lab.bao.api('GET', `kv/data/rke2/${clusterId}/nodes/jcagt1`);
    const accessor = entry.json.data.data.join_code_accessor as string;
    expect(accessor).toMatch(/^[0-9a-f-]{36}$/);
    const show = await runEdgectl(['cluster', 'show', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    expect((JSON.parse(show.stdout) as { nodes: Array<{ name: string; join_code_accessor?: string }> }).nodes.find((n) => n.name === 'jcagt1')?.join_code_accessor).toBe(accessor);
    const text = await runEdgectl(['cluster', 'show', clusterId], { env: rootEnv(lab.bao) });
    expect(text.stdout).toContain('JOIN CODE');
    expect(text.stdout.split('\n').find((l) => l.includes('jcagt1'))).toContain(accessor);
    expect(agent.read('/etc/rancher/rke2/edgectl-token')?.trim()).toBe(server.read('/var/lib/rancher/rke2/server/token')?.trim());
  }, 120_000);

  it('the same code again on the host that used it: exit 9, host unchanged', async () => {
    const host = firstAgent;
    const file = join(codes.path, 'used-again.joincode');
    writeFileSync(file, used, { mode: 0o600 });
    const inside = place(host, file);
    const before = hostSnapshot(host);
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/intercepted/);
    expect(hostSnapshot(host)).toEqual(before);
  }, 60_000);

  it('the same code after this host\'s interrupted join expired: exit 9 saying this host used it', async () => {
    const host = firstAgent;
    const file = join(codes.path, 'used-stale.joincode');
    writeFileSync(file, used, { mode: 0o600 });
    const inside = place(host, file, 'stale.joincode');
    const fingerprint = createHash('sha256').update(parseJoinCode(new Secret(used)).wrapToken.reveal()).digest('hex');
    writeFileSync(host.root('/etc/edgectl/join-session'), JSON.stringify({ v: 1, code_sha256: fingerprint, cluster: clusterId, role: 'agent', accessor: 'acc', expires_at: '2020-01-01T00:00:00Z', token: 's.expiredexpiredexpired' }), { mode: 0o600 });
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toContain('this host already used the join code');
    expect(r.stderr).not.toContain('s.expiredexpiredexpired');
  }, 60_000);

  it('the same code again, on another host: exit 9 with the interception message, host unchanged', async () => {
    const host = await lab.host('jcagt2', '10.78.0.163');
    const file = join(codes.path, 'used.joincode');
    writeFileSync(file, used, { mode: 0o600 });
    const inside = place(host, file);
    const before = hostSnapshot(host);
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/already used or has expired/);
    expect(r.stderr).toMatch(/intercepted/);
    expect(hostSnapshot(host)).toEqual(before);
  }, 60_000);

  it('revoked, bound to another CIDR, forged: each exit 9 with its own message, host unchanged', async () => {
    const host = await lab.host('jcagt3', '10.78.0.164');
    // revoked
    const revokedFile = await oneCode();
    const accessor = (await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) })).stdout;
    const all = (JSON.parse(accessor) as { codes: Array<{ accessor: string }> }).codes.map((c) => c.accessor);
    expect((await runEdgectl(['rke2', 'join-code', 'revoke', '--cluster-id', clusterId, '--all', '--yes'], { env: rootEnv(lab.bao) })).code).toBe(0);
    expect(all.length).toBeGreaterThan(0);
    const before = hostSnapshot(host);
    let r = await host.edgectl(['rke2', 'agent', '--join-code-file', place(host, revokedFile, 'a.joincode'), ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/revoked/);
    // bound elsewhere
    const boundFile = await oneCode(['--bind-cidr', '10.78.0.250/32']);
    const boundList = await runEdgectl(['rke2', 'join-code', 'list', '--cluster-id', clusterId, '-o', 'json'], { env: rootEnv(lab.bao) });
    expect((JSON.parse(boundList.stdout) as { codes: Array<{ cidr_list: string[]; token_bound_cidrs: string[] }> }).codes).toContainEqual(expect.objectContaining({ cidr_list: ['10.78.0.250/32'], token_bound_cidrs: ['10.78.0.250/32'] }));
    r = await host.edgectl(['rke2', 'agent', '--join-code-file', place(host, boundFile, 'b.joincode'), ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/bound to another address/);
    // forged: a genuine code's frame around a wrap of something else
    const genuine = parseJoinCode(new Secret(readFileSync(await oneCode(), 'utf8')));
    const wrap = await fetch(`${lab.bao.addr}/v1/sys/wrapping/wrap`, { method: 'POST', headers: { 'X-Vault-Token': lab.bao.rootToken, 'X-Vault-Wrap-TTL': '300s' }, body: JSON.stringify({ secret_id: 'not-a-secret-id' }) });
    const forgedToken = ((await wrap.json()) as { wrap_info: { token: string } }).wrap_info.token;
    const forgedFile = join(codes.path, 'forged.joincode');
    writeFileSync(forgedFile, encodeJoinCode({ ...genuine, wrapToken: new Secret(forgedToken) }).reveal(), { mode: 0o600 });
    r = await host.edgectl(['rke2', 'agent', '--join-code-file', place(host, forgedFile, 'c.joincode'), ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/forged/);
    // the forged wrap was not unwrapped (lookup still answers)
    expect((await lab.bao.api('POST', 'sys/wrapping/lookup', { token: forgedToken })).status).toBe(200);
    const after = hostSnapshot(host).filter((l) => !/\/etc\/edgectl\/[abc]\.joincode /.test(l));
    expect(after).toEqual(before.filter((l) => !/\/etc\/edgectl\/[abc]\.joincode /.test(l)));
  }, 120_000);

  it('an expired code: exit 9 saying used or expired, host unchanged', async () => {
    const host = await lab.host('jcagt5', '10.78.0.166');
    const genuine = parseJoinCode(new Secret(readFileSync(await oneCode(), 'utf8')));
    // a genuine secret-id wrap that lives one second
    const res = await fetch(`${lab.bao.addr}/v1/auth/approle/role/edgectl-${clusterId}-agent/secret-id`, { method: 'POST', headers: { 'X-Vault-Token': lab.bao.rootToken, 'X-Vault-Wrap-TTL': '1s' } });
    const short = ((await res.json()) as { wrap_info: { token: string } }).wrap_info.token;
    const file = join(codes.path, 'expired.joincode');
    writeFileSync(file, encodeJoinCode({ ...genuine, wrapToken: new Secret(short), expiresAt: new Date(Date.now() + 1000).toISOString() }).reveal(), { mode: 0o600 });
    await new Promise((r) => setTimeout(r, 2500));
    const inside = place(host, file);
    const before = hostSnapshot(host);
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/expired at/);
    expect(hostSnapshot(host)).toEqual(before);
  }, 60_000);

  it('a run that fails after the login keeps the token in a 0600 session; the re-run with the same code continues and removes it', async () => {
    const host = await lab.host('jcagt6', '10.78.0.168');
    const inside = place(host, await oneCode());
    const first = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, '--airgap-dir', '/nonexistent-airgap', '--wait-timeout', '60'], { vault: false });
    expect(first.code, first.stderr).not.toBe(0);
    expect(first.code).not.toBe(9);
    expect(statSync(host.root('/etc/edgectl/join-session')).mode & 0o777).toBe(0o600);
    expect(existsSync(host.root(inside))).toBe(true);
    const again = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, ...common()], { vault: false });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('continuing the interrupted join');
    expect(existsSync(host.root('/etc/edgectl/join-session'))).toBe(false);
    expect(existsSync(host.root(inside))).toBe(false);
    const entry = await lab.bao.api('GET', `kv/data/rke2/${clusterId}/nodes/jcagt6`);
    expect(entry.json.data.data.join_code_accessor).toMatch(/^[0-9a-f-]{36}$/);
  }, 120_000);

  it('a server code joins as a second server; the node entry names its accessor', async () => {
    const r0 = await mint(['--role', 'server', '--out', codes.path, '-o', 'json']);
    expect(r0.code, r0.stderr).toBe(0);
    const minted = (JSON.parse(r0.stdout) as { codes: Array<{ file: string; accessor: string }> }).codes[0];
    const host = await lab.host('jcsrv2', '10.78.0.167');
    const inside = place(host, minted?.file ?? '', 'server.joincode');
    const r = await host.edgectl(['rke2', 'server', '--join-code-file', inside, ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(host.root(inside))).toBe(false);
    const entry = await lab.bao.api('GET', `kv/data/rke2/${clusterId}/nodes/jcsrv2`);
    expect(entry.json.data.data).toMatchObject({ role: 'server', join_code_accessor: minted?.accessor });
    expect(host.read('/var/lib/rancher/rke2/server/token')?.trim()).toBe(server.read('/var/lib/rancher/rke2/server/token')?.trim());
  }, 120_000);

  it('--dry-run checks the code without using it up; the host is unchanged', async () => {
    const host = await lab.host('jcagt8', '10.78.0.171');
    const file = await oneCode();
    const inside = place(host, file, 'dry.joincode');
    const before = hostSnapshot(host);
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', inside, '--dry-run', ...common()], { vault: false });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('genuine and unused');
    expect(hostSnapshot(host)).toEqual(before);
    const wrap = parseJoinCode(new Secret(readFileSync(file, 'utf8'))).wrapToken.reveal();
    expect((await lab.bao.api('POST', 'sys/wrapping/lookup', { token: wrap })).status).toBe(200);
  }, 60_000);

  it('--join-code-file - reads the code from stdin', async () => {
    const host = await lab.host('jcagt7', '10.78.0.169');
    const r0 = await mint(['--role', 'agent', '--out', '-']);
    expect(r0.code, r0.stderr).toBe(0);
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', '-', ...common()], { vault: false, input: r0.stdout });
    expect(r.code, r.stderr).toBe(0);
    const entry = await lab.bao.api('GET', `kv/data/rke2/${clusterId}/nodes/jcagt7`);
    expect(entry.json.data.data.join_code_accessor).toMatch(/^[0-9a-f-]{36}$/);
  }, 120_000);

  it('combining a code with Vault credentials is a usage error (exit 2)', async () => {
    const host = await lab.host('jcagt4', '10.78.0.165');
    const r = await host.edgectl(['rke2', 'agent', '--join-code-file', '/etc/edgectl/none.joincode']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('VAULT_TOKEN');
  });

  it('the agent login token cannot read another cluster, write the cluster secret or read the admin kubeconfig', async () => {
    const code = parseJoinCode(new Secret(readFileSync(await oneCode(), 'utf8')));
    const unwrap = await lab.bao.api('POST', 'sys/wrapping/unwrap', undefined, { token: code.wrapToken.reveal() });
    const login = await lab.bao.api('POST', 'auth/approle/login', { role_id: code.roleId, secret_id: unwrap.json.data.secret_id });
    const token = login.json.auth.client_token as string;
    expect((await lab.bao.api('GET', `kv/data/rke2/${clusterId}`, undefined, { token })).status).toBe(200);
    const opts = { token, allow: [403] };
    expect((await lab.bao.api('GET', 'kv/data/rke2/rke2-noroles1', undefined, opts)).status).toBe(403);
    expect((await lab.bao.api('POST', `kv/data/rke2/${clusterId}`, { data: { token: 'x' } }, opts)).status).toBe(403);
    expect((await lab.bao.api('GET', `kv/data/rke2-admin/${clusterId}/kubeconfig`, undefined, opts)).status).toBe(403);
  });
});
