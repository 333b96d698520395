import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EdgectlError } from './errors.js';
import { apiServerUrl, canonicalIp, isLoopbackHost, kubeconfigProblem, kubeconfigServers, mergeKubeconfig, parseServerAddress, rewriteKubeconfig, serverAddressProblem } from './kubeconfig.js';

const RKE2_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
`;

describe('server addresses', () => {
  it.each([
    ['10.0.0.10', 'https://10.0.0.10:6443'],
    ['10.0.0.10:443', 'https://10.0.0.10:443'],
    ['k8s.example.com', 'https://k8s.example.com:6443'],
    ['lb-1.edge:8443', 'https://lb-1.edge:8443'],
    ['fd00::10', 'https://[fd00::10]:6443'],
    ['[fd00::10]:7443', 'https://[fd00::10]:7443'],
  ])('%s → %s', (addr, url) => {
    expect(serverAddressProblem(addr)).toBeUndefined();
    expect(apiServerUrl(parseServerAddress(addr))).toBe(url);
  });

  it.each([
    ['127.0.0.1', /reaches only the machine itself/],
    ['127.1.2.3:6443', /reaches only the machine itself/],
    ['localhost', /reaches only the machine itself/],
    ['[::1]:6443', /reaches only the machine itself/],
    ['::1', /reaches only the machine itself/],
    ['0.0.0.0', /reaches only the machine itself/],
    ['https://10.0.0.1', /is not HOST/],
    ['10.0.0.1/24', /is not HOST/],
    ['a b', /is not HOST/],
    ['', /is not HOST/],
    ['host:99999', /out of range/],
    ['bad_name!', /is not an IP address or DNS name/],
    ['[not-v6]:1', /is not an IP address or DNS name/],
  ])('%j is refused', (addr, why) => {
    expect(serverAddressProblem(addr)).toMatch(why);
    expect(() => parseServerAddress(addr)).toThrow(EdgectlError);
  });

  it('loopback detection', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('0:0:0:0:0:0:0:1')).toBe(true);
    expect(isLoopbackHost('10.127.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });
});

describe('rewriteKubeconfig', () => {
  it('points every cluster at the server and renames RKE2\'s "default" to the cluster ID', () => {
    const r = rewriteKubeconfig(RKE2_YAML, { server: 'https://10.0.0.10:6443', name: 'rke2-abc12345' });
    expect(r.replaced).toEqual(['https://127.0.0.1:6443']);
    const doc = parse(r.text);
    expect(doc.clusters[0]).toEqual({ cluster: { 'certificate-authority-data': 'Q0EK', server: 'https://10.0.0.10:6443' }, name: 'rke2-abc12345' });
    expect(doc.contexts[0]).toEqual({ context: { cluster: 'rke2-abc12345', user: 'rke2-abc12345' }, name: 'rke2-abc12345' });
    expect(doc['current-context']).toBe('rke2-abc12345');
    expect(doc.users[0].name).toBe('rke2-abc12345');
    // credentials are kept byte for byte
    expect(doc.users[0].user).toEqual({ 'client-certificate-data': 'Q0VSVAo=', 'client-key-data': 'S0VZCg==' });
    expect(kubeconfigServers(r.text)).toEqual(['https://10.0.0.10:6443']);
    expect(r.text).not.toContain('127.0.0.1');
  });

  it('renames entries named `from` too (a published kubeconfig under another context name)', () => {
    const published = rewriteKubeconfig(RKE2_YAML, { server: 'https://10.0.0.10:6443', name: 'rke2-abc12345' }).text;
    const doc = parse(rewriteKubeconfig(published, { server: 'https://10.0.0.10:6443', name: 'lab', from: 'rke2-abc12345' }).text);
    expect(doc.clusters[0].name).toBe('lab');
    expect(doc.users[0].name).toBe('lab');
    expect(doc.contexts[0]).toEqual({ context: { cluster: 'lab', user: 'lab' }, name: 'lab' });
    expect(doc['current-context']).toBe('lab');
    // without `from` a name other than "default" stays
    expect(parse(rewriteKubeconfig(published, { server: 'https://10.0.0.10:6443', name: 'lab' }).text).clusters[0].name).toBe('rke2-abc12345');
  });

  it('is idempotent', () => {
    const once = rewriteKubeconfig(RKE2_YAML, { server: 'https://10.0.0.10:6443', name: 'c1' }).text;
    expect(rewriteKubeconfig(once, { server: 'https://10.0.0.10:6443', name: 'c1' }).text).toBe(once);
  });

  it('leaves names other than "default" alone', () => {
    const text = RKE2_YAML.replace(/default/g, 'mine');
    const doc = parse(rewriteKubeconfig(text, { server: 'https://a.example:6443', name: 'c1' }).text);
    expect(doc.clusters[0].name).toBe('mine');
    expect(doc['current-context']).toBe('mine');
  });

  it.each([
    ['not yaml: [', /is not a kubeconfig/],
    ['kind: Pod\n', /is not a kubeconfig/],
    ['kind: Config\nclusters: []\n', /has no clusters/],
    ['kind: Config\nclusters:\n- name: x\n', /without a cluster mapping/],
  ])('refuses %j without quoting it', (text, why) => {
    expect(() => rewriteKubeconfig(text, { server: 'https://a:6443', name: 'c' })).toThrow(why);
  });
});

describe('address spellings', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0x7F000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['0', '0.0.0.0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['[::1]', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7F00:0001', '127.0.0.1'],
    ['::127.0.0.1', '127.0.0.1'],
    ['::ffff:a00:1', '10.0.0.1'],
    ['fd00::10', 'fd00:0:0:0:0:0:0:10'],
    ['k8s.example.com', undefined],
    ['256.0.0.1', undefined],
    ['1.2.3.4.5', undefined],
    ['08.0.0.1', undefined],
    ['1.2.3.256', undefined],
    ['1.16777216', undefined],
  ])('%s → %s', (host, canonical) => {
    expect(canonicalIp(host)).toBe(canonical);
  });

  it.each(['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '::ffff:7f00:1', '[::ffff:7f00:1]:6443', '[::1]', '[::1]:6443', '::ffff:127.0.0.1', '0', '0x0', '[::]:6443', '127.0.0.1.', 'LOCALHOST'])('%j is refused as loopback', (addr) => {
    expect(serverAddressProblem(addr)).toMatch(/reaches only the machine itself/);
    expect(() => parseServerAddress(addr)).toThrow(EdgectlError);
  });

  it.each(['10.1', '::ffff:a00:1', '128.0.0.1', '1.2.3.4', 'api.127.example'])('%j is not loopback', (addr) => {
    expect(isLoopbackHost(addr)).toBe(false);
  });
});

const OTHER = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
- name: rke2-abc12345
  cluster:
    server: https://old.example:6443
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
- name: rke2-abc12345
  context:
    cluster: rke2-abc12345
    user: rke2-abc12345
current-context: prod
users:
- name: prod-admin
  user:
    token: not-a-real-one
- name: rke2-abc12345
  user:
    client-key-data: T0xECg==
`;

describe('kubeconfig validation and merge', () => {
  const ours = rewriteKubeconfig(RKE2_YAML, { server: 'https://10.0.0.10:6443', name: 'rke2-abc12345' }).text;

  it.each([
    ['not: [yaml', /not valid YAML/],
    ['', /not a kubeconfig/],
    ['- a\n- b\n', /not a kubeconfig/],
    ['kind: Pod\n', /not a kubeconfig/],
    ['kind: Config\nclusters: []\n', /no clusters/],
    ['kind: Config\nclusters:\n- name: x\n  cluster: {}\n', /without a server/],
  ])('%j is no kubeconfig', (text, why) => {
    expect(kubeconfigProblem(text)).toMatch(why);
  });

  it('accepts what rewriteKubeconfig writes', () => {
    expect(kubeconfigProblem(ours)).toBeUndefined();
  });

  it('replaces only this cluster\'s entries, keeps the others and current-context', () => {
    const m = mergeKubeconfig(OTHER, ours, { useContext: false });
    expect(m.kept).toBe(1);
    const doc = parse(m.text);
    expect(doc.clusters.map((c: { name: string }) => c.name)).toEqual(['prod', 'rke2-abc12345']);
    expect(doc.clusters[1].cluster.server).toBe('https://10.0.0.10:6443');
    expect(doc.clusters[0].cluster.server).toBe('https://prod.example:6443');
    expect(doc.users.map((u: { name: string }) => u.name)).toEqual(['prod-admin', 'rke2-abc12345']);
    expect(doc.users[0].user).toEqual({ token: 'not-a-real-one' });
    expect(doc.users[1].user).toEqual({ 'client-certificate-data': 'Q0VSVAo=', 'client-key-data': 'S0VZCg==' });
    expect(doc.contexts.map((c: { name: string }) => c.name)).toEqual(['prod', 'rke2-abc12345']);
    expect(doc['current-context']).toBe('prod');
    expect(kubeconfigProblem(m.text)).toBeUndefined();
    // merging the same again changes nothing
    expect(mergeKubeconfig(m.text, ours, { useContext: false }).text).toBe(m.text);
  });

  it('switches current-context only when asked, or when the file has none', () => {
    expect(parse(mergeKubeconfig(OTHER, ours, { useContext: true }).text)['current-context']).toBe('rke2-abc12345');
    const none = OTHER.replace('current-context: prod\n', '');
    expect(parse(mergeKubeconfig(none, ours, { useContext: false }).text)['current-context']).toBe('rke2-abc12345');
    const empty = parse(mergeKubeconfig('', ours, { useContext: false }).text);
    expect(empty).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'rke2-abc12345' });
    expect(empty.clusters).toHaveLength(1);
  });

  it.each(['not: [yaml', 'kind: Pod\n', '- a\n'])('refuses to merge into %j', (existing) => {
    expect(() => mergeKubeconfig(existing, ours, { useContext: false })).toThrow(/existing file is not a kubeconfig/);
  });
});
