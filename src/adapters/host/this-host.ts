/**
 * The real ThisHost: this machine, reached through the local transport, with
 * its own HostState. main.ts (and the tests' in-process context) wire it in.
 *
 * Each capability loads its module on first use (esbuild turns these imports
 * of bundled files into lazy requires): the CA check pulls in undici and the
 * file facts yaml, which `edgectl --version` must not pay for.
 */
import { hostname, networkInterfaces } from 'node:os';
import { EdgectlError } from '../../core/errors.js';
import { HostState, type KubeconfigFiles, type ThisHost, type Transport } from '../../core/ports.js';

/** The first non-internal IPv4 address (else IPv6), or undefined. */
function primaryAddress(): string | undefined {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const external = all.filter((a) => !a.internal);
  return (external.find((a) => a.family === 'IPv4') ?? external.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80')))?.address;
}

function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new EdgectlError('precondition', `${what} changes system files and services and must run as root`, {
      hint: 'run it with sudo -E (keeps VAULT_ADDR and friends)',
    });
  }
}

/** The local transport, loaded on first use (child_process and readline are a third of a bare start). */
function lazyLocalTransport(): Transport {
  let loaded: Promise<Transport> | undefined;
  const t = (): Promise<Transport> => (loaded ??= import('./local-transport.js').then((m) => m.localTransport()));
  return {
    run: async (argv, opts) => (await t()).run(argv, opts),
    putFile: async (path, content, mode) => (await t()).putFile(path, content, mode),
    readFile: async (path) => (await t()).readFile(path),
    readSecretFile: async (path) => (await t()).readSecretFile(path),
    remove: async (path) => (await t()).remove(path),
    copyFrom: async (localPath, path, mode, sha256) => (await t()).copyFrom(localPath, path, mode, sha256),
    close: async () => (loaded === undefined ? undefined : (await loaded).close()),
  };
}

/** This machine as the host a command runs on. */
export function createThisHost(): ThisHost {
  const state = new HostState();
  const files = () => import('./files.js');
  const facts = () => import('./facts.js');
  return {
    name: hostname(),
    access: { kind: 'local' },
    transport: lazyLocalTransport(),
    state,
    hostname,
    primaryAddress,
    requireRoot,
    runScript: async (ctx, inv) => {
      // anything but a status probe or a dry run may change the host: facts cached before are stale after it
      if (inv.args[0] !== 'status' && !inv.args.includes('--dry-run')) state.markChanged();
      return (await import('./script-runner.js')).runEmbeddedScript(ctx, inv);
    },
    readLocalClusterId: async () => (await facts()).readLocalClusterId(),
    readTokenFile: async (path) => (await facts()).readTokenFile(path),
    readConfiguredNodeName: async () => (await facts()).readConfiguredNodeName(),
    readRecordedNodeName: async () => (await facts()).readRecordedNodeName(),
    writeFileAtomic: async (path, data, mode) => (await files()).writeFileAtomic(path, data, mode),
    createSecretFile: async (path, secret, mode) => (await files()).createFileExclusive(path, secret.reveal(), mode),
    readFileIfExists: async (path) => (await files()).readFileIfExists(path),
    removeFile: async (path) => (await files()).removeFile(path),
    ensureDirectory: async (dir) => (await files()).ensureDirectory(dir),
    readSecretFile: (async (path: string, rules: Parameters<ThisHost['readSecretFile']>[1]) => (await import('./secret-file.js')).readSecretFile(path, rules)) as ThisHost['readSecretFile'],
    readConfigFile: async (path) => (await import('./config-file.js')).readConfigFile(path),
    verifyServerCa: async (serverUrl, expectedHash, timeoutMs) => (await import('./ca-check.js')).verifyServerCa(serverUrl, expectedHash, timeoutMs),
    readRegularFile: async (path) => (await import('./regular-file.js')).readRegularFile(path),
    kubeconfigs: lazyKubeconfigFiles(),
    edgectlExecutable: async (override) => (await import('./self-executable.js')).edgectlExecutable(override),
  };
}

/** The KubeconfigFiles port, its module (and yaml) loaded on the first call. */
function lazyKubeconfigFiles(): KubeconfigFiles {
  let loaded: Promise<KubeconfigFiles> | undefined;
  const k = (): Promise<KubeconfigFiles> => (loaded ??= import('./kubeconfig-files.js').then((m) => m.createKubeconfigFiles()));
  return {
    read: async (path) => (await k()).read(path),
    problem: async (kubeconfig) => (await k()).problem(kubeconfig),
    rewrite: async (kubeconfig, opts) => (await k()).rewrite(kubeconfig, opts),
    servers: async (kubeconfig) => (await k()).servers(kubeconfig),
    probe: async (path) => (await k()).probe(path),
    mergesInto: async (path, kubeconfig, opts) => (await k()).mergesInto(path, kubeconfig, opts),
    createDirectory: async (dir, mode) => (await k()).createDirectory(dir, mode),
    write: async (path, kubeconfig, opts) => (await k()).write(path, kubeconfig, opts),
  };
}
