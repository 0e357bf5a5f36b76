/**
 * Upstream's `SimulateScheduling`: would the candidates' pods (and the pending pods, which must not lose the capacity
 * they need) fit on the rest of the cluster, and which new NodeClaims would that take? Runs the provisioning
 * `Scheduler` as it is, with the candidates and the nodes being deleted left out.
 */
import { nodePoolNameOf } from './candidates';
import { isReschedulable } from './pods';
import { Candidate, ClusterSnapshot } from './types';
import { KubePod } from '../kube-types';
import { podRequests } from '../pod-requests';
import { fits, ResourceList } from '../resources';
import { PlannedNodeClaim } from '../scheduling/planned-nodeclaim';
import { Scheduler, SchedulingResults } from '../scheduling/scheduler';
import { StateNode } from '../state/state-node';

export interface SimulationOutcome {
  readonly results: SchedulingResults;
  /** Pods of the candidates (or of deleting nodes) the simulation could not place, with the reason. */
  readonly unschedulable: Map<KubePod, string>;
  /** New NodeClaims holding at least one of those pods (the replacements). */
  readonly newNodeClaims: PlannedNodeClaim[];
  readonly allPodsScheduled: boolean;
}

export function simulateScheduling(snapshot: ClusterSnapshot, candidates: readonly Candidate[], now: Date): SimulationOutcome {
  const removed = new Set(candidates.map(c => c.node.state.name));
  const stateNodes: StateNode[] = [];
  const mustMove: KubePod[] = [];
  for (const c of candidates) mustMove.push(...c.reschedulablePods);
  for (const n of snapshot.nodes) {
    if (removed.has(n.state.name)) continue;
    if (n.state.markedForDeletion) {
      // pods still on a node being deleted need a home too
      mustMove.push(...n.state.pods.filter(isReschedulable));
      continue;
    }
    stateNodes.push(n.state);
  }
  const mustMoveSet = new Set(mustMove);
  const pods = [...(snapshot.pendingPods ?? []), ...mustMove];
  const results = new Scheduler({
    nodePools: snapshot.nodePools,
    instanceTypes: snapshot.instanceTypes,
    stateNodes: withoutUselessNodes(stateNodes, pods),
    daemonSetPods: snapshot.daemonSetPods,
    clock: { now: () => now },
    nodePoolUsage: snapshot.nodePoolUsage ?? usageOf(snapshot),
  }).solve(pods);
  const unschedulable = new Map<KubePod, string>();
  for (const [p, reason] of results.podErrors) if (mustMoveSet.has(p)) unschedulable.set(p, reason);
  const newNodeClaims = results.newNodeClaims.filter(nc => nc.pods.some(p => mustMoveSet.has(p.pod)));
  return { results, unschedulable, newNodeClaims, allPodsScheduled: unschedulable.size === 0 };
}

const freeCache = new WeakMap<StateNode, ResourceList>();
const requestCache = new WeakMap<KubePod, ResourceList>();

function requestsOf(p: KubePod): ResourceList {
  let r = requestCache.get(p);
  if (!r) requestCache.set(p, (r = podRequests(p)));
  return r;
}

function freeOf(n: StateNode): ResourceList {
  let free = freeCache.get(n);
  if (!free) {
    free = { ...n.allocatable };
    for (const p of n.pods) for (const [k, v] of Object.entries(requestsOf(p))) free[k] = (free[k] ?? 0) - v;
    freeCache.set(n, free);
  }
  return free;
}

function hasInterPodConstraints(p: KubePod): boolean {
  const a = p.spec.affinity;
  return (p.spec.topologySpreadConstraints?.length ?? 0) > 0 || a?.podAffinity !== undefined || a?.podAntiAffinity !== undefined;
}

/**
 * Leaves out initialized nodes on which none of the pods to place fits by resources: the scheduler could never
 * place anything there, so the plan is the same, and each simulation of a large cluster gets much cheaper. Only when
 * no pod has topology spread or pod (anti-)affinity, for which the pods already on those nodes count.
 */
export function withoutUselessNodes(nodes: StateNode[], pods: readonly KubePod[]): StateNode[] {
  if (pods.length === 0 || pods.some(hasInterPodConstraints)) return nodes;
  const shapes = new Map<string, ResourceList>();
  for (const p of pods) {
    const r = requestsOf(p);
    shapes.set(Object.keys(r).sort().map(k => `${k}=${r[k]}`).join(','), r);
  }
  const requests = [...shapes.values()];
  return nodes.filter(n => !n.initialized || requests.some(r => fits(r, freeOf(n))));
}

const usageCache = new WeakMap<ClusterSnapshot, Record<string, ResourceList>>();

/** NodePool usage from every node (candidates included, as NodePool status.resources would count them). */
export function usageOf(snapshot: ClusterSnapshot): Record<string, ResourceList> {
  const cached = usageCache.get(snapshot);
  if (cached) return cached;
  const out: Record<string, ResourceList> = {};
  for (const n of snapshot.nodes) {
    const pool = nodePoolNameOf(n);
    if (!pool) continue;
    const u = (out[pool] ??= {});
    for (const [k, v] of Object.entries(n.state.capacity ?? n.state.allocatable)) u[k] = (u[k] ?? 0) + v;
  }
  usageCache.set(snapshot, out);
  return out;
}
