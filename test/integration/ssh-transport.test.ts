/**
 * The SSH transport (src/adapters/ssh/ssh-transport.ts) against real OpenSSH servers:
 * two systemd-nspawn container hosts of tools/lab.sh. Host keys checked against
 * known_hosts (unknown refused unless accepted and then recorded, changed always refused),
 * a wrong user, a closed port, argv quoting, exit codes, secrets on stdin only, files with
 * their mode, and a host reached through a bastion.
 *
 * Needs root and the lab tools; run under the shared lock: flock /tmp/edgectl-hosts.lock ...
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshOptions, type SshTarget, connectSsh } from '../../src/adapters/ssh/ssh-transport.js';
import { Secret } from '../../src/core/secret.js';
import { type ContainerHost, containerHostsUnavailable, ensureBase, upContainerHost } from '../support/container-host.js';
import { PROJECT_ROOT } from '../support/paths.js';

const LAB_DIR = process.env.EDGECTL_LAB_DIR ?? join(PROJECT_ROOT, '.lab');
const KEY = join(LAB_DIR, 'ssh/id_ed25519');
const why = containerHostsUnavailable();

describe('the SSH transport on real sshd', () => {
  let a: ContainerHost;
  let b: ContainerHost;
  let work: string;
  let known: string;

  const target = (h: ContainerHost, over: Partial<SshTarget> = {}): SshTarget => ({ address: h.address, port: 22, user: 'root', keyPath: KEY, ...over });
  const options = (over: Partial<SshOptions> = {}): SshOptions => ({ knownHostsPath: known, acceptNewHostKeys: false, timeoutMs: 10_000, ...over });

  beforeAll(async () => {
    if (why !== undefined) throw new Error(`cannot run container hosts here: ${why}`);
    await ensureBase();
    [a, b] = await Promise.all([upContainerHost('ssh-a', { ip: '10.78.0.241' }), upContainerHost('ssh-b', { ip: '10.78.0.242' })]);
    work = mkdtempSync(join(tmpdir(), 'edgectl-ssh-'));
    known = join(work, 'known_hosts');
    writeFileSync(known, `${readFileSync(join(LAB_DIR, 'hosts/ssh-a/known_hosts'), 'utf8')}${readFileSync(join(LAB_DIR, 'hosts/ssh-b/known_hosts'), 'utf8')}`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.down(), b?.down()]);
  }, 60_000);

  it('runs an argv exactly as given, with its exit code, environment and stdin', async () => {
    const t = await connectSsh(target(a), options());
    try {
      const words = ['a b', "it's", '$(id)', '`id`', ';', '*', ''];
      const echo = await t.run(['printf', '%s\\n', ...words]);
      expect(echo).toMatchObject({ exitCode: 0, stdout: `${words.join('\n')}\n` });
      expect((await t.run(['sh', '-c', 'exit 7'])).exitCode).toBe(7);
      const env = await t.run(['env'], { env: { PATH: '/usr/bin:/bin', EDGECTL_X: 'y' } });
      expect(env.stdout.split('\n').filter(Boolean).sort()).toEqual(['EDGECTL_X=y', 'PATH=/usr/bin:/bin']);
      const lines: string[] = [];
      const err = await t.run(['sh', '-c', 'echo one >&2; echo two >&2; exit 3'], { onStderrLine: (l) => lines.push(l) });
      expect(err).toMatchObject({ exitCode: 3, stderrTail: ['one', 'two'] });
      expect(lines).toEqual(['one', 'two']);
      const secret = new Secret('K10abc::server:s3cr3t-on-stdin');
      const piped = await t.run(['sh', '-c', 'cat; ps -eo args'], { stdinSecret: secret });
      expect(piped.stdout.startsWith('K10abc::server:s3cr3t-on-stdin')).toBe(true);
      // the secret reached the command on stdin only: no process on the host has it in its argv
      expect(piped.stdout.slice(secret.reveal().length)).not.toContain('s3cr3t');
    } finally {
      await t.close();
    }
  });

  it('writes files atomically with their mode, reads and removes them', async () => {
    const t = await connectSsh(target(a), options());
    try {
      await t.putFile('/etc/edgectl-ssh-test.token', new Secret('tok-123\n'), 0o600);
      expect((await a.exec('stat', ['-c', '%a %U', '/etc/edgectl-ssh-test.token'])).stdout.trim()).toBe('600 root');
      expect((await t.readSecretFile('/etc/edgectl-ssh-test.token'))?.equals('tok-123')).toBe(true);
      await t.putFile('/etc/edgectl-ssh-test.bin', Uint8Array.from([0, 255, 10, 39]), 0o644);
      expect((await a.exec('od', ['-An', '-tu1', '/etc/edgectl-ssh-test.bin'])).stdout.trim().split(/\s+/)).toEqual(['0', '255', '10', '39']);
      await t.putFile("/tmp/it's here", 'text\n', 0o640);
      expect(await t.readFile("/tmp/it's here")).toBe('text\n');
      expect(await t.remove('/etc/edgectl-ssh-test.token')).toBe(true);
      expect(await t.remove('/etc/edgectl-ssh-test.token')).toBe(false);
      expect(await t.readFile('/etc/edgectl-ssh-test.token')).toBeUndefined();
      expect(await t.readSecretFile('/etc/edgectl-ssh-test.token')).toBeUndefined();
      expect((await a.exec('sh', ['-c', 'ls -a /etc | grep -c "^.edgectl\\." || true'])).stdout.trim()).toBe('0');
      // a large binary file streamed as it is, checked on the host before the rename
      const big = join(work, 'big.bin');
      const bytes = Buffer.alloc(8 * 1024 * 1024 + 3, 0);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
      writeFileSync(big, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      await t.copyFrom(big, '/usr/local/bin/big.bin', 0o755, sha);
      expect((await a.exec('sh', ['-c', 'sha256sum /usr/local/bin/big.bin | cut -d" " -f1; stat -c %a /usr/local/bin/big.bin'])).stdout.split('\n').slice(0, 2)).toEqual([sha, '755']);
      await expect(t.copyFrom(big, '/usr/local/bin/other.bin', 0o755, 'f'.repeat(64))).rejects.toMatchObject({ kind: 'hostStep', message: expect.stringContaining('arrived with another sha256') });
      expect((await a.exec('sh', ['-c', 'ls -a /usr/local/bin'])).stdout).not.toMatch(/other\.bin|\.edgectl\./);
    } finally {
      await t.close();
    }
  });

  it('refuses an unknown host key unless told to accept it, then records it; a changed key is always refused', async () => {
    const empty = join(work, 'empty_known_hosts');
    await expect(connectSsh(target(a), options({ knownHostsPath: empty }))).rejects.toMatchObject({ kind: 'trust', message: expect.stringMatching(/unknown host key ssh-ed25519 SHA256:/) });
    const t = await connectSsh(target(a), options({ knownHostsPath: empty, acceptNewHostKeys: true }));
    await t.close();
    expect(readFileSync(empty, 'utf8')).toBe(readFileSync(join(LAB_DIR, 'hosts/ssh-a/known_hosts'), 'utf8'));
    (await connectSsh(target(a), options({ knownHostsPath: empty }))).close();
    // b's key recorded under a's address: a's real key is a changed key, even with accept-new
    const swapped = join(work, 'swapped_known_hosts');
    writeFileSync(swapped, readFileSync(join(LAB_DIR, 'hosts/ssh-b/known_hosts'), 'utf8').replace(b.address, a.address));
    await expect(connectSsh(target(a), options({ knownHostsPath: swapped, acceptNewHostKeys: true }))).rejects.toMatchObject({ kind: 'trust', message: expect.stringMatching(/host key changed .*line 1/) });
  });

  it('says clearly when the user or key is wrong, or nothing listens', async () => {
    await expect(connectSsh(target(a, { user: 'nobody' }), options())).rejects.toMatchObject({ kind: 'hostStep', message: expect.stringContaining('authentication failed (user nobody') });
    const otherKey = join(work, 'other_key');
    const gen = await a.exec('sh', ['-c', 'ssh-keygen -q -t ed25519 -N "" -f /tmp/other && cat /tmp/other']);
    writeFileSync(otherKey, gen.stdout, { mode: 0o600 });
    await expect(connectSsh(target(a, { keyPath: otherKey }), options())).rejects.toMatchObject({ kind: 'hostStep', message: expect.stringContaining('authentication failed') });
    await expect(connectSsh(target(a, { port: 2 }), options())).rejects.toMatchObject({ kind: 'hostStep', message: expect.stringContaining('connection refused') });
  });

  it('reaches a host through a bastion, checking both host keys', async () => {
    const t = await connectSsh(target(b, { bastion: { address: a.address, port: 22, user: 'root', keyPath: KEY } }), options());
    try {
      expect((await t.run(['hostname'])).stdout.trim()).toBe('ssh-b');
    } finally {
      await t.close();
    }
  });

  it('sudo: -n by default; with a password, sudo reads it first and the command still gets its own stdin', async () => {
    const setup = await a.exec('sh', ['-c', [
      'id ops >/dev/null 2>&1 || useradd -m -s /bin/sh ops',
      'echo "ops:s3cret-sudo-pw" | chpasswd',
      'echo "ops ALL=(ALL) ALL" >/etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops',
      'install -d -m 700 -o ops -g ops /home/ops/.ssh && install -m 600 -o ops -g ops /root/.ssh/authorized_keys /home/ops/.ssh/authorized_keys',
    ].join(' && ')]);
    expect(setup.code, setup.stderr).toBe(0);
    const noPassword = await connectSsh(target(a, { user: 'ops', sudo: true }), options());
    try {
      const r = await noPassword.run(['id', '-u']);
      expect(r.exitCode).toBe(1);
      expect(r.stderrTail.join(' ')).toMatch(/password is required/);
    } finally {
      await noPassword.close();
    }
    const t = await connectSsh(target(a, { user: 'ops', sudo: true }), options({ sudoPassword: new Secret('s3cret-sudo-pw') }));
    try {
      expect((await t.run(['id', '-u'])).stdout.trim()).toBe('0');
      const piped = await t.run(['sh', '-c', 'cat; echo; ps -eo args'], { stdinSecret: new Secret('token-after-the-password') });
      expect(piped.stdout.split('\n')[0]).toBe('token-after-the-password');
      expect(piped.stdout).not.toContain('s3cret-sudo-pw');
      await t.putFile('/etc/edgectl-sudo-test', new Secret('root-owned\n'), 0o600);
      expect((await a.exec('stat', ['-c', '%U %a', '/etc/edgectl-sudo-test'])).stdout.trim()).toBe('root 600');
    } finally {
      await t.close();
    }
    const wrong = await connectSsh(target(a, { user: 'ops', sudo: true }), options({ sudoPassword: new Secret('not-it') }));
    try {
      expect((await wrong.run(['id', '-u'])).exitCode).not.toBe(0);
    } finally {
      await wrong.close();
    }
  });
});

