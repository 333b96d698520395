/**
 * Value types that commands share across rings: the output format and the
 * Vault flags as the command line gives them (cli parses, app and the Vault
 * adapter read them).
 */

export type OutputFormat = 'text' | 'json';

/** The Vault flags as parsed by commander. */
export interface VaultFlags {
  vaultAddr?: string;
  vaultNamespace?: string;
  vaultMount?: string;
  vaultSecretIdFile?: string;
}
