/**
 * RKE2 install options shared by `rke2 server`, `rke2 agent` and `rke2 upgrade`:
 * validation (all problems at once) and the exact scripts/rke2.sh arguments
 * they become. Pure: no I/O.
 */
import { cniProblem, installScriptProblem, nodeLabelProblem, nodeNameProblem, nodeTaintProblem, registrationUrlProblem, tlsSanProblem } from './validate-node.js';

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

/** Validate an https URL of an RKE2 server (registration endpoint), with rke2.sh's rules. */
export function serverUrlProblem(url: string): string | undefined {
  return registrationUrlProblem(url, '--server');
}

/** Every problem with the install options, each naming its flag (the rules of rke2.sh validate_node_inputs). */
export function installOptionProblems(o: InstallOptions): string[] {
  const problems: string[] = [];
  const add = (p: string | undefined): void => {
    if (p !== undefined) problems.push(p);
  };
  if (o.version !== undefined && !VERSION.test(o.version)) problems.push(`--version ${JSON.stringify(o.version)} is not an RKE2 version like v1.30.4+rke2r1`);
  if (o.channel !== undefined && !CHANNEL.test(o.channel)) problems.push(`--channel ${JSON.stringify(o.channel)} is not stable, latest, testing or vMAJOR.MINOR`);
  if (o.version !== undefined && o.channel !== undefined) problems.push('--version and --channel are mutually exclusive');
  if (o.channel !== undefined && o.airgapDir !== undefined) problems.push('--channel cannot be used with --airgap-dir (the artifacts fix the version)');
  if (o.installScript !== undefined) add(installScriptProblem(o.installScript));
  if (o.airgapDir === '') problems.push('--airgap-dir must not be empty');
  if (o.configFile === '') problems.push('--config-file must not be empty');
  for (const san of o.tlsSan) add(tlsSanProblem(san));
  if (o.nodeName !== undefined) add(nodeNameProblem(o.nodeName));
  for (const label of o.nodeLabel) add(nodeLabelProblem(label));
  for (const taint of o.nodeTaint) add(nodeTaintProblem(taint));
  if (o.cni !== undefined) add(cniProblem(o.cni));
  if (o.profile !== undefined && o.profile !== 'cis') problems.push(`--profile must be "cis"`);
  if (o.waitTimeout !== undefined && !(Number.isInteger(o.waitTimeout) && o.waitTimeout >= 0 && o.waitTimeout <= 999_999_999)) {
    problems.push('--wait-timeout must be whole seconds (at most 999999999)');
  }
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
