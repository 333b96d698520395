/**
 * The input rules of `rke2.sh server|agent` (validate_node_inputs and its
 * is_* helpers), mirrored in TypeScript so edgectl refuses a bad value before
 * any network access, Vault write or file on the host, and the same value is
 * never accepted by one side and refused by the other. Also the rules for
 * what edgectl itself puts into the script's flags: the advertise address and
 * a cluster's server URL and token read from Vault. Pure: no I/O.
 */
import type { Secret } from './secret.js';
import { EdgectlError } from './errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const SAN = /^[A-Za-z0-9*]([-A-Za-z0-9.:*]{0,252}[A-Za-z0-9])?$/;
// rke2.sh is_https_url: host name or bracketed IP literal, optional port, optional trailing slash
const HTTPS_URL = /^https:\/\/([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,5}))?\/?$/;
const HTTPS_DOWNLOAD_URL = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[-A-Za-z0-9._~/%+]*)?$/;
const CNI_PLUGINS = new Set(['canal', 'calico', 'cilium', 'flannel', 'none']);
const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
const HOST_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
/** The longest join token rke2.sh accepts (verify_token_file). */
export const MAX_TOKEN_LENGTH = 4096;

/** RFC 1123 subdomain, as Kubernetes node names and label prefixes (rke2.sh is_dns_subdomain). */
export function isDnsSubdomain(name: string): boolean {
  if (name.length < 1 || name.length > 253) return false;
  return name.split('.').every((part) => DNS_LABEL.test(part));
}

/** [prefix/]name as Kubernetes label and taint keys (rke2.sh is_label_key). */
export function isLabelKey(key: string): boolean {
  let name = key;
  const slash = key.indexOf('/');
  if (slash >= 0) {
    if (!isDnsSubdomain(key.slice(0, slash))) return false;
    name = key.slice(slash + 1);
  }
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or up to 63 characters (rke2.sh is_label_value). */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/** A URL as it may be shown in a message: credentials replaced, control characters escaped. */
export function displayUrl(url: string): string {
  const redacted = url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
  return JSON.stringify(redacted.length > 120 ? `${redacted.slice(0, 120)}…` : redacted);
}

/**
 * Why a registration URL (https://HOST[:PORT]) is unusable, or undefined. The
 * rules are rke2.sh's is_https_url; credentials are refused by name and never
 * shown. `what` names the source: "--server" or "the server field of cluster X".
 */
export function registrationUrlProblem(url: string, what = '--server'): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(url)) return `${what} ${displayUrl(url)} must not contain credentials (user:password@)`;
  const m = HTTPS_URL.exec(url);
  if (m === null) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
    if (scheme === null) return `${what} ${displayUrl(url)} is not a URL (expected https://HOST[:PORT])`;
    if (scheme[1] !== 'https') return `${what} ${displayUrl(url)} must be an https:// URL (lowercase)`;
    if (/^https:\/\/[^/?#\s]+[/?#]./.test(url)) return `${what} ${displayUrl(url)} must be just https://HOST:PORT (no path, query or fragment)`;
    return `${what} ${displayUrl(url)} is not https://HOST[:PORT] (a host name or a bracketed IP address)`;
  }
  const port = m[4];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `${what} ${displayUrl(url)} has port ${port}, outside 1-65535`;
  return undefined;
}

/** Why an advertise address (host name or IP, no port, no scheme) is unusable, or undefined. */
export function advertiseAddressProblem(address: string, what = '--advertise-address'): string | undefined {
  const shown = JSON.stringify(address.length > 80 ? `${address.slice(0, 80)}…` : address);
  if (address.includes('://')) return `${what} ${shown} must be a host name or IP address, not a URL`;
  if (IPV4.test(address)) return undefined;
  if (/^(\d{1,3}\.){3}\d{1,3}:\d+$/.test(address) || /^[A-Za-z0-9.-]+:\d+$/.test(address) || /^\[.*\]:\d+$/.test(address)) {
    return `${what} ${shown} must not carry a port (agents always use the supervisor port 9345)`;
  }
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (bare.includes(':')) {
    // an IPv6 literal: hex groups, at most one "::", optionally an IPv4 tail
    if (/^[0-9A-Fa-f:.]+$/.test(bare) && (bare.match(/:/g) ?? []).length >= 2 && (bare.match(/::/g) ?? []).length <= 1 && bare.length <= 45) return undefined;
    return `${what} ${shown} is not an IPv6 address`;
  }
  if (address.length <= 253 && HOST_NAME.test(address) && !/^[0-9.]+$/.test(address)) return undefined;
  return `${what} ${shown} is not a host name or IP address`;
}

/** Why an https download URL for --install-script is unusable (rke2.sh is_https_download_url), or undefined. */
export function installScriptProblem(value: string): string | undefined {
  if (!value.includes('://')) return value === '' ? '--install-script must not be empty' : undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(value)) return `--install-script ${displayUrl(value)} must not contain credentials`;
  return HTTPS_DOWNLOAD_URL.test(value) ? undefined : `--install-script ${displayUrl(value)}: a URL must be https://HOST[:PORT]/PATH (lowercase https, no query)`;
}

/** Why a --cni value is unusable (rke2.sh validate_cni), or undefined. */
export function cniProblem(cni: string): string | undefined {
  const parts = cni.split(',');
  const bad = `--cni ${JSON.stringify(cni)}`;
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'multus')) return `${bad}: only multus may be combined with one plugin (multus,PLUGIN)`;
  const primary = parts.length === 2 ? (parts[1] ?? '') : (parts[0] ?? '');
  if (primary === 'multus') return `${bad}: multus needs a primary plugin (multus,PLUGIN)`;
  if (!CNI_PLUGINS.has(primary)) return `${bad}: expected canal, calico, cilium, flannel, none or multus,PLUGIN`;
  return undefined;
}

/** Why a --tls-san value is unusable, or undefined. */
export function tlsSanProblem(san: string): string | undefined {
  return SAN.test(san) ? undefined : `--tls-san ${JSON.stringify(san)} is not a DNS name or IP address`;
}

/** Why a --node-name value is unusable, or undefined. */
export function nodeNameProblem(name: string): string | undefined {
  return isDnsSubdomain(name) ? undefined : `--node-name ${JSON.stringify(name)} is not a lowercase RFC 1123 name (labels of 1-63 characters a-z, 0-9, '-', joined by single dots)`;
}

/** Why a --node-label KEY=VALUE is unusable, or undefined. */
export function nodeLabelProblem(label: string): string | undefined {
  const eq = label.indexOf('=');
  if (eq < 0) return `--node-label ${JSON.stringify(label)} is not KEY=VALUE`;
  const key = label.slice(0, eq);
  const value = label.slice(eq + 1);
  if (!isLabelKey(key)) return `--node-label ${JSON.stringify(label)}: bad key ${JSON.stringify(key)} ([prefix/]name, name up to 63 characters)`;
  if (!isLabelValue(value)) return `--node-label ${JSON.stringify(label)}: bad value ${JSON.stringify(value)} (up to 63 characters)`;
  return undefined;
}

/** Why a --node-taint KEY[=VALUE]:EFFECT is unusable (split as rke2.sh does), or undefined. */
export function nodeTaintProblem(taint: string): string | undefined {
  const colon = taint.lastIndexOf(':');
  const shape = `--node-taint ${JSON.stringify(taint)}`;
  if (colon < 0) return `${shape} is not KEY=VALUE:EFFECT`;
  const effect = taint.slice(colon + 1);
  let key = taint.slice(0, colon);
  let value = '';
  const eq = key.indexOf('=');
  if (eq >= 0) {
    value = key.slice(eq + 1);
    key = key.slice(0, eq);
  }
  if (!isLabelKey(key)) return `${shape}: bad key ${JSON.stringify(key)}`;
  if (!isLabelValue(value)) return `${shape}: bad value ${JSON.stringify(value)}`;
  if (!TAINT_EFFECTS.has(effect)) return `${shape}: effect must be NoSchedule, PreferNoSchedule or NoExecute`;
  return undefined;
}

/** Why a join token is unusable for rke2.sh (one line of printable characters, no spaces, at most 4096), or undefined; never shows the token. */
export function joinTokenProblem(token: string, what: string): string | undefined {
  if (token === '') return `${what} is empty`;
  if (token.length > MAX_TOKEN_LENGTH) return `${what} is ${token.length} characters long, at most ${MAX_TOKEN_LENGTH}`;
  if (!/^[\x21-\x7e]+$/.test(token)) return `${what} must be one line of printable characters without spaces`;
  return undefined;
}

/**
 * What is wrong with a cluster as read from Vault before a node joins it:
 * its server URL and token are input like flags. Each problem names the field.
 */
export function vaultClusterProblems(clusterId: string, data: { server: string | undefined; token: Secret }): string[] {
  const problems: string[] = [];
  const server = data.server === undefined ? undefined : registrationUrlProblem(data.server, `the server field of cluster ${clusterId}`);
  if (server !== undefined) problems.push(server);
  const token = joinTokenProblem(data.token.reveal(), `the token field of cluster ${clusterId}`);
  if (token !== undefined) problems.push(token);
  return problems;
}

/** Refuse (exit 6, naming the fields) a cluster whose Vault data a node cannot join with; `server` is left out when --server overrides it. */
export function assertJoinableCluster(clusterId: string, data: { server: string | undefined; token: Secret }): void {
  const problems = vaultClusterProblems(clusterId, data);
  if (problems.length > 0) {
    throw new EdgectlError('vaultState', `cluster ${clusterId} in Vault cannot be joined: ${problems.join('; ')}`, {
      hint: 'the entry was changed outside edgectl: correct the field in Vault, or re-run edgectl rke2 server on the cluster\'s first server',
    });
  }
}
