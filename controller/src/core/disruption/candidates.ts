/**
 * Disruption candidates, as upstream's `GetCandidates` / `NewCandidate`: initialized managed nodes (a Node with a
 * NodeClaim, a known NodePool and instance type), not nominated for pending pods, not marked for deletion, and, for
 * graceful methods, without `karpenter.sh/do-not-disrupt` on the node or its pods and with PDBs that allow every
 * eviction. Eventual methods (drift) ignore pod blocks on NodeClaims with a `terminationGracePeriod`.
 */
import { disruptionCost } from './cost';
import { PdbLimits } from './pdb';
import { doNotDisruptReason, DO_NOT_DISRUPT_ANNOTATION, isReschedulable } from './pods';
import { Candidate, ClusterSnapshot, DisruptionNode } from './types';
import { InstanceType } from '../../cloudprovider/instance-type';
import { NodePool } from '../kube-types';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE } from '../labels';

export type DisruptionClass = 'graceful' | 'eventual';

export interface CandidateRejection {
  readonly node: string;
  readonly reason: string;
}

export interface CandidateResult {
  readonly candidates: Candidate[];
  /** Nodes that are not candidates, with the reason (upstream publishes some as `DisruptionBlocked` events). */
  readonly rejected: CandidateRejection[];
}

/** Instance types of a NodePool from the snapshot's map or list. */
export function instanceTypesFor(snapshot: Pick<ClusterSnapshot, 'instanceTypes'>, pool: string): readonly InstanceType[] {
  const its = snapshot.instanceTypes;
  if (Array.isArray(its)) return its as readonly InstanceType[];
  return (its as ReadonlyMap<string, readonly InstanceType[]>).get(pool) ?? [];
}

export function nodePoolNameOf(n: DisruptionNode): string | undefined {
  return n.state.nodePoolName ?? n.state.labels[LABEL_NODEPOOL];
}

export function buildCandidates(snapshot: ClusterSnapshot, now: Date, disruptionClass: DisruptionClass, pdbs?: PdbLimits): CandidateResult {
  const limits = pdbs ?? new PdbLimits(snapshot.pdbs);
  const pools = new Map<string, NodePool>(snapshot.nodePools.map(np => [np.metadata.name, np]));
  const typeIndex = new Map<string, Map<string, InstanceType>>();
  const candidates: Candidate[] = [];
  const rejected: CandidateRejection[] = [];
  const nowMs = now.getTime();
  for (const n of snapshot.nodes) {
    const reject = (reason: string) => rejected.push({ node: n.state.name, reason });
    if (!n.nodeClaim) { reject('node is not managed by Karpenter'); continue; }
    if (!n.state.initialized) { reject('node is not initialized'); continue; }
    if (n.state.markedForDeletion) { reject('node is marked for deletion'); continue; }
    if (n.nominated) { reject('node is nominated for a pending pod'); continue; }
    const poolName = nodePoolNameOf(n);
    const pool = poolName ? pools.get(poolName) : undefined;
    if (!pool || !poolName) { reject(`nodepool ${JSON.stringify(poolName ?? '')} not found`); continue; }
    let types = typeIndex.get(poolName);
    if (!types) typeIndex.set(poolName, (types = new Map(instanceTypesFor(snapshot, poolName).map(it => [it.name, it]))));
    const typeName = n.state.labels[LABEL_INSTANCE_TYPE];
    const it = typeName ? types.get(typeName) : undefined;
    if (!it) { reject(`instance type ${JSON.stringify(typeName ?? '')} not found`); continue; }
    if (disruptionClass === 'graceful') {
      const dnd = n.annotations?.[DO_NOT_DISRUPT_ANNOTATION] ?? n.nodeClaim.metadata.annotations?.[DO_NOT_DISRUPT_ANNOTATION];
      if (dnd === 'true') { reject(`node has "${DO_NOT_DISRUPT_ANNOTATION}" annotation`); continue; }
    }
    const podBlock = firstPodBlock(n, limits, nowMs);
    if (podBlock) {
      const eventual = disruptionClass === 'eventual' && n.nodeClaim.spec.terminationGracePeriod !== undefined;
      if (!eventual) { reject(podBlock); continue; }
    }
    const zone = n.state.labels[LABEL_ZONE] ?? '';
    const capacityType = n.state.labels[LABEL_CAPACITY_TYPE] ?? '';
    const offering = it.offerings.find(o => o.zone === zone && o.capacityType === capacityType);
    const reschedulable = n.state.pods.filter(isReschedulable);
    candidates.push({
      node: n,
      name: n.state.name,
      nodeClaimName: n.nodeClaim.metadata.name ?? n.state.name,
      nodePool: pool,
      instanceType: it,
      capacityType,
      zone,
      price: offering?.price,
      reschedulablePods: reschedulable,
      disruptionCost: disruptionCost(reschedulable, n.nodeClaim, nowMs),
    });
  }
  return { candidates, rejected };
}

function firstPodBlock(n: DisruptionNode, pdbs: PdbLimits, nowMs: number): string | undefined {
  for (const p of n.state.pods) {
    const r = doNotDisruptReason(p, nowMs);
    if (r) return r;
  }
  return pdbs.blockingReason(n.state.pods);
}

/** Cheapest to disrupt first (ties by name, so runs are reproducible). */
export function byDisruptionCost(a: Candidate, b: Candidate): number {
  return a.disruptionCost - b.disruptionCost || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
