/**
 * What `vault setup` manages and reports, shared by its phases
 * (app/phases/enable-*.ts, write-*.ts) and its report: the items, how a plan
 * line shows a Vault call, and how an unchanged item is recorded.
 */
import type { Gate } from './plan.js';

export type SetupStatus = 'created' | 'updated' | 'unchanged';

/** One thing setup manages, and what this run did to it (also its --output json shape). */
export interface SetupItem {
  kind: 'mount' | 'auth-method' | 'policy' | 'approle-role';
  name: string;
  status: SetupStatus;
  /** approle-role only: its role ID (public on its own: a login also needs a secret ID) */
  role_id?: string | null;
}

export function describeItem(i: Pick<SetupItem, 'kind' | 'name'>): string {
  switch (i.kind) {
    case 'mount':
      return `mount ${i.name}/ (KV v2)`;
    case 'auth-method':
      return `auth method ${i.name}/ (AppRole)`;
    case 'policy':
      return `policy ${i.name}`;
    case 'approle-role':
      return `AppRole role ${i.name}`;
  }
}

/** The call text a gate shows: method, path and the exact JSON body. */
export const call = (method: string, path: string, body: unknown): string => `${method} ${path} ${JSON.stringify(body)}`;

/** Record an item as unchanged: a plan note in both runs, and the report's line. */
export function unchanged(gate: Gate, items: SetupItem[], item: Omit<SetupItem, 'status'>): void {
  gate.note(`unchanged: ${describeItem(item)}`);
  if (!gate.dryRun) items.push({ ...item, status: 'unchanged' });
}

export function setRoleId(items: SetupItem[], name: string, roleId: string | null): void {
  const item = items.find((i) => i.kind === 'approle-role' && i.name === name);
  if (item !== undefined) item.role_id = roleId;
}
