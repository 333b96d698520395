import { describe, expect, it } from 'vitest';
import type { Env } from './ports.js';
import type { VaultFlags } from './command-options.js';
import { EdgectlError } from './errors.js';
import { type VaultConfig, isLoopbackHost, parseDurationMs, parseGoBool, resolveVaultConfig } from './vault-config.js';

const HOME = '/home/op';
const resolve = (env: Env, flags: VaultFlags = {}): VaultConfig | undefined => resolveVaultConfig(env, flags, HOME);
const must = (env: Env, flags: VaultFlags = {}): VaultConfig => {
  const c = resolve(env, flags);
  if (c === undefined) throw new Error('expected a config');
  return c;
};
const errorOf = (env: Env, flags: VaultFlags = {}): EdgectlError => {
  try {
    resolve(env, flags);
  } catch (err) {
    if (err instanceof EdgectlError) return err;
    throw err;
  }
  throw new Error('expected an error');
};

describe('resolveVaultConfig', () => {
  it('returns undefined when no address is configured at all (no-Vault mode)', () => {
    expect(resolve({})).toBeUndefined();
    expect(resolve({ VAULT_ADDR: '' })).toBeUndefined();
    expect(resolve({ VAULT_TOKEN: 't' })).toBeUndefined();
  });

  it('refuses Vault flags without an address (usage, exit 2)', () => {
    const err = errorOf({}, { vaultNamespace: 'ns' });
    expect(err.exitCode).toBe(2);
  });

  // [what, env, flags, expected subset]
  const table: Array<[string, Env, VaultFlags, Partial<VaultConfig> & Record<string, unknown>]> = [
    ['defaults', { VAULT_ADDR: 'https://vault.example:8200/' }, {}, { address: 'https://vault.example:8200', addressSource: 'VAULT_ADDR', namespace: undefined, mount: 'kv', timeoutMs: 60_000, maxRetries: 2 }],
    ['BAO_* fallbacks', { BAO_ADDR: 'https://bao:8200', BAO_NAMESPACE: 'team', BAO_MAX_RETRIES: '5', BAO_CLIENT_TIMEOUT: '10' }, {}, { address: 'https://bao:8200', addressSource: 'BAO_ADDR', namespace: 'team', maxRetries: 5, timeoutMs: 10_000 }],
    ['VAULT_* wins over BAO_*', { VAULT_ADDR: 'https://v:1', BAO_ADDR: 'https://b:2', VAULT_NAMESPACE: 'v', BAO_NAMESPACE: 'b' }, {}, { address: 'https://v:1', namespace: 'v' }],
    ['flags override the environment', { VAULT_ADDR: 'https://v:1', VAULT_NAMESPACE: 'v', EDGECTL_VAULT_MOUNT: 'envkv' }, { vaultAddr: 'https://flag:3', vaultNamespace: 'f/sub/', vaultMount: 'flagkv/' }, { address: 'https://flag:3', addressSource: '--vault-addr', namespace: 'f/sub', mount: 'flagkv' }],
    ['EDGECTL_VAULT_MOUNT', { VAULT_ADDR: 'https://v:1', EDGECTL_VAULT_MOUNT: 'secrets/edge' }, {}, { mount: 'secrets/edge' }],
    ['VAULT_KV_MOUNT (issue 15.7)', { VAULT_ADDR: 'https://v:1', VAULT_KV_MOUNT: 'edge-kv/' }, {}, { mount: 'edge-kv', warnings: [] }],
    ['BAO_KV_MOUNT', { VAULT_ADDR: 'https://v:1', BAO_KV_MOUNT: 'bao-kv' }, {}, { mount: 'bao-kv' }],
    ['--vault-mount over VAULT_KV_MOUNT, silently', { VAULT_ADDR: 'https://v:1', VAULT_KV_MOUNT: 'envkv' }, { vaultMount: 'flagkv' }, { mount: 'flagkv', warnings: [] }],
    [
      'EDGECTL_VAULT_MOUNT over VAULT_KV_MOUNT, warned',
      { VAULT_ADDR: 'https://v:1', EDGECTL_VAULT_MOUNT: 'a', VAULT_KV_MOUNT: 'b' },
      {},
      { mount: 'a', warnings: ['VAULT_KV_MOUNT=b is ignored: EDGECTL_VAULT_MOUNT sets the KV mount to a'] },
    ],
    ['root namespace means none', { VAULT_ADDR: 'https://v:1', VAULT_NAMESPACE: 'root' }, {}, { namespace: undefined }],
    ['Go durations for the timeout', { VAULT_ADDR: 'https://v:1', VAULT_CLIENT_TIMEOUT: '1m30s' }, {}, { timeoutMs: 90_000 }],
    ['zero retries allowed', { VAULT_ADDR: 'https://v:1', VAULT_MAX_RETRIES: '0' }, {}, { maxRetries: 0 }],
  ];
  it.each(table)('%s', (_what, env, flags, expected) => {
    expect(must(env, flags)).toMatchObject(expected);
  });

  it('reads every TLS variable, with BAO_* fallbacks', () => {
    const c = must({
      VAULT_ADDR: 'https://v:1',
      VAULT_CACERT: '/ca.pem',
      BAO_CAPATH: '/cas',
      VAULT_CLIENT_CERT: '/c.pem',
      BAO_CLIENT_KEY: '/k.pem',
      VAULT_TLS_SERVER_NAME: 'vault.internal',
      VAULT_SKIP_VERIFY: 'false',
    });
    expect(c.tls).toEqual({ caCertFile: '/ca.pem', caPath: '/cas', clientCertFile: '/c.pem', clientKeyFile: '/k.pem', insecureSkipVerify: false, serverName: 'vault.internal' });
    expect(c.warnings).toEqual([]);
  });

  it('warns when verification is skipped and for plain http to a non-loopback host, not for loopback', () => {
    expect(must({ VAULT_ADDR: 'https://v:1', VAULT_SKIP_VERIFY: '1' }).warnings.join()).toMatch(/verification is disabled/);
    expect(must({ VAULT_ADDR: 'http://10.0.0.5:8200' }).warnings.join()).toMatch(/plain http to a non-loopback address/);
    for (const addr of ['http://127.0.0.1:8200', 'http://localhost:8200', 'http://[::1]:8200']) expect(must({ VAULT_ADDR: addr }).warnings).toEqual([]);
  });

  it('sends warnings to the ui when one is given', () => {
    const seen: string[] = [];
    resolveVaultConfig({ VAULT_ADDR: 'http://vault.example' }, {}, HOME, { warn: (m) => seen.push(m) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('http://vault.example');
  });

  describe('auth', () => {
    it('uses VAULT_TOKEN (or BAO_TOKEN), kept as a Secret that never prints', () => {
      const c = must({ VAULT_ADDR: 'https://v:1', BAO_TOKEN: 's.secretvalue ' });
      expect(c.auth.method).toBe('token');
      if (c.auth.method !== 'token') return;
      expect(c.auth.token.reveal()).toBe('s.secretvalue');
      expect(c.auth.source).toBe('BAO_TOKEN');
      expect(JSON.stringify(c)).not.toContain('secretvalue');
      expect(String(c.auth.token)).toBe('[redacted]');
    });

    it('falls back to ~/.vault-token', () => {
      expect(must({ VAULT_ADDR: 'https://v:1' }).auth).toEqual({ method: 'token-file', path: '/home/op/.vault-token' });
    });

    it('uses AppRole when VAULT_ROLE_ID is set, secret ID from env or (overriding) the flag file', () => {
      const env = must({ VAULT_ADDR: 'https://v:1', VAULT_ROLE_ID: 'role', VAULT_SECRET_ID: 'sid' });
      expect(env.auth).toMatchObject({ method: 'approle', roleId: 'role', mount: 'approle', secretId: { source: 'env', name: 'VAULT_SECRET_ID' } });
      const file = must({ VAULT_ADDR: 'https://v:1', BAO_ROLE_ID: 'role', VAULT_SECRET_ID: 'sid', EDGECTL_VAULT_APPROLE_MOUNT: 'edge-approle' }, { vaultSecretIdFile: '/run/sid' });
      expect(file.auth).toEqual({ method: 'approle', roleId: 'role', mount: 'edge-approle', secretId: { source: 'file', path: '/run/sid' } });
    });

    it('warns that VAULT_TOKEN is ignored when AppRole is configured', () => {
      expect(must({ VAULT_ADDR: 'https://v:1', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's', VAULT_TOKEN: 't' }).warnings.join()).toMatch(/VAULT_TOKEN is ignored/);
    });

    it('needs a secret ID with a role ID, and a role ID with --vault-secret-id-file', () => {
      expect(errorOf({ VAULT_ADDR: 'https://v:1', VAULT_ROLE_ID: 'r' }).message).toMatch(/no secret ID/);
      const err = errorOf({ VAULT_ADDR: 'https://v:1' }, { vaultSecretIdFile: '/f' });
      expect(err.message).toMatch(/needs VAULT_ROLE_ID/);
      expect(err.exitCode).toBe(2);
    });
  });

  it('reports every malformed setting at once: precondition (3) from the environment', () => {
    const err = errorOf({ VAULT_ADDR: 'ftp://x', VAULT_SKIP_VERIFY: 'maybe', VAULT_CLIENT_TIMEOUT: 'soon', VAULT_MAX_RETRIES: '-1', VAULT_CLIENT_CERT: '/c', VAULT_NAMESPACE: 'a b' });
    expect(err.exitCode).toBe(3);
    for (const m of [/unsupported scheme ftp:/, /VAULT_SKIP_VERIFY: expected true or false/, /VAULT_CLIENT_TIMEOUT/, /VAULT_MAX_RETRIES/, /set together/, /invalid namespace/]) expect(err.message).toMatch(m);
  });

  it('reports a malformed flag as a usage error (2)', () => {
    expect(errorOf({}, { vaultAddr: 'not a url' }).exitCode).toBe(2);
    expect(errorOf({ VAULT_ADDR: 'https://v:1' }, { vaultMount: '../sys' }).exitCode).toBe(2);
    expect(errorOf({ VAULT_ADDR: 'https://user:pw@v:1' }).message).toMatch(/must not carry credentials/);
  });
});

describe('helpers', () => {
  it('parses Go booleans as VAULT_SKIP_VERIFY does', () => {
    expect(['1', 't', 'TRUE', 'true', 'True'].map(parseGoBool)).toEqual([true, true, true, true, true]);
    expect(['0', 'f', 'FALSE', 'false', 'False'].map(parseGoBool)).toEqual([false, false, false, false, false]);
    expect(parseGoBool('yes')).toBeUndefined();
  });

  it('parses Vault durations', () => {
    expect(parseDurationMs('30')).toBe(30_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2h')).toBe(7_200_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('abc')).toBeUndefined();
    expect(parseDurationMs('10x')).toBeUndefined();
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'api.localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'vault.example', '128.0.0.1', 'localhost.example.com'].some(isLoopbackHost)).toBe(false);
  });
});
