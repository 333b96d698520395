/**
 * A real OpenBao dev server for tests: `bao server -dev` on a free port with a
 * random root token (passed by environment, not argv), in-memory storage.
 * startOpenBao waits until sys/health answers; stop() always kills it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.js';
import { Agent, fetch as undiciFetch } from 'undici';

export const BAO_BIN = process.env.EDGECTL_BAO_BIN ?? join(PROJECT_ROOT, '.tools/bin/bao');

export interface OpenBao {
  /** e.g. http://127.0.0.1:41234 or https://… with tls */
  readonly addr: string;
  readonly rootToken: string;
  /** PEM of the dev CA when started with tls */
  readonly caCert: string | undefined;
  /** path of the CA file when started with tls */
  readonly caFile: string | undefined;
  readonly pid: number;
  /** raw API call with the root token; throws on non-2xx unless allowed */
  api(method: string, path: string, body?: unknown, opts?: { token?: string; namespace?: string; allow?: number[] }): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary Vault JSON
  stop(): Promise<void>;
}

export interface StartOptions {
  tls?: boolean;
  /** listen host; default 127.0.0.1 (10.77.0.1 for simulated hosts in network namespaces) */
  host?: string;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A free TCP port on host. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Start an OpenBao dev server and wait until it is healthy. */
export async function startOpenBao(options: StartOptions = {}): Promise<OpenBao> {
  if (!existsSync(BAO_BIN)) {
    throw new Error(`OpenBao is not installed at ${BAO_BIN}; run: bash tools/install-bao.sh`);
  }
  const host = options.host ?? '127.0.0.1';
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const port = await freePort(host);
  const args = ['server', '-dev', `-dev-listen-address=${host}:${port}`, '-dev-no-store-token'];
  let certDir: string | undefined;
  if (options.tls === true) {
    certDir = mkdtempSync(join(tmpdir(), 'edgectl-bao-tls-'));
    args.push('-dev-tls', `-dev-tls-cert-dir=${certDir}`);
  }
  const child = spawn(BAO_BIN, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), VAULT_DEV_ROOT_TOKEN_ID: rootToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const scheme = options.tls === true ? 'https' : 'http';
  const addr = `${scheme}://${host}:${port}`;
  const caFile = certDir === undefined ? undefined : join(certDir, 'vault-ca.pem');

  let dispatcher: Agent | undefined;
  const getDispatcher = (): Agent | undefined => {
    if (caFile === undefined) return undefined;
    dispatcher ??= new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
    return dispatcher;
  };

  const api: OpenBao['api'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { 'X-Vault-Token': opts.token ?? rootToken };
    if (opts.namespace !== undefined) headers['X-Vault-Namespace'] = opts.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const d = getDispatcher();
    const res = await undiciFetch(`${addr}/v1/${path.replace(/^\//, '')}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(d === undefined ? {} : { dispatcher: d }),
    });
    const text = await res.text();
    const json = text === '' ? undefined : JSON.parse(text);
    if (res.status >= 300 && !(opts.allow ?? []).includes(res.status)) {
      throw new Error(`OpenBao ${method} ${path}: HTTP ${res.status} ${text}`);
    }
    return { status: res.status, json };
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    await dispatcher?.close();
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`OpenBao exited early (code ${child.exitCode}):\n${log}`);
    }
    try {
      if (caFile === undefined || existsSync(caFile)) {
        const res = await api('GET', 'sys/health', undefined, { allow: [429, 472, 473, 501, 503] });
        if (res.status === 200) break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`OpenBao did not become healthy within 30s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    addr,
    rootToken,
    caCert: caFile === undefined ? undefined : readFileSync(caFile, 'utf8'),
    caFile,
    pid: child.pid ?? -1,
    api,
    stop,
  };
}

/** Enable a KV mount (version 1 or 2) at path. */
export async function enableKv(bao: OpenBao, path: string, version: 1 | 2 = 2, namespace?: string): Promise<void> {
  await bao.api('POST', `sys/mounts/${path}`, { type: 'kv', options: { version: String(version) } }, namespace === undefined ? {} : { namespace });
}
