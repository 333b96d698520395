/**
 * A real 3-node OpenBao cluster on loopback for tests: three `bao server`
 * processes with Integrated Storage (raft), the first initialized (one unseal
 * key) and the other two joined with sys/storage/raft/join and unsealed. The
 * root token and unseal key stay in this process (never argv or a file outside
 * the temp dir). stop() kills every node and removes the data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { BAO_BIN, freePort } from './openbao.js';

export interface RaftNode {
  readonly name: string;
  /** http://127.0.0.1:PORT */
  readonly addr: string;
  readonly pid: number;
}

export interface RaftCluster {
  readonly nodes: readonly RaftNode[];
  readonly rootToken: string;
  /** the node that is active now */
  active(): Promise<RaftNode>;
  /** the nodes that are unsealed standbys now */
  standbys(): Promise<RaftNode[]>;
  /** raw API call to one node with the root token (throws on non-2xx unless allowed) */
  api(node: RaftNode, method: string, path: string, body?: unknown, opts?: { allow?: number[]; headers?: Record<string, string> }): Promise<{ status: number; json: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary Vault JSON
  stop(): Promise<void>;
}

export interface RaftOptions {
  /** extra top-level HCL for every node's config (e.g. disable_standby_reads = true) */
  extraConfig?: string;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Start, initialize, join and unseal a 3-node raft cluster; resolves when every node is unsealed. */
export async function startRaftCluster(opts: RaftOptions = {}): Promise<RaftCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'edgectl-bao-raft-'));
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const nodes: RaftNode[] = [];
  let rootToken = '';

  const api: RaftCluster['api'] = async (node, method, path, body, o = {}) => {
    const headers: Record<string, string> = {};
    if (rootToken !== '') headers['X-Vault-Token'] = rootToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, o.headers);
    const res = await fetch(`${node.addr}/v1/${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (res.status >= 300 && !(o.allow ?? []).includes(res.status)) throw new Error(`OpenBao ${node.name} ${method} ${path}: HTTP ${res.status} ${text}`);
    return { status: res.status, json, headers: res.headers as unknown as Headers };
  };
  const health = async (node: RaftNode): Promise<{ sealed: boolean; standby: boolean; initialized: boolean } | undefined> => {
    try {
      return (await api(node, 'GET', 'sys/health?standbyok=true&sealedcode=200&uninitcode=200&perfstandbyok=true', undefined, { allow: [429, 472, 473, 501, 503] })).json;
    } catch {
      return undefined;
    }
  };
  const waitFor = async (what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (children.some((c) => c.exitCode !== null)) throw new Error(`an OpenBao node exited while waiting for ${what}:\n${logs.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`OpenBao raft: ${what} did not happen within ${ms}ms:\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        running.delete(child);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (let i = 1; i <= 3; i += 1) {
      const name = `bao${i}`;
      const [port, clusterPort] = [await freePort(), await freePort()];
      const data = join(dir, name);
      mkdirSync(data);
      const config = join(dir, `${name}.hcl`);
      writeFileSync(
        config,
        [
          `storage "raft" {\n  path = "${data}"\n  node_id = "${name}"\n}`,
          `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}`,
          `api_addr = "http://127.0.0.1:${port}"`,
          `cluster_addr = "https://127.0.0.1:${clusterPort}"`,
          'disable_mlock = true',
          opts.extraConfig ?? '',
        ].join('\n'),
      );
      const child = spawn(BAO_BIN, ['server', `-config=${config}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      children.push(child);
      const log = (d: Buffer): void => {
        logs.push(`[${name}] ${d.toString().trimEnd()}`);
        if (logs.length > 400) logs.shift();
      };
      child.stdout?.on('data', log);
      child.stderr?.on('data', log);
      nodes.push({ name, addr: `http://127.0.0.1:${port}`, pid: child.pid ?? -1 });
    }
    const [first, ...rest] = nodes as [RaftNode, RaftNode, RaftNode];
    await waitFor('bao1 listening', async () => (await health(first)) !== undefined);
    const init = await api(first, 'POST', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    const key = (init.json as { keys_base64: string[] }).keys_base64[0] ?? '';
    await api(first, 'POST', 'sys/unseal', { key });
    rootToken = (init.json as { root_token: string }).root_token;
    await waitFor('bao1 active', async () => {
      const h = await health(first);
      return h !== undefined && !h.sealed && !h.standby;
    });
    for (const node of rest) {
      await waitFor(`${node.name} listening`, async () => (await health(node)) !== undefined);
      await api(node, 'POST', 'sys/storage/raft/join', { leader_api_addr: first.addr });
      // the join needs the unseal key to decrypt what it receives; retried until the node accepts it
      await waitFor(`${node.name} unsealed`, async () => {
        await api(node, 'POST', 'sys/unseal', { key }, { allow: [400, 500, 503] }).catch(() => undefined);
        const h = await health(node);
        return h !== undefined && !h.sealed;
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const byHealth = async (standby: boolean): Promise<RaftNode[]> => {
    const out: RaftNode[] = [];
    for (const node of nodes) {
      const h = await health(node);
      if (h !== undefined && !h.sealed && h.standby === standby) out.push(node);
    }
    return out;
  };
  return {
    nodes,
    rootToken,
    active: async () => {
      const [a] = await byHealth(false);
      if (a === undefined) throw new Error('no active OpenBao node');
      return a;
    },
    standbys: () => byHealth(true),
    api,
    stop,
  };
}
