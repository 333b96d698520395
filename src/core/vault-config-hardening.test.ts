/** Malformed credentials, addresses with userinfo and namespace paths are refused locally, never echoed. */
import { describe, expect, it } from 'vitest';
import type { Env } from './ports.js';
import type { VaultFlags } from './command-options.js';
import { EdgectlError } from './errors.js';
import { namespaceProblem, resolveVaultConfig } from './vault-config.js';

const errorOf = (env: Env, flags: VaultFlags = {}): EdgectlError => {
  try {
    resolveVaultConfig(env, flags, '/home/op');
  } catch (err) {
    if (err instanceof EdgectlError) return err;
    throw err;
  }
  throw new Error('expected an error');
};
const text = (e: EdgectlError): string => `${e.message}\n${e.hint ?? ''}`;

describe('credentials in the environment', () => {
  it.each([
    ['a newline', 'SECRETPART\nmore', /line break/],
    ['a control character', 'SECRETPART\u0001', /control character/],
    ['a space', 'SECRETPART more', /space/],
    ['a non-ASCII character', 'SECRETPARTé', /non-ASCII/],
  ])('VAULT_TOKEN with %s: usage error (2) that says what is wrong and does not show it', (_what, token, reason) => {
    const err = errorOf({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: token });
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/VAULT_TOKEN is not a valid Vault token/);
    expect(err.message).toMatch(reason);
    expect(text(err)).not.toContain('SECRETPART');
  });

  it('a token with surrounding whitespace only (a trailing newline from a file) is still accepted', () => {
    const c = resolveVaultConfig({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 'hvs.abc\n' }, {}, '/h');
    expect(c?.auth.method === 'token' && c.auth.token.reveal()).toBe('hvs.abc');
  });

  it('VAULT_SECRET_ID with a newline: usage error, not shown', () => {
    const err = errorOf({ VAULT_ADDR: 'https://v:1', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 'SECRETPART\nx' });
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/VAULT_SECRET_ID is not a valid secret ID: it contains a line break/);
    expect(text(err)).not.toContain('SECRETPART');
  });
});

describe('VAULT_ADDR with userinfo', () => {
  it.each([
    ['https://user:PASSWORD1@vault.example:8200'],
    ['https://user:PASSWORD1@[::1'],
    ['https://user:PASSWORD1/x@host'],
    ['http://PASSWORD1@127.0.0.1:8200'],
  ])('%s: usage error (2), the password never shown', (addr) => {
    for (const [env, flags] of [[{ VAULT_ADDR: addr }, {}], [{}, { vaultAddr: addr }]] as Array<[Env, VaultFlags]>) {
      const err = errorOf({ ...env, VAULT_TOKEN: 't' }, flags);
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(/must not carry credentials/);
      expect(text(err)).not.toContain('PASSWORD1');
    }
  });

  it('an @ in the path of a valid URL is not userinfo', () => {
    expect(resolveVaultConfig({ VAULT_ADDR: 'https://vault.example/a@b', VAULT_TOKEN: 't' }, {}, '/h')?.address).toBe('https://vault.example/a@b');
  });
});

describe('namespace paths', () => {
  it.each(['team-a', 'team-a/edge', 'team-a/edge/', 'a.b_c-d', '..a', 'a..'])('%s is accepted', (ns) => {
    expect(namespaceProblem(ns)).toBeUndefined();
  });

  it.each([
    ['../x', /"\.\." is not a namespace name/],
    ['a/./b', /"\." is not a namespace name/],
    ['..', /"\.\."/],
    ['a//b', /empty segment/],
    ['/a', /empty segment/],
    ['a//', /empty segment/],
    ['a b', /only letters/],
    ['a\nb', /only letters/],
    ['x'.repeat(513), /512/],
  ])('%j is refused: %s', (ns, reason) => {
    expect(namespaceProblem(ns)).toMatch(reason);
  });

  it('--vault-namespace ../x is a usage error (2); VAULT_NAMESPACE=../x a configuration error (3), both before any request', () => {
    expect(errorOf({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't' }, { vaultNamespace: '../x' }).exitCode).toBe(2);
    const env = errorOf({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't', VAULT_NAMESPACE: '../x' });
    expect(env.exitCode).toBe(3);
    expect(env.message).toMatch(/VAULT_NAMESPACE: invalid namespace "\.\.\/x"/);
  });

  it('"root" and "/" mean the root namespace; a trailing slash is dropped', () => {
    expect(resolveVaultConfig({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't', VAULT_NAMESPACE: '/' }, {}, '/h')?.namespace).toBeUndefined();
    expect(resolveVaultConfig({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't', VAULT_NAMESPACE: 'root/' }, {}, '/h')?.namespace).toBeUndefined();
    expect(resolveVaultConfig({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't', VAULT_NAMESPACE: 'a/b/' }, {}, '/h')?.namespace).toBe('a/b');
  });

  it.each(['../x', 'a/../b', 'kv//x', '.'])('--vault-mount %j and EDGECTL_VAULT_APPROLE_MOUNT %j are refused', (mount) => {
    expect(errorOf({ VAULT_ADDR: 'https://v:1', VAULT_TOKEN: 't' }, { vaultMount: mount }).exitCode).toBe(2);
    expect(errorOf({ VAULT_ADDR: 'https://v:1', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's', EDGECTL_VAULT_APPROLE_MOUNT: mount }).exitCode).toBe(3);
  });
});
