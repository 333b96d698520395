import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../test/support/paths.js';
import { checkClusterSpec, clusterSpecJsonSchema, installOptionsOf, parseInitHost, specSkeleton } from './cluster-spec.js';

const base = (hosts: unknown[], extra: Record<string, unknown> = {}): unknown => ({
  apiVersion: 'edgectl.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name: 'shop-42' },
  spec: { vault: { address: 'https://vault.example:8200' }, hosts, ...extra },
});

describe('the cluster file', () => {
  it('accepts a minimal spec and fills the defaults', () => {
    const r = checkClusterSpec(base([{ role: 'server', ssh: { address: '10.0.0.10' } }, { role: 'agent', ssh: { address: 'agent-1.example', user: 'ops', port: 2222 }, sudo: true }]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.spec.cluster.id).toBe('new');
    expect(r.spec.spec.hosts[0]?.ssh).toEqual({ address: '10.0.0.10', user: 'root', port: 22 });
    expect(r.spec.spec.vault).toMatchObject({ mount: 'kv', approleMount: 'approle', namespace: '' });
    expect(r.spec.spec.options).toEqual({ concurrency: 5, drain: { enabled: true, timeout: '5m' } });
  });

  it('collects every problem at once, each with its path', () => {
    const r = checkClusterSpec(base(
      [
        { role: 'server', ssh: { address: '10.0.0.1' } },
        { role: 'agent', ssh: { address: '10.0.0.2', port: 99999 } },
        { role: 'boss', ssh: { address: 'bad_host!' }, extra: 1 },
        { role: 'agent', ssh: {}, nodeLabels: ['bad label'] },
      ],
      { cluster: { rke2: { version: 'x' } } },
    ));
    expect(r).toEqual({
      ok: false,
      problems: [
        'spec.cluster.rke2.version: "x" is not an RKE2 version like v1.30.4+rke2r1',
        'spec.hosts[1].ssh.port: 99999 is not a port',
        'spec.hosts[2].role: "boss" is neither server nor agent',
        'spec.hosts[2].ssh.address: "bad_host!" is neither an IP address nor a DNS name',
        'spec.hosts[2]: unknown field extra',
        'spec.hosts[3].ssh.address: is required',
        'spec.hosts[3].nodeLabels[0]: "bad label" is not KEY=VALUE',
      ],
    });
  });

  it('checks across hosts: a server for a new cluster, no host twice, no node name twice, version xor channel', () => {
    const r = checkClusterSpec(base(
      [
        { role: 'agent', ssh: { address: '10.0.0.1' }, nodeName: 'n1' },
        { role: 'agent', ssh: { address: '10.0.0.1' }, nodeName: 'n1' },
      ],
      { cluster: { rke2: { version: 'v1.30.4+rke2r1', channel: 'stable' } } },
    ));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'spec.hosts: a new cluster needs at least one host with role server',
      'spec.hosts[1].ssh: 10.0.0.1:22 is the same host as spec.hosts[0]',
      'spec.hosts[1].nodeName: "n1" is already the name of spec.hosts[0]',
      'spec.cluster: rke2.version and rke2.channel are mutually exclusive',
    ]);
  });

  it('refuses a wrong apiVersion or kind, and a document that is not a mapping', () => {
    const r = checkClusterSpec({ apiVersion: 'k0sctl.k0sproject.io/v1beta1', kind: 'Cluster', metadata: { name: 'x' }, spec: { vault: { address: 'https://v:1' }, hosts: [{ role: 'server', ssh: { address: 'a' } }] } });
    expect(r).toMatchObject({ ok: false, problems: [expect.stringMatching(/^apiVersion: "k0sctl.k0sproject.io\/v1beta1" must be edgectl.io\/v1alpha1$/)] });
    expect(checkClusterSpec('hello').ok).toBe(false);
  });

  it('maps the cluster and host settings onto the install options of the single-host commands', () => {
    const r = checkClusterSpec(base([{ role: 'server', ssh: { address: '10.0.0.1' }, nodeName: 'srv-1', nodeLabels: ['zone=a'] }], { cluster: { rke2: { version: 'v1.30.4+rke2r1' }, nodeLabels: ['site=shop'], tlsSan: ['api.example'] } }));
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(installOptionsOf(r.spec, r.spec.spec.hosts[0])).toMatchObject({ version: 'v1.30.4+rke2r1', nodeName: 'srv-1', nodeLabel: ['site=shop', 'zone=a'], tlsSan: ['api.example'] });
  });

  it('edgectl init: the skeleton for given hosts passes the check as it is', () => {
    const hosts = ['10.0.0.10', 'ops@10.0.0.11:2222', '[fd00::5]:22', 'edge-4.example', 'edge-5.example'].map((h) => parseInitHost(h));
    expect(hosts[1]).toEqual({ address: '10.0.0.11', user: 'ops', port: 2222 });
    expect(hosts[2]).toEqual({ address: 'fd00::5', port: 22 });
    const text = specSkeleton(hosts as Array<{ address: string }>);
    const r = checkClusterSpec(parse(text));
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.spec.spec.hosts.map((h) => h.role)).toEqual(['server', 'server', 'server', 'agent', 'agent']);
    expect(checkClusterSpec(parse(specSkeleton([]))).ok).toBe(true);
    expect(parseInitHost('a b')).toMatch(/is not ADDR/);
    expect(parseInitHost('10.0.0.1:70000')).toBe('70000 is not a port');
  });

  it('the published JSON Schema is the one generated from the spec (npm run gen:schema)', () => {
    const published = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema/cluster.schema.json'), 'utf8'));
    expect(published).toEqual(clusterSpecJsonSchema());
  });
});
