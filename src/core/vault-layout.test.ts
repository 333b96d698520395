import { describe, expect, it } from 'vitest';
import { EdgectlError } from './errors.js';
import {
  CUSTOM_METADATA_LIMITS,
  adminKubeconfigPath,
  assertCustomMetadata,
  clusterCapabilityNeeds,
  clusterSecretPath,
  customMetadataPatch,
  customMetadataProblems,
  decodeClusterMetadata,
  encodeClusterMetadata,
  kvDataPath,
  kvMetadataPath,
  missingCapabilities,
  mountProblem,
  nodeNameProblem,
  nodeSecretPath,
  nodesFolder,
  parseMount,
  policyFix,
  tagsFromPairs,
  tagsMatch,
} from './vault-layout.js';

const usageOf = (fn: () => unknown): EdgectlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof EdgectlError) return err;
    throw err;
  }
  throw new Error('expected a usage error');
};

describe('Vault paths', () => {
  it('puts a cluster at rke2/<id>, its nodes below, the admin kubeconfig in a separate tree', () => {
    expect(clusterSecretPath('rke2-abc12345')).toBe('rke2/rke2-abc12345');
    expect(nodesFolder('rke2-abc12345')).toBe('rke2/rke2-abc12345/nodes');
    expect(nodeSecretPath('rke2-abc12345', 'node-01.example')).toBe('rke2/rke2-abc12345/nodes/node-01.example');
    expect(adminKubeconfigPath('rke2-abc12345')).toBe('rke2-admin/rke2-abc12345/kubeconfig');
    expect(adminKubeconfigPath('x-1').startsWith('rke2/')).toBe(false);
    expect(kvDataPath('kv', 'rke2/a')).toBe('kv/data/rke2/a');
    expect(kvMetadataPath('team/kv', 'rke2/a')).toBe('team/kv/metadata/rke2/a');
  });

  it.each(['../x', 'a/b', 'UP', 'rke2-abc12345/nodes', '', '-x', 'x-'])('refuses cluster ID %j with a usage error (exit 2), so no path escapes rke2/', (id) => {
    const err = usageOf(() => clusterSecretPath(id));
    expect(err.exitCode).toBe(2);
    expect(() => adminKubeconfigPath(id)).toThrow(EdgectlError);
  });

  it.each(['../etc', 'a/b', 'Node', '', '-a', 'a..b', 'x'.repeat(254)])('refuses node name %j', (name) => {
    expect(nodeNameProblem(name)).toBeDefined();
    expect(() => nodeSecretPath('rke2-abc12345', name)).toThrow(/invalid node name/);
  });

  it.each(['node-1', 'n', 'a.b.c', 'ip-10-0-0-1.eu-west-1.compute.internal'])('accepts node name %j', (name) => {
    expect(nodeNameProblem(name)).toBeUndefined();
  });

  it('validates KV mounts: nested mounts fine, traversal and odd characters not', () => {
    expect(mountProblem('kv')).toBeUndefined();
    expect(mountProblem('team-a/kv_2')).toBeUndefined();
    expect(mountProblem('..')).toBeDefined();
    expect(mountProblem('kv/../sys')).toBeDefined();
    expect(mountProblem('kv?x')).toBeDefined();
    expect(mountProblem('')).toBeDefined();
    expect(parseMount('/kv/')).toBe('kv');
    expect(usageOf(() => parseMount('a b')).exitCode).toBe(2);
  });
});

describe('custom_metadata limits (KV v2: 64 keys, keys 1–128 bytes, values 1–512 printable bytes)', () => {
  const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

  it('accepts exactly the limits', () => {
    expect(customMetadataProblems(many(64))).toEqual([]);
    expect(customMetadataProblems({ ['k'.repeat(128)]: 'v'.repeat(512) })).toEqual([]);
    expect(customMetadataProblems({ site: 'Zürich — 東京' })).toEqual([]);
  });

  it('rejects 65 keys, long keys, empty and long values, and unprintable characters, all at once', () => {
    const problems = customMetadataProblems({ ...many(63), ['k'.repeat(129)]: 'v', empty: '', long: 'x'.repeat(513), tab: 'a\tb', nl: 'a\nb' });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/68 custom_metadata keys, KV v2 allows at most 64/);
    expect(problems.join('\n')).toMatch(/key is 129 bytes, must be 1 to 128/);
    expect(problems.join('\n')).toMatch(/"empty": value is 0 bytes, must be 1 to 512/);
    expect(problems.join('\n')).toMatch(/"long": value is 513 bytes/);
    expect(problems.join('\n')).toMatch(/"tab": value contains unprintable/);
    expect(problems.join('\n')).toMatch(/"nl": value contains unprintable/);
  });

  it('counts bytes, not characters', () => {
    expect(customMetadataProblems({ k: 'é'.repeat(256) })).toEqual([]); // 512 bytes
    expect(customMetadataProblems({ k: 'é'.repeat(257) })[0]).toMatch(/514 bytes/);
  });

  it('names tags as tags in the usage error', () => {
    const err = usageOf(() => encodeClusterMetadata({ tags: { env: '' } }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/tag "env": value is 0 bytes/);
    expect(err.hint).toContain(`${CUSTOM_METADATA_LIMITS.maxKeys} keys`);
  });

  it('lets edgectl keys and 60 tags fit, but not 61', () => {
    const tags = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v']));
    const base = { createdAt: '2026-01-01T00:00:00Z', hostname: 'h', ip: '10.0.0.1', rke2Version: 'v1.30.1+rke2r1' };
    expect(Object.keys(encodeClusterMetadata({ ...base, tags: tags(60) }))).toHaveLength(64);
    expect(() => encodeClusterMetadata({ ...base, tags: tags(61) })).toThrow(/65 custom_metadata keys/);
    expect(() => assertCustomMetadata(tags(65))).toThrow(EdgectlError);
  });
});

describe('cluster metadata encoding', () => {
  it('prefixes tags so they cannot collide with edgectl keys, and decodes back', () => {
    const encoded = encodeClusterMetadata({ createdAt: '2026-01-02T03:04:05.000Z', hostname: 'srv-1', ip: '10.0.0.5', rke2Version: 'v1.30.1+rke2r1', tags: { hostname: 'evil', env: 'prod' } });
    expect(encoded).toEqual({
      created_at: '2026-01-02T03:04:05.000Z',
      hostname: 'srv-1',
      ip: '10.0.0.5',
      rke2_version: 'v1.30.1+rke2r1',
      'tag.hostname': 'evil',
      'tag.env': 'prod',
    });
    expect(decodeClusterMetadata(encoded)).toEqual({
      createdAt: '2026-01-02T03:04:05.000Z',
      hostname: 'srv-1',
      ip: '10.0.0.5',
      rke2Version: 'v1.30.1+rke2r1',
      tags: { env: 'prod', hostname: 'evil' },
    });
  });

  it('decodes missing metadata (null from Vault) as empty', () => {
    expect(decodeClusterMetadata(null)).toEqual({ createdAt: undefined, hostname: undefined, ip: undefined, rke2Version: undefined, tags: {} });
  });

  it('builds a merge patch: changed and new keys set, removed keys null', () => {
    expect(customMetadataPatch({ a: '1', b: '2', c: '3' }, { a: '1', b: '20', d: '4' })).toEqual({ b: '20', d: '4', c: null });
    expect(customMetadataPatch({ a: '1' }, { a: '1' })).toEqual({});
    expect(() => customMetadataPatch({}, Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])))).toThrow(/65 custom_metadata keys/);
  });

  it('matches tag filters (all must match) and rejects a tag given twice', () => {
    expect(tagsMatch({ env: 'prod', site: 'ber' }, [['env', 'prod']])).toBe(true);
    expect(tagsMatch({ env: 'prod' }, [['env', 'prod'], ['site', 'ber']])).toBe(false);
    expect(tagsMatch({}, [])).toBe(true);
    expect(tagsFromPairs([['a', '1'], ['b', '2']])).toEqual({ a: '1', b: '2' });
    expect(() => tagsFromPairs([['a', '1'], ['a', '2']])).toThrow(/given twice/);
  });
});

describe('capability needs', () => {
  it('lists what a server needs on one cluster, as the README server policies grant it', () => {
    const needs = clusterCapabilityNeeds('kv', 'rke2-abc12345', 'server');
    expect(needs.filter((n) => n.optional !== true).map((n) => [n.path, n.capabilities, n.policyPath])).toEqual([
      ['kv/data/rke2/rke2-abc12345', ['create', 'read', 'update'], 'kv/data/rke2/*'],
      ['kv/metadata/rke2/rke2-abc12345', ['patch'], 'kv/metadata/rke2/*'],
      ['kv/data/rke2/rke2-abc12345/nodes/probe-node', ['create', 'read', 'update'], 'kv/data/rke2/*'],
      ['kv/data/rke2-admin/rke2-abc12345/kubeconfig', ['create', 'read', 'update'], 'kv/data/rke2-admin/*'],
    ]);
    // the day-2 policy names the cluster: optional, never a grant on every cluster
    expect(needs.filter((n) => n.optional === true).map((n) => n.policyPath)).toEqual([
      'kv/metadata/rke2/rke2-abc12345',
      'kv/metadata/rke2/rke2-abc12345/nodes/*',
      'kv/metadata/rke2/rke2-abc12345/nodes/*',
      'kv/metadata/rke2-admin/rke2-abc12345/*',
    ]);
  });

  it('narrows the needs per role: an agent needs only read on its cluster and its node entries', () => {
    expect(clusterCapabilityNeeds('kv', 'rke2-abc12345', 'agent').filter((n) => n.optional !== true).map((n) => [n.path, n.capabilities, n.policyPath])).toEqual([
      ['kv/data/rke2/rke2-abc12345', ['read'], 'kv/data/rke2/rke2-abc12345'],
      ['kv/data/rke2/rke2-abc12345/nodes/probe-node', ['create', 'read', 'update'], 'kv/data/rke2/rke2-abc12345/nodes/*'],
    ]);
    // no agent need is ever granted through a policy path covering every cluster
    expect(clusterCapabilityNeeds('kv', 'rke2-abc12345', 'agent').every((n) => n.policyPath.includes('rke2-abc12345'))).toBe(true);
    expect(clusterCapabilityNeeds('kv', 'rke2-abc12345', 'server').filter((n) => n.optional !== true).flatMap((n) => n.capabilities)).not.toContain('list');
    expect(clusterCapabilityNeeds('kv', 'rke2-abc12345', 'server').filter((n) => n.path === 'kv/metadata/rke2/')).toEqual([]);
    expect(clusterCapabilityNeeds('kv', 'rke2-abc12345', 'operator').flatMap((n) => n.capabilities)).not.toContain('create');
  });

  it('treats root as everything and deny as nothing', () => {
    expect(missingCapabilities(['root'], ['create', 'list'])).toEqual([]);
    expect(missingCapabilities(['deny'], ['create', 'list'])).toEqual(['create', 'list']);
    expect(missingCapabilities(['read', 'list'], ['create', 'read', 'update'])).toEqual(['create', 'update']);
  });

  it('writes the policy stanzas to add, merged per path', () => {
    expect(
      policyFix([
        { policyPath: 'kv/data/rke2/*', capabilities: ['update', 'create'] },
        { policyPath: 'kv/metadata/rke2/*', capabilities: ['list'] },
        { policyPath: 'kv/data/rke2/*', capabilities: ['read'] },
      ]),
    ).toBe('path "kv/data/rke2/*" { capabilities = ["create", "read", "update"] }\npath "kv/metadata/rke2/*" { capabilities = ["list"] }');
  });
});
