import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type SimHost, createSimHost, simHostUnavailable } from '../support/sim-host.js';

describe('simulated hosts', () => {
  const hosts: SimHost[] = [];
  afterAll(async () => {
    for (const h of hosts) await h.destroy();
  });

  it('can run here (tests run as root; otherwise this says why)', () => {
    expect(simHostUnavailable()).toBeUndefined();
  });

  it('gives each host private system paths and a hostname, without touching the machine', async () => {
    const a = await createSimHost('host-a');
    const b = await createSimHost('host-b');
    hosts.push(a, b);
    const w = await a.run('bash', ['-c', 'echo a > /etc/edgectl/cluster-id && hostname']);
    expect(w).toMatchObject({ code: 0, stdout: 'host-a\n' });
    const r = await b.run('bash', ['-c', 'cat /etc/edgectl/cluster-id 2>/dev/null || echo absent']);
    expect(r.stdout).toBe('absent\n');
    expect(readFileSync(a.root('/etc/edgectl/cluster-id'), 'utf8')).toBe('a\n');
    expect(existsSync('/etc/edgectl/cluster-id')).toBe(false);
    // state persists across invocations of the same host
    expect((await a.run('cat', ['/etc/edgectl/cluster-id'])).stdout).toBe('a\n');
  });

  it('gives a host its own address in a network namespace', async () => {
    const c = await createSimHost('host-c', '10.77.0.31');
    hosts.push(c);
    const r = await c.run('ip', ['-4', '-o', 'addr', 'show']);
    expect(r.stdout).toContain('10.77.0.31/24');
    expect(r.stdout).not.toContain('10.77.0.1/');
  });
});
