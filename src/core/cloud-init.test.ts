import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLOUD_INIT_CODE_PATH, renderUserData, type UserDataInput } from './cloud-init.js';
import { Secret } from './secret.js';

const input = (over: Partial<UserDataInput> = {}): UserDataInput => ({
  code: new Secret('edgectl-join-v1.eyJ2IjoxfQ'),
  clusterId: 'rke2-abc12345',
  role: 'agent',
  index: 2,
  count: 5,
  expiresAt: '2026-12-02T05:00:00Z',
  source: { kind: 'url', url: 'https://releases.example/edgectl' },
  edgectlSha256: 'a'.repeat(64),
  installer: Buffer.from('#!/usr/bin/env bash\necho "install"\n'),
  ...over,
});

describe('cloud-init user-data', () => {
  it('is a cloud-config with the code in a 0600 file, the pinned install, then the join', () => {
    const text = renderUserData(input()).reveal();
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(text) as { write_files: Array<Record<string, string>>; runcmd: string[][] };
    expect(doc.write_files[0]).toEqual({ path: CLOUD_INIT_CODE_PATH, owner: 'root:root', permissions: '0600', content: 'edgectl-join-v1.eyJ2IjoxfQ\n' });
    expect(Buffer.from(doc.write_files[1]?.content ?? '', 'base64').toString()).toBe('#!/usr/bin/env bash\necho "install"\n');
    expect(doc.write_files[1]).toMatchObject({ permissions: '0700', encoding: 'b64' });
    expect(doc.runcmd).toEqual([
      ['bash', '/run/edgectl/install-edgectl.sh', '--base-url', 'https://releases.example/edgectl', '--sha256', 'a'.repeat(64)],
      ['/usr/local/bin/edgectl', 'rke2', 'agent', '--join-code-file', CLOUD_INIT_CODE_PATH],
    ]);
    expect(String(renderUserData(input()))).toBe('[redacted]');
  });

  it('installs from a directory on the host, and no value breaks out of its field', () => {
    const odd = '/media/usb/"quoted"\n  - [rm, -rf, /]';
    const doc = parse(renderUserData(input({ source: { kind: 'dir', dir: odd }, joinArgs: ['--node-label', 'a: b # c'] })).reveal()) as { runcmd: string[][] };
    expect(doc.runcmd).toHaveLength(2);
    expect(doc.runcmd[0]?.slice(2, 4)).toEqual(['--from', odd]);
    expect(doc.runcmd[1]?.slice(-2)).toEqual(['--node-label', 'a: b # c']);
  });

  it('refuses a malformed hash or code', () => {
    expect(() => renderUserData(input({ edgectlSha256: 'xyz' }))).toThrow(RangeError);
    expect(() => renderUserData(input({ code: new Secret('a b\nc') }))).toThrow(RangeError);
  });
});
