/**
 * Malformed values for every flag that takes one, of every command, through
 * the single executable (dist/edgectl-linux-x64; every fourth case also
 * through the bundle, which must answer the same), against a real OpenBao
 * whose root token is planted as VAULT_TOKEN. For each case: the expected
 * documented exit code (never 70) and message fragment, no hang (a per-case
 * timeout, then SIGKILL), no credential in any output, a one-line error (one
 * "error:" line, no stack trace), and no change on the host or in Vault.
 * Commands that would change the host get --dry-run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const BUNDLE = join(PROJECT_ROOT, 'dist/edgectl.cjs');
const CASE_TIMEOUT_MS = 15_000;
const DOCUMENTED = [1, 2, 3, 4, 5, 6, 7, 8, 130];
/** recognisable secrets: none may ever appear in any output */
const SECRET_ID = 'planted-secret-id-5f1c0d9e';
const URL_PASSWORD = 'planted-PW-7c2e';
const BAD_TOKEN = 'plantedbadtoken93';
const JOIN_SECRET = 'plantedjoinsecret42';
const JOIN_TOKEN = `K10${'a'.repeat(64)}::server:${JOIN_SECRET}`;

let bao: OpenBao;
let fx: string;
let home: string;

interface Run {
  code: number | 'hung';
  stdout: string;
  stderr: string;
}

function run(bin: 'sea' | 'bundle', args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const [cmd, argv] = bin === 'sea' ? [SEA, args] : [process.execPath, [BUNDLE, ...args]];
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, argv, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code: hung ? 'hung' : (code ?? 1), stdout, stderr });
    });
    child.stdin.end('');
  });
}

/** What a malformed value could have changed on this host: the paths edgectl and rke2.sh write. */
function hostSnapshot(): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    out.push(`${p} ${st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`}`);
    if (st.isDirectory() && depth < 4) for (const name of readdirSync(p).sort()) walk(join(p, name), depth + 1);
  };
  for (const p of ['/etc/edgectl', '/etc/rancher', '/var/lib/rancher', '/usr/local/bin/rke2', '/etc/systemd/system/rke2-server.service', '/etc/systemd/system/rke2-agent.service']) walk(p, 0);
  return out;
}

/** Everything a malformed value could have changed in Vault: secrets under kv/, mounts, auth methods, policies. */
async function vaultSnapshot(): Promise<unknown> {
  const keys: string[] = [];
  const list = async (path: string): Promise<void> => {
    const r = await bao.api('LIST', `kv/metadata/${path}`, undefined, { allow: [404] });
    for (const k of (r.json?.data?.keys ?? []) as string[]) {
      if (k.endsWith('/')) await list(`${path}${k}`);
      else {
        const m = await bao.api('GET', `kv/metadata/${path}${k}`);
        keys.push(`${path}${k} v${m.json.data.current_version}`);
      }
    }
  };
  await list('');
  const mounts = Object.keys((await bao.api('GET', 'sys/mounts')).json.data).sort();
  const auth = Object.keys((await bao.api('GET', 'sys/auth')).json.data).sort();
  const policies = (await bao.api('LIST', 'sys/policies/acl')).json.data.keys as string[];
  return { keys: keys.sort(), mounts, auth, policies };
}

interface Case {
  category: string;
  args: string[];
  /** environment changes: a string sets, undefined removes */
  env?: Record<string, string | undefined>;
  code: number;
  message: RegExp;
}

const ID = 'rke2-abc12345';
const CLUSTER_ID_VALUES = ['Not_An_ID', '../etc', `${ID}/../x`, '', 'ab', 'x'.repeat(64), 'RKE2-ABC12345', `${ID}\nx`, `${ID} `];
/** every command that takes a cluster ID, as a flag or an argument, with what it needs besides */
const CLUSTER_ID_COMMANDS: Array<(id: string) => string[]> = [
  (id) => ['rke2', 'server', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'add-master', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'agent', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'upgrade', '--dry-run', '--version', 'v1.30.1+rke2r1', '--cluster-id', id],
  (id) => ['rke2', 'status', '--cluster-id', id],
  (id) => ['rke2', 'uninstall', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'token', 'rotate', '--dry-run', '--cluster-id', id],
  (id) => ['rke2', 'token', 'sync', '--dry-run', '--cluster-id', id],
  (id) => ['cluster', 'show', id],
  (id) => ['cluster', 'delete', id],
  (id) => ['vault', 'check', '--cluster-id', id],
];

/** every command that takes the Vault flags (and so the VAULT_* environment) */
const VAULT_COMMANDS: string[][] = [
  ['rke2', 'server', '--dry-run'],
  ['rke2', 'agent', '--dry-run', '--cluster-id', ID],
  ['rke2', 'upgrade', '--dry-run', '--version', 'v1.30.1+rke2r1', '--cluster-id', ID],
  ['rke2', 'status', '--cluster-id', ID],
  ['rke2', 'uninstall', '--dry-run', '--cluster-id', ID],
  ['rke2', 'kubeconfig', '--dry-run', '--from-vault', '--cluster-id', ID, '--out', '-'],
  ['rke2', 'token', 'rotate', '--dry-run', '--cluster-id', ID],
  ['rke2', 'token', 'sync', '--dry-run', '--cluster-id', ID],
  ['cluster', 'list'],
  ['cluster', 'show', ID],
  ['cluster', 'delete', ID],
  ['vault', 'check'],
];

/** the install flags of rke2 server and agent (and the ones upgrade shares) */
const INSTALL_CASES: Array<{ category: string; flag: string; values: string[]; message: RegExp; roles?: Array<'server' | 'agent' | 'upgrade'> }> = [
  { category: 'versions', flag: '--version', values: ['1.30', 'v1.30;rm -rf /', '../x', 'v1.30.1+rke2r1\nx', ''], message: /--version/ },
  { category: 'versions', flag: '--channel', values: ['../x', 'stable;x', 'v1', ''], message: /--channel/ },
  { category: 'URLs', flag: '--install-script', values: ['http://get.rke2.io', 'ftp://x/install.sh'], message: /--install-script/ },
  { category: 'names', flag: '--node-name', values: ['Upper', 'a b', '-a', 'a_b', 'x'.repeat(254), '../x', ''], message: /--node-name/, roles: ['server', 'agent'] },
  { category: 'labels', flag: '--node-label', values: ['a=b c', 'noequals', '=v', 'k=v\nx', 'k/=v'], message: /--node-label/, roles: ['server', 'agent'] },
  { category: 'taints', flag: '--node-taint', values: ['k=v', 'k=v:Sometimes', 'k=v:NoSchedule\nx', ':NoSchedule'], message: /--node-taint/, roles: ['server', 'agent'] },
  { category: 'names', flag: '--tls-san', values: ['a b', 'a;b', '', 'https://x'], message: /--tls-san/, roles: ['server'] },
  { category: 'names', flag: '--cni', values: ['a b', 'canal;rm', '../x'], message: /--cni/, roles: ['server'] },
  { category: 'names', flag: '--profile', values: ['cis;x', 'a b'], message: /--profile/, roles: ['server', 'agent'] },
  { category: 'versions', flag: '--wait-timeout', values: ['0', '-1', '1.5', 'soon', '9999999999'], message: /--wait-timeout/ },
];

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const cmd of CLUSTER_ID_COMMANDS) for (const v of CLUSTER_ID_VALUES) cases.push({ category: 'IDs', args: cmd(v), code: 2, message: /invalid cluster ID/ });

  for (const c of INSTALL_CASES) {
    for (const role of c.roles ?? ['server', 'agent', 'upgrade']) {
      const base = role === 'upgrade' ? ['rke2', 'upgrade', '--dry-run', '--cluster-id', ID] : ['rke2', role, '--dry-run', '--no-vault', ...(role === 'agent' ? ['--server', 'https://10.0.0.1:9345', '--token-file', 'FIXTURE/token-0600'] : [])];
      // upgrade needs a target; --version/--channel cases bring their own
      const target = role === 'upgrade' && c.flag !== '--version' && c.flag !== '--channel' ? ['--version', 'v1.30.1+rke2r1'] : [];
      for (const v of c.values) cases.push({ category: c.category, args: [...base, ...target, c.flag, v], code: 2, message: c.message });
    }
  }

  // tags: rke2 server --tag and cluster list --tag
  for (const v of ['novalue', '=v', 'bad key=v', 'k\n=v', `${'k'.repeat(200)}=v`]) {
    cases.push({ category: 'tags', args: ['rke2', 'server', '--dry-run', '--tag', v], code: 2, message: /tag/ });
    cases.push({ category: 'tags', args: ['cluster', 'list', '--tag', v], code: 2, message: /tag/ });
  }
  cases.push({ category: 'tags', args: ['rke2', 'server', '--dry-run', '--tag', `k=${'v'.repeat(600)}`], code: 2, message: /tag/ });

  // URLs: --server, --vault-addr, --install-script, kubeconfig --server-address
  for (const role of ['server', 'agent']) {
    for (const v of ['http://10.0.0.1:9345', 'https://10.0.0.1:9345/path', 'not a url', `https://u:${URL_PASSWORD}@10.0.0.1:9345`, `https://u:${URL_PASSWORD}@[::1`, 'https://10.0.0.1:9345?x=1', 'https://10.0.0.1:9345\nx']) {
      cases.push({ category: 'URLs', args: ['rke2', role, '--dry-run', '--no-vault', '--token-file', 'FIXTURE/token-0600', '--server', v], code: 2, message: /--server/ });
    }
  }
  for (const v of ['https://10.0.0.1:6443/x', 'a b', 'http://x', '']) {
    cases.push({ category: 'URLs', args: ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', ID, '--server-address', v], code: 2, message: /server-address|address/ });
  }
  for (const cmd of VAULT_COMMANDS) {
    for (const v of ['ftp://v:8200', 'not a url', `https://u:${URL_PASSWORD}@[::1`, `https://u:${URL_PASSWORD}@127.0.0.1:1`]) {
      cases.push({ category: 'URLs', args: [...cmd, '--vault-addr', v], code: 2, message: /--vault-addr/ });
    }
    for (const [flag, v] of [['--vault-namespace', '../x'], ['--vault-namespace', 'a//b'], ['--vault-namespace', '/a'], ['--vault-namespace', 'a b'], ['--vault-mount', '../x'], ['--vault-mount', 'a//b'], ['--vault-mount', '.']] as const) {
      cases.push({ category: 'names', args: [...cmd, flag, v], code: 2, message: new RegExp(flag) });
    }
  }

  // other choices and values
  for (const cmd of VAULT_COMMANDS.filter((c) => c[1] !== 'delete')) cases.push({ category: 'names', args: [...cmd, '-o', 'yaml'], code: 2, message: /output|yaml/ });
  cases.push({ category: 'names', args: ['vault', 'check', '--role', 'admin'], code: 2, message: /--role/ });

  // files: token files, secret ID files, config files, out files, export dirs
  for (const role of ['server', 'agent']) {
    const base = ['rke2', role, '--dry-run', '--no-vault', '--server', 'https://10.0.0.1:9345'];
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/fifo'], code: 3, message: /FIFO/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE'], code: 3, message: /directory/ });
    cases.push({ category: 'files', args: [...base, '--token-file', '/dev/zero'], code: 3, message: /device/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/token-0700'], code: 3, message: /mode 700; it must be 0600 or 0400/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/token-0644'], code: 3, message: /mode 644/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/token-newline'], code: 2, message: /line break/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/nope'], code: 3, message: /ENOENT/ });
    cases.push({ category: 'files', args: [...base, '--token-file', ''], code: 2, message: /empty path/ });
    cases.push({ category: 'files', args: [...base, '--token', `${JOIN_TOKEN} x`], code: 2, message: /malformed/ });
    cases.push({ category: 'files', args: [...base, '--token-file', 'FIXTURE/token-0600', '--token', JOIN_TOKEN], code: 2, message: /only one of/ });
  }
  const approle = { VAULT_ROLE_ID: 'role-1', VAULT_TOKEN: undefined };
  for (const cmd of VAULT_COMMANDS) cases.push({ category: 'files', args: [...cmd, '--vault-secret-id-file', ''], env: approle, code: 2, message: /empty path/ });
  // the file itself is read at login: by the commands that log in first on a host without RKE2
  // (the day-2 ones stop earlier, exit 3, at "RKE2 is not installed", without reading it)
  for (const cmd of [['cluster', 'list'], ['cluster', 'show', ID], ['vault', 'check'], ['rke2', 'agent', '--dry-run', '--cluster-id', ID], ['rke2', 'server', '--dry-run']]) {
    cases.push({ category: 'files', args: [...cmd, '--vault-secret-id-file', 'FIXTURE/fifo'], env: approle, code: 3, message: /FIFO/ });
    cases.push({ category: 'files', args: [...cmd, '--vault-secret-id-file', 'FIXTURE'], env: approle, code: 3, message: /directory/ });
    cases.push({ category: 'files', args: [...cmd, '--vault-secret-id-file', 'FIXTURE/secret-id-newline'], env: approle, code: 2, message: /line break/ });
  }
  cases.push({ category: 'files', args: ['scripts', 'export', ''], code: 2, message: /directory is empty/ });
  cases.push({ category: 'files', args: ['scripts', 'export', 'FIXTURE/token-0600'], code: 3, message: /exists and is not a directory/ });
  cases.push({ category: 'files', args: ['scripts', 'export', 'FIXTURE/token-0600/sub'], code: 3, message: /exists and is not a directory/ });
  cases.push({ category: 'files', args: ['scripts', 'export', '/proc/1/nope'], code: 7, message: /cannot create directory \/proc\/1\/nope/ });
  cases.push({ category: 'files', args: ['scripts', 'export', 'FIXTURE/export-fifo'], code: 3, message: /not a regular file/ });
  cases.push({ category: 'files', args: ['scripts', 'export', '-o', 'xml', 'FIXTURE'], code: 2, message: /xml/ });
  cases.push({ category: 'files', args: ['rke2', 'kubeconfig', '--dry-run', '--from-vault', '--cluster-id', ID, '--out', ''], code: 2, message: /--out/ });

  // environment: VAULT_* and friends, through a Vault-reading command
  const envCases: Array<[Record<string, string | undefined>, number, RegExp]> = [
    [{ VAULT_TOKEN: `${BAD_TOKEN}\nmore` }, 2, /VAULT_TOKEN is not a valid Vault token: it contains a line break/],
    [{ VAULT_TOKEN: `${BAD_TOKEN} more` }, 2, /space/],
    [{ VAULT_TOKEN: `${BAD_TOKEN}\u0007` }, 2, /control character/],
    [{ VAULT_TOKEN: undefined, BAO_TOKEN: `${BAD_TOKEN}\nmore` }, 2, /BAO_TOKEN is not a valid/],
    [{ VAULT_ADDR: `https://user:${URL_PASSWORD}@[::1` }, 2, /must not carry credentials/],
    [{ VAULT_ADDR: `https://user:${URL_PASSWORD}@127.0.0.1:1` }, 2, /must not carry credentials/],
    [{ VAULT_ADDR: `http://${URL_PASSWORD}@127.0.0.1:1` }, 2, /must not carry credentials/],
    [{ VAULT_ADDR: 'ftp://v' }, 3, /unsupported scheme/],
    [{ VAULT_ADDR: 'http://127.0.0.1:1/?x=1' }, 3, /query or a fragment/],
    [{ VAULT_NAMESPACE: '../x' }, 3, /VAULT_NAMESPACE: invalid namespace/],
    [{ VAULT_NAMESPACE: 'a/./b' }, 3, /VAULT_NAMESPACE: invalid namespace/],
    [{ VAULT_NAMESPACE: 'a//b' }, 3, /VAULT_NAMESPACE: invalid namespace/],
    [{ EDGECTL_VAULT_MOUNT: '../sys' }, 3, /invalid KV mount/],
    [{ EDGECTL_VAULT_APPROLE_MOUNT: '../x', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: SECRET_ID }, 3, /auth mount/],
    [{ VAULT_SKIP_VERIFY: 'maybe' }, 3, /VAULT_SKIP_VERIFY/],
    [{ VAULT_CLIENT_TIMEOUT: 'soon' }, 3, /VAULT_CLIENT_TIMEOUT/],
    [{ VAULT_MAX_RETRIES: '-1' }, 3, /VAULT_MAX_RETRIES/],
    [{ VAULT_CLIENT_CERT: '/c' }, 3, /set together/],
    [{ VAULT_CACERT: 'FIXTURE/fifo' }, 3, /VAULT_CACERT: .*FIFO/],
    [{ VAULT_CACERT: 'FIXTURE' }, 3, /VAULT_CACERT: .*directory/],
    [{ VAULT_CACERT: 'FIXTURE/nope' }, 3, /VAULT_CACERT: cannot read .*ENOENT/],
    [{ VAULT_CAPATH: 'FIXTURE/capath' }, 3, /VAULT_CAPATH: no PEM certificates/],
    [{ VAULT_TOKEN: undefined, HOME: 'FIXTURE/home-fifo' }, 3, /Vault token file: .*\.vault-token is a FIFO/],
    [{ VAULT_TOKEN: undefined, HOME: 'FIXTURE/home-newline' }, 2, /\.vault-token is not a valid Vault credential: it contains a line break/],
    [{ VAULT_TOKEN: undefined, HOME: 'FIXTURE/home-dir' }, 3, /\.vault-token is a directory/],
    [{ VAULT_ROLE_ID: 'r', VAULT_TOKEN: undefined, VAULT_SECRET_ID: `${SECRET_ID}\nx` }, 2, /VAULT_SECRET_ID is not a valid secret ID/],
  ];
  for (const [env, code, message] of envCases) {
    for (const cmd of [['cluster', 'list'], ['vault', 'check'], ['rke2', 'agent', '--dry-run', '--cluster-id', ID]]) cases.push({ category: 'environment', args: cmd, env, code, message });
  }
  return cases;
}

/**
 * Validation that lives in edgectl's own checks before any change: config-file
 * YAML, --advertise-address with a port, malformed server URLs from Vault,
 * kubeconfig loopback spellings, node names like a..b.
 */
const VALIDATED_BEFORE_CHANGE: Case[] = [
  { category: 'names', args: ['rke2', 'server', '--dry-run', '--no-vault', '--node-name', 'a..b'], code: 2, message: /--node-name/ },
  { category: 'names', args: ['rke2', 'agent', '--dry-run', '--no-vault', '--server', 'https://10.0.0.1:9345', '--token-file', 'FIXTURE/token-0600', '--node-name', 'a..b'], code: 2, message: /--node-name/ },
  { category: 'URLs', args: ['rke2', 'server', '--dry-run', '--no-vault', '--advertise-address', '10.0.0.1:9345'], code: 2, message: /--advertise-address/ },
  { category: 'URLs', args: ['rke2', 'server', '--dry-run', '--no-vault', '--advertise-address', 'a b'], code: 2, message: /--advertise-address/ },
  { category: 'files', args: ['rke2', 'server', '--dry-run', '--no-vault', '--config-file', 'FIXTURE/config-token.yaml'], code: 2, message: /config file .* sets 'token'/ },
  { category: 'files', args: ['rke2', 'server', '--dry-run', '--no-vault', '--config-file', 'FIXTURE/config-not-yaml.yaml'], code: 2, message: /config file .* is not valid YAML/ },
  { category: 'URLs', args: ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', ID, '--server-address', '127.1'], code: 2, message: /--server-address/ },
  { category: 'URLs', args: ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', ID, '--server-address', '[::ffff:127.0.0.1]'], code: 2, message: /--server-address/ },
  { category: 'URLs', args: ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', ID, '--server-address', 'localhost.'], code: 2, message: /--server-address/ },
  { category: 'URLs', args: ['rke2', 'kubeconfig', '--dry-run', '--cluster-id', ID, '--server-address', '0x7f000001'], code: 2, message: /--server-address/ },
  { category: 'URLs', args: ['rke2', 'agent', '--dry-run', '--cluster-id', 'rke2-badurl01'], code: 6, message: /server/ },
];

const ALL = (): Case[] => [...buildCases(), ...VALIDATED_BEFORE_CHANGE];

function caseEnv(c: Case): Record<string, string> {
  const env: Record<string, string | undefined> = { PATH: '/usr/bin:/bin', HOME: home, VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, VAULT_MAX_RETRIES: '0', VAULT_CLIENT_TIMEOUT: '5s', ...c.env };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v.replaceAll('FIXTURE', fx);
  return out;
}

const label = (c: Case): string => `${c.category}: ${JSON.stringify(c.args).slice(0, 160)}${c.env === undefined ? '' : ` env ${JSON.stringify(c.env)}`}`;

beforeAll(async () => {
  if (!existsSync(SEA) || !existsSync(BUNDLE)) {
    const r = spawnSync('npm', ['run', 'build:sea'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run build:sea failed:\n${r.stderr}`);
  }
  bao = await startOpenBao();
  await enableKv(bao, 'kv');
  // a cluster whose registration URL is malformed (what a tampered or buggy Vault entry looks like)
  await bao.api('POST', 'kv/data/rke2/rke2-badurl01', { options: { cas: 0 }, data: { token: JOIN_TOKEN, server: 'https://10.0.0.1:9345/../x;rm', state: 'ready' } });
  fx = mkdtempSync(join(tmpdir(), 'edgectl-malformed-'));
  home = join(fx, 'home');
  mkdirSync(home);
  const file = (name: string, text: string, mode = 0o600): void => {
    writeFileSync(join(fx, name), text);
    chmodSync(join(fx, name), mode);
  };
  file('token-0600', `${JOIN_TOKEN}\n`);
  file('token-0700', `${JOIN_TOKEN}\n`, 0o700);
  file('token-0644', `${JOIN_TOKEN}\n`, 0o644);
  file('token-newline', `${JOIN_TOKEN}\n${JOIN_SECRET}\n`);
  file('secret-id-newline', `${SECRET_ID}\nmore\n`);
  file('config-token.yaml', `token: ${JOIN_SECRET}\n`);
  file('config-not-yaml.yaml', 'a: [b\n');
  spawnSync('mkfifo', [join(fx, 'fifo')]);
  mkdirSync(join(fx, 'export-fifo'));
  spawnSync('mkfifo', [join(fx, 'export-fifo', 'rke2.sh')]);
  mkdirSync(join(fx, 'capath'));
  spawnSync('mkfifo', [join(fx, 'capath', 'ca.pem')]);
  for (const h of ['home-fifo', 'home-newline', 'home-dir']) mkdirSync(join(fx, h));
  spawnSync('mkfifo', [join(fx, 'home-fifo', '.vault-token')]);
  writeFileSync(join(fx, 'home-newline', '.vault-token'), `${bao.rootToken}\n${bao.rootToken}\n`, { mode: 0o600 });
  mkdirSync(join(fx, 'home-dir', '.vault-token'));
}, 300_000);

afterAll(async () => {
  await bao?.stop();
  if (fx !== undefined) rmSync(fx, { recursive: true, force: true });
});

describe('malformed input, every command and flag', () => {
  const cases = ALL();
  it('covers every category the issue names', () => {
    expect(new Set(cases.map((c) => c.category))).toEqual(new Set(['IDs', 'names', 'labels', 'taints', 'tags', 'URLs', 'versions', 'files', 'environment']));
    expect(cases.length).toBeGreaterThan(300);
  });

  it.each(cases.map((c, i) => [label(c), c, i] as const))('%s', async (_label, c, i) => {
    const env = caseEnv(c);
    const cwd = mkdtempSync(join(tmpdir(), 'edgectl-malformed-cwd-'));
    try {
      const args = c.args.map((a) => a.replaceAll('FIXTURE', fx));
      const host = hostSnapshot();
      const vault = await vaultSnapshot();
      const r = await run('sea', args, env, cwd);
      const all = `${r.stdout}\n${r.stderr}`;
      expect(r.code, `hung for ${CASE_TIMEOUT_MS}ms`).not.toBe('hung');
      expect(r.code, all).not.toBe(70);
      expect(DOCUMENTED).toContain(r.code);
      expect(r.code, all).toBe(c.code);
      for (const secret of [bao.rootToken, SECRET_ID, URL_PASSWORD, JOIN_SECRET, BAD_TOKEN]) expect(all, `${secret} leaked`).not.toContain(secret);
      const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errorLines, r.stderr).toHaveLength(1);
      // vault check reports each failure on its check line and sums them up in the error line
      expect(c.args[0] === 'vault' && c.args[1] === 'check' ? all : errorLines[0]).toMatch(c.message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(hostSnapshot()).toEqual(host);
      expect(await vaultSnapshot()).toEqual(vault);
      expect(readdirSync(cwd)).toEqual([]);
      if (i % 4 === 0) {
        const b = await run('bundle', args, env, cwd);
        const errors = (x: Run): string[] => x.stderr.split('\n').filter((l) => l.startsWith('error:'));
        expect({ code: b.code, errors: errors(b) }).toEqual({ code: r.code, errors: errorLines });
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, CASE_TIMEOUT_MS * 2 + 10_000);
});
