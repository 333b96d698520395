/**
 * Phase: delete a reset host's node entry from Vault, from this machine with
 * the operator's credential (registry.deleteNode), after its uninstall phase
 * ended well (a host whose uninstall failed sits this phase out).
 */
import type { NodeRecord } from '../../core/cluster-records.js';
import type { ClusterRegistry } from '../../core/ports.js';
import type { FleetHost } from '../fleet.js';
import type { Phase } from '../phase-runner.js';

/** The node entry of a host: by its node name in the file, else by the hostname it registered with. */
export function nodeEntryOf(host: FleetHost, nodes: readonly NodeRecord[]): NodeRecord | undefined {
  return nodes.find((n) => n.name === host.name) ?? nodes.find((n) => n.hostname !== '' && n.hostname === host.facts.hostname);
}

export interface DeregisterPhaseOptions {
  title: string;
  select: (hosts: readonly FleetHost[]) => readonly FleetHost[];
  registry: ClusterRegistry;
  clusterId: string | undefined;
  /** the cluster's node entries, read before the run */
  nodes: readonly NodeRecord[];
  /** the API path of an entry, for the plan line */
  pathOf: (node: string) => string;
  /** told of each entry deleted */
  deleted: (host: FleetHost, node: NodeRecord) => void;
}

export function deregisterPhase(o: DeregisterPhaseOptions): Phase<FleetHost> {
  return {
    title: o.title,
    select: o.select,
    tolerant: true,
    run: async (host, gate) => {
      const entry = o.clusterId === undefined ? undefined : nodeEntryOf(host, o.nodes);
      if (o.clusterId === undefined || entry === undefined) {
        gate.note(`no node entry of ${host.name} in Vault${o.clusterId === undefined ? '' : ` under ${o.clusterId}`}: nothing to deregister`);
        return;
      }
      const id = o.clusterId;
      await gate.change(`delete ${o.pathOf(entry.name)} (${entry.role} ${entry.name}) with all its versions, from this machine`, async () => {
        if (await o.registry.deleteNode(id, entry.name)) o.deleted(host, entry);
      });
    },
  };
}
