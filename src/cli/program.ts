/**
 * argv → one typed input per command. This layer only parses and validates
 * the command line; each command's action records which use case to run with
 * which input, and runCli (cli/run.ts) runs it behind the error boundary.
 */
import { Command, CommanderError } from 'commander';
import type { Writable } from 'node:stream';
import type { Context } from '../app/context.js';
import { safeParserOutput } from '../core/credential.js';
import { EDGECTL_VERSION } from '../core/version.js';
import { registerClusterCommands } from './commands/cluster.js';
import { APPLY_DESCRIPTION, KUBECONFIG_DESCRIPTION, RESET_DESCRIPTION, STATUS_DESCRIPTION, registerApplyCommand, registerKubeconfigCommand, registerResetCommand, registerStatusCommand } from './commands/apply.js';
import { INIT_DESCRIPTION, registerInitCommand } from './commands/init.js';
import { registerRke2Commands } from './commands/rke2.js';
import { registerScriptsCommands } from './commands/scripts.js';
import { registerVaultCommands } from './commands/vault.js';

/** A parsed command: its id ("rke2 server"), its typed input, and how to run it. */
export interface Invocation<I = unknown> {
  readonly id: string;
  readonly input: I;
  run(ctx: Context): Promise<void>;
}

export type ParseResult = { kind: 'run'; invocation: Invocation } | { kind: 'exit'; code: number; /** the parse error, for exit 2 */ message?: string };

/** Filled in while parsing: whether `-o json` was given before parsing stopped (for JSON usage errors). */
export interface ParseObserver {
  outputJson: boolean;
}

/** Listen on every command with an --output option for its value, as commander accepts it. */
function observeOutputOption(cmd: Command, observer: ParseObserver): void {
  if (cmd.options.some((o) => o.attributeName() === 'output')) {
    // after commander's own listener: an invalid choice has thrown before this runs
    cmd.on('option:output', (value: unknown) => {
      observer.outputJson = value === 'json';
    });
  }
  for (const sub of cmd.commands) observeOutputOption(sub, observer);
}

/** What each command module receives to register its commands. */
export interface Registrar {
  /** called from a command's action: selects the use case to run */
  select<I>(id: string, input: I, run: (ctx: Context, input: I) => Promise<void>): void;
}

/**
 * The top-level command groups, in help order. Registering a group's commands
 * (hundreds of options) is most of edgectl's startup time, so buildProgram
 * registers only the group a run names and gives the others a stand-in with the
 * same name and description, which is all top-level help, `--version` and
 * "unknown command" suggestions use. program.test.ts checks that the
 * descriptions here equal the ones the register functions set.
 */
export const COMMAND_GROUPS: ReadonlyArray<{
  readonly name: string;
  readonly description: string;
  readonly register: (program: Command, registrar: Registrar) => void;
  /** a single small command: always registered (its help line shows its arguments) */
  readonly small?: true;
}> = [
  { name: 'rke2', description: 'install and operate RKE2 on this host', register: registerRke2Commands },
  { name: 'cluster', description: 'the cluster registry in Vault', register: registerClusterCommands },
  { name: 'vault', description: 'set up and check the Vault side edgectl depends on', register: registerVaultCommands },
  { name: 'scripts', description: 'the embedded host scripts (scripts/*.sh)', register: registerScriptsCommands },
  { name: 'init', description: INIT_DESCRIPTION, register: registerInitCommand, small: true },
  { name: 'apply', description: APPLY_DESCRIPTION, register: registerApplyCommand, small: true },
  { name: 'status', description: STATUS_DESCRIPTION, register: registerStatusCommand, small: true },
  { name: 'reset', description: RESET_DESCRIPTION, register: registerResetCommand, small: true },
  { name: 'kubeconfig', description: KUBECONFIG_DESCRIPTION, register: registerKubeconfigCommand, small: true },
];

/** The group a command line runs: its first word, when that is a group's name. */
export function groupOf(argv: readonly string[]): string | undefined {
  const first = argv[0];
  return COMMAND_GROUPS.some((g) => g.name === first) ? first : undefined;
}

/**
 * Build the command tree. `out` receives help/version text and parse errors.
 * `only` limits full registration to one group (see COMMAND_GROUPS); without
 * it every group is registered.
 */
export function buildProgram(out: { stdout: Writable; stderr: Writable }, registrar: Registrar, only: { group: string | undefined } | undefined = undefined): Command {
  const program = new Command('edgectl');
  program
    .description('Stand up RKE2 clusters on bare-metal and edge hosts, with join tokens kept in Vault.')
    .version(EDGECTL_VERSION, '-V, --version', 'print the edgectl version')
    // program options only before the subcommand: `rke2 server|upgrade --version V` is RKE2's version
    .enablePositionalOptions()
    .helpOption('-h, --help', 'show help for a command')
    // listed in help; parseArgv turns `help [command…]` into `command… --help` (the groups register lazily)
    .helpCommand('help [command...]', 'show help for a command')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => out.stdout.write(s),
      // parse errors quote the raw value: keep them one line and free of URL credentials
      writeErr: (s) => out.stderr.write(safeParserOutput(s)),
    })
    .addHelpText(
      'after',
      '\nExamples:\n  sudo -E edgectl rke2 server                       bootstrap a new cluster (-E keeps VAULT_* for sudo)\n  sudo -E edgectl rke2 agent --cluster-id rke2-abc12345  join an agent\n  sudo -E edgectl rke2 status                       this node and its cluster\n  sudo -E edgectl rke2 token rotate                 rotate the join token (then token sync on the others)\n  edgectl cluster list                              clusters registered in Vault\n',
    );

  for (const group of COMMAND_GROUPS) {
    if (only === undefined || only.group === group.name || group.small === true) group.register(program, registrar);
    else program.command(group.name).description(group.description);
  }
  return program;
}

/**
 * `help [command…]` → `command… --help`, so that the named group is registered
 * before its help is shown; `help NOSUCH` → `NOSUCH` (commander would print the
 * top-level help for `NOSUCH --help` instead of the unknown-command error).
 */
export function helpAsFlag(argv: readonly string[]): readonly string[] {
  if (argv[0] !== 'help') return argv;
  const rest = argv.slice(1);
  return rest.length > 0 && groupOf(rest) === undefined ? rest : [...rest, '--help'];
}

/** Parse argv (without node and script path) into an invocation, or an exit code for help/usage. */
export async function parseArgv(argv: readonly string[], out: { stdout: Writable; stderr: Writable }, observer: ParseObserver = { outputJson: false }): Promise<ParseResult> {
  let selected: Invocation | undefined;
  const registrar: Registrar = {
    select(id, input, run) {
      selected = { id, input, run: (ctx) => run(ctx, input) };
    },
  };
  const args = helpAsFlag(argv);
  const program = buildProgram(out, registrar, { group: groupOf(args) });
  observeOutputOption(program, observer);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every other parse error is a usage error (2)
      return err.exitCode === 0 ? { kind: 'exit', code: 0 } : { kind: 'exit', code: 2, message: err.message.replace(/^error: /, '') };
    }
    throw err;
  }
  if (selected === undefined) {
    // a group without a subcommand (e.g. "edgectl rke2") shows its help
    out.stderr.write('edgectl: missing command (run with --help for usage)\n');
    return { kind: 'exit', code: 2 };
  }
  return { kind: 'run', invocation: selected };
}
