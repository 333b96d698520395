/** `edgectl vault …`: check the Vault setup edgectl depends on. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';

export function registerVaultCommands(program: Command, _registrar: Registrar): void {
  program.command('vault').description('check the Vault setup edgectl depends on');
}
