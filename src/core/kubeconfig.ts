/**
 * The admin kubeconfig RKE2 writes (/etc/rancher/rke2/rke2.yaml) points at
 * https://127.0.0.1:6443, which only works on the server itself. This module
 * validates the address operators give instead and rewrites the kubeconfig for
 * remote use: every cluster's server URL, and the "default" names renamed to
 * the cluster ID so several clusters' files merge with KUBECONFIG=a:b. Pure.
 */
import { isIP } from 'node:net';
import { parseDocument, isMap, isSeq, type Document } from 'yaml';
import { EdgectlError, usageError } from './errors.js';

/** The Kubernetes API server port RKE2 listens on. */
export const API_SERVER_PORT = 6443;

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A parsed --server-address: host (IP or DNS name) and port. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** True for addresses that only reach the machine itself (or nothing): 127.0.0.0/8, ::1, 0.0.0.0, ::, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.') || h === '0.0.0.0';
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || h.startsWith('::ffff:127.');
  return false;
}

/** Why ADDR is unusable as the API server address in a kubeconfig for remote use, or undefined. */
export function serverAddressProblem(addr: string): string | undefined {
  const parsed = splitHostPort(addr);
  if (parsed === undefined) return `${JSON.stringify(addr.slice(0, 80))} is not HOST, HOST:PORT or [IPv6]:PORT`;
  const { host, port } = parsed;
  if (isIP(host) === 0 && !DNS_NAME.test(host)) return `${JSON.stringify(host.slice(0, 80))} is not an IP address or DNS name`;
  if (port !== undefined && (port < 1 || port > 65535)) return `port ${port} is out of range`;
  if (isLoopbackHost(host)) return `${host} reaches only the machine itself; give an address other hosts can reach (e.g. the server's IP, a load balancer, a DNS name)`;
  return undefined;
}

/** Parse a --server-address (usage error when unusable). */
export function parseServerAddress(addr: string): ServerAddress {
  const problem = serverAddressProblem(addr);
  if (problem !== undefined) throw usageError(`invalid --server-address: ${problem}`);
  const parsed = splitHostPort(addr) as { host: string; port: number | undefined };
  return { host: parsed.host, port: parsed.port ?? API_SERVER_PORT };
}

/** The API server URL for an address: https://HOST:PORT, IPv6 in brackets. */
export function apiServerUrl(a: ServerAddress): string {
  return `https://${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

function splitHostPort(addr: string): { host: string; port: number | undefined } | undefined {
  if (addr === '' || /[\s/@?#]/.test(addr)) return undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(addr);
  if (v6) return isIP(v6[1] ?? '') === 6 ? { host: v6[1] ?? '', port: v6[2] === undefined ? undefined : Number(v6[2]) } : undefined;
  if (isIP(addr) === 6) return { host: addr, port: undefined };
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(addr);
  if (!m) return undefined;
  return { host: m[1] ?? '', port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** What rewriteKubeconfig did. */
export interface RewrittenKubeconfig {
  text: string;
  /** the server URL every cluster entry now has */
  server: string;
  /** the loopback URLs that were replaced */
  replaced: string[];
}

/**
 * Point every cluster of a kubeconfig at `server` and rename the "default"
 * cluster, user and context (RKE2's names) to `name`. Throws a precondition
 * error (exit 3) when the text is not a kubeconfig with at least one cluster.
 */
export function rewriteKubeconfig(text: string, opts: { server: string; name: string }): RewrittenKubeconfig {
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents) || doc.get('kind') !== 'Config') {
    throw notKubeconfig('is not a kubeconfig (YAML with kind: Config)');
  }
  const clusters = doc.get('clusters');
  if (!isSeq(clusters) || clusters.items.length === 0) throw notKubeconfig('has no clusters');
  const replaced: string[] = [];
  for (const item of clusters.items) {
    if (!isMap(item)) throw notKubeconfig('has a malformed clusters entry');
    const cluster = item.get('cluster');
    if (!isMap(cluster)) throw notKubeconfig('has a cluster entry without a cluster mapping');
    const old = cluster.get('server');
    if (typeof old === 'string') replaced.push(old);
    cluster.set('server', opts.server);
    if (item.get('name') === 'default') item.set('name', opts.name);
  }
  const rename = (listKey: string, refKeys: string[]): void => {
    const list = doc.get(listKey);
    if (!isSeq(list)) return;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      if (item.get('name') === 'default') item.set('name', opts.name);
      const inner = item.get('context');
      if (isMap(inner)) for (const key of refKeys) if (inner.get(key) === 'default') inner.set(key, opts.name);
    }
  };
  rename('users', []);
  rename('contexts', ['cluster', 'user']);
  if (doc.get('current-context') === 'default') doc.set('current-context', opts.name);
  return { text: doc.toString({ lineWidth: 0 }), server: opts.server, replaced };
}

/** The server URLs of a kubeconfig's clusters (for checks; [] when it is not one). */
export function kubeconfigServers(text: string): string[] {
  const doc = parseDocument(text);
  const clusters = doc.get('clusters');
  if (!isSeq(clusters)) return [];
  return clusters.items.flatMap((item) => {
    const server = isMap(item) ? (item.get('cluster') as { get?: (k: string) => unknown } | undefined)?.get?.('server') : undefined;
    return typeof server === 'string' ? [server] : [];
  });
}

// a kubeconfig that cannot be rewritten; the message never quotes its content (it holds a private key)
function notKubeconfig(why: string): EdgectlError {
  return new EdgectlError('precondition', `the admin kubeconfig ${why}`);
}
