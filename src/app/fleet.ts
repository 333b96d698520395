/**
 * The hosts of a cluster file, reached over SSH: connecting them all (a
 * bounded pool, host keys checked), gathering their facts, and the per-host
 * record every many-host command reports from.
 */
import { mapBounded } from '../core/concurrency.js';
import type { ClusterSpec, SpecHost } from '../core/cluster-spec.js';
import { EdgectlError, usageError, withHost } from '../core/errors.js';
import { Secret } from '../core/secret.js';
import { FACTS_PROGRAM, type HostFacts, factProblems, parseFacts } from '../core/host-facts.js';
import type { HostConnector, RemoteHost, SshConnectOptions } from '../core/ports.js';
import type { Context } from './context.js';

/** A host of the cluster file, connected, with its facts. */
export interface FleetHost extends RemoteHost {
  readonly spec: SpecHost;
  /** its position in spec.hosts */
  readonly index: number;
  readonly role: 'server' | 'agent';
  facts: HostFacts;
}

/** How sudo on the hosts gets its password: never (sudo -n, the default), from a 0600 file, or asked once on the terminal. */
export interface SudoFlags {
  passwordFile?: string;
  ask?: boolean;
}

/** The sudo password, when the flags ask for one and some host of the file uses sudo. */
async function sudoPasswordOf(ctx: Context, spec: ClusterSpec, flags: SudoFlags | undefined): Promise<Secret | undefined> {
  if (flags === undefined || (flags.passwordFile === undefined && flags.ask !== true)) return undefined;
  if (flags.passwordFile !== undefined && flags.ask === true) throw usageError('--sudo-password-file and --ask-sudo-password: give one');
  if (!spec.spec.hosts.some((h) => h.sudo)) return undefined;
  if (flags.passwordFile !== undefined) {
    const content = await ctx.host.readSecretFile(flags.passwordFile, { what: 'sudo password file', modes: [0o600, 0o400], maxBytes: 4096 });
    const text = content.text.replace(/\r?\n$/, '');
    if (text === '' || text.includes('\n')) throw usageError(`${flags.passwordFile}: expected the sudo password on one line`);
    return new Secret(text);
  }
  if (!ctx.stdinIsTTY) throw usageError('--ask-sudo-password needs a terminal; use --sudo-password-file FILE (0600) otherwise');
  return ctx.promptSecret('sudo password for the hosts with sudo: true: ');
}

/** A host that could not take part, and why. */
export interface HostFailure {
  host: string;
  role: 'server' | 'agent';
  phase: string;
  error: EdgectlError;
}

/** The name a host goes by in output: its node name, else its address. */
export function hostLabel(h: SpecHost): string {
  return h.nodeName ?? h.ssh.address;
}

/**
 * Connect to every host and read its facts, at most `concurrency` at a time.
 * A host that cannot be reached, or whose facts rule it out, is a failure;
 * the caller decides what the others do (agents go on, servers stop).
 */
export async function connectFleet(
  ctx: Context,
  connector: HostConnector,
  spec: ClusterSpec,
  opts: SshConnectOptions & { concurrency: number; /** rule out hosts whose facts say they cannot take their role (default); off for read-only reports */ checkRole?: boolean; sudo?: SudoFlags },
): Promise<{ hosts: FleetHost[]; failures: HostFailure[] }> {
  const sudoPassword = await sudoPasswordOf(ctx, spec, opts.sudo);
  if (sudoPassword !== undefined) opts = { ...opts, sudoPassword };
  const hosts: FleetHost[] = [];
  const failures: HostFailure[] = [];
  const localNow = Math.round(ctx.clock.now().getTime() / 1000);
  const handle = ctx.ui.step(`Connect to ${spec.spec.hosts.length} host${spec.spec.hosts.length === 1 ? '' : 's'} and gather facts`);
  let done = 0;
  await mapBounded([...spec.spec.hosts.entries()], opts.concurrency, async ([index, h]) => {
    const name = hostLabel(h);
    const fail = (phase: string, err: unknown): void => {
      const e = err instanceof EdgectlError ? err : new EdgectlError('hostStep', err instanceof Error ? err.message : String(err));
      failures.push({ host: name, role: h.role, phase, error: withHost(e, name) });
    };
    let remote: RemoteHost;
    try {
      const home = (p: string | undefined): string | undefined => (p?.startsWith('~/') === true ? `${ctx.homeDir}/${p.slice(2)}` : p);
      const keyPath = home(h.ssh.keyPath);
      const bastion = h.ssh.bastion === undefined ? undefined : { ...h.ssh.bastion, ...(h.ssh.bastion.keyPath === undefined ? {} : { keyPath: home(h.ssh.bastion.keyPath) as string }) };
      remote = await connector.connect(name, { kind: 'ssh', ...h.ssh, ...(keyPath === undefined ? {} : { keyPath }), ...(bastion === undefined ? {} : { bastion }), ...(h.sudo ? { sudo: true } : {}) }, opts);
    } catch (err) {
      fail('connect', err);
      return;
    }
    try {
      const probe = await remote.transport.run(['sh', '-c', FACTS_PROGRAM]);
      if (probe.exitCode !== 0) throw new EdgectlError('hostStep', `the facts probe exited ${probe.exitCode}: ${probe.stderrTail.slice(-1).join('')}`);
      const facts = parseFacts(probe.stdout);
      const problems = opts.checkRole === false ? [] : factProblems(facts, h.role, localNow);
      if (problems.length > 0) throw new EdgectlError('precondition', `cannot be a${h.role === 'agent' ? 'n agent' : ' server'}: ${problems.join('; ')}`);
      hosts.push({ ...remote, spec: h, index, role: h.role, facts });
    } catch (err) {
      await remote.transport.close();
      fail('facts', err);
    }
    done += 1;
    handle.update(`${done}/${spec.spec.hosts.length}`);
  });
  hosts.sort((a, b) => a.index - b.index);
  failures.sort((a, b) => spec.spec.hosts.findIndex((h) => hostLabel(h) === a.host) - spec.spec.hosts.findIndex((h) => hostLabel(h) === b.host));
  if (failures.length === 0) handle.done();
  else handle.fail(`${failures.length} of ${spec.spec.hosts.length} failed`);
  return { hosts, failures };
}

/** Close every connection (errors ignored: the run's outcome is already decided). */
export async function closeFleet(hosts: readonly FleetHost[]): Promise<void> {
  await Promise.all(hosts.map((h) => h.transport.close().catch(() => undefined)));
}
