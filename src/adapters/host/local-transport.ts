/**
 * The local transport: the Transport port on this machine. Commands run as an
 * argv in their own process group, with a minimal environment the caller
 * gives, secrets only on stdin; files are written atomically with their mode.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { EdgectlError } from '../../core/errors.js';
import { HostState, type Host, type RunOptions, type RunResult, type Transport } from '../../core/ports.js';
import { Secret } from '../../core/secret.js';
import { readFileIfExists, removeFile, writeFileAtomic } from './files.js';

const TAIL_LINES = 20;

/** Run an argv on this machine; resolves on exit with its code (128+N for signal N), never rejects for a non-zero exit. */
function runLocal(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd === '') return Promise.reject(new EdgectlError('internal', 'empty argv'));
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      env: { ...(opts.env ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }) },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group: abort stops the command and its children
    });
    let stdout = '';
    const tail: string[] = [];
    const onAbort = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onStderrLine?.(line);
    });
    child.stdin.on('error', () => {
      // the command may exit before reading stdin; its exit code says what happened
    });
    child.stdin.end(opts.stdinSecret === undefined ? '' : opts.stdinSecret.reveal());
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new EdgectlError('hostStep', `could not run ${cmd}: ${err.message}`));
    });
    // 'exit', not 'close': a background child that inherited stdout/stderr must not keep edgectl waiting
    child.on('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      const exitCode = code ?? 128 + (signal === null ? 0 : signalNumber(signal));
      // let the streams deliver what is already buffered, then stop listening
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolveRun({ exitCode, stdout, stderrTail: [...tail] });
      });
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return n[signal] ?? 0;
}

/** The Transport of this machine. */
export function localTransport(): Transport {
  return {
    run: runLocal,
    putFile: (path, content, mode) => writeFileAtomic(path, content instanceof Secret ? content.reveal() : content, mode),
    readFile: readFileIfExists,
    readSecretFile: async (path) => {
      const text = (await readFileIfExists(path))?.trim();
      return text === undefined || text === '' ? undefined : new Secret(text);
    },
    remove: removeFile,
    copyFrom: async (localPath, path, mode, sha256) => {
      const bytes = await readFile(localPath);
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha256) throw new EdgectlError('hostStep', `${localPath} has sha256 ${actual}, not ${sha256}: not copied`);
      await writeFileAtomic(path, bytes, mode);
    },
    close: async () => {},
  };
}

/** This machine as a Host. */
export function localHost(name: string): Host {
  return { name, access: { kind: 'local' }, transport: localTransport(), state: new HostState() };
}
