/**
 * Runs an embedded script on this host: writes its exact bytes into a private
 * temp dir (0700), runs it with bash, passes a secret only through stdin (the
 * script reads it with `--token-file -`), turns its EDGECTL_EVENTS_FD lines
 * into progress steps, and removes the temp dir afterwards.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { RunContext as Context, StepHandle } from '../../core/ports.js';

export type { ScriptInvocation, ScriptResult };
import { noteScriptEnded, noteScriptStarted } from '../../core/run-record.js';
import { EdgectlError } from '../../core/errors.js';
import type { ScriptInvocation, ScriptResult } from '../../core/ports.js';
import { SCRIPT_EXIT_MEANING, type ScriptEvent, parseScriptEvent, parseStderrEvent, scriptFailureHint } from '../../core/script-events.js';
import { embeddedScript } from '../../embedded.js';

/** Environment variables passed through to scripts; everything else (VAULT_TOKEN…) is dropped. */
const PASS_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TERM', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'RKE2_SH_POLL_INTERVAL'];

/** The minimal environment a script child gets. */
export function scriptEnvironment(env: Readonly<Record<string, string | undefined>>, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PASS_ENV) {
    const v = env[key];
    if (v !== undefined) out[key] = v;
  }
  out.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return { ...out, ...extra, EDGECTL_EVENTS_FD: '3' };
}

/** Map a script exit code to an edgectl error kind. */
function kindForScriptExit(code: number): 'usage' | 'precondition' | 'hostStep' | 'interrupted' {
  if (code === 2) return 'usage';
  if (code === 3) return 'precondition';
  if (code === 130 || code === 143) return 'interrupted';
  return 'hostStep';
}

/** Run an embedded script with progress; throws EdgectlError when it fails. */

export async function runEmbeddedScript(ctx: Context, inv: ScriptInvocation): Promise<ScriptResult> {
  const script = embeddedScript(inv.script);
  const dir = await fs.mkdtemp(join(tmpdir(), 'edgectl-'));
  await fs.chmod(dir, 0o700);
  const path = join(dir, inv.script);
  await fs.writeFile(path, script.bytes, { mode: 0o700 });
  ctx.ui.debug(`running ${inv.script} (sha256 ${script.sha256}) ${inv.args.join(' ')}`);
  try {
    return await spawnScript(ctx, inv, path);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function spawnScript(ctx: Context, inv: ScriptInvocation, path: string): Promise<ScriptResult> {
  return new Promise((resolveRun, reject) => {
    // --norc/--noprofile: bash reads ~/.bashrc when stdin looks like a network socket (node's pipes are socketpairs)
    const child = spawn('bash', ['--norc', '--noprofile', path, ...inv.args], {
      env: scriptEnvironment(ctx.env, inv.env),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // own process group: a terminal Ctrl-C reaches edgectl, which stops the script itself
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) noteScriptStarted(pid, inv.script);
    const events: ScriptEvent[] = [];
    const stepDurations: Record<string, number> = {};
    const open = new Map<string, { handle: StepHandle; started: number }>();
    const tail: string[] = [];
    let stdout = '';
    let lastFailure: string | undefined;

    const onAbort = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const lines = (stream: Readable | null | undefined, each: (line: string) => void): void => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', each);
    };
    const onEvent = (e: ScriptEvent): void => {
      events.push(e);
      if (inv.quiet === true) {
        if (e.type === 'fail') lastFailure = e.message;
        return;
      }
      const now = ctx.clock.monotonicMs();
      if (e.type === 'start') {
        open.get(e.step)?.handle.done();
        open.set(e.step, { handle: ctx.ui.step(e.message || e.step), started: now });
      } else if (e.type === 'done' || e.type === 'skip' || e.type === 'fail') {
        const s = open.get(e.step);
        open.delete(e.step);
        if (s) stepDurations[e.step] = Math.round(now - s.started);
        if (e.type === 'fail') {
          lastFailure = e.message;
          if (s) s.handle.fail(e.message);
          else ctx.ui.error(e.message);
        } else if (s) {
          s.handle.done(e.type === 'skip' ? `${e.message || 'nothing to do'} (skipped)` : e.message);
        } else if (e.type === 'skip') {
          ctx.ui.info(`- ${e.message || e.step} (skipped)`);
        }
      } else if (e.type === 'warn') {
        ctx.ui.warn(e.message);
      } else {
        const s = open.get(e.step);
        if (s) s.handle.update(e.message);
        else ctx.ui.info(e.message);
      }
    };
    // events arrive on fd 3 here; over a transport with only stdio (SSH) the script writes them
    // to stderr with a fixed prefix (EDGECTL_EVENTS=stderr): the same parser reads both
    lines(child.stdio[3] as Readable | null, (line) => {
      const e = parseScriptEvent(line);
      if (e) onEvent(e);
    });
    const keep = (line: string): void => {
      const e = parseStderrEvent(line);
      if (e) {
        onEvent(e);
        return;
      }
      tail.push(line);
      if (tail.length > 20) tail.shift();
      ctx.ui.debug(`${inv.script}: ${line}`);
    };
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    lines(child.stderr, keep);

    child.stdin?.on('error', () => {
      // the script may exit before reading stdin; its exit code tells what happened
    });
    // the secret's one way out: this pipe (the script reads it with --token-file -)
    child.stdin?.end(inv.stdinSecret === undefined ? '' : `${inv.stdinSecret.reveal()}\n`);

    child.on('error', (err) => {
      if (pid !== undefined) noteScriptEnded(pid);
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new EdgectlError('hostStep', `could not run ${inv.script}: ${err.message}`, { step: inv.title }));
    });
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      if (pid !== undefined) noteScriptEnded(pid);
      ctx.signal.removeEventListener('abort', onAbort);
      for (const s of open.values()) s.handle.fail(signal ?? `exit ${code}`);
      const exit = code ?? 128;
      if (code === 0 || (code !== null && inv.allowExit?.includes(code) === true)) {
        resolveRun({ events, stepDurations, stdout, exitCode: exit, failure: lastFailure });
        return;
      }
      if (ctx.signal.aborted) {
        reject(new EdgectlError('interrupted', `${inv.title} was interrupted`, {
          hint: 're-run the same command to continue; every step is safe to repeat',
        }));
        return;
      }
      const why = lastFailure ?? tail.filter((l) => l.trim() !== '').at(-1) ?? SCRIPT_EXIT_MEANING[exit] ?? 'failed';
      reject(
        new EdgectlError(kindForScriptExit(exit), `${inv.script} exited ${exit} (${SCRIPT_EXIT_MEANING[exit] ?? 'failure'}): ${why}`, {
          step: inv.title,
          hint: scriptFailureHint(exit, lastFailure),
        }),
      );
    };
    child.on('close', settle);
    // a service the script started may inherit stdout/stderr or fd 3 and keep them open for good:
    // the run ends when the script exits; what it wrote is read for a moment longer, then dropped
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        if (settled) return;
        for (const stream of child.stdio) stream?.destroy();
        settle(code, signal);
      }, 500);
    });
  });
}
