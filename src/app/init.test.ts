import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runEdgectl } from '../../test/support/context.js';
import { checkClusterSpec } from '../core/cluster-spec.js';

describe('edgectl init', () => {
  it('prints a cluster file for the hosts on the command line that passes the check', async () => {
    const r = await runEdgectl(['init', '--name', 'shop-42', '10.0.0.10', 'ops@10.0.0.11:2222']);
    expect(r.code, r.stderr).toBe(0);
    const check = checkClusterSpec(parse(r.stdout));
    if (!check.ok) throw new Error(check.problems.join('\n'));
    expect(check.spec.metadata.name).toBe('shop-42');
    expect(check.spec.spec.hosts.map((h) => [h.role, h.ssh.address, h.ssh.user, h.ssh.port])).toEqual([
      ['server', '10.0.0.10', 'root', 22],
      ['agent', '10.0.0.11', 'ops', 2222],
    ]);
  });

  it('reads hosts from stdin, one per line, comments and blank lines ignored', async () => {
    const r = await runEdgectl(['init'], { stdin: '# shop 42\n10.0.0.10\n\n10.0.0.11  # till\n' });
    expect(r.code, r.stderr).toBe(0);
    expect((parse(r.stdout) as { spec: { hosts: unknown[] } }).spec.hosts).toHaveLength(2);
  });

  it('names every bad host at once and exits 2 with nothing on stdout', async () => {
    const r = await runEdgectl(['init', 'ok.example', 'bad host', '10.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('host 2: "bad host" is not ADDR, USER@ADDR or ADDR:PORT; host 3: 0 is not a port');
  });

  it('--inventory: hosts and roles from an Ansible YAML inventory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgectl-init-'));
    const file = join(dir, 'hosts.yml');
    writeFileSync(file, 'all:\n  children:\n    masters: { hosts: { srv-1: { ansible_host: 10.0.0.10 } } }\n    workers: { hosts: { edge-1: { ansible_host: 10.0.0.20, ansible_user: ops } } }\n');
    const r = await runEdgectl(['init', '--inventory', file]);
    expect(r.code, r.stderr).toBe(0);
    const check = checkClusterSpec(parse(r.stdout));
    if (!check.ok) throw new Error(check.problems.join('\n'));
    expect(check.spec.spec.hosts.map((h) => [h.role, h.ssh.address, h.ssh.user, h.nodeName])).toEqual([
      ['server', '10.0.0.10', 'root', 'srv-1'],
      ['agent', '10.0.0.20', 'ops', 'edge-1'],
    ]);
    const both = await runEdgectl(['init', '--inventory', file, '10.0.0.1']);
    expect(both.code).toBe(2);
    const missing = await runEdgectl(['init', '--inventory', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});

