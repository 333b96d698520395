import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';

/** Run the built bundle, send SIGNAL after delayMs, and collect how it ended. */
function runAndSignal(args: string[], signal: NodeJS.Signals, delayMs: number, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; afterSignalMs: number }>((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/edgectl.cjs'), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sentAt = 0;
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    setTimeout(() => {
      sentAt = performance.now();
      child.kill(signal);
    }, delayMs);
    child.on('close', (code, sig) => {
      clearTimeout(killer);
      resolve({ code, signal: sig, stderr, afterSignalMs: performance.now() - sentAt });
    });
  });
}

describe('stopping on a signal', () => {
  it('SIGTERM ends edgectl within the bound even when the step never returns (a FIFO that nobody writes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgectl-fifo-'));
    execFileSync('mkfifo', [join(dir, 'rke2.sh')]);
    const r = await runAndSignal(['scripts', 'export', dir], 'SIGTERM', 700, { EDGECTL_TEST_STOP_GRACE_MS: '1500' });
    expect(r.signal, r.stderr).toBe('SIGTERM');
    // without the bound it runs until the test's SIGKILL at 20 s
    expect(r.afterSignalMs).toBeLessThan(15_000);
    expect(r.stderr).toContain('SIGTERM received: interrupting the current step and stopping');
    expect(r.stderr).toContain('did not stop within 1.5s of SIGTERM; exiting now (SIGTERM, status 143): the host may be part-way through');
  });
});
