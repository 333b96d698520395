/** The HostConnector port over SSH: a connected RemoteHost per cluster-file host. */
import { HostState, type HostConnector, type RemoteHost } from '../../core/ports.js';

/** agentSocket: the operator's $SSH_AUTH_SOCK (main.ts passes it; nothing else reads the environment). */
export function createSshConnector(agentSocket: string | undefined): HostConnector {
  return {
    async connect(name, access, opts): Promise<RemoteHost> {
      // ssh2 loads on the first connection, not at every start
      const { connectSsh } = await import('./ssh-transport.js');
      const transport = await connectSsh(
        { address: access.address, port: access.port, user: access.user, ...(access.keyPath === undefined ? {} : { keyPath: access.keyPath }), ...(access.sudo === true ? { sudo: true } : {}), ...(access.bastion === undefined ? {} : { bastion: access.bastion }) },
        { knownHostsPath: opts.knownHostsPath, acceptNewHostKeys: opts.acceptNewHostKeys, timeoutMs: opts.timeoutMs, ...(agentSocket === undefined || agentSocket === '' ? {} : { agentSocket }), ...(opts.sudoPassword === undefined ? {} : { sudoPassword: opts.sudoPassword }) },
      );
      return { name, access, transport, state: new HostState(), fingerprint: transport.hostKeyFingerprint };
    },
  };
}
