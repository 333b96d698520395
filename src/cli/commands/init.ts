/** `edgectl init [HOST…]`: a commented cluster file to start from. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';
import { collect } from '../options.js';

export const INIT_DESCRIPTION = 'print a commented cluster file (edgectl apply -f) for the given hosts';

export function registerInitCommand(program: Command, registrar: Registrar): void {
  program
    .command('init')
    .description(INIT_DESCRIPTION)
    .argument('[host...]', 'ADDR, USER@ADDR or ADDR:PORT; without any, read one per line from stdin when it is not a terminal')
    .option('--name <name>', 'metadata.name of the cluster (a lowercase DNS label)', 'my-cluster')
    .option('--inventory <file>', 'take the hosts (and their roles, from their groups) from an Ansible YAML inventory')
    .option('--server-group <name>', 'inventory group whose hosts are servers (repeatable; default servers, server, rke2_servers, masters, control_plane)', collect)
    .option('--agent-group <name>', 'inventory group whose hosts are agents (repeatable; default agents, agent, rke2_agents, workers, nodes)', collect)
    .addHelpText(
      'after',
      '\nThe first host becomes a server (the first three when there are five or more hosts), the others agents.\nExamples:\n  edgectl init 10.0.0.10 10.0.0.11 10.0.0.12 > cluster.yaml\n  cut -d" " -f1 hosts.txt | edgectl init --name shop-42 > cluster.yaml\n',
    )
    .action((hosts: string[], opts: { name: string; inventory?: string; serverGroup?: string[]; agentGroup?: string[] }) => {
      const input = { hosts, name: opts.name, ...(opts.inventory === undefined ? {} : { inventory: { file: opts.inventory, serverGroups: opts.serverGroup ?? [], agentGroups: opts.agentGroup ?? [] } }) };
      registrar.select('init', input, async (ctx, i) => (await import('../../app/init.js')).runInit(ctx, i));
    });
}
