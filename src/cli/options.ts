/**
 * Shared option parsers and option groups. Parsers throw commander's
 * InvalidArgumentError, which the CLI reports as a usage error (exit 2).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { vaultFlagProblems } from '../core/vault-config.js';
import { clusterIdProblem } from '../core/cluster-id.js';
import { nodeNameProblem } from '../core/vault-layout.js';
import { usageError } from '../core/errors.js';

import type { OutputFormat, VaultFlags } from '../core/command-options.js';

export type { OutputFormat, VaultFlags };

/** Collect a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parse a positive integer (seconds, counts). */
export function positiveInt(value: string): number {
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) <= 0) {
    throw new InvalidArgumentError('must be a positive whole number');
  }
  return Number(value);
}

/** Parse a cluster ID flag value. */
export function clusterIdArg(value: string): string {
  const problem = clusterIdProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`invalid cluster ID: ${problem}`);
  return value;
}

/** Parse a node name argument (a lowercase DNS name, as node entries are named). */
export function nodeNameArg(value: string): string {
  const problem = nodeNameProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`invalid node name: ${problem}`);
  return value;
}

/** Parse a key=value tag, collecting repeats. */
export function tagArg(value: string, previous: Array<[string, string]> | undefined): Array<[string, string]> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  const key = value.slice(0, eq);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(key)) {
    throw new InvalidArgumentError(`invalid tag key ${JSON.stringify(key)} (letters, digits, '.', '_', '-')`);
  }
  return [...(previous ?? []), [key, value.slice(eq + 1)]];
}

/** The --output option for commands that report. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
}

/** Options every Vault-using command accepts (they override the VAULT_* environment). */
export function addVaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-addr <url>', 'Vault address (default: $VAULT_ADDR)')
    .option('--vault-namespace <ns>', 'Vault namespace (default: $VAULT_NAMESPACE)')
    .option('--namespace <ns>', 'the same as --vault-namespace')
    .option('--vault-mount <mount>', 'KV v2 mount (default: $EDGECTL_VAULT_MOUNT or "kv")')
    .option('--vault-secret-id-file <file>', 'AppRole secret ID file (with $VAULT_ROLE_ID)');
}

/** Pick the Vault flags out of a command's parsed options; malformed values are a usage error here, before any command runs. */
export function vaultFlags(given: VaultFlags & { namespace?: string }): VaultFlags {
  const { namespace, ...opts } = given;
  if (namespace !== undefined) {
    // --namespace is an alias: two different values are a mistake, not a choice
    if (opts.vaultNamespace !== undefined && opts.vaultNamespace !== namespace) {
      throw usageError('--namespace and --vault-namespace differ; pass one of them');
    }
    opts.vaultNamespace = namespace;
  }
  const problems = vaultFlagProblems(opts);
  if (problems.length > 0) throw usageError(problems.join('; '), 'see the "Vault" section of the README');
  const out: VaultFlags = {};
  if (opts.vaultAddr !== undefined) out.vaultAddr = opts.vaultAddr;
  if (opts.vaultNamespace !== undefined) out.vaultNamespace = opts.vaultNamespace;
  if (opts.vaultMount !== undefined) out.vaultMount = opts.vaultMount;
  if (opts.vaultSecretIdFile !== undefined) out.vaultSecretIdFile = opts.vaultSecretIdFile;
  return out;
}
