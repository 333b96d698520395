/** Phase: write a cluster's AppRole roles that differ from edgectl's (vault setup --cluster-id). */
import { type AppRoleSpec, appRoleDifferences } from '../../core/approle-settings.js';
import type { VaultAdmin } from '../../core/ports.js';
import type { Step } from '../plan.js';
import { type SetupItem, call, setRoleId, unchanged } from '../vault-setup-items.js';

/** Read each role, compare, write when missing or different; a real run reports each role's ID. */
export function writeApproleRolesStep(admin: VaultAdmin, approleMount: string, clusterId: string, specs: readonly AppRoleSpec[], items: SetupItem[], authAbsent: () => boolean): Step {
  return {
    id: 'vault-approle-roles',
    title: `AppRole roles of cluster ${clusterId}`,
    run: async (gate) => {
      for (const spec of specs) {
        const current = gate.dryRun && authAbsent() ? undefined : await admin.readAppRole(approleMount, spec.name);
        const differs = current === undefined ? [] : appRoleDifferences(clusterId, spec.role, current);
        if (current !== undefined && differs.length === 0) {
          unchanged(gate, items, { kind: 'approle-role', name: spec.name });
          if (!gate.dryRun) setRoleId(items, spec.name, (await admin.readRoleId(approleMount, spec.name)) ?? null);
          continue;
        }
        if (current !== undefined) gate.note(`AppRole role ${spec.name} differs in ${differs.join(', ')}`);
        await gate.change(call('POST', `auth/${approleMount}/role/${spec.name}`, spec.body), () => admin.writeAppRole(approleMount, spec.name, spec.body));
        if (!gate.dryRun) {
          items.push({ kind: 'approle-role', name: spec.name, status: current === undefined ? 'created' : 'updated' });
          setRoleId(items, spec.name, (await admin.readRoleId(approleMount, spec.name)) ?? null);
        }
      }
    },
  };
}
