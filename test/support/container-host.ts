/**
 * Real hosts for integration tests: Debian containers booted with systemd-nspawn by
 * tools/lab.sh (systemd as PID 1, journald, sshd, their own hostname, machine-id, SSH host
 * key and address on the lab bridge edgelab0, 10.78.0.0/24; this machine is 10.78.0.1).
 *
 * Commands run inside through `tools/lab.sh exec` (nsenter into the container's namespaces);
 * environment values are handed over through lab.sh's own environment (`--env NAME`), never
 * on a command line. The edgectl executable (dist/edgectl-linux-x64) is bind-mounted
 * read-only at /opt/edgectl, so a rebuild is seen without copying 100 MB into each host.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_RELEASE_VERSION } from './lab.js';
import { type OpenBao, enableKv, startOpenBao } from './openbao.js';
import { PROJECT_ROOT } from './paths.js';
import { type ExecResult, exec } from './sim-host.js';

export const LAB_SH = join(PROJECT_ROOT, 'tools/lab.sh');
/** this machine's address on the lab bridge: listen here for the hosts to reach you */
export const LAB_GATEWAY = '10.78.0.1';
export const LAB_BRIDGE = 'edgelab0';
/** where the edgectl executable is inside every host */
export const EDGECTL_IN_HOST = '/opt/edgectl/edgectl-linux-x64';
const DIST = join(PROJECT_ROOT, 'dist');
const HOST_ENV_PATH = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';

/** Why container hosts cannot run here (and what to install), or undefined when they can. */
export function containerHostsUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return `container hosts (tools/lab.sh) need root for overlay mounts, cgroups and network links (running as uid ${process.getuid()})`;
  }
  const missing = ['/usr/bin/systemd-nspawn', '/usr/sbin/debootstrap', '/usr/bin/nsenter', '/usr/bin/ssh'].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    return `container hosts need ${missing.join(', ')}; run: bash tools/setup.sh (Debian packages systemd-container, debootstrap, util-linux, openssh-client)`;
  }
  if (!existsSync('/sys/fs/cgroup/unified') && !existsSync('/sys/fs/cgroup/cgroup.procs')) {
    return 'container hosts need a cgroup v2 hierarchy (/sys/fs/cgroup/unified or /sys/fs/cgroup) for systemd-nspawn';
  }
  return undefined;
}

/** Run a command and capture its output. */
export const run = exec;

/** lab.sh's own settings (EDGECTL_LAB_DIR, EDGECTL_LAB_MIRROR, ...) from this process's environment */
export function labSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('EDGECTL_LAB_') && e[1] !== undefined));
}

/** Run tools/lab.sh; env entries reach lab.sh's environment only. */
export function lab(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<ExecResult> {
  return run('bash', [LAB_SH, ...args], {
    env: { PATH: HOST_ENV_PATH, ...labSettings(), ...opts.env },
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
}

async function labOk(args: string[]): Promise<string> {
  const r = await lab(args);
  if (r.code !== 0) throw new Error(`tools/lab.sh ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Build the base rootfs when missing (about 1-3 minutes, needs the Debian mirror); its path. */
export async function ensureBase(): Promise<string> {
  return (await labOk(['base'])).trim();
}

/** Create the lab bridge (before a server listens on LAB_GATEWAY). */
export async function ensureBridge(): Promise<void> {
  await labOk(['bridge']);
}

/** `tools/lab.sh down --all`: every host of the lab, anything killed runs left, and the bridge. */
export async function downAll(): Promise<void> {
  await labOk(['down', '--all']);
}

export interface RunOptions {
  /** variables for the command (besides PATH, HOME, LANG); values never reach an argv */
  env?: Record<string, string>;
  input?: string;
}

export interface ContainerHost {
  readonly name: string;
  readonly address: string;
  /** run a command as root inside the host */
  exec(cmd: string, args?: string[], opts?: RunOptions): Promise<ExecResult>;
  /** run edgectl (the single executable) inside the host */
  edgectl(args: string[], opts?: RunOptions): Promise<ExecResult>;
  /** run a command over SSH (the lab's key, the host's own host key checked) */
  ssh(command: string[]): Promise<ExecResult>;
  /** copy a file of this machine into the host */
  copyIn(src: string, dest: string): Promise<void>;
  /** a file's content inside the host, or undefined when it does not exist */
  read(path: string): Promise<string | undefined>;
  /** pid (on this machine) of the host's systemd */
  leader(): Promise<number>;
  /** `systemctl reboot` inside, then wait until it has booted again */
  reboot(): Promise<void>;
  down(): Promise<void>;
}

/**
 * Boot a host. binds are extra read-only bind mounts "SRC:DEST"; the edgectl executable's
 * directory (dist/) is always bound at /opt/edgectl.
 */
export async function upContainerHost(name: string, opts: { ip?: string; binds?: string[] } = {}): Promise<ContainerHost> {
  const why = containerHostsUnavailable();
  if (why !== undefined) throw new Error(why);
  if (!existsSync(join(DIST, 'edgectl-linux-x64'))) throw new Error('dist/edgectl-linux-x64 is missing; run: npm run build:sea');
  // a host of the same name left by a killed run
  await lab(['down', name]);
  const binds = [`${DIST}:/opt/edgectl`, ...(opts.binds ?? [])].flatMap((b) => ['--bind-ro', b]);
  const address = (await labOk(['up', name, ...(opts.ip === undefined ? [] : ['--ip', opts.ip]), ...binds])).trim();

  const runIn = (cmd: string, args: string[] = [], o: RunOptions = {}): Promise<ExecResult> => {
    const env = o.env ?? {};
    for (const k of Object.keys(env)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid variable name ${k}`);
    const envFlags = Object.keys(env).flatMap((k) => ['--env', k]);
    return lab(['exec', ...envFlags, name, cmd, ...args], { env, ...(o.input === undefined ? {} : { input: o.input }) });
  };
  return {
    name,
    address,
    exec: runIn,
    edgectl: (args, o = {}) => runIn(EDGECTL_IN_HOST, args, o),
    ssh: (command) => lab(['ssh', name, ...command]),
    async copyIn(src, dest) {
      await labOk(['copy', name, src, dest]);
    },
    async read(path) {
      const r = await runIn('cat', ['--', path]);
      return r.code === 0 ? r.stdout : undefined;
    },
    async leader() {
      return Number((await labOk(['leader', name])).trim());
    },
    async reboot() {
      await labOk(['reboot', name]);
    },
    async down() {
      await labOk(['down', name]);
    },
  };
}

/**
 * What every container-host test file starts from: the base rootfs, a work directory, the fake
 * RKE2 release in it (WORK/releases/VERSION, for binding at /opt/releases), the lab bridge, and
 * a real OpenBao on the bridge's gateway with KV v2 at kv/. Fails with what to install when
 * container hosts cannot run here.
 */
export async function prepareContainerLab(prefix: string): Promise<{ work: string; releases: string; bao: OpenBao }> {
  const why = containerHostsUnavailable();
  if (why !== undefined) throw new Error(`cannot run container hosts here: ${why}`);
  if (!existsSync(join(DIST, 'edgectl-linux-x64'))) throw new Error('dist/edgectl-linux-x64 is missing; run: npm run build:sea');
  await ensureBase();
  const work = mkdtempSync(join(tmpdir(), prefix));
  const releases = join(work, 'releases');
  const built = await run('bash', [join(PROJECT_ROOT, 'test/support/fake-rke2/build-release.sh'), join(releases, FAKE_RELEASE_VERSION), FAKE_RELEASE_VERSION]);
  if (built.code !== 0) throw new Error(`build-release failed: ${built.stderr}`);
  await ensureBridge();
  const bao = await startOpenBao({ host: LAB_GATEWAY });
  try {
    await enableKv(bao, 'kv', 2);
  } catch (err) {
    await bao.stop();
    throw err;
  }
  return { work, releases, bao };
}
