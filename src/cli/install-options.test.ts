import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runEdgectl } from '../../test/support/context.js';
import { INSTALL_OPTIONS, type InstallCommand, type InstallOptionSpec, type InstallOptions, installOptionArgs, installOptionsFor } from '../core/install-options.js';
import { parseArgv } from './program.js';

// every field set, each to a value that passes validation
const FULL: Required<InstallOptions> = {
  version: 'v1.30.4+rke2r1',
  channel: 'stable',
  installScript: '/opt/install.sh',
  airgapDir: '/opt/rke2',
  tlsSan: ['10.0.0.10', 'api.example.com'],
  nodeName: 'edge-01',
  nodeLabel: ['site=shop-12', 'tier=edge'],
  nodeTaint: ['dedicated=edge:NoSchedule'],
  configFile: '/etc/extra.yaml',
  cni: 'cilium',
  profile: 'cis',
  waitTimeout: 60,
  noStart: true,
};

/** The argv that sets `spec` to its FULL value. */
function argvFor(spec: InstallOptionSpec): string[] {
  if (spec.kind === 'boolean') return FULL[spec.field] ? [spec.flag] : [];
  if (spec.kind === 'list') return FULL[spec.field].flatMap((v) => [spec.flag, v]);
  return [spec.flag, String(FULL[spec.field])];
}

/** FULL with only the options `command` takes. */
function fullFor(command: InstallCommand): InstallOptions {
  const o: InstallOptions = { tlsSan: [], nodeLabel: [], nodeTaint: [], noStart: false };
  for (const spec of installOptionsFor(command)) Object.assign(o, { [spec.field]: FULL[spec.field] });
  return o;
}

async function installOf(argv: string[]): Promise<InstallOptions> {
  const result = await parseArgv(argv, { stdout: new PassThrough(), stderr: new PassThrough() });
  if (result.kind !== 'run') throw new Error(`expected a command, got exit ${result.code}`);
  return (result.invocation.input as { install: InstallOptions }).install;
}

/** The option lines of a --help page: the flag each starts with. */
function helpFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1] ?? '');
}

describe('the install-options table is the single source of the install flags', () => {
  it('every InstallOptions field has exactly one table entry', () => {
    expect(INSTALL_OPTIONS.map((s) => s.field).sort()).toEqual(Object.keys(FULL).sort());
  });

  it.each([
    [['rke2', 'server'], 'server'],
    [['rke2', 'add-master'], 'server'],
    [['rke2', 'agent'], 'agent'],
    [['rke2', 'upgrade'], 'upgrade'],
  ] as Array<[string[], InstallCommand]>)('%j --help shows exactly the entries for %s, in their order, with their help text', async (argv, command) => {
    const help = (await runEdgectl([...argv, '--help'])).stdout;
    const shown = helpFlags(help);
    const specs = installOptionsFor(command);
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const usage = spec.kind === 'boolean' ? spec.flag : `${spec.flag} ${spec.value}`;
      expect(help).toContain(usage);
      expect(help.replace(/\s+/g, ' ')).toContain(spec.helpFor?.[command] ?? spec.help);
    }
    const tableFlags = new Set(INSTALL_OPTIONS.map((s) => s.flag));
    expect(shown.filter((f) => tableFlags.has(f as InstallOptionSpec['flag']))).toEqual(specs.map((s) => s.flag));
  });

  it.each([['server'], ['add-master'], ['agent']] as Array<[string]>)('rke2 %s: every entry parses into its field and becomes its script argument', async (mode) => {
    const command: InstallCommand = mode === 'agent' ? 'agent' : 'server';
    const specs = installOptionsFor(command);
    const install = await installOf(['rke2', mode, ...specs.flatMap(argvFor)]);
    expect(install).toEqual(fullFor(command));
    const args = installOptionArgs(install);
    for (const spec of specs) {
      const expected = argvFor(spec);
      // each entry's flag and value(s), adjacent, in the script arguments
      for (let i = 0; i < expected.length; i += spec.kind === 'boolean' ? 1 : 2) {
        const at = args.findIndex((a, j) => a === expected[i] && (spec.kind === 'boolean' || args[j + 1] === expected[i + 1]));
        expect(at, `${spec.flag} ${expected[i + 1] ?? ''}`).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('options a command does not take stay at their empty values', async () => {
    const install = await installOf(['rke2', 'agent']);
    expect(install).toEqual({ tlsSan: [], nodeLabel: [], nodeTaint: [], noStart: false });
  });
});
