/**
 * Run commands as simulated hosts (test/support/sim-host.sh): each host has a
 * private state dir bind-mounted over the system paths RKE2 touches, its own
 * hostname, and optionally its own network namespace and address.
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';

export const SIM_HOST = join(PROJECT_ROOT, 'test/support/sim-host.sh');
export const NETNS = join(PROJECT_ROOT, 'test/support/netns.sh');

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why simulated hosts cannot run here, or undefined when they can. */
export function simHostUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return `simulated hosts need root for mount and network namespaces (running as uid ${process.getuid()})`;
  }
  return undefined;
}

/** Run a command and capture its output (a command that exits without reading its stdin is not an error). */
export function exec(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin?.on('error', () => {
      // EPIPE: the command exited before reading its input; its exit code says what happened
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin?.end(opts.input ?? '');
  });
}

export interface SimHost {
  readonly name: string;
  readonly stateDir: string;
  /** the host's address in its network namespace, if it has one */
  readonly address: string | undefined;
  readonly netns: string | undefined;
  /** path on the real machine of a file inside the host, e.g. root('/etc/edgectl/cluster-id') */
  root(path: string): string;
  run(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<ExecResult>;
  destroy(): Promise<void>;
}

/** Create a simulated host; with address, it gets its own network namespace on the test bridge. */
export async function createSimHost(name: string, address?: string): Promise<SimHost> {
  const why = simHostUnavailable();
  if (why !== undefined) throw new Error(why);
  const stateDir = mkdtempSync(join(tmpdir(), `edgectl-host-${name}-`));
  const netns = address === undefined ? undefined : `es-${name}`.slice(0, 10);
  if (netns !== undefined && address !== undefined) {
    const r = await exec('bash', [NETNS, 'add', netns, address]);
    if (r.code !== 0) throw new Error(`netns add failed: ${r.stderr}`);
  }
  const prefix = ['--state', stateDir, '--hostname', name, ...(netns === undefined ? [] : ['--netns', netns]), '--'];
  return {
    name,
    stateDir,
    address,
    netns,
    root: (path) => join(stateDir, 'root', path),
    run: (cmd, args, opts = {}) =>
      exec('bash', ['--norc', '--noprofile', SIM_HOST, ...prefix, cmd, ...args], {
        env: opts.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        ...(opts.input === undefined ? {} : { input: opts.input }),
      }),
    async destroy() {
      if (netns !== undefined) await exec('bash', [NETNS, 'del', netns]);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
