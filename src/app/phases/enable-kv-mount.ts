/** Phase: the KV v2 mount edgectl keeps its clusters in, enabled when missing (vault setup). */
import type { VaultAdmin, VaultMountEntry } from '../../core/ports.js';
import { VaultError } from '../../core/vault-errors.js';
import type { Step } from '../plan.js';
import { type SetupItem, call, unchanged } from '../vault-setup-items.js';

/** The mount tables as the preflights read them (a later phase asks whether the auth method exists). */
export interface MountsSeen {
  kv?: VaultMountEntry | undefined;
  auth?: VaultMountEntry | undefined;
}

/** Preflight: refuse a KV v1 mount or another engine at the path; run: enable KV v2 when absent. */
export function enableKvMountStep(admin: VaultAdmin, f: { mount: string; inNs: string }, seen: MountsSeen, items: SetupItem[]): Step {
  const { mount, inNs } = f;
  const kvBody = { type: 'kv', options: { version: '2' } };
  return {
    id: 'vault-kv-mount',
    title: `KV v2 mount ${mount}/`,
    preflight: async () => {
      seen.kv = (await admin.listMounts())[mount];
      const kvEntry = seen.kv;
      if (kvEntry === undefined) return;
      if (kvEntry.type === 'kv' || kvEntry.type === 'generic') {
        if (kvEntry.options.version === '2') return;
        throw new VaultError('kv-version', `mount "${mount}/"${inNs} is KV version 1; vault setup neither converts nor replaces it`, {
          path: 'sys/mounts',
          hint: `upgrade it in place once you have checked what reads it (bao secrets enable-versioning ${mount}/), or set a new mount up with --vault-mount`,
        });
      }
      throw new VaultError('kv-version', `mount "${mount}/"${inNs} is a ${kvEntry.type} secrets engine, not KV version 2`, {
        path: 'sys/mounts',
        hint: 'choose a free path or a KV v2 mount with --vault-mount',
      });
    },
    run: async (gate) => {
      if (seen.kv !== undefined) return unchanged(gate, items, { kind: 'mount', name: mount });
      await gate.change(call('POST', `sys/mounts/${mount}`, kvBody), () => admin.enableMount(mount, kvBody));
      if (!gate.dryRun) items.push({ kind: 'mount', name: mount, status: 'created' });
    },
  };
}
