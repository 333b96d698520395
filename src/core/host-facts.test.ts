import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FACTS_PROGRAM, factProblems, parseFacts } from './host-facts.js';

const sample = 'os=debian\nos_version=12\narch=x86_64\ninit=systemd\nhostname=edge-1\nnow=1000\ndisk_free_kb=9000000\nlistening=22 10250 \nrke2_version=v1.30.4+rke2r1\nedgectl_sha256=\ncluster_id=rke2-abc12345\nrke2_server_active=inactive\nrke2_agent_active=active\n';

describe('host facts', () => {
  it('parse the probe output', () => {
    expect(parseFacts(sample)).toEqual({
      os: 'debian', osVersion: '12', arch: 'x86_64', init: 'systemd', hostname: 'edge-1', now: 1000, diskFreeKb: 9000000,
      listening: [22, 10250], rke2Version: 'v1.30.4+rke2r1', edgectlSha256: undefined, clusterId: 'rke2-abc12345', rke2ServerActive: false, rke2AgentActive: true,
    });
  });

  it('the probe is valid sh and prints every key on this machine', () => {
    const out = execFileSync('sh', ['-c', FACTS_PROGRAM], { encoding: 'utf8' });
    const keys = out.split('\n').filter(Boolean).map((l) => l.split('=')[0]);
    expect(keys).toEqual(['os', 'os_version', 'arch', 'init', 'hostname', 'now', 'disk_free_kb', 'listening', 'rke2_version', 'edgectl_sha256', 'cluster_id', 'rke2_server_active', 'rke2_agent_active']);
    expect(parseFacts(out).now).toBeGreaterThan(1_700_000_000);
  });

  it('say what stops a host from taking its role', () => {
    const f = parseFacts(sample);
    expect(factProblems(f, 'agent', 1010)).toEqual([]); // RKE2 itself holds 10250
    expect(factProblems({ ...f, rke2AgentActive: false }, 'agent', 1010)).toEqual(['port 10250 already in use by something other than RKE2']);
    expect(factProblems({ ...f, arch: 'aarch64', init: 'init', diskFreeKb: 1024, now: 2000 }, 'server', 1000)).toEqual([
      'architecture aarch64: edgectl ships for x86_64 only',
      'PID 1 is init, not systemd: RKE2 runs as a systemd service',
      "1 MiB free under /var/lib: RKE2 needs at least 4 GiB",
      "its clock is 1000 s off this machine's (more than 30 s breaks TLS and Vault TTLs): fix NTP",
      'it runs an RKE2 agent: the spec says server',
    ]);
  });
});
