/**
 * The only place that touches process.argv, process.env, the real streams and
 * process.exitCode: builds the real Context and hands over to runCli.
 */
import { homedir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTerminalUi } from './adapters/terminal.js';
import type { Clock, Context } from './app/context.js';
import { runCli } from './cli/run.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\nedgectl: ${signal} received, stopping after the current step (press Ctrl-C again to abort now)\n`);
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const clock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal === undefined ? undefined : { signal }),
};
const env = process.env;
const ctx: Context = {
  env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: process.stdin.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  clock,
  homeDir: homedir(),
  signal: controller.signal,
  ui: createTerminalUi({
    stderr: process.stderr,
    isTTY: process.stderr.isTTY === true,
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    debug: env.EDGECTL_DEBUG === '1',
    clock,
  }),
};

runCli(process.argv.slice(2), ctx).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`edgectl: internal error: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
