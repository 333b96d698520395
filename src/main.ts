/**
 * The only place that touches process.argv, process.env, the real streams and
 * process.exitCode: builds the real Context and hands over to runCli.
 */
import { homedir } from 'node:os';
// static, not `await import()`: the single executable runs the bundle through vm.Script, which
// has no dynamic-import callback, so any import() left in the bundle fails there (tools/bundle.mjs rejects them)
import { setTimeout as sleepMs } from 'node:timers/promises';
import { writeSecretLine } from './adapters/secret-output.js';
import { promptSecret } from './adapters/secret-prompt.js';
import { createSignalHandler } from './adapters/shutdown.js';
import { createThisHost } from './adapters/host/this-host.js';
import { createVaultConnector } from './adapters/vault/connector.js';
import { createSshConnector } from './adapters/ssh/connector.js';
import { createTerminalUi } from './adapters/terminal.js';
import type { Clock, Context, Ui } from './app/context.js';
import type { ThisHost } from './core/ports.js';
import { completedSteps, currentStep, runningScripts } from './core/run-record.js';
import { runCli } from './cli/run.js';

// created on first use (a command asks for ctx.signal, or a signal arrives): --version never needs it
let controller: AbortController | undefined;
const abortController = (): AbortController => (controller ??= new AbortController());
const onSignal = createSignalHandler({
  abort: (reason) => abortController().abort(reason),
  write: (text) => process.stderr.write(text),
  die: (signal) => {
    process.removeAllListeners(signal); // back to the default action, which ends the process
    process.kill(process.pid, signal);
  },
  // EDGECTL_TEST_STOP_GRACE_MS: tests shorten the 10 s bound (README "Testing notes")
  graceMs: /^[1-9][0-9]{0,6}$/.test(process.env.EDGECTL_TEST_STOP_GRACE_MS ?? '') ? Number(process.env.EDGECTL_TEST_STOP_GRACE_MS) : 10_000,
  state: () => ({ current: currentStep(ctx), completed: completedSteps(ctx).map((s) => s.title), scripts: runningScripts() }),
});
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const clock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: (ms, signal) => sleepMs(ms, undefined, signal === undefined ? undefined : { signal }),
};
const env = process.env;
// The standard streams and the terminal UI are built on first use: creating
// process.stdin/stderr loads stream, fs and (for pipes) net modules, a cost
// that `edgectl --version` should not pay. Getters keep the Context readonly.
let ui: Ui | undefined;
let stdoutReady = false;
const stdout = (): NodeJS.WriteStream => {
  if (!stdoutReady) {
    stdoutReady = true;
    // `edgectl … | head`: the reader went away; stop quietly as a SIGPIPE would, not with a stack trace
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw err;
    });
  }
  return process.stdout;
};
let thisHost: ThisHost | undefined;
const ctx: Context = {
  env,
  get host() {
    return (thisHost ??= createThisHost());
  },
  vault: createVaultConnector(),
  ssh: createSshConnector(env.SSH_AUTH_SOCK),
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return stdout();
  },
  get stderr() {
    return process.stderr;
  },
  get stdinIsTTY() {
    return process.stdin.isTTY === true;
  },
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
  clock,
  homeDir: homedir(),
  writeSecretLine: (secret, newline) => writeSecretLine(stdout(), secret, newline),
  promptSecret: (question) => promptSecret(process.stdin, process.stderr, question),
  get signal() {
    return abortController().signal;
  },
  get ui() {
    ui ??= createTerminalUi({
      stderr: process.stderr,
      isTTY: process.stderr.isTTY === true,
      noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
      debug: env.EDGECTL_DEBUG === '1',
      clock,
      ...heartbeatFromEnv(env.EDGECTL_TEST_HEARTBEAT_MS),
    });
    return ui;
  },
};

/** EDGECTL_TEST_HEARTBEAT_MS shortens the non-TTY heartbeat for tests (README "Testing notes"); anything else keeps the default. */
function heartbeatFromEnv(value: string | undefined): { heartbeatMs?: number } {
  return value !== undefined && /^[1-9][0-9]{0,6}$/.test(value) ? { heartbeatMs: Number(value) } : {};
}

runCli(process.argv.slice(2), ctx).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`edgectl: internal error: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
