/**
 * Helpers for tests of edgectl's Vault side against a real OpenBao: a client
 * and registry configured exactly as the CLI would be (from an environment),
 * policies and tokens, and a temp home directory for ~/.vault-token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultClient, type VaultClientOptions } from '../../src/adapters/vault/client.js';
import { type VaultConfig, resolveVaultConfig } from '../../src/core/vault-config.js';
import { Kv2 } from '../../src/adapters/vault/kv2.js';
import { VaultClusterRegistry } from '../../src/adapters/vault/registry.js';
import type { NewCluster } from '../../src/core/cluster-records.js';
import { Secret } from '../../src/core/secret.js';
import { VaultError } from '../../src/core/vault-errors.js';
import type { Env } from '../../src/app/context.js';
import type { VaultFlags } from '../../src/cli/options.js';
import type { OpenBao } from './openbao.js';

/** Short backoff for tests that exercise retries without waiting seconds. */
export const FAST_RETRY: VaultClientOptions['retryWait'] = { minWaitMs: 20, maxWaitMs: 40 };

/** The environment the CLI would get to talk to this OpenBao with its root token. */
export function rootEnv(bao: OpenBao, extra: Env = {}): Env {
  return { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, ...extra };
}

/** Resolve a config from an environment as the CLI does (fails the test when none). */
export function configFrom(env: Env, flags: VaultFlags = {}, homeDir = '/nonexistent-home'): VaultConfig {
  const config = resolveVaultConfig(env, flags, homeDir);
  if (config === undefined) throw new Error('test environment has no Vault address');
  return config;
}

export interface TestVault {
  client: VaultClient;
  kv: Kv2;
  registry: VaultClusterRegistry;
  debug: string[];
  warnings: string[];
}

/** A client + KV + registry from an environment; debug lines and warnings are collected. */
export function vaultFrom(env: Env, opts: VaultClientOptions & { flags?: VaultFlags; homeDir?: string } = {}): TestVault {
  const config = configFrom(env, opts.flags, opts.homeDir);
  const debug: string[] = [];
  const warnings: string[] = [];
  const client = new VaultClient(config, { debug: (m) => debug.push(m), warn: (m) => warnings.push(m), ...opts });
  const kv = new Kv2(client, config.mount);
  return { client, kv, registry: new VaultClusterRegistry(kv), debug, warnings };
}

/** Write an ACL policy and create a token holding only it (plus default). */
export async function tokenWithPolicy(bao: OpenBao, name: string, hcl: string, namespace?: string): Promise<string> {
  const ns = namespace === undefined ? {} : { namespace };
  await bao.api('PUT', `sys/policies/acl/${name}`, { policy: hcl }, ns);
  const res = await bao.api('POST', 'auth/token/create', { policies: [name], ttl: '1h' }, ns);
  return res.json.auth.client_token as string;
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A NewCluster for registry tests: fixed facts, a K10-shaped fake token derived from the ID; override any field. */
export function clusterFixture(id: string, extra: Partial<NewCluster> = {}): NewCluster {
  return {
    id,
    token: new Secret(`K10${id}::server:${id}-joinsecret`),
    server: 'https://10.0.0.1:9345',
    createdAt: new Date('2026-03-04T05:06:07.000Z'),
    hostname: 'srv-1',
    ip: '10.0.0.1',
    rke2Version: 'v1.30.1+rke2r1',
    ...extra,
  };
}

/** The VaultError a promise rejects with (the test fails if it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<VaultError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VaultError) return err;
    throw err;
  }
  throw new Error('expected a VaultError');
}
