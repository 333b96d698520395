/**
 * The error boundary: parse, run, and map every outcome to an exit code.
 * Errors are one line on stderr (plus a hint); stack traces only with --debug.
 */
import type { Context } from '../app/context.js';
import { EXIT_CODES, EdgectlError } from '../core/errors.js';
import { EDGECTL_VERSION } from '../core/version.js';
import { parseArgv } from './program.js';

export const REPORT_URL = 'https://github.com/edgectl/edgectl/issues';

/** Run edgectl with argv (without node and script path); resolves to the exit code. */
export async function runCli(argv: readonly string[], ctx: Context): Promise<number> {
  let parsed;
  try {
    parsed = await parseArgv(argv, ctx);
  } catch (err) {
    return reportError(ctx, err);
  }
  if (parsed.kind === 'exit') return parsed.code;
  const { invocation } = parsed;
  return runGuarded(ctx, () => invocation.run(ctx));
}

/** Run a use case and map its outcome to an exit code, reporting errors on stderr. */
export async function runGuarded(ctx: Context, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return EXIT_CODES.ok;
  } catch (err) {
    return reportError(ctx, err);
  }
}

function reportError(ctx: Context, err: unknown): number {
  if (err instanceof EdgectlError) {
    const where = [err.host, err.step].filter((x) => x !== undefined).join(': ');
    ctx.ui.error(where ? `${where}: ${err.message}` : err.message);
    if (err.hint !== undefined) ctx.ui.info(`hint: ${err.hint}`);
    if (err.cause !== undefined) ctx.ui.debug(`cause: ${describe(err.cause)}`);
    return err.exitCode;
  }
  if (ctx.signal.aborted) {
    ctx.ui.error('interrupted');
    return EXIT_CODES.interrupted;
  }
  ctx.ui.error(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  ctx.ui.info(`this is a bug in edgectl ${EDGECTL_VERSION}; please report it at ${REPORT_URL} with the output of the same command run with EDGECTL_DEBUG=1`);
  ctx.ui.debug(describe(err));
  return EXIT_CODES.internal;
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
