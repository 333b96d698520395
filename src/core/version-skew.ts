/**
 * The Kubernetes version skew policy as it applies to RKE2 nodes, pure and
 * table-tested. In RKE2 every server runs kube-apiserver and every node runs a
 * kubelet, so: servers must be within one minor release of each other, and an
 * agent (its kubelet) must not be newer than any server and at most three
 * minor releases older than the newest server. "Newer" compares the whole RKE2
 * version (patch and build too), as `rke2 upgrade` already does for agents.
 * Versions that do not parse ("unknown", "pending") are left out.
 */
import { type Rke2Version, compareRke2Versions, parseRke2Version } from './rke2-version.js';

/** Servers may differ by at most this many minor releases. */
export const MAX_SERVER_MINOR_SKEW = 1;
/** An agent may be at most this many minor releases older than a server. */
export const MAX_AGENT_MINORS_BEHIND = 3;

/** A node as the skew rule sees it. */
export interface SkewNode {
  name: string;
  role: 'server' | 'agent';
  version: string;
  /** how messages name it, instead of "ROLE NAME" */
  label?: string;
}

/** One way two nodes break (refuse) or strain (warn) the skew policy. */
export interface SkewProblem {
  severity: 'refuse' | 'warn';
  message: string;
}

/** Major and minor as one ordered number, so that 1.30 → 2.0 counts as out of skew. */
const minorIndex = (v: Rke2Version): number => v.major * 1000 + v.minor;

const label = (n: SkewNode): string => `${n.label ?? `${n.role} ${n.name}`} (${n.version})`;

/**
 * How `subject` stands against `other` under the skew policy, or undefined when
 * the pair is fine. Only breaches between a server and another node are
 * refusals; a server older than another server (within one minor) is a warning:
 * the agents may not be upgraded past it.
 */
export function skewBetween(subject: SkewNode, other: SkewNode): SkewProblem | undefined {
  const a = parseRke2Version(subject.version);
  const b = parseRke2Version(other.version);
  if (a === undefined || b === undefined) return undefined;
  if (subject.role === 'agent' && other.role === 'agent') return undefined;
  if (subject.role === 'server' && other.role === 'server') {
    const gap = Math.abs(minorIndex(a) - minorIndex(b));
    if (gap > MAX_SERVER_MINOR_SKEW) {
      return { severity: 'refuse', message: `${label(subject)} and ${label(other)} are ${gap} minor releases apart; servers may differ by at most ${MAX_SERVER_MINOR_SKEW}` };
    }
    if (compareRke2Versions(a, b) < 0) return { severity: 'warn', message: `${label(subject)} is older than ${label(other)}` };
    return undefined;
  }
  const [agent, server, av, sv] = subject.role === 'agent' ? [subject, other, a, b] : [other, subject, b, a];
  if (compareRke2Versions(av, sv) > 0) return { severity: 'refuse', message: `${label(agent)} is newer than ${label(server)}; an agent may not be newer than any server` };
  const behind = minorIndex(sv) - minorIndex(av);
  if (behind > MAX_AGENT_MINORS_BEHIND) {
    return { severity: 'refuse', message: `${label(agent)} is ${behind} minor releases older than ${label(server)}; an agent may be at most ${MAX_AGENT_MINORS_BEHIND} behind` };
  }
  return undefined;
}

/** The problems a node joining (or re-joining) as `joining` has with the cluster's other nodes. */
export function joinSkewProblems(joining: SkewNode, others: readonly SkewNode[]): SkewProblem[] {
  return others
    .filter((o) => o.name !== joining.name)
    .map((o) => skewBetween(joining, o))
    .filter((p): p is SkewProblem => p !== undefined);
}

/** Every refusal-grade breach among a cluster's nodes (each pair once), for `rke2 status`. */
export function clusterSkewProblems(nodes: readonly SkewNode[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; i += 1) {
    for (let j = i + 1; j < nodes.length; j += 1) {
      const x = nodes[i];
      const y = nodes[j];
      if (x === undefined || y === undefined) continue;
      const p = skewBetween(x, y);
      if (p?.severity === 'refuse') out.push(p.message);
    }
  }
  return out;
}

/**
 * The RKE2 version a join installs when no --version, --channel or --airgap-dir
 * says otherwise: the lowest known server version (a new node at it breaks no
 * rule), else the cluster's recorded version; undefined when neither is known.
 */
export function defaultJoinVersion(serverVersions: readonly string[], clusterVersion: string | undefined): string | undefined {
  const parsed = serverVersions.map((s) => [s, parseRke2Version(s)] as const).filter((p): p is readonly [string, Rke2Version] => p[1] !== undefined);
  if (parsed.length > 0) return parsed.reduce((lo, p) => (compareRke2Versions(p[1], lo[1]) < 0 ? p : lo))[0];
  return clusterVersion !== undefined && parseRke2Version(clusterVersion) !== undefined ? clusterVersion : undefined;
}
