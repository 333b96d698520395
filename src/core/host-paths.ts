/** The files on a node that edgectl and RKE2 share (see scripts/README.md). */
export const HOST_PATHS = {
  /** this node's cluster ID, one line, 0644 */
  clusterIdFile: '/etc/edgectl/cluster-id',
  /** the name this node's entry in Vault has, written when the entry is recorded, one line, 0644 */
  nodeNameFile: '/etc/edgectl/node-name',
  /** the full join token RKE2 writes on a server once its supervisor is up (0600) */
  serverTokenFile: '/var/lib/rancher/rke2/server/token',
  /** the join token rke2.sh writes for a joining node (0600), referenced by token-file: */
  joinTokenFile: '/etc/rancher/rke2/edgectl-token',
  /** the admin kubeconfig RKE2 writes on a server (0600) */
  adminKubeconfig: '/etc/rancher/rke2/rke2.yaml',
  /** the drop-in rke2.sh owns (node-name, token-file, …) */
  dropIn: '/etc/rancher/rke2/config.yaml.d/50-edgectl.yaml',
  /** the operator's own RKE2 config */
  operatorConfig: '/etc/rancher/rke2/config.yaml',
} as const;

/** The RKE2 supervisor (registration) port. */
export const SUPERVISOR_PORT = 9345;

/** Registration URL for an address (IPv6 literals in brackets). */
export function registrationUrl(address: string): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return `https://${host}:${SUPERVISOR_PORT}`;
}
