/** `edgectl init`: the cluster file skeleton for the given hosts (stdout). */
import { parseInitHost, specSkeleton } from '../core/cluster-spec.js';
import { usageError } from '../core/errors.js';
import type { Context } from './context.js';
import { type InventoryInput, readInventory } from './apply.js';

export interface InitInput {
  /** from the command line; empty: read from stdin unless it is a terminal */
  hosts: string[];
  name: string;
  /** hosts and roles from an Ansible YAML inventory instead */
  inventory?: InventoryInput;
}

async function stdinLines(ctx: Context): Promise<string[]> {
  if (ctx.stdinIsTTY) return [];
  let text = '';
  for await (const chunk of ctx.stdin) {
    text += String(chunk);
    if (text.length > 1_000_000) throw usageError('edgectl init: more than 1 MB of hosts on stdin');
  }
  return text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter((l) => l !== '');
}

export async function runInit(ctx: Context, input: InitInput): Promise<void> {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(input.name)) throw usageError(`--name ${JSON.stringify(input.name.slice(0, 80))} is not a lowercase DNS label`);
  if (input.inventory !== undefined) {
    if (input.hosts.length > 0) throw usageError('edgectl init: give hosts or --inventory, not both');
    const hosts = await readInventory(ctx, input.inventory);
    ctx.stdout.write(specSkeleton(hosts, input.name));
    return;
  }
  const texts = input.hosts.length > 0 ? input.hosts : await stdinLines(ctx);
  const problems: string[] = [];
  const hosts = texts.flatMap((t, i) => {
    const h = parseInitHost(t);
    if (typeof h === 'string') {
      problems.push(`host ${i + 1}: ${h}`);
      return [];
    }
    return [h];
  });
  if (problems.length > 0) throw usageError(`edgectl init: ${problems.join('; ')}`, 'hosts look like 10.0.0.10, ops@edge-1.example or 10.0.0.10:2222');
  ctx.stdout.write(specSkeleton(hosts, input.name));
}
