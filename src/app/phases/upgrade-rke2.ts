/** Phase: install the resolved target version through rke2.sh upgrade and wait until ready (rke2 upgrade). */
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

export interface UpgradeRke2Facts {
  /** the exact version the preflight resolved */
  target: string;
  /** what the run does, e.g. "install RKE2 v1.31.2+rke2r1 over v1.30.5+rke2r1" */
  what: string;
  /** the arguments of rke2.sh: upgrade, --version TARGET, … */
  args: readonly string[];
  restart: boolean;
  role: 'server' | 'agent' | 'none';
}

export function upgradeRke2Step(ctx: Context, f: UpgradeRke2Facts): Step {
  const args = [...f.args];
  return {
    id: 'upgrade',
    title: `Upgrade RKE2 to ${f.target}`,
    ownProgress: true,
    run: async (gate) => {
      await gate.change(`${f.what}: run the embedded rke2.sh ${args.join(' ')}`, async () => {
        await ctx.host.runScript(ctx, { script: 'rke2.sh', args, title: 'rke2.sh upgrade' });
      });
      gate.note(f.restart ? `restart rke2-${f.role} once and wait until it is ready` : 'restart nothing');
    },
  };
}
