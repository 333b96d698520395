/**
 * RKE2 install options shared by `rke2 server`, `rke2 agent` and `rke2 upgrade`:
 * validation (all problems at once) and the exact scripts/rke2.sh arguments
 * they become, all derived from one table (INSTALL_OPTIONS). Pure: no I/O.
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

/** The commands that take install options (`rke2 add-master` takes those of `server`). */
export type InstallCommand = 'server' | 'agent' | 'upgrade';

/** The InstallOptions fields whose type is T. */
type FieldOf<T> = { [F in keyof InstallOptions]-?: InstallOptions[F] extends T ? (T extends InstallOptions[F] ? F : never) : never }[keyof InstallOptions];

interface OptionSpecBase {
  /** The command-line flag, also the scripts/rke2.sh flag it becomes. */
  flag: `--${string}`;
  help: string;
  /** Help text for a command where the option means something narrower (falls back to `help`). */
  helpFor?: Partial<Record<InstallCommand, string>>;
  /** The commands that take it, each with the option's place among that command's install options in --help. */
  commands: Partial<Record<InstallCommand, number>>;
}

/** One install option. The table below is the only TypeScript place an option is declared. */
export type InstallOptionSpec = OptionSpecBase &
  (
    | { kind: 'string'; value: string; field: FieldOf<string | undefined>; problems?: (value: string, o: InstallOptions) => Array<string | undefined> }
    | { kind: 'list'; value: string; field: FieldOf<string[]>; problems?: (item: string, o: InstallOptions) => Array<string | undefined> }
    | { kind: 'integer'; value: string; field: FieldOf<number | undefined>; problems?: (value: number, o: InstallOptions) => Array<string | undefined> }
    | { kind: 'boolean'; field: FieldOf<boolean> }
  );

/**
 * Every install option, in the order of their scripts/rke2.sh arguments (and of
 * their validation problems). The CLI derives its flags from this table,
 * installOptionProblems its checks and installOptionArgs the script arguments.
 */
export const INSTALL_OPTIONS: readonly InstallOptionSpec[] = [
  {
    flag: '--version',
    value: '<v>',
    kind: 'string',
    field: 'version',
    help: 'RKE2 version to install, e.g. v1.30.4+rke2r1 (INSTALL_RKE2_VERSION)',
    helpFor: { upgrade: 'target RKE2 version, e.g. v1.30.4+rke2r1' },
    commands: { server: 1, agent: 1, upgrade: 1 },
    problems: (v) => [VERSION.test(v) ? undefined : `--version ${JSON.stringify(v)} is not an RKE2 version like v1.30.4+rke2r1`],
  },
  {
    flag: '--channel',
    value: '<c>',
    kind: 'string',
    field: 'channel',
    help: 'RKE2 release channel: stable, latest, testing, v1.30 (INSTALL_RKE2_CHANNEL)',
    helpFor: { upgrade: 'resolve the target from a release channel: stable, latest, v1.30' },
    commands: { server: 2, agent: 2, upgrade: 2 },
    problems: (c, o) => [
      CHANNEL.test(c) ? undefined : `--channel ${JSON.stringify(c)} is not stable, latest, testing or vMAJOR.MINOR`,
      o.version === undefined ? undefined : '--version and --channel are mutually exclusive',
      o.airgapDir === undefined ? undefined : '--channel cannot be used with --airgap-dir (the artifacts fix the version)',
    ],
  },
  {
    flag: '--install-script',
    value: '<path|url>',
    kind: 'string',
    field: 'installScript',
    help: 'RKE2 installer to run (default https://get.rke2.io; a local file is used as is)',
    helpFor: { upgrade: 'RKE2 installer to run (default https://get.rke2.io, or DIR/install.sh)' },
    commands: { server: 3, agent: 3, upgrade: 4 },
    problems: (s) => [installScriptProblem(s)],
  },
  {
    flag: '--airgap-dir',
    value: '<dir>',
    kind: 'string',
    field: 'airgapDir',
    help: 'directory with the air-gap release artifacts (INSTALL_RKE2_ARTIFACT_PATH)',
    helpFor: { upgrade: 'install from the air-gap artifacts in DIR (their version is the target)' },
    commands: { server: 4, agent: 4, upgrade: 3 },
    problems: (d) => [d === '' ? '--airgap-dir must not be empty' : undefined],
  },
  {
    flag: '--tls-san',
    value: '<name>',
    kind: 'list',
    field: 'tlsSan',
    help: 'extra server certificate SAN (repeatable)',
    commands: { server: 10 },
    problems: (san) => [tlsSanProblem(san)],
  },
  {
    flag: '--node-name',
    value: '<name>',
    kind: 'string',
    field: 'nodeName',
    help: 'Kubernetes node name (default: the host name)',
    commands: { server: 5, agent: 5 },
    problems: (n) => [nodeNameProblem(n)],
  },
  {
    flag: '--node-label',
    value: '<k=v>',
    kind: 'list',
    field: 'nodeLabel',
    help: 'node label (repeatable)',
    commands: { server: 6, agent: 6 },
    problems: (l) => [nodeLabelProblem(l)],
  },
  {
    flag: '--node-taint',
    value: '<k=v:effect>',
    kind: 'list',
    field: 'nodeTaint',
    help: 'node taint (repeatable)',
    commands: { server: 7, agent: 7 },
    problems: (t) => [nodeTaintProblem(t)],
  },
  {
    flag: '--config-file',
    value: '<file>',
    kind: 'string',
    field: 'configFile',
    help: 'extra RKE2 config merged into the drop-in',
    commands: { server: 8, agent: 8 },
    problems: (f) => [f === '' ? '--config-file must not be empty' : undefined],
  },
  {
    flag: '--cni',
    value: '<name>',
    kind: 'string',
    field: 'cni',
    help: 'CNI plugin(s), e.g. canal, cilium, calico',
    commands: { server: 11 },
    problems: (c) => [cniProblem(c)],
  },
  {
    flag: '--profile',
    value: '<profile>',
    kind: 'string',
    field: 'profile',
    help: 'CIS hardening profile ("cis")',
    commands: { server: 9, agent: 9 },
    problems: (p) => [p === 'cis' ? undefined : `--profile must be "cis"`],
  },
  {
    flag: '--wait-timeout',
    value: '<seconds>',
    kind: 'integer',
    field: 'waitTimeout',
    help: 'how long to wait for RKE2 to be ready (default 900)',
    helpFor: { upgrade: 'how long to wait for RKE2 to be ready after the restart (default 900)' },
    commands: { server: 12, agent: 12, upgrade: 6 },
    problems: (s) => [Number.isInteger(s) && s >= 0 && s <= 999_999_999 ? undefined : '--wait-timeout must be whole seconds (at most 999999999)'],
  },
  {
    flag: '--no-start',
    kind: 'boolean',
    field: 'noStart',
    help: 'install and configure, but do not start the service',
    commands: { server: 13, agent: 13 },
  },
];

/** The options `command` takes, in the order of its --help. */
export function installOptionsFor(command: InstallCommand): InstallOptionSpec[] {
  const place = (s: InstallOptionSpec): number => s.commands[command] ?? 0;
  return INSTALL_OPTIONS.filter((s) => s.commands[command] !== undefined).sort((a, b) => place(a) - place(b));
}

/** Every problem with the install options, each naming its flag (the rules of rke2.sh validate_node_inputs). */
export function installOptionProblems(o: InstallOptions): string[] {
  const found: Array<string | undefined> = [];
  for (const spec of INSTALL_OPTIONS) {
    if (spec.kind === 'string') {
      const v = o[spec.field];
      if (v !== undefined && spec.problems !== undefined) found.push(...spec.problems(v, o));
    } else if (spec.kind === 'list') {
      if (spec.problems !== undefined) for (const item of o[spec.field]) found.push(...spec.problems(item, o));
    } else if (spec.kind === 'integer') {
      const v = o[spec.field];
      if (v !== undefined && spec.problems !== undefined) found.push(...spec.problems(v, o));
    }
  }
  return found.filter((p): p is string => p !== undefined);
}

/** The scripts/rke2.sh arguments for the install options (never a secret). */
export function installOptionArgs(o: InstallOptions): string[] {
  const args: string[] = [];
  for (const spec of INSTALL_OPTIONS) {
    if (spec.kind === 'list') {
      for (const item of o[spec.field]) args.push(spec.flag, item);
    } else if (spec.kind === 'boolean') {
      if (o[spec.field]) args.push(spec.flag);
    } else {
      const v = o[spec.field];
      if (v !== undefined) args.push(spec.flag, String(v));
    }
  }
  return args;
}
