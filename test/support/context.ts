/**
 * An in-memory Context for running the real CLI in-process: captured stdout
 * and stderr, a given environment, a controllable clock.
 */
import { PassThrough, Readable } from 'node:stream';
import { createThisHost } from '../../src/adapters/host/this-host.js';
import { createVaultConnector } from '../../src/adapters/vault/connector.js';
import { createSshConnector } from '../../src/adapters/ssh/connector.js';
import { createTerminalUi } from '../../src/adapters/terminal.js';
import { writeSecretLine } from '../../src/adapters/secret-output.js';
import type { Clock, Context, Env } from '../../src/app/context.js';
import { runCli } from '../../src/cli/run.js';

export interface TestRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestContextOptions {
  env?: Env;
  stdin?: string;
  homeDir?: string;
  signal?: AbortSignal;
  /** the wall clock the run sees (default: the real one) */
  now?: () => Date;
}

class Capture extends PassThrough {
  text = '';
  constructor() {
    super();
    this.on('data', (d: Buffer) => {
      this.text += d.toString();
    });
  }
}

/** Build a Context on in-memory streams. */
export function testContext(opts: TestContextOptions = {}): { ctx: Context; out: Capture; err: Capture } {
  const out = new Capture();
  const err = new Capture();
  const start = performance.now();
  const clock: Clock = {
    now: opts.now ?? (() => new Date()),
    monotonicMs: () => performance.now() - start,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const env = opts.env ?? {};
  const ctx: Context = {
    env,
    stdin: Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]),
    stdout: out,
    stderr: err,
    stdinIsTTY: false,
    stderrIsTTY: false,
    clock,
    host: createThisHost(),
    vault: createVaultConnector(),
    ssh: createSshConnector(env.SSH_AUTH_SOCK),
    homeDir: opts.homeDir ?? '/nonexistent-home',
    writeSecretLine: (secret, newline) => writeSecretLine(out, secret, newline),
    // in-process runs have no terminal; tests that need a prompt drive the executable through script(1)
    promptSecret: () => Promise.reject(new Error('no terminal in an in-process test context')),
    signal: opts.signal ?? new AbortController().signal,
    ui: createTerminalUi({ stderr: err, isTTY: false, noColor: true, debug: env.EDGECTL_DEBUG === '1', clock }),
  };
  return { ctx, out, err };
}

/** Run the real CLI in-process with argv; returns exit code and captured output. */
export async function runEdgectl(argv: string[], opts: TestContextOptions = {}): Promise<TestRun> {
  const { ctx, out, err } = testContext(opts);
  const code = await runCli(argv, ctx);
  return { code, stdout: out.text, stderr: err.text };
}
