import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenBao, enableKv, processAlive, startOpenBao } from '../support/openbao.js';

describe('OpenBao test server', () => {
  let bao: OpenBao;
  beforeAll(async () => {
    bao = await startOpenBao();
    await enableKv(bao, 'kv', 2);
  });
  afterAll(async () => {
    await bao?.stop();
  });

  it('is a real OpenBao answering sys/health', async () => {
    const health = await bao.api('GET', 'sys/health');
    expect(health.json.initialized).toBe(true);
    expect(health.json.sealed).toBe(false);
    expect(health.json.version).toMatch(/^2\./);
  });

  it('writes and reads a KV v2 secret with check-and-set', async () => {
    const write = await bao.api('POST', 'kv/data/rke2/rke2-test0001', { options: { cas: 0 }, data: { server: 'https://10.0.0.1:9345' } });
    expect(write.json.data.version).toBe(1);
    const again = await bao.api('POST', 'kv/data/rke2/rke2-test0001', { options: { cas: 0 }, data: { server: 'x' } }, { allow: [400] });
    expect(again.status).toBe(400); // cas=0 refuses to overwrite
    const read = await bao.api('GET', 'kv/data/rke2/rke2-test0001');
    expect(read.json.data.data).toEqual({ server: 'https://10.0.0.1:9345' });
  });

  it('refuses a wrong token', async () => {
    const res = await bao.api('GET', 'kv/data/rke2/rke2-test0001', undefined, { token: 'nope', allow: [403] });
    expect(res.status).toBe(403);
  });
});

describe('OpenBao lifecycle', () => {
  it('stop() ends the server process, and a TLS dev server serves its own CA', async () => {
    const bao = await startOpenBao({ tls: true });
    expect(bao.addr).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(bao.caCert).toContain('BEGIN CERTIFICATE');
    const health = await bao.api('GET', 'sys/health');
    expect(health.status).toBe(200);
    expect(processAlive(bao.pid)).toBe(true);
    await bao.stop();
    expect(processAlive(bao.pid)).toBe(false);
    await expect(fetch(`${bao.addr.replace('https', 'http')}/v1/sys/health`)).rejects.toThrow();
  });
});
