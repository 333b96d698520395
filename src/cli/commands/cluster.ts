/** `edgectl cluster …`: the cluster registry in Vault. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';

export function registerClusterCommands(program: Command, _registrar: Registrar): void {
  program.command('cluster').description('the cluster registry in Vault');
}
