/**
 * Hosts from an Ansible YAML inventory (`--inventory FILE` of `init` and
 * `apply`): groups map to roles, the usual connection variables to the
 * cluster file's ssh block. Pure: the caller parses the YAML.
 *
 *   all:
 *     children:
 *       servers: { hosts: { srv-1: { ansible_host: 10.0.0.10 } } }
 *       agents:
 *         hosts:
 *           edge-1: { ansible_host: 10.0.0.20, ansible_user: ops, ansible_port: 2222 }
 *         vars: { ansible_ssh_private_key_file: ~/.ssh/edge }
 *
 * A host's variables win over its group's, which win over `all`'s. The host's
 * inventory name becomes its nodeName when it is a valid node name.
 */
import { nodeNameProblem } from './validate-node.js';

export const DEFAULT_SERVER_GROUPS = ['servers', 'server', 'rke2_servers', 'masters', 'control_plane'];
export const DEFAULT_AGENT_GROUPS = ['agents', 'agent', 'rke2_agents', 'workers', 'nodes'];

export interface InventoryHost {
  name: string;
  role: 'server' | 'agent';
  address: string;
  user?: string;
  port?: number;
  keyPath?: string;
  sudo?: boolean;
}

type Vars = Record<string, unknown>;
interface Group {
  hosts?: Record<string, Vars | null>;
  vars?: Vars;
  children?: Record<string, Group | null>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every host under a group (its children's too), with the variables in force for it. */
function hostsOf(group: Group, inherited: Vars, path: string, problems: string[]): Array<{ name: string; vars: Vars }> {
  const vars = { ...inherited, ...(isRecord(group.vars) ? group.vars : {}) };
  const out: Array<{ name: string; vars: Vars }> = [];
  if (group.hosts !== undefined) {
    if (!isRecord(group.hosts)) problems.push(`${path}.hosts: not a mapping of host names`);
    else for (const [name, hv] of Object.entries(group.hosts)) out.push({ name, vars: { ...vars, ...(isRecord(hv) ? hv : {}) } });
  }
  if (group.children !== undefined) {
    if (!isRecord(group.children)) problems.push(`${path}.children: not a mapping of groups`);
    else for (const [name, child] of Object.entries(group.children)) out.push(...hostsOf(isRecord(child) ? (child as Group) : {}, vars, `${path}.children.${name}`, problems));
  }
  return out;
}

/** Find a group by name anywhere under `all` (or at the top level). */
function findGroup(doc: Record<string, unknown>, name: string): { group: Group; vars: Vars; path: string } | undefined {
  const visit = (g: Group, vars: Vars, path: string): { group: Group; vars: Vars; path: string } | undefined => {
    const mine = { ...vars, ...(isRecord(g.vars) ? g.vars : {}) };
    if (!isRecord(g.children)) return undefined;
    for (const [child, body] of Object.entries(g.children)) {
      const cg = isRecord(body) ? (body as Group) : {};
      if (child === name) return { group: cg, vars: mine, path: `${path}.children.${child}` };
      const deeper = visit(cg, mine, `${path}.children.${child}`);
      if (deeper !== undefined) return deeper;
    }
    return undefined;
  };
  const all = isRecord(doc.all) ? (doc.all as Group) : undefined;
  if (all !== undefined) return visit(all, {}, 'all');
  const top = doc[name];
  return isRecord(top) ? { group: top as Group, vars: {}, path: name } : undefined;
}

/** The inventory's hosts with roles, or every problem (each with its place). */
export function inventoryHosts(doc: unknown, groups: { server?: readonly string[]; agent?: readonly string[] } = {}): { hosts: InventoryHost[] } | { problems: string[] } {
  if (!isRecord(doc)) return { problems: ['the inventory is not a YAML mapping (a YAML inventory starts with all: or a group name)'] };
  const problems: string[] = [];
  const hosts: InventoryHost[] = [];
  const seen = new Map<string, string>();
  for (const [role, names] of [['server', groups.server ?? DEFAULT_SERVER_GROUPS], ['agent', groups.agent ?? DEFAULT_AGENT_GROUPS]] as const) {
    for (const gname of names) {
      const found = findGroup(doc, gname);
      if (found === undefined) continue;
      for (const { name, vars } of hostsOf(found.group, found.vars, found.path, problems)) {
        const where = `${found.path}.hosts.${name}`;
        const before = seen.get(name);
        if (before !== undefined) {
          if (before !== role) problems.push(`${where}: ${name} is in a server group and in an agent group`);
          continue;
        }
        seen.set(name, role);
        const address = typeof vars.ansible_host === 'string' ? vars.ansible_host : name;
        const h: InventoryHost = { name, role, address };
        const user = vars.ansible_user ?? vars.ansible_ssh_user;
        if (user !== undefined) {
          if (typeof user === 'string') h.user = user;
          else problems.push(`${where}.ansible_user: not a string`);
        }
        const port = vars.ansible_port ?? vars.ansible_ssh_port;
        if (port !== undefined) {
          const n = typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : NaN;
          if (!Number.isInteger(n) || n < 1 || n > 65535) problems.push(`${where}.ansible_port: ${JSON.stringify(port)} is not a port`);
          else h.port = n;
        }
        const key = vars.ansible_ssh_private_key_file ?? vars.ansible_private_key_file;
        if (key !== undefined) {
          if (typeof key === 'string') h.keyPath = key;
          else problems.push(`${where}.ansible_ssh_private_key_file: not a string`);
        }
        const become = vars.ansible_become;
        if (become === true || become === 'true' || become === 'yes') h.sudo = true;
        hosts.push(h);
      }
    }
  }
  if (problems.length > 0) return { problems };
  if (hosts.length === 0) {
    return { problems: [`no hosts in the groups ${[...(groups.server ?? DEFAULT_SERVER_GROUPS), ...(groups.agent ?? DEFAULT_AGENT_GROUPS)].join(', ')} (name the groups with --server-group / --agent-group)`] };
  }
  return { hosts };
}

/** The cluster file's hosts[] entry of an inventory host (validated with the rest of the file). */
export function specHostOf(h: InventoryHost): Record<string, unknown> {
  const ssh: Record<string, unknown> = { address: h.address };
  if (h.user !== undefined) ssh.user = h.user;
  if (h.port !== undefined) ssh.port = h.port;
  if (h.keyPath !== undefined) ssh.keyPath = h.keyPath;
  return { role: h.role, ssh, ...(h.sudo === true ? { sudo: true } : {}), ...(nodeNameProblem(h.name) === undefined ? { nodeName: h.name } : {}) };
}
