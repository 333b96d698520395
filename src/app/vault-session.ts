/**
 * Opens Vault for a command: resolves the configuration (warnings to the UI),
 * connects (the client on the run's abort signal and clock, the KV v2 mount
 * and the cluster registry over it). Commands call close() in a finally block.
 */
import { type VaultConfig, resolveVaultConfig } from '../core/vault-config.js';
import type { AppRolePort, ClusterRegistry, KvStore, VaultAdmin, VaultClientPort } from '../core/ports.js';
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError } from '../core/errors.js';
import { sudoDroppedVaultWarning } from '../core/sudo-env.js';
import type { Context } from './context.js';

export interface VaultSession {
  config: VaultConfig;
  client: VaultClientPort;
  kv: KvStore;
  /** AppRole calls of join codes */
  approle: AppRolePort;
  registry: ClusterRegistry;
  /** mounts, auth methods, policies and roles (vault setup, apply) */
  admin: VaultAdmin;
  close(): Promise<void>;
}

/** The Vault configuration for a command that cannot run without Vault (precondition error, exit 3, when none is set). */
export function requireVaultConfig(ctx: Context, flags: VaultFlags): VaultConfig {
  const config = resolveVaultConfig(ctx.env, flags, ctx.homeDir, ctx.ui);
  if (config === undefined) {
    throw new EdgectlError('precondition', 'no Vault address: set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr', {
      hint: 'e.g. export VAULT_ADDR=https://vault.example:8200 and VAULT_TOKEN, or VAULT_ROLE_ID with VAULT_SECRET_ID',
    });
  }
  return config;
}

/** Open Vault for a command that needs it. */
export async function openVault(ctx: Context, flags: VaultFlags): Promise<VaultSession> {
  return sessionFor(ctx, requireVaultConfig(ctx, flags));
}

/** Open Vault with a configuration built by the command (a join code's). */
export async function sessionFor(ctx: Context, config: VaultConfig): Promise<VaultSession> {
  const { client, kv, registry, admin, approle } = await ctx.vault.connect(ctx, config);
  return { config, client, kv, registry, admin, approle, close: () => client.close() };
}

/** Open Vault when an address is configured; undefined when none is (edgectl's no-Vault mode). */
export async function openVaultIfConfigured(ctx: Context, flags: VaultFlags): Promise<VaultSession | undefined> {
  const config = resolveVaultConfig(ctx.env, flags, ctx.homeDir, ctx.ui);
  if (config === undefined) {
    const warning = sudoDroppedVaultWarning(ctx.env);
    if (warning !== undefined) ctx.ui.warn(warning);
  }
  return config === undefined ? undefined : sessionFor(ctx, config);
}
