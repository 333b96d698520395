/** Phase: write the ACL policies that differ from edgectl's (vault setup). */
import type { VaultAdmin } from '../../core/ports.js';
import type { PolicyDocument } from '../../core/vault-policies.js';
import type { Step } from '../plan.js';
import { type SetupItem, call, unchanged } from '../vault-setup-items.js';

/** Read each policy, compare, write when missing or different. */
export function writePoliciesStep(admin: VaultAdmin, id: string, title: string, docs: readonly PolicyDocument[], items: SetupItem[]): Step {
  return {
    id,
    title,
    run: async (gate) => {
      for (const doc of docs) {
        const current = await admin.readPolicy(doc.name);
        if (current === doc.hcl) {
          unchanged(gate, items, { kind: 'policy', name: doc.name });
          continue;
        }
        await gate.change(call('PUT', `sys/policies/acl/${doc.name}`, { policy: doc.hcl }), () => admin.writePolicy(doc.name, doc.hcl));
        if (!gate.dryRun) items.push({ kind: 'policy', name: doc.name, status: current === undefined ? 'created' : 'updated' });
      }
    },
  };
}
