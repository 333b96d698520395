/**
 * Facts about this host that edgectl reads before it changes anything: name,
 * primary address, whether it runs as root, and the local cluster state.
 */
import { hostname, networkInterfaces } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { EdgectlError } from '../../core/errors.js';
import { clusterIdProblem } from '../../core/cluster-id.js';
import { HOST_PATHS } from '../../core/host-paths.js';
import { nodeNameProblem } from '../../core/vault-layout.js';
import { readFileIfExists } from './files.js';
import { readSecretFile } from './secret-file.js';

/** The host name (short form). */
export function hostName(): string {
  return hostname();
}

/** The first non-internal IPv4 address (else IPv6), or undefined. */
export function primaryAddress(): string | undefined {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const external = all.filter((a) => !a.internal);
  return (external.find((a) => a.family === 'IPv4') ?? external.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80')))?.address;
}

/** Fail with a precondition error unless running as root. */
export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new EdgectlError('precondition', `${what} changes system files and services and must run as root`, {
      hint: 'run it with sudo -E (keeps VAULT_ADDR and friends)',
    });
  }
}

/** The cluster ID this host belongs to (from /etc/edgectl/cluster-id), if any; a corrupt file is an error. */
export async function readLocalClusterId(): Promise<string | undefined> {
  const text = await readFileIfExists(HOST_PATHS.clusterIdFile);
  if (text === undefined) return undefined;
  const id = text.trim();
  if (clusterIdProblem(id) !== undefined) {
    throw new EdgectlError('precondition', `${HOST_PATHS.clusterIdFile} does not hold a valid cluster ID`, {
      hint: 'inspect the file; remove it only if this host belongs to no cluster',
    });
  }
  return id;
}

/**
 * The node name this host was recorded under in Vault when it joined
 * (/etc/edgectl/node-name), if any; it outlives RKE2's own config, which
 * uninstall removes. An invalid name is ignored (the file is only a memo).
 */
export async function readRecordedNodeName(): Promise<string | undefined> {
  const name = (await readFileIfExists(HOST_PATHS.nodeNameFile))?.trim();
  return name !== undefined && nodeNameProblem(name) === undefined ? name : undefined;
}

/** Read a token file written by RKE2 or rke2.sh (root-only, 0600); anything but a regular file is refused, unread. */
export async function readTokenFile(path: string): Promise<string | undefined> {
  const text = (await readSecretFile(path, { what: 'token file', missingOk: true, maxBytes: 64 * 1024 }))?.text;
  const token = text?.trim();
  return token === undefined || token === '' ? undefined : token;
}

/**
 * The node-name RKE2 is configured with (rke2.sh's drop-in wins over the
 * operator's config.yaml, as RKE2 reads them), or undefined when none is set.
 */
export async function readConfiguredNodeName(): Promise<string | undefined> {
  for (const path of [HOST_PATHS.dropIn, HOST_PATHS.operatorConfig]) {
    const text = await readFileIfExists(path);
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      continue; // RKE2 would refuse such a file; the host name is the best guess left
    }
    const name = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['node-name'] : undefined;
    if (typeof name === 'string' && name !== '') return name;
  }
  return undefined;
}
