/**
 * RKE2 install options shared by `rke2 server`, `rke2 agent` and `rke2 upgrade`:
 * validation (all problems at once) and the exact scripts/rke2.sh arguments
 * they become. Pure: no I/O.
 */

export interface InstallOptions {
  version?: string;
  channel?: string;
  installScript?: string;
  airgapDir?: string;
  tlsSan: string[];
  nodeName?: string;
  nodeLabel: string[];
  nodeTaint: string[];
  configFile?: string;
  cni?: string;
  profile?: string;
  waitTimeout?: number;
  noStart: boolean;
}

export const EMPTY_INSTALL_OPTIONS: InstallOptions = { tlsSan: [], nodeLabel: [], nodeTaint: [], noStart: false };

const VERSION = /^v\d+\.\d+\.\d+(?:-rc\d+)?\+rke2r\d+$/;
const CHANNEL = /^(stable|latest|testing|v\d+\.\d+)$/;
const LABEL_KEY = /^(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const SAN = /^[A-Za-z0-9*]([-A-Za-z0-9.:*]{0,252}[A-Za-z0-9])?$/;

/** Validate an https URL of an RKE2 server (registration endpoint). */
export function serverUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // an "@" may be user:password@: such a value is never shown
    return url.includes('@') ? '--server is not a URL (the value is not shown: it contains "@")' : `--server ${JSON.stringify(url)} is not a URL`;
  }
  if (u.protocol !== 'https:') return `--server must be an https:// URL (got ${u.protocol})`;
  if (u.username || u.password) return '--server must not contain credentials';
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return '--server must be just https://HOST:PORT';
  return undefined;
}

/** Every problem with the install options, each naming its flag. */
export function installOptionProblems(o: InstallOptions): string[] {
  const problems: string[] = [];
  if (o.version !== undefined && !VERSION.test(o.version)) problems.push(`--version ${JSON.stringify(o.version)} is not an RKE2 version like v1.30.4+rke2r1`);
  if (o.channel !== undefined && !CHANNEL.test(o.channel)) problems.push(`--channel ${JSON.stringify(o.channel)} is not stable, latest, testing or vMAJOR.MINOR`);
  if (o.version !== undefined && o.channel !== undefined) problems.push('--version and --channel are mutually exclusive');
  if (o.installScript !== undefined && /^[a-z]+:/.test(o.installScript) && !o.installScript.startsWith('https://')) {
    problems.push('--install-script URL must be https://');
  }
  for (const san of o.tlsSan) if (!SAN.test(san)) problems.push(`--tls-san ${JSON.stringify(san)} is not a host name or IP`);
  if (o.nodeName !== undefined && !NODE_NAME.test(o.nodeName)) problems.push(`--node-name ${JSON.stringify(o.nodeName)} is not a lowercase DNS name`);
  for (const label of o.nodeLabel) {
    const eq = label.indexOf('=');
    const key = eq < 0 ? label : label.slice(0, eq);
    const value = eq < 0 ? '' : label.slice(eq + 1);
    if (eq < 0 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) problems.push(`--node-label ${JSON.stringify(label)} is not KEY=VALUE`);
  }
  for (const taint of o.nodeTaint) {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(taint);
    if (!m || !LABEL_KEY.test(m[1] ?? '') || !LABEL_VALUE.test(m[2] ?? '') || !TAINT_EFFECTS.has(m[3] ?? '')) {
      problems.push(`--node-taint ${JSON.stringify(taint)} is not KEY=VALUE:EFFECT (NoSchedule, PreferNoSchedule, NoExecute)`);
    }
  }
  if (o.cni !== undefined && !/^[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$/.test(o.cni)) problems.push(`--cni ${JSON.stringify(o.cni)} is not a CNI name`);
  if (o.profile !== undefined && o.profile !== 'cis') problems.push(`--profile must be "cis"`);
  return problems;
}

/** The scripts/rke2.sh arguments for the install options (never a secret). */
export function installOptionArgs(o: InstallOptions): string[] {
  const args: string[] = [];
  const opt = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, String(value));
  };
  opt('--version', o.version);
  opt('--channel', o.channel);
  opt('--install-script', o.installScript);
  opt('--airgap-dir', o.airgapDir);
  for (const san of o.tlsSan) args.push('--tls-san', san);
  opt('--node-name', o.nodeName);
  for (const l of o.nodeLabel) args.push('--node-label', l);
  for (const t of o.nodeTaint) args.push('--node-taint', t);
  opt('--config-file', o.configFile);
  opt('--cni', o.cni);
  opt('--profile', o.profile);
  opt('--wait-timeout', o.waitTimeout);
  if (o.noStart) args.push('--no-start');
  return args;
}
