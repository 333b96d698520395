/** `edgectl init [HOST…]`: a commented cluster file to start from. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';

export const INIT_DESCRIPTION = 'print a commented cluster file (edgectl apply -f) for the given hosts';

export function registerInitCommand(program: Command, registrar: Registrar): void {
  program
    .command('init')
    .description(INIT_DESCRIPTION)
    .argument('[host...]', 'ADDR, USER@ADDR or ADDR:PORT; without any, read one per line from stdin when it is not a terminal')
    .option('--name <name>', 'metadata.name of the cluster (a lowercase DNS label)', 'my-cluster')
    .addHelpText(
      'after',
      '\nThe first host becomes a server (the first three when there are five or more hosts), the others agents.\nExamples:\n  edgectl init 10.0.0.10 10.0.0.11 10.0.0.12 > cluster.yaml\n  cut -d" " -f1 hosts.txt | edgectl init --name shop-42 > cluster.yaml\n',
    )
    .action((hosts: string[], opts: { name: string }) => {
      registrar.select('init', { hosts, name: opts.name }, async (ctx, input) => (await import('../../app/init.js')).runInit(ctx, input));
    });
}
