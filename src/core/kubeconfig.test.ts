import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EdgectlError } from './errors.js';
import { apiServerUrl, isLoopbackHost, kubeconfigServers, parseServerAddress, rewriteKubeconfig, serverAddressProblem } from './kubeconfig.js';

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
