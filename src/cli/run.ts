/**
 * The error boundary: parse, run, and map every outcome to an exit code.
 * Errors are one line on stderr (plus a hint); stack traces only with --debug.
 */
import type { Context } from '../app/context.js';
import { completedSteps, jsonWritten, runHosts } from '../core/run-record.js';
import { EXIT_CODES, EdgectlError, type ErrorKind } from '../core/errors.js';
import { EDGECTL_VERSION } from '../core/version.js';
import { type ParseObserver, parseArgv } from './program.js';

export const REPORT_URL = 'https://github.com/edgectl/edgectl/issues';

/** Run edgectl with argv (without node and script path); resolves to the exit code. */
export async function runCli(argv: readonly string[], ctx: Context): Promise<number> {
  const observer: ParseObserver = { outputJson: false };
  let parsed;
  try {
    parsed = await parseArgv(argv, ctx, observer);
  } catch (err) {
    return reportError(ctx, err, observer.outputJson);
  }
  if (parsed.kind === 'exit') {
    // commander already wrote the usage error on stderr; -o json also gets it on stdout
    if (parsed.code === EXIT_CODES.usage && observer.outputJson) {
      writeJsonError(ctx, { kind: 'usage', exitCode: parsed.code, message: parsed.message ?? 'invalid command line', hint: 'run with --help for usage' });
    }
    return parsed.code;
  }
  const { invocation } = parsed;
  return runGuarded(ctx, () => invocation.run(ctx), { json: outputOf(invocation.input) === 'json' });
}

/** The --output a command's input asked for, if it has one. */
function outputOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null && 'output' in input ? input.output : undefined;
}

/** Run a use case and map its outcome to an exit code, reporting errors on stderr (and, with json, on stdout). */
export async function runGuarded(ctx: Context, body: () => Promise<void>, opts: { json?: boolean } = {}): Promise<number> {
  try {
    await body();
    return EXIT_CODES.ok;
  } catch (err) {
    return reportError(ctx, err, opts.json === true);
  }
}

interface ErrorReport {
  kind: ErrorKind;
  exitCode: number;
  message: string;
  hint?: string | undefined;
  step?: string | undefined;
  host?: string | undefined;
}

function reportError(ctx: Context, err: unknown, json: boolean): number {
  const report = errorReport(ctx, err);
  if (err instanceof EdgectlError) {
    const where = [shownHost(ctx, err.host), err.step].filter((x) => x !== undefined).join(': ');
    ctx.ui.error(where ? `${where}: ${err.message}` : err.message);
    if (err.hint !== undefined) ctx.ui.info(`hint: ${err.hint}`);
    if (err.cause !== undefined) ctx.ui.debug(`cause: ${describe(err.cause)}`);
  } else if (report.kind === 'interrupted') {
    ctx.ui.error('interrupted');
  } else {
    ctx.ui.error(`internal error: ${report.message}`);
    ctx.ui.info(report.hint ?? '');
    ctx.ui.debug(describe(err));
  }
  // a command that already wrote its report (vault check, rke2 status) keeps it as the only document
  if (json && !jsonWritten(ctx)) writeJsonError(ctx, report);
  return report.exitCode;
}

/**
 * The host stderr names: none while the run spans one host and the error
 * happened on it (every command today: executePlan sets the host, and the
 * line stays as it always read); the host when the run spans several hosts or
 * the error names another one. -o json always carries err.host.
 */
function shownHost(ctx: Context, host: string | undefined): string | undefined {
  const hosts = runHosts(ctx);
  return host !== undefined && hosts.length === 1 && hosts[0] === host ? undefined : host;
}

/** What the boundary reports for anything thrown; the cause is never part of it (it may hold anything). */
function errorReport(ctx: Context, err: unknown): ErrorReport {
  if (err instanceof EdgectlError) {
    return { kind: err.kind, exitCode: err.exitCode, message: err.message, hint: err.hint, step: err.step, host: err.host };
  }
  if (ctx.signal.aborted) return { kind: 'interrupted', exitCode: EXIT_CODES.interrupted, message: 'interrupted' };
  return {
    kind: 'internal',
    exitCode: EXIT_CODES.internal,
    message: err instanceof Error ? err.message : String(err),
    hint: `this is a bug in edgectl ${EDGECTL_VERSION}; please report it at ${REPORT_URL} with the output of the same command run with EDGECTL_DEBUG=1`,
  };
}

/** The `-o json` failure document (README "Commands and their --output json"). */
function writeJsonError(ctx: Context, r: ErrorReport): void {
  const doc = {
    error: { kind: r.kind, exit_code: r.exitCode, message: r.message, hint: r.hint ?? null, step: r.step ?? null, host: r.host ?? null },
    completed_steps: completedSteps(ctx),
  };
  ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
