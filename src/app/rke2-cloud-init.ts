/**
 * `edgectl rke2 cloud-init`: N cloud-config user-data files for N new hosts,
 * each with its own single-use join code (a 0600 file on the host, on tmpfs),
 * the embedded install-edgectl.sh pinned to this edgectl's sha256, and the
 * join command. The files are secrets until the codes are used or expire:
 * they are written 0600, never overwritten, and never printed.
 */
import { CLOUD_INIT_CODE_PATH, type EdgectlSource, renderUserData } from '../core/cloud-init.js';
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { usageError } from '../core/errors.js';
import { type InstallOptions, installOptionArgs, installOptionProblems, installOptionsFor } from '../core/install-options.js';
import type { JoinRole } from '../core/join-code.js';
import { DEFAULT_JOIN_CODE_TTL, MAX_JOIN_CODE_COUNT, cidrProblem, joinCodeTtl } from '../core/join-code-options.js';
import { embeddedScript } from '../embedded.js';
import { type Context, writeJson, writeOut } from './context.js';
import { mintJoinCodes } from './join-code-mint.js';
import { approleMountFor } from './rke2-join-code.js';
import { openVault } from './vault-session.js';

export const DEFAULT_EDGECTL_SOURCE = 'https://github.com/edgectl/edgectl/releases/latest/download';

export interface CloudInitInput {
  clusterId: string;
  role: JoinRole;
  count: number;
  ttl: string | undefined;
  bindCidrs: string[];
  /** a release URL (https://…) or a directory on the hosts (/media/usb/edgectl) */
  installFrom: string | undefined;
  /** the sha256 hosts must find; default this edgectl's own */
  edgectlSha256: string | undefined;
  out: string | undefined;
  hostVaultAddr: string | undefined;
  install: InstallOptions;
  output: OutputFormat;
  vault: VaultFlags;
}

function sourceOf(value: string): EdgectlSource | string {
  if (/^https?:\/\//.test(value)) {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url === undefined || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return '--install-from: expected a release URL without credentials, query or fragment';
    return { kind: 'url', url: value.replace(/\/+$/, '') };
  }
  if (!value.startsWith('/') || value.includes('\0') || value.includes('\n')) return '--install-from: expected https://… (a release location) or an absolute directory on the hosts';
  return { kind: 'dir', dir: value };
}

export async function runCloudInit(ctx: Context, input: CloudInitInput): Promise<void> {
  const problems = installOptionProblems(input.install);
  const ttl = joinCodeTtl(input.ttl ?? DEFAULT_JOIN_CODE_TTL);
  if ('problem' in ttl) problems.push(ttl.problem);
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > MAX_JOIN_CODE_COUNT) problems.push(`--count: must be 1 to ${MAX_JOIN_CODE_COUNT}`);
  for (const c of input.bindCidrs) {
    const p = cidrProblem(c);
    if (p !== undefined) problems.push(p);
  }
  const source = sourceOf(input.installFrom ?? DEFAULT_EDGECTL_SOURCE);
  if (typeof source === 'string') problems.push(source);
  if (input.edgectlSha256 !== undefined && !/^[0-9a-f]{64}$/.test(input.edgectlSha256)) problems.push('--edgectl-sha256: expected 64 lowercase hex digits');
  if (input.out === '' || input.out === '-') problems.push('--out: a directory (user-data files are secrets: they are written 0600, never to stdout)');
  // the join command takes the role's install options only
  const allowed = new Set<string>(installOptionsFor(input.role).map((o) => o.field));
  const args = installOptionArgs(input.install);
  const stray = installOptionsFor('server').filter((o) => !allowed.has(o.field) && args.includes(o.flag));
  for (const o of stray) problems.push(`${o.flag} is not an option of edgectl rke2 ${input.role}`);
  if (problems.length > 0 || typeof source === 'string' || 'problem' in ttl) throw usageError(problems.join('\n  '), 'see edgectl rke2 cloud-init --help');

  const sha256 = input.edgectlSha256 ?? (await ctx.host.edgectlExecutable()).sha256;
  const installer = embeddedScript('install-edgectl.sh').bytes;
  const dir = (input.out ?? '.').replace(/\/+$/, '') || '/';
  await ctx.host.ensureDirectory(dir);
  const session = await openVault(ctx, input.vault);
  const files: Array<{ file: string; accessor: string; expires_at: string }> = [];
  try {
    let index = 0;
    await mintJoinCodes(
      ctx,
      session,
      { clusterId: input.clusterId, role: input.role, count: input.count, ttlSeconds: ttl.seconds, cidrs: input.bindCidrs, approleMount: approleMountFor(ctx, session), requireRegistered: true, ...(input.hostVaultAddr === undefined ? {} : { hostVaultAddr: input.hostVaultAddr }) },
      async (code) => {
        index += 1;
        const text = renderUserData({ code: code.text, clusterId: input.clusterId, role: input.role, index, count: input.count, expiresAt: code.expiresAt, source, edgectlSha256: sha256, installer, joinArgs: args });
        const file = `${dir}/${input.clusterId}-${input.role}-${code.accessor.slice(0, 8)}.user-data`;
        await ctx.host.createSecretFile(file, text, 0o600);
        files.push({ file, accessor: code.accessor, expires_at: code.expiresAt });
      },
    );
  } finally {
    await session.close();
  }
  if (input.output === 'json') {
    writeJson(ctx, { cluster_id: input.clusterId, role: input.role, edgectl_sha256: sha256, install_from: input.installFrom ?? DEFAULT_EDGECTL_SOURCE, code_path: CLOUD_INIT_CODE_PATH, files });
    return;
  }
  for (const f of files) writeOut(ctx, f.file);
  ctx.ui.info(`${files.length} user-data file(s) (mode 0600) for ${input.role}s of ${input.clusterId}, each with its own single-use join code valid until ${files[0]?.expires_at ?? ''}; give one to each new host (e.g. a NoCloud seed or the cloud's user-data field)`);
}
