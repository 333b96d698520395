/** `edgectl rke2 …`: install and operate RKE2 on this host. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';

export function registerRke2Commands(program: Command, _registrar: Registrar): void {
  program.command('rke2').description('install and operate RKE2 on this host');
}
