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

/**
 * The canonical form of an IP address as resolvers and browsers read it, or
 * undefined when HOST is not one: IPv4 in every inet_aton spelling (127.1,
 * 2130706433, 0x7f.0.0.1, 0177.0.0.1) as dotted quad; IPv6 (brackets allowed)
 * as eight lowercase groups, IPv4-mapped and IPv4-compatible addresses as the
 * IPv4 they carry. Checks on addresses run on this form, so no spelling slips past.
 */
export function canonicalIp(host: string): string | undefined {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const v4 = inetAton(h);
  if (v4 !== undefined) return v4;
  if (isIP(h) !== 6) return undefined;
  const groups = ipv6Groups(h);
  if (groups === undefined) return undefined;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; not :: or ::1) carry an IPv4 address
  const high = groups.slice(0, 5).every((g) => g === 0);
  if (high && (groups[5] === 0xffff || (groups[5] === 0 && (groups[6] ?? 0) !== 0))) {
    const [a = 0, b = 0] = groups.slice(6);
    return [a >> 8, a & 255, b >> 8, b & 255].join('.');
  }
  return groups.map((g) => g.toString(16)).join(':');
}

// inet_aton: 1 to 4 parts, each decimal, 0x hex or 0-prefixed octal; the last part fills the remaining bytes
function inetAton(h: string): string | undefined {
  const parts = h.split('.');
  if (parts.length > 4 || parts.some((p) => !/^(0x[0-9a-f]*|[0-9]+)$/.test(p))) return undefined;
  const values = parts.map((p) => (p.startsWith('0x') ? parseInt(p.slice(2) || '0', 16) : /^0[0-7]+$/.test(p) ? parseInt(p, 8) : /^[1-9][0-9]*$|^0$/.test(p) ? Number(p) : NaN));
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  const last = values.pop() ?? 0;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  const n = values.reduce((acc, v, i) => acc + v * 2 ** (8 * (3 - i)), 0) + last;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipv6Groups(h: string): number[] | undefined {
  let text = h.replace(/%.*$/, '');
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const q = (dotted[2] ?? '').split('.').map(Number);
    text = `${dotted[1] ?? ''}${(((q[0] ?? 0) << 8) | (q[1] ?? 0)).toString(16)}:${(((q[2] ?? 0) << 8) | (q[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const a = parse(head);
  const b = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? a : [...a, ...Array<number>(8 - a.length - b.length).fill(0), ...b];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** True for addresses that only reach the machine itself (or nothing): 127.0.0.0/8, ::1, 0.0.0.0, ::, localhost, in any spelling. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const ip = canonicalIp(h);
  if (ip === undefined) return false;
  return ip.startsWith('127.') || ip === '0.0.0.0' || ip === '0:0:0:0:0:0:0:1' || ip === '0:0:0:0:0:0:0:0';
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
export function rewriteKubeconfig(text: string, opts: { server: string; name: string; /** entries named so are renamed too (besides "default") */ from?: string }): RewrittenKubeconfig {
  const renamed = (n: unknown): boolean => n === 'default' || (opts.from !== undefined && n === opts.from);
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
    if (renamed(item.get('name'))) item.set('name', opts.name);
  }
  const rename = (listKey: string, refKeys: string[]): void => {
    const list = doc.get(listKey);
    if (!isSeq(list)) return;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      if (renamed(item.get('name'))) item.set('name', opts.name);
      const inner = item.get('context');
      if (isMap(inner)) for (const key of refKeys) if (renamed(inner.get(key))) inner.set(key, opts.name);
    }
  };
  rename('users', []);
  rename('contexts', ['cluster', 'user']);
  if (renamed(doc.get('current-context'))) doc.set('current-context', opts.name);
  return { text: doc.toString({ lineWidth: 0 }), server: opts.server, replaced };
}

/** Why TEXT is not a usable kubeconfig (YAML, kind: Config, at least one cluster with a server), or undefined. Never quotes the text. */
export function kubeconfigProblem(text: string): string | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return 'is not valid YAML';
  if (!isMap(doc.contents) || doc.get('kind') !== 'Config') return 'is not a kubeconfig (YAML with kind: Config)';
  const clusters = doc.get('clusters');
  if (!isSeq(clusters) || clusters.items.length === 0) return 'has no clusters';
  if (kubeconfigServers(text).length !== clusters.items.length) return 'has a cluster without a server URL';
  return undefined;
}

/**
 * Merge INCOMING into EXISTING (both kubeconfigs): clusters, users and contexts
 * named like one of INCOMING's replace the existing entry of that name, the
 * others stay as they are. current-context stays unless `useContext` (or the
 * existing file has none). Throws a precondition error when EXISTING is not a
 * kubeconfig (the caller offers --force).
 */
export function mergeKubeconfig(existing: string, incoming: string, opts: { useContext: boolean }): { text: string; kept: number } {
  // an empty file is an empty kubeconfig; anything else must be a Config mapping
  const base: Document = parseDocument(existing.trim() === '' ? 'apiVersion: v1\nkind: Config\n' : existing);
  if (base.errors.length > 0 || !isMap(base.contents) || (base.get('kind') !== undefined && base.get('kind') !== 'Config')) {
    throw new EdgectlError('precondition', 'the existing file is not a kubeconfig');
  }
  const add: Document = parseDocument(incoming);
  let kept = 0;
  for (const key of ['clusters', 'contexts', 'users']) {
    const items = add.get(key);
    if (!isSeq(items)) continue;
    let list = base.get(key);
    if (!isSeq(list)) {
      base.set(key, base.createNode([]));
      list = base.get(key);
    }
    if (!isSeq(list)) continue;
    const names = new Set(items.items.map((i) => (isMap(i) ? i.get('name') : undefined)));
    const others = list.items.filter((i) => !(isMap(i) && names.has(i.get('name'))));
    if (key === 'clusters') kept = others.length;
    list.items = [...others, ...items.items.map((i) => base.createNode(isMap(i) ? i.toJSON() : i))];
  }
  if (base.get('apiVersion') === undefined) base.set('apiVersion', 'v1');
  if (base.get('kind') === undefined) base.set('kind', 'Config');
  const current = add.get('current-context');
  const had = base.get('current-context');
  if (typeof current === 'string' && (opts.useContext || typeof had !== 'string' || had === '')) base.set('current-context', current);
  return { text: base.toString({ lineWidth: 0 }), kept };
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
