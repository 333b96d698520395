/**
 * The real VaultConnector: a VaultClient on the run's abort signal and clock
 * (debug and warnings to its UI), the KV v2 mount, the cluster registry and the admin
 * calls over it. The client and
 * undici load on the first connect, not at every start.
 */
import type { VaultConnector } from '../../core/ports.js';

/** Vault for commands, wired by main.ts (and the tests' in-process context). */
export function createVaultConnector(): VaultConnector {
  return {
    async connect(ctx, config) {
      const [{ VaultClient }, { Kv2 }, { VaultClusterRegistry }, { VaultSys }, { AppRoleApi }] = await Promise.all([
        import('./client.js'),
        import('./kv2.js'),
        import('./registry.js'),
        import('./sys.js'),
        import('./approle.js'),
      ]);
      const client = new VaultClient(config, {
        signal: ctx.signal,
        sleep: (ms, signal) => ctx.clock.sleep(ms, signal),
        now: () => ctx.clock.now().getTime(),
        debug: (m) => ctx.ui.debug(m),
        warn: (m) => ctx.ui.warn(m),
      });
      const kv = new Kv2(client, config.mount);
      return { client, kv, registry: new VaultClusterRegistry(kv, { debug: (m) => ctx.ui.debug(m) }), admin: new VaultSys(client), approle: new AppRoleApi(client) };
    },
  };
}
