import { describe, expect, it } from 'vitest';
import { type RecordFacts, type ServerDecisionFacts, decideServer, needsRecord } from './server-decision.js';

const base: ServerDecisionFacts = { mode: 'server', tokenGiven: false, vault: true, clusterIdFlag: undefined, serverFlag: undefined, localId: undefined, host: 'srv-1', record: undefined };
const ready = (extra: Partial<RecordFacts> = {}): RecordFacts => ({ id: 'rke2-aaaa1111', state: 'ready', hostname: 'srv-1', hasToken: true, server: 'https://10.0.0.1:9345', ...extra });
const booting = (extra: Partial<RecordFacts> = {}): RecordFacts => ready({ state: 'bootstrapping', hasToken: false, ...extra });

describe('decideServer: bootstrap, continue, join or refuse', () => {
  it.each<[string, Partial<ServerDecisionFacts>, ReturnType<typeof decideServer>['kind'], Record<string, unknown>?]>([
    ['a fresh host with Vault bootstraps a new cluster', {}, 'bootstrap', { clusterId: undefined, continuing: false }],
    ['--cluster-id of an unregistered cluster bootstraps it under that ID', { clusterIdFlag: 'rke2-new00001' }, 'bootstrap', { clusterId: 'rke2-new00001', continuing: false }],
    ['a re-run on the host that registered it continues the bootstrap', { localId: 'rke2-aaaa1111', record: booting() }, 'bootstrap', { clusterId: 'rke2-aaaa1111', continuing: true }],
    ['a re-run on the bootstrap server of a ready cluster converges (bootstrap path)', { localId: 'rke2-aaaa1111', record: ready() }, 'bootstrap', { continuing: true }],
    ['a ready cluster bootstrapped elsewhere is joined', { clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: ready() }, 'join', { clusterId: 'rke2-aaaa1111' }],
    ['the bootstrap host without its ID file joins its own ready cluster', { clusterIdFlag: 'rke2-aaaa1111', record: ready() }, 'join'],
    ['add-master joins a ready cluster', { mode: 'add-master', clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: ready() }, 'join'],
    ['a ready record without token is refused', { clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: ready({ hasToken: false }) }, 'refuse', { error: 'vaultState' }],
    ['a ready record without server URL is refused', { clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: ready({ server: '' }) }, 'refuse', { error: 'vaultState' }],
    ['a registration whose metadata never landed is continued by the host whose ID file names it', { localId: 'rke2-aaaa1111', record: booting({ hostname: undefined }) }, 'bootstrap', { clusterId: 'rke2-aaaa1111', continuing: true }],
    ['a registration without metadata is refused on a host without its ID file', { clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: booting({ hostname: undefined }) }, 'refuse', { error: 'vaultState' }],
    ['a cluster another host is bootstrapping is refused', { clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: booting() }, 'refuse', { error: 'vaultState' }],
    ['add-master of an unregistered cluster is refused', { mode: 'add-master', clusterIdFlag: 'rke2-aaaa1111' }, 'refuse', { error: 'vaultState' }],
    ['add-master of a bootstrapping cluster is refused', { mode: 'add-master', clusterIdFlag: 'rke2-aaaa1111', host: 'srv-2', record: booting() }, 'refuse', { error: 'vaultState' }],
    ['an ID flag that differs from the ID file is refused first', { clusterIdFlag: 'rke2-bbbb2222', localId: 'rke2-aaaa1111', tokenGiven: true }, 'refuse', { error: 'precondition' }],
    ['a given token joins without Vault', { tokenGiven: true, serverFlag: 'https://10.0.0.1:9345' }, 'join-with-token', { clusterId: undefined }],
    ['a given token keeps the local ID', { tokenGiven: true, localId: 'rke2-aaaa1111' }, 'join-with-token', { clusterId: 'rke2-aaaa1111' }],
    ['no Vault: bootstrap with the token on the host', { vault: false }, 'bootstrap-local', { clusterId: undefined }],
    ['no Vault keeps the local ID', { vault: false, localId: 'rke2-aaaa1111' }, 'bootstrap-local', { clusterId: 'rke2-aaaa1111' }],
    ['no Vault: add-master is a usage error', { vault: false, mode: 'add-master', clusterIdFlag: 'rke2-aaaa1111' }, 'refuse', { error: 'usage' }],
    ['no Vault: --cluster-id with --server and no token is a usage error', { vault: false, clusterIdFlag: 'rke2-aaaa1111', serverFlag: 'https://x:9345' }, 'refuse', { error: 'usage' }],
  ])('%s', (_name, facts, kind, fields = {}) => {
    const d = decideServer({ ...base, ...facts });
    expect(d.kind).toBe(kind);
    expect(d).toMatchObject(fields);
  });

  it('names the Vault in the not-registered refusal', () => {
    const d = decideServer({ ...base, mode: 'add-master', clusterIdFlag: 'rke2-aaaa1111', vaultWhere: 'kv/ at https://v:8200' });
    expect(d).toMatchObject({ kind: 'refuse', message: 'cluster rke2-aaaa1111 is not registered in kv/ at https://v:8200' });
  });
});

describe('needsRecord', () => {
  it.each<[Partial<ServerDecisionFacts>, boolean]>([
    [{}, false],
    [{ clusterIdFlag: 'rke2-aaaa1111' }, true],
    [{ localId: 'rke2-aaaa1111' }, true],
    [{ localId: 'rke2-aaaa1111', tokenGiven: true }, false],
    [{ localId: 'rke2-aaaa1111', vault: false }, false],
  ])('%j → %s', (facts, expected) => {
    expect(needsRecord({ ...base, ...facts })).toBe(expected);
  });
});
