/**
 * cloud-init user-data for a zero-touch join: one cloud-config per host, each
 * with its own single-use join code. Pure: the caller supplies the code, the
 * installer's bytes and the pinned sha256 of the edgectl executable.
 *
 * What a host does with it, in cloud-init's order:
 * - write_files: the join code to /run/edgectl/join-code (0600, tmpfs: gone at the
 *   next boot) and the embedded install-edgectl.sh to /run/edgectl/ (0700);
 * - runcmd: install-edgectl.sh with --sha256 (the executable must have exactly the
 *   hash pinned here, whatever the release location serves), then
 *   `edgectl rke2 <role> --join-code-file /run/edgectl/join-code`.
 *
 * Every scalar is written as a JSON string, which YAML reads as the same
 * string: no value can break out of its field.
 */
import type { JoinRole } from './join-code.js';
import { Secret } from './secret.js';

export const CLOUD_INIT_CODE_PATH = '/run/edgectl/join-code';
export const CLOUD_INIT_INSTALLER_PATH = '/run/edgectl/install-edgectl.sh';

export type EdgectlSource = { kind: 'url'; url: string } | { kind: 'dir'; dir: string };

export interface UserDataInput {
  code: Secret;
  clusterId: string;
  role: JoinRole;
  /** 1-based position of this file among `count` */
  index: number;
  count: number;
  /** RFC 3339: when the code expires */
  expiresAt: string;
  /** where the host gets edgectl: a release URL (install-edgectl.sh --base-url) or a directory on the host (--from) */
  source: EdgectlSource;
  /** the sha256 the edgectl executable must have */
  edgectlSha256: string;
  /** the bytes of install-edgectl.sh, as embedded */
  installer: Buffer;
  /** extra arguments for the join command (validated flags, never a secret) */
  joinArgs?: readonly string[];
}

const q = (s: string): string => JSON.stringify(s);
const flow = (items: readonly string[]): string => `[${items.map(q).join(', ')}]`;

/** The installer's command line on the host. */
export function installCommand(source: EdgectlSource, sha256: string): string[] {
  const from = source.kind === 'url' ? ['--base-url', source.url] : ['--from', source.dir];
  return ['bash', CLOUD_INIT_INSTALLER_PATH, ...from, '--sha256', sha256];
}

/** The join command on the host. */
export function joinCommand(role: JoinRole, joinArgs: readonly string[] = []): string[] {
  return ['/usr/local/bin/edgectl', 'rke2', role, '--join-code-file', CLOUD_INIT_CODE_PATH, ...joinArgs];
}

/** One host's cloud-config. A Secret: it carries the join code. */
export function renderUserData(input: UserDataInput): Secret {
  if (!/^[0-9a-f]{64}$/.test(input.edgectlSha256)) throw new RangeError('renderUserData: edgectlSha256 must be 64 lowercase hex digits');
  const code = input.code.reveal().trim();
  if (!/^[A-Za-z0-9._-]+$/.test(code)) throw new RangeError('renderUserData: a join code is one token of [A-Za-z0-9._-]');
  const lines = [
    '#cloud-config',
    `# edgectl: join cluster ${input.clusterId} as ${input.role === 'agent' ? 'an agent' : 'a server'} (code ${input.index} of ${input.count}, expires ${input.expiresAt}).`,
    '# The join code below works once and only until it expires; treat this file as a secret until then.',
    'write_files:',
    `  - path: ${q(CLOUD_INIT_CODE_PATH)}`,
    `    owner: "root:root"`,
    `    permissions: "0600"`,
    `    content: ${q(`${code}\n`)}`,
    `  - path: ${q(CLOUD_INIT_INSTALLER_PATH)}`,
    `    owner: "root:root"`,
    `    permissions: "0700"`,
    `    encoding: "b64"`,
    `    content: ${q(input.installer.toString('base64'))}`,
    'runcmd:',
    `  - ${flow(installCommand(input.source, input.edgectlSha256))}`,
    `  - ${flow(joinCommand(input.role, input.joinArgs))}`,
    '',
  ];
  return new Secret(lines.join('\n'));
}
