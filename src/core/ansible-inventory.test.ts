import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inventoryHosts, specHostOf } from './ansible-inventory.js';
import { checkClusterSpec, specSkeleton } from './cluster-spec.js';

const inventory = parse(`
all:
  vars: { ansible_user: ops }
  children:
    rke2:
      children:
        servers:
          hosts:
            srv-1: { ansible_host: 10.0.0.10, ansible_user: root }
        agents:
          vars: { ansible_ssh_private_key_file: ~/.ssh/edge, ansible_become: true }
          hosts:
            edge-1: { ansible_host: 10.0.0.20, ansible_port: 2222 }
            edge-2.example: {}
`);

describe('Ansible inventories', () => {
  it('map groups to roles and the connection variables to ssh (host over group over all)', () => {
    expect(inventoryHosts(inventory)).toEqual({
      hosts: [
        { name: 'srv-1', role: 'server', address: '10.0.0.10', user: 'root' },
        { name: 'edge-1', role: 'agent', address: '10.0.0.20', user: 'ops', port: 2222, keyPath: '~/.ssh/edge', sudo: true },
        { name: 'edge-2.example', role: 'agent', address: 'edge-2.example', user: 'ops', keyPath: '~/.ssh/edge', sudo: true },
      ],
    });
  });

  it('the hosts become a valid cluster file, through init\'s skeleton too', () => {
    const found = inventoryHosts(inventory);
    if (!('hosts' in found)) throw new Error(found.problems.join('\n'));
    const doc = { apiVersion: 'edgectl.io/v1alpha1', kind: 'Cluster', metadata: { name: 'x' }, spec: { vault: { address: 'https://v:8200' }, hosts: found.hosts.map(specHostOf) } };
    const r = checkClusterSpec(doc);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.spec.spec.hosts.map((h) => [h.role, h.ssh.address, h.nodeName, h.sudo])).toEqual([
      ['server', '10.0.0.10', 'srv-1', false],
      ['agent', '10.0.0.20', 'edge-1', true],
      ['agent', 'edge-2.example', 'edge-2.example', true],
    ]);
    const skeleton = checkClusterSpec(parse(specSkeleton(found.hosts)));
    if (!skeleton.ok) throw new Error(skeleton.problems.join('\n'));
    expect(skeleton.spec.spec.hosts.map((h) => [h.role, h.ssh.port, h.ssh.keyPath ?? null])).toEqual([['server', 22, null], ['agent', 2222, '~/.ssh/edge'], ['agent', 22, '~/.ssh/edge']]);
  });

  it('named groups, and every problem at once', () => {
    const inv = parse('all:\n  children:\n    cp: { hosts: { a: { ansible_port: 99999 } } }\n    wk: { hosts: { a: {} } }\n');
    expect(inventoryHosts(inv, { server: ['cp'], agent: ['wk'] })).toEqual({
      problems: ['all.children.cp.hosts.a.ansible_port: 99999 is not a port', 'all.children.wk.hosts.a: a is in a server group and in an agent group'],
    });
    expect(inventoryHosts(parse('all: { children: { web: { hosts: { a: {} } } } }'))).toMatchObject({ problems: [expect.stringMatching(/^no hosts in the groups servers/)] });
    expect(inventoryHosts('nope')).toMatchObject({ problems: [expect.stringContaining('not a YAML mapping')] });
  });
});
