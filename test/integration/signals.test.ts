/**
 * SIGTERM ends edgectl within its bound even when a step never returns: on a
 * real systemd host (a container booted by tools/lab.sh, the single executable), `rke2 server` runs an installer that ignores SIGTERM and
 * never finishes (bash then waits for it and runs rke2.sh's trap never; the
 * script run never ends). edgectl interrupts, waits its grace period
 * (EDGECTL_TEST_STOP_GRACE_MS), says where the host stands, and ends by the
 * signal itself (status 143), not at the test's SIGKILL.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerLab, createContainerLab } from '../support/container-lab.js';

let lab: ContainerLab;
beforeAll(async () => {
  lab = await createContainerLab();
}, 900_000);
afterAll(async () => {
  await lab?.close();
}, 120_000);

describe('stopping on a signal', () => {
  it('SIGTERM ends edgectl within the bound even when the step never returns (an installer that ignores SIGTERM)', async () => {
    const host = await lab.host('sigterm1', '10.78.0.241');
    const installer = '/root/hung-installer.sh';
    // a stand-in installer that never returns and ignores SIGTERM (its sleep inherits the ignore)
    writeFileSync(host.root(installer), "#!/bin/sh\ntrap '' TERM\nsleep 60\n", { mode: 0o755 });
    const child = host.spawnEdgectl(['rke2', 'server', '--no-vault', '--install-script', installer, '--wait-timeout', '60'], { env: { EDGECTL_TEST_STOP_GRACE_MS: '1500' }, vault: false });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    // wait until the installer runs (the install step has started), then stop
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('rke2.sh server') && !/install/i.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const sentAt = performance.now();
    child.kill('SIGTERM');
    const r = await ended;
    clearTimeout(killer);
    const afterSignalMs = performance.now() - sentAt;
    expect(r.signal, stderr).toBe('SIGTERM');
    // without the bound it runs until the test's SIGKILL at 30 s
    expect(afterSignalMs).toBeLessThan(15_000);
    expect(stderr).toContain('SIGTERM received: interrupting the current step and stopping');
    expect(stderr).toContain('did not stop within 1.5s of SIGTERM; exiting now (SIGTERM, status 143): the host may be part-way through');
    await host.stopServices();
  });
});

describe('a child that keeps the script\'s streams open', () => {
  it('does not keep edgectl waiting: the run ends when rke2.sh exits (an installer leaves a process holding stderr)', async () => {
    const host = await lab.host('holdfd1', '10.78.0.242');
    const installer = '/root/holding-installer.sh';
    // fails at once, leaving a background process that inherited its stderr for 25 s
    writeFileSync(host.root(installer), '#!/bin/sh\nsleep 25 &\necho "installer: giving up" >&2\nexit 1\n', { mode: 0o755 });
    const started = performance.now();
    const r = await host.edgectl(['rke2', 'server', '--no-vault', '--install-script', installer, '--wait-timeout', '60'], { vault: false });
    const elapsedMs = performance.now() - started;
    expect(r.code, r.stderr).toBe(7); // the installer's failure, as a host step
    expect(r.stderr).toContain('installer');
    // before: edgectl waited for the background sleep to close stderr (25 s)
    expect(elapsedMs).toBeLessThan(15_000);
  });
});
