/** Phase: the AppRole auth method join codes log in with, enabled when missing (vault setup). */
import type { VaultAdmin } from '../../core/ports.js';
import { VaultError } from '../../core/vault-errors.js';
import type { Step } from '../plan.js';
import { type SetupItem, call, unchanged } from '../vault-setup-items.js';
import type { MountsSeen } from './enable-kv-mount.js';

/** Preflight: refuse another auth method at the path; run: enable AppRole when absent. */
export function enableApproleAuthStep(admin: VaultAdmin, f: { approleMount: string; inNs: string }, seen: MountsSeen, items: SetupItem[]): Step {
  const { approleMount, inNs } = f;
  const authBody = { type: 'approle' };
  return {
    id: 'vault-approle',
    title: `AppRole auth method ${approleMount}/`,
    preflight: async () => {
      seen.auth = (await admin.listAuthMethods())[approleMount];
      const authEntry = seen.auth;
      if (authEntry !== undefined && authEntry.type !== 'approle') {
        throw new VaultError('bad-request', `auth method "${approleMount}/"${inNs} is ${authEntry.type}, not AppRole`, {
          path: 'sys/auth',
          hint: 'choose another path with --approle-mount (or EDGECTL_VAULT_APPROLE_MOUNT)',
        });
      }
    },
    run: async (gate) => {
      if (seen.auth !== undefined) return unchanged(gate, items, { kind: 'auth-method', name: approleMount });
      await gate.change(call('POST', `sys/auth/${approleMount}`, authBody), () => admin.enableAuthMethod(approleMount, authBody.type));
      if (!gate.dryRun) items.push({ kind: 'auth-method', name: approleMount, status: 'created' });
    },
  };
}
