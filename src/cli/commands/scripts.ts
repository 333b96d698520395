/** `edgectl scripts …`: the embedded host scripts. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';
import { outputOption, type OutputFormat } from '../options.js';

export function registerScriptsCommands(program: Command, registrar: Registrar): void {
  const scripts = program.command('scripts').description('the embedded host scripts (scripts/*.sh)');
  scripts
    .command('export')
    .description('write the embedded scripts to DIR (mode 0755) for standalone use; prints sha256 and path')
    .argument('<dir>', 'target directory (created if missing)')
    .option('--force', 'overwrite files that differ', false)
    .addOption(outputOption())
    .action((dir: string, opts: { force: boolean; output: OutputFormat }) => {
      registrar.select('scripts export', { dir, force: opts.force, output: opts.output }, async (ctx, input) =>
        (await import('../../app/scripts-export.js')).runScriptsExport(ctx, input),
      );
    });
}
