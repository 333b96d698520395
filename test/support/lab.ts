/**
 * A lab of simulated edge hosts for end-to-end tests and the demo: a real
 * OpenBao on the test bridge (10.77.0.1), a fake RKE2 release in the official
 * air-gap layout, and hosts with their own mount, UTS and network namespaces
 * that run the built edgectl (dist/edgectl.cjs) with the systemctl stub on PATH.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OpenBao, enableKv, startOpenBao } from './openbao.js';
import { PROJECT_ROOT } from './paths.js';
import { type ExecResult, type SimHost, createSimHost, exec } from './sim-host.js';

export const EDGECTL_BUNDLE = join(PROJECT_ROOT, 'dist/edgectl.cjs');
export const FAKE_RELEASE_VERSION = 'v1.30.1+rke2r1';
const STUBS = join(PROJECT_ROOT, 'test/support/stubs');
const HOST_PATH = `${STUBS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

export interface LabHost extends SimHost {
  /** run edgectl on this host; env is the host's whole environment besides PATH/HOME */
  edgectl(args: string[], opts?: { env?: Record<string, string>; input?: string; vault?: boolean }): Promise<ExecResult>;
  /** start edgectl without waiting (for crash tests) */
  spawnEdgectl(args: string[], opts?: { env?: Record<string, string>; vault?: boolean }): ChildProcess;
  /** read a file inside the host, or undefined */
  read(path: string): string | undefined;
  /** stop every fake service the host runs */
  stopServices(): Promise<void>;
}

export interface Lab {
  readonly bao: OpenBao;
  readonly workDir: string;
  /** air-gap directory of the fake release */
  readonly releaseDir: string;
  /** build another fake release version (for upgrades) */
  release(version: string): Promise<string>;
  /** the Vault environment edgectl needs */
  vaultEnv(): Record<string, string>;
  host(name: string, address: string): Promise<LabHost>;
  close(): Promise<void>;
}

/** Commands a lab host's edgectl runs with: the simulated host's environment. */
function hostCommand(binary: string[], args: string[], env: Record<string, string>): string[] {
  const vars = Object.entries({ PATH: HOST_PATH, HOME: '/root', RKE2_SH_POLL_INTERVAL: '0.1', ...env }).map(([k, v]) => `${k}=${v}`);
  return ['env', '-i', ...vars, ...binary, ...args];
}

/** Create a lab: OpenBao listening on the bridge address, a fake release, no hosts yet. */
export async function createLab(opts: { edgectl?: string[] } = {}): Promise<Lab> {
  const workDir = mkdtempSync(join(tmpdir(), 'edgectl-lab-'));
  const up = await exec('bash', [join(PROJECT_ROOT, 'test/support/netns.sh'), 'bridge-up']);
  if (up.code !== 0) throw new Error(`bridge-up failed: ${up.stderr}`);
  const bao = await startOpenBao({ host: '10.77.0.1' });
  await enableKv(bao, 'kv', 2);
  const binary = opts.edgectl ?? [process.execPath, EDGECTL_BUNDLE];
  const hosts: LabHost[] = [];

  const release = async (version: string): Promise<string> => {
    const dir = join(workDir, 'releases', version);
    if (!existsSync(join(dir, 'sha256sum-amd64.txt'))) {
      const r = await exec('bash', [join(PROJECT_ROOT, 'test/support/fake-rke2/build-release.sh'), dir, version]);
      if (r.code !== 0) throw new Error(`build-release failed: ${r.stderr}`);
    }
    return dir;
  };
  const releaseDir = await release(FAKE_RELEASE_VERSION);
  const vaultEnv = (): Record<string, string> => ({ VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken });

  return {
    bao,
    workDir,
    releaseDir,
    release,
    vaultEnv,
    async host(name, address) {
      const sim = await createSimHost(name, address);
      const envFor = (o: { env?: Record<string, string>; vault?: boolean }): Record<string, string> => ({
        ...(o.vault === false ? {} : vaultEnv()),
        ...o.env,
      });
      const host: LabHost = {
        ...sim,
        edgectl: (args, o = {}) => {
          const [cmd = 'env', ...rest] = hostCommand(binary, args, envFor(o));
          return sim.run(cmd, rest, o.input === undefined ? {} : { input: o.input });
        },
        spawnEdgectl: (args, o = {}) => {
          const cmd = hostCommand(binary, args, envFor(o));
          const prefix = ['--state', sim.stateDir, '--hostname', name, ...(sim.netns === undefined ? [] : ['--netns', sim.netns]), '--'];
          return spawn('bash', ['--norc', '--noprofile', join(PROJECT_ROOT, 'test/support/sim-host.sh'), ...prefix, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
        },
        read: (path) => {
          const p = sim.root(path);
          return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
        },
        async stopServices() {
          const dir = sim.root('/var/log/edgectl-sim/systemctl');
          if (!existsSync(dir)) return;
          for (const f of readdirSync(dir).filter((n) => n.endsWith('.pid'))) {
            const pid = Number(readFileSync(join(dir, f), 'utf8').split(/\s+/)[0]);
            if (pid > 1) {
              try {
                process.kill(-pid, 'SIGKILL');
              } catch {
                // already gone
              }
            }
          }
        },
        async destroy() {
          await host.stopServices();
          await sim.destroy();
        },
      };
      hosts.push(host);
      return host;
    },
    async close() {
      for (const h of hosts) await h.destroy();
      await bao.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Wait until no orphaned rke2.sh run (from a killed edgectl) is left on the machine. */
export async function waitForScriptsToFinish(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await exec('pgrep', ['-f', 'edgectl-[A-Za-z0-9]+/rke2.sh']);
    if (r.code !== 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('an orphaned rke2.sh is still running');
}

/**
 * Every file under a host's state dir with its mode and content hash, leaving out the systemctl
 * stub's call log (it records read-only queries too: tests check it for changing calls separately).
 */
export function hostSnapshot(host: LabHost): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (p !== host.root('/var/log/edgectl-sim/systemctl.log')) out.push(`${p.slice(host.stateDir.length)} ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(host.stateDir);
  return out.sort();
}
