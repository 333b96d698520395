/**
 * The SSH transport: the Transport port on a remote host, through the ssh2
 * library (pure JavaScript; no ssh binary, no shell on this side).
 *
 * - Host keys are checked against a known_hosts file before authenticating:
 *   an unknown key is refused unless acceptNewHostKeys (then recorded); a
 *   changed or revoked key is always refused (exit 8).
 * - Authentication by key file or SSH agent; agent forwarding is never asked
 *   for; keepalives on; a connection timeout per host; optional bastion.
 * - An argv is sent as one command string with every word single-quoted, run
 *   under `env -i` with the given environment (never a secret); secrets go on
 *   the channel's stdin only, so no secret is ever part of a command string.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { EdgectlError } from '../../core/errors.js';
import { checkHostKey, fingerprint, knownHostsLine } from '../../core/known-hosts.js';
import type { RunOptions, RunResult, Transport } from '../../core/ports.js';
import { Secret } from '../../core/secret.js';

export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  /** private key file; without it the SSH agent */
  keyPath?: string;
}

export interface SshTarget extends SshEndpoint {
  /** run commands through `sudo -n` (a non-root user with passwordless sudo) */
  sudo?: boolean;
  bastion?: SshEndpoint;
}

export interface SshOptions {
  knownHostsPath: string;
  /** record keys of hosts seen for the first time instead of refusing them */
  acceptNewHostKeys: boolean;
  /** connection (handshake + authentication) timeout per host */
  timeoutMs: number;
  /** $SSH_AUTH_SOCK of the operator, for hosts without a key file */
  agentSocket?: string;
  keepaliveIntervalMs?: number;
  /** the password sudo asks for (sudo -S, first line of stdin); without it sudo must not ask (sudo -n) */
  sudoPassword?: Secret;
}

export interface SshTransport extends Transport {
  /** the host key's SHA256 fingerprint */
  readonly hostKeyFingerprint: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const TAIL_LINES = 20;

/** One word for a POSIX shell: single-quoted, a quote inside as '\''. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** The command string an argv becomes on the remote side. */
export function remoteCommand(argv: readonly string[], env: Readonly<Record<string, string>> | undefined, sudo: boolean | 'password'): string {
  const envWords = Object.entries(env ?? { PATH: DEFAULT_PATH }).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new EdgectlError('internal', `bad environment name ${JSON.stringify(k)}`);
    return shellWord(`${k}=${v}`);
  });
  // env takes the first word without "=" as the command (GNU env reads no "--" after assignments)
  const cmd = argv[0] ?? '';
  if (cmd === '' || cmd.includes('=') || cmd.startsWith('-')) throw new EdgectlError('internal', `bad command name ${JSON.stringify(cmd.slice(0, 80))}`);
  // with a password: sudo reads it from the first line of stdin (-S), never from a prompt (-p ''), and asks
  // every time (-k), so that line is always consumed and the rest of stdin is the command's
  const sudoWords = sudo === 'password' ? ['sudo', '-S', '-k', '-p', "''", '--'] : sudo ? ['sudo', '-n', '--'] : [];
  const words = [...sudoWords, 'env', '-i', ...envWords, ...argv.map(shellWord)];
  return words.join(' ');
}

function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

function describeEndpoint(e: SshEndpoint): string {
  return `${e.user}@${e.address}:${e.port}`;
}

/** Why a connection failed, as an operator reads it (never a key or a passphrase). */
function connectError(e: SshEndpoint, err: unknown, refused: EdgectlError | undefined): EdgectlError {
  if (refused !== undefined) return refused;
  const error = err as NodeJS.ErrnoException & { level?: string };
  const where = describeEndpoint(e);
  if (error.level === 'client-authentication') {
    return new EdgectlError('hostStep', `SSH to ${where}: authentication failed (user ${e.user}, ${e.keyPath !== undefined ? `key ${e.keyPath}` : 'the SSH agent'})`, {
      hint: 'check ssh.user and ssh.keyPath of this host (or that the SSH agent holds its key)',
    });
  }
  if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
    return new EdgectlError('hostStep', `SSH to ${where}: no answer within the connection timeout`, { hint: 'is the host up and its port reachable from here?' });
  }
  if (error.code === 'ECONNREFUSED') return new EdgectlError('hostStep', `SSH to ${where}: connection refused`, { hint: 'is sshd running on that port?' });
  if (error.code === 'EHOSTUNREACH' || error.code === 'ENETUNREACH') return new EdgectlError('hostStep', `SSH to ${where}: host unreachable (${error.code})`);
  return new EdgectlError('hostStep', `SSH to ${where}: ${error.message}`);
}

async function readKnownHosts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new EdgectlError('precondition', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Open one authenticated connection (through `sock` when given: a bastion's forwarded channel). */
async function openConnection(e: SshEndpoint, opts: SshOptions, sock?: ClientChannel): Promise<{ client: Client; fingerprint: string }> {
  const known = await readKnownHosts(opts.knownHostsPath);
  let refused: EdgectlError | undefined;
  let seen = '';
  let record: string | undefined;
  const privateKey = e.keyPath === undefined ? undefined : await readFile(e.keyPath).catch((err: NodeJS.ErrnoException) => {
    throw new EdgectlError('precondition', `cannot read the SSH key ${e.keyPath}: ${err.code ?? err.message}`);
  });
  if (privateKey === undefined && opts.agentSocket === undefined) {
    throw new EdgectlError('precondition', `SSH to ${describeEndpoint(e)}: no ssh.keyPath and no SSH agent (SSH_AUTH_SOCK)`);
  }
  const client = new Client();
  const config: ConnectConfig = {
    host: e.address,
    port: e.port,
    username: e.user,
    readyTimeout: opts.timeoutMs,
    keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
    keepaliveCountMax: 3,
    agentForward: false,
    hostVerifier: (key: Buffer) => {
      const type = keyTypeOf(key);
      const blob = key.toString('base64');
      seen = fingerprint(key);
      const verdict = checkHostKey(known, e.address, e.port, type, blob);
      if (verdict.kind === 'known') return true;
      if (verdict.kind === 'unknown' && opts.acceptNewHostKeys) {
        record = knownHostsLine(e.address, e.port, type, blob);
        return true;
      }
      refused =
        verdict.kind === 'unknown'
          ? new EdgectlError('trust', `SSH to ${describeEndpoint(e)}: unknown host key ${type} ${seen}`, { hint: `check the fingerprint on the host, then re-run with --accept-new-host-keys to record it in ${opts.knownHostsPath}` })
          : new EdgectlError('trust', `SSH to ${describeEndpoint(e)}: the host key ${verdict.kind === 'revoked' ? 'is revoked' : 'changed'} (${type} ${seen}; ${opts.knownHostsPath} line ${verdict.line} has another)`, {
              hint: 'a changed key may be an attack; if the host was reinstalled, remove the old line and verify the new fingerprint',
            });
      return false;
    },
  };
  if (sock !== undefined) config.sock = sock;
  if (privateKey !== undefined) config.privateKey = privateKey;
  else if (opts.agentSocket !== undefined) config.agent = opts.agentSocket;
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err) => reject(connectError(e, err, refused)));
    client.connect(config);
  });
  if (record !== undefined) {
    await mkdir(dirname(opts.knownHostsPath), { recursive: true, mode: 0o700 });
    await appendFile(opts.knownHostsPath, record, { mode: 0o600 });
  }
  return { client, fingerprint: seen };
}

function signalNumber(name: string | undefined): number {
  const n: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15, SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return name === undefined ? 0 : (n[name] ?? 0);
}

const gzipAsync = promisify(gzip);
/** gzip -1 of a local file, made once per file and content for every host it goes to */
const gzipCache = new Map<string, Promise<Buffer>>();
async function gzipped(localPath: string, sha256: string): Promise<Buffer> {
  const key = `${sha256}:${localPath}`;
  let z = gzipCache.get(key);
  if (z === undefined) {
    z = readFile(localPath).then((bytes) => gzipAsync(bytes, { level: 1 }));
    gzipCache.set(key, z);
  }
  return z;
}

/** Connect to a host (through its bastion, if any) and return its Transport. */
export async function connectSsh(target: SshTarget, opts: SshOptions): Promise<SshTransport> {
  let bastion: Client | undefined;
  let conn: { client: Client; fingerprint: string };
  if (target.bastion !== undefined) {
    const jump = await openConnection(target.bastion, opts);
    bastion = jump.client;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      jump.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, ch) => (err ? reject(connectError(target, err, undefined)) : resolve(ch)));
    });
    conn = await openConnection(target, opts, channel).catch((err: unknown) => {
      jump.client.end();
      throw err;
    });
  } else {
    conn = await openConnection(target, opts);
  }
  const { client } = conn;
  const sudo: boolean | 'password' = target.sudo === true ? (opts.sudoPassword === undefined ? true : 'password') : false;
  /** what goes first on every command's stdin: the sudo password line, when sudo asks for one */
  const passwordLine = (): string => (sudo === 'password' && opts.sudoPassword !== undefined ? `${opts.sudoPassword.reveal()}\n` : '');

  const run = (argv: readonly string[], ro: RunOptions = {}): Promise<RunResult> => {
    if (argv.length === 0 || argv[0] === '') return Promise.reject(new EdgectlError('internal', 'empty argv'));
    const command = remoteCommand(argv, ro.env, sudo);
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) {
          reject(new EdgectlError('hostStep', `SSH to ${describeEndpoint(target)}: cannot run ${argv[0]}: ${err.message}`));
          return;
        }
        let stdout = '';
        let stderrBuf = '';
        const tail: string[] = [];
        let exitCode: number | undefined;
        const onAbort = (): void => {
          stream.signal('TERM');
          stream.close();
        };
        ro.signal?.addEventListener('abort', onAbort, { once: true });
        const line = (l: string): void => {
          tail.push(l);
          if (tail.length > TAIL_LINES) tail.shift();
          ro.onStderrLine?.(l);
        };
        stream.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderrBuf += d.toString();
          let i = stderrBuf.indexOf('\n');
          while (i >= 0) {
            line(stderrBuf.slice(0, i));
            stderrBuf = stderrBuf.slice(i + 1);
            i = stderrBuf.indexOf('\n');
          }
        });
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? 128 + signalNumber(signal);
        });
        stream.on('close', () => {
          ro.signal?.removeEventListener('abort', onAbort);
          if (stderrBuf !== '') line(stderrBuf);
          resolve({ exitCode: exitCode ?? (ro.signal?.aborted === true ? 143 : 255), stdout, stderrTail: [...tail] });
        });
        stream.end(passwordLine() + (ro.stdinSecret === undefined ? '' : ro.stdinSecret.reveal()));
      });
    });
  };

  const checked = async (argv: readonly string[], what: string, stdin?: Secret): Promise<RunResult> => {
    const r = await run(argv, stdin === undefined ? {} : { stdinSecret: stdin });
    if (r.exitCode !== 0 && r.exitCode !== 3) {
      throw new EdgectlError('hostStep', `${what} on ${target.address} failed (exit ${r.exitCode}): ${r.stderrTail.slice(-2).join(' ').slice(0, 300)}`);
    }
    return r;
  };

  // file operations are small sh programs whose paths are arguments ($1), never spliced into the program text
  const PUT = 'set -eu; umask 077; d=$(dirname -- "$1"); t=$(mktemp "$d/.edgectl.XXXXXXXXXX"); trap \'rm -f -- "$t"\' EXIT; cat >"$t"; chmod "$2" "$t"; mv -f -- "$t" "$1"; trap - EXIT';
  const READ = '[ -e "$1" ] || exit 3; cat -- "$1"';
  const REMOVE = '[ -e "$1" ] || [ -L "$1" ] || exit 3; rm -f -- "$1"';
  const COPY = 'set -eu; d=$(dirname -- "$1"); mkdir -p -- "$d"; t=$(mktemp "$d/.edgectl.XXXXXXXXXX"); trap \'rm -f -- "$t"\' EXIT; cat >"$t"; [ "$(sha256sum "$t" | cut -d" " -f1)" = "$3" ] || exit 4; chmod "$2" "$t"; mv -f -- "$t" "$1"; trap - EXIT';
  const COPY_GZIP = `command -v gzip >/dev/null 2>&1 || { cat >/dev/null; exit 5; }; ${COPY.replace('cat >"$t"', 'gzip -dc >"$t"')}`;

  /** Run with a file streamed to stdin (bytes as they are: an SSH channel is 8-bit clean). */
  const runWithStdinStream = (argv: readonly string[], source: NodeJS.ReadableStream): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      client.exec(remoteCommand(argv, undefined, sudo), (err, stream) => {
        if (err) {
          reject(new EdgectlError('hostStep', `SSH to ${describeEndpoint(target)}: cannot run ${argv[0]}: ${err.message}`));
          return;
        }
        const tail: string[] = [];
        let exitCode: number | undefined;
        stream.on('data', () => {});
        stream.stderr.on('data', (d: Buffer) => {
          tail.push(...d.toString().split('\n').filter(Boolean));
          tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
        });
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? 128 + signalNumber(signal);
        });
        stream.on('close', () => resolve({ exitCode: exitCode ?? 255, stdout: '', stderrTail: tail }));
        source.on('error', (e) => {
          stream.close();
          reject(new EdgectlError('hostStep', `cannot read ${String((e as NodeJS.ErrnoException).path ?? 'the local file')}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
        });
        const line = passwordLine();
        if (line !== '') stream.write(line);
        source.pipe(stream);
      });
    });

  return {
    hostKeyFingerprint: conn.fingerprint,
    run,
    putFile: async (path, content, mode) => {
      // every file travels on stdin, never in the command string; bytes as base64, decoded on the host
      if (content instanceof Secret || typeof content === 'string') {
        await checked(['sh', '-c', PUT, 'sh', path, mode.toString(8)], `write ${path}`, content instanceof Secret ? content : new Secret(content));
        return;
      }
      const b64 = new Secret(Buffer.from(content).toString('base64'));
      await checked(['sh', '-c', PUT.replace('cat >"$t"', 'base64 -d >"$t"'), 'sh', path, mode.toString(8)], `write ${path}`, b64);
    },
    readFile: async (path) => {
      const r = await checked(['sh', '-c', READ, 'sh', path], `read ${path}`);
      return r.exitCode === 3 ? undefined : r.stdout;
    },
    readSecretFile: async (path) => {
      const r = await checked(['sh', '-c', READ, 'sh', path], `read ${path}`);
      const text = r.exitCode === 3 ? '' : r.stdout.trim();
      return text === '' ? undefined : new Secret(text);
    },
    remove: async (path) => (await checked(['sh', '-c', REMOVE, 'sh', path], `remove ${path}`)).exitCode === 0,
    copyFrom: async (localPath, path, mode, sha256) => {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new EdgectlError('internal', 'copyFrom: bad sha256');
      // gzip -1 once per file (the 86 MiB executable travels as ~35 MiB to every host), raw when the host has no gzip
      let r = await runWithStdinStream(['sh', '-c', COPY_GZIP, 'sh', path, mode.toString(8), sha256], Readable.from([await gzipped(localPath, sha256)]));
      if (r.exitCode === 5) r = await runWithStdinStream(['sh', '-c', COPY, 'sh', path, mode.toString(8), sha256], createReadStream(localPath));
      if (r.exitCode === 4) throw new EdgectlError('hostStep', `copy of ${localPath} to ${target.address}:${path} arrived with another sha256 than ${sha256.slice(0, 16)}…; nothing was replaced`);
      if (r.exitCode !== 0) throw new EdgectlError('hostStep', `copy of ${localPath} to ${target.address}:${path} failed (exit ${r.exitCode}): ${r.stderrTail.slice(-2).join(' ').slice(0, 300)}`);
    },
    close: async () => {
      client.end();
      bastion?.end();
    },
  };
}
