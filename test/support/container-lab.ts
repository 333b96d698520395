/**
 * A lab of real systemd hosts for end-to-end tests and the demo: the shape of lab.ts's
 * createLab (a real OpenBao, the fake RKE2 release, hosts by name and address), but every host
 * is a container booted by tools/lab.sh (systemd as PID 1, the real systemctl and journald) on
 * the lab bridge (10.78.0.0/24; OpenBao listens on 10.78.0.1). The hosts run the single
 * executable (dist/edgectl-linux-x64, bind-mounted at /opt/edgectl); the fake releases are
 * bind-mounted at /opt/releases and this checkout's scripts/ at /opt/scripts (read-only).
 *
 * Files inside a host are read on this machine through its merged overlay (root(path)), which is
 * the same filesystem the container sees.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDGECTL_IN_HOST, LAB_GATEWAY, LAB_SH, containerHostsUnavailable, ensureBase, ensureBridge, labSettings, upContainerHost } from './container-host.js';
import { FAKE_RELEASE_VERSION } from './lab.js';
import { type OpenBao, enableKv, startOpenBao } from './openbao.js';
import { PROJECT_ROOT } from './paths.js';
import { type ExecResult, exec } from './sim-host.js';

const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');
/** where the fake releases are inside every host */
export const RELEASES_IN_HOST = '/opt/releases';
/** this checkout's scripts/ inside every host (e.g. /opt/scripts/rke2.sh wait-ready) */
export const SCRIPTS_IN_HOST = '/opt/scripts';
/** the paths an RKE2 node (and the fakes' logs) write: what a snapshot of a host covers */
const NODE_PATHS = ['/etc/rancher', '/var/lib/rancher', '/etc/edgectl', '/etc/systemd/system', '/usr/local', '/var/log/edgectl-sim'];

export interface HostRunOptions {
  /** variables for the command besides PATH, HOME, LANG (values never reach an argv) */
  env?: Record<string, string>;
  input?: string;
}

export interface ContainerLabHost {
  readonly name: string;
  readonly address: string;
  /** the host's root directory on this machine (its merged overlay) */
  readonly stateDir: string;
  /** path on this machine of a file inside the host */
  root(path: string): string;
  /** run a command as root inside the host */
  run(cmd: string, args: string[], opts?: HostRunOptions): Promise<ExecResult>;
  /** run edgectl inside the host; env is its whole environment besides PATH/HOME/LANG (Vault's unless vault: false) */
  edgectl(args: string[], opts?: HostRunOptions & { vault?: boolean }): Promise<ExecResult>;
  /** start edgectl without waiting (crash tests); kill() signals the edgectl process itself */
  spawnEdgectl(args: string[], opts?: { env?: Record<string, string>; vault?: boolean }): ChildProcess;
  /** a file's content inside the host, or undefined */
  read(path: string): string | undefined;
  /** what the real systemd says of a unit: "InvocationID MainPID ActiveState" (a new InvocationID = it was (re)started) */
  unitRun(unit: string): Promise<string>;
  /** the messages of the host's systemd (PID 1) in its journal so far */
  systemdJournal(): Promise<string[]>;
  /** stop the RKE2 units and what they leave (the fake rke2-killall.sh, when installed) */
  stopServices(): Promise<void>;
  destroy(): Promise<void>;
}

export interface ContainerLab {
  readonly bao: OpenBao;
  readonly workDir: string;
  /** air-gap directory of the fake release, as the hosts see it */
  readonly releaseDir: string;
  /** build another fake release version (for upgrades); its directory as the hosts see it */
  release(version: string): Promise<string>;
  vaultEnv(): Record<string, string>;
  host(name: string, address: string): Promise<ContainerLabHost>;
  close(): Promise<void>;
}

/** pid of the process named comm below pid (by parent links in /proc), or undefined */
function descendantNamed(pid: number, comm: string): number | undefined {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      // the command name is in parentheses and may hold spaces: the ppid follows the last ')'
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      // gone meanwhile
    }
  }
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === comm) return p;
    } catch {
      continue;
    }
    queue.push(...(children.get(p) ?? []));
  }
  return undefined;
}

/** the kernel's 15-character command name of the single executable */
const EDGECTL_COMM = 'edgectl-linux-x64'.slice(0, 15);

/**
 * Every file under the host's node paths with its mode and content hash (symlinks by target),
 * as lab.ts's hostSnapshot does for simulated hosts.
 */
export function containerHostSnapshot(host: ContainerLabHost): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const rel = p.slice(host.stateDir.length);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p);
      else out.push(`${rel} ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  for (const path of NODE_PATHS) if (existsSync(host.root(path))) walk(host.root(path));
  return out.sort();
}

/** Create a lab: the base rootfs and the bridge, OpenBao on the bridge address, a fake release, no hosts yet. */
export async function createContainerLab(): Promise<ContainerLab> {
  const why = containerHostsUnavailable();
  if (why !== undefined) throw new Error(`cannot run container hosts here: ${why}`);
  if (!existsSync(join(PROJECT_ROOT, 'dist/edgectl-linux-x64'))) throw new Error('dist/edgectl-linux-x64 is missing; run: npm run build:sea');
  await ensureBase();
  await ensureBridge();
  const workDir = mkdtempSync(join(tmpdir(), 'edgectl-ctlab-'));
  const releases = join(workDir, 'releases');
  mkdirSync(releases);
  const hosts: ContainerLabHost[] = [];
  let bao: OpenBao | undefined;
  try {
    bao = await startOpenBao({ host: LAB_GATEWAY });
    await enableKv(bao, 'kv', 2);
  } catch (err) {
    await bao?.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const vault = bao;
  const vaultEnv = (): Record<string, string> => ({ VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken });

  const release = async (version: string): Promise<string> => {
    const dir = join(releases, version);
    if (!existsSync(join(dir, 'sha256sum-amd64.txt'))) {
      const r = await exec('bash', [join(PROJECT_ROOT, 'test/support/fake-rke2/build-release.sh'), dir, version]);
      if (r.code !== 0) throw new Error(`build-release failed: ${r.stderr}`);
    }
    return `${RELEASES_IN_HOST}/${version}`;
  };
  const releaseDir = await release(FAKE_RELEASE_VERSION);

  return {
    bao: vault,
    workDir,
    releaseDir,
    release,
    vaultEnv,
    async host(name, address) {
      const ct = await upContainerHost(name, { ip: address, binds: [`${releases}:${RELEASES_IN_HOST}`, `${join(PROJECT_ROOT, 'scripts')}:${SCRIPTS_IN_HOST}`] });
      const rootDir = join(LAB_DIR, 'hosts', name, 'root');
      const root = (path: string): string => join(rootDir, path);
      // the fake installer and the fake rke2 record their runs here (tests read the records)
      mkdirSync(root('/var/log/edgectl-sim'), { recursive: true });
      const envFor = (o: { env?: Record<string, string>; vault?: boolean }): Record<string, string> => ({
        RKE2_SH_POLL_INTERVAL: '0.1',
        ...(o.vault === false ? {} : vaultEnv()),
        ...o.env,
      });
      const run = (cmd: string, args: string[], o: HostRunOptions = {}): Promise<ExecResult> => ct.exec(cmd, args, o);
      const host: ContainerLabHost = {
        name,
        address: ct.address,
        stateDir: rootDir,
        root,
        run,
        edgectl: (args, o = {}) => ct.edgectl(args, { env: envFor(o), ...(o.input === undefined ? {} : { input: o.input }) }),
        spawnEdgectl(args, o = {}) {
          const env = envFor(o);
          const envFlags = Object.keys(env).flatMap((k) => ['--env', k]);
          const child = spawn('bash', [LAB_SH, 'exec', ...envFlags, name, EDGECTL_IN_HOST, ...args], {
            env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...labSettings(), ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          // nsenter forks and does not forward signals: deliver them to edgectl itself, as
          // child.kill does for the edgectl process of a simulated host
          child.kill = (signal?: NodeJS.Signals | number): boolean => {
            const pid = child.pid === undefined ? undefined : descendantNamed(child.pid, EDGECTL_COMM);
            if (pid === undefined) return false;
            process.kill(pid, signal ?? 'SIGTERM');
            return true;
          };
          return child;
        },
        read(path) {
          const p = root(path);
          return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
        },
        async unitRun(unit) {
          const r = await run('systemctl', ['show', '-p', 'InvocationID,MainPID,ActiveState', unit]);
          if (r.code !== 0) throw new Error(`systemctl show ${unit} on ${name} failed: ${r.stderr}`);
          const props = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          return `${props.InvocationID ?? ''} ${props.MainPID ?? ''} ${props.ActiveState ?? ''}`;
        },
        async systemdJournal() {
          const r = await run('journalctl', ['_PID=1', '--no-pager', '-o', 'cat']);
          if (r.code !== 0) throw new Error(`journalctl on ${name} failed: ${r.stderr}`);
          return r.stdout.split('\n').filter(Boolean);
        },
        async stopServices() {
          const r = await run('sh', ['-c', 'if [ -x /usr/local/bin/rke2-killall.sh ]; then /usr/local/bin/rke2-killall.sh; else systemctl stop rke2-server rke2-agent; fi; systemctl reset-failed rke2-server rke2-agent 2>/dev/null || true']);
          if (r.code !== 0) throw new Error(`stopping the RKE2 units on ${name} failed: ${r.stderr}`);
        },
        async destroy() {
          await ct.down();
        },
      };
      hosts.push(host);
      return host;
    },
    async close() {
      const results = await Promise.allSettled(hosts.map((h) => h.destroy()));
      await vault.stop();
      rmSync(workDir, { recursive: true, force: true });
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed.length > 0) throw new Error(`could not remove every lab host: ${failed.map((f) => String(f.reason)).join('; ')}`);
    },
  };
}
