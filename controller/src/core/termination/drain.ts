/**
 * Draining a node being deleted, as upstream's terminator: pods leave in four groups, each waited for before the
 * next (non-critical non-DaemonSet, non-critical DaemonSet, critical non-DaemonSet, critical DaemonSet); pods that
 * tolerate `karpenter.sh/disrupted:NoSchedule`, terminal pods, static pods and pods stuck terminating are not waited
 * for; with a `terminationGracePeriod`, pods are deleted (bypassing PDBs) early enough to get their own grace period
 * before the node's deadline.
 */
import { PdbLimits } from '../disruption/pdb';
import { isCritical, isOwnedByDaemonSet, isOwnedByNode, isTerminal, isTerminating, podKey, toleratesDisruptedTaint } from '../disruption/pods';
import { KubePod } from '../kube-types';

/** A pod terminating longer than this past its deletion timestamp is stuck: not waited for (upstream: 1 minute). */
export const STUCK_TERMINATING_MS = 60_000;
/** Kubernetes' default `terminationGracePeriodSeconds`. */
export const DEFAULT_POD_GRACE_SECONDS = 30;

export type DrainGroup = 0 | 1 | 2 | 3;
export const DRAIN_GROUP_NAMES = ['non-critical', 'non-critical daemonset', 'critical', 'critical daemonset'] as const;

type RuntimePod = KubePod & {
  metadata: KubePod['metadata'] & { deletionTimestamp?: string | Date; deletionGracePeriodSeconds?: number };
  spec: KubePod['spec'] & { terminationGracePeriodSeconds?: number };
};

export function drainGroup(pod: KubePod): DrainGroup {
  const critical = isCritical(pod);
  const daemon = isOwnedByDaemonSet(pod);
  return ((critical ? 2 : 0) + (daemon ? 1 : 0)) as DrainGroup;
}

/** A pod terminating longer than `STUCK_TERMINATING_MS` past its deletion timestamp (upstream `IsStuckTerminating`). */
export function isStuckTerminating(pod: KubePod, nowMs: number): boolean {
  const d = (pod as RuntimePod).metadata.deletionTimestamp;
  if (d === undefined) return false;
  return nowMs - new Date(d).getTime() > STUCK_TERMINATING_MS;
}

/** Upstream `IsWaitingEviction`: the node waits for this pod to leave. */
export function isWaitingEviction(pod: KubePod, nowMs: number): boolean {
  return !isTerminal(pod) && !isOwnedByNode(pod) && !toleratesDisruptedTaint(pod) && !isStuckTerminating(pod, nowMs);
}

/** When a pod must be deleted so its own grace period ends by the node's deadline (undefined: never forced). */
export function podDeleteTime(pod: KubePod, nodeDeadline: Date | undefined): Date | undefined {
  if (!nodeDeadline) return undefined;
  const grace = (pod as RuntimePod).spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  return new Date(nodeDeadline.getTime() - grace * 1000);
}

export interface DrainInput {
  /** Pods bound to the node. */
  readonly pods: readonly KubePod[];
  readonly now: Date;
  /** NodeClaim deletion + terminationGracePeriod (`karpenter.sh/nodeclaim-termination-timestamp`). */
  readonly nodeDeadline?: Date;
}

export interface DrainDecision {
  /** Nothing left to wait for: set `Drained=True`. */
  readonly drained: boolean;
  /** The group being drained. */
  readonly group?: DrainGroup;
  /** Pods to hand to the eviction queue now (Eviction API; PDBs apply). */
  readonly evict: KubePod[];
  /** Pods to delete now, bypassing PDBs, with the grace period left before the node's deadline. */
  readonly forceDelete: Array<{ readonly pod: KubePod; readonly gracePeriodSeconds: number }>;
  /** Pods still waited for (all groups). */
  readonly waiting: number;
  /** `N pods are waiting to be evicted` (the NodeFailedToDrain event), when not drained. */
  readonly message?: string;
}

export function decideDrain(input: DrainInput): DrainDecision {
  const nowMs = input.now.getTime();
  const forceDelete: DrainDecision['forceDelete'] = [];
  for (const p of input.pods) {
    if (!isWaitingEviction(p, nowMs) || isTerminating(p)) continue;
    const at = podDeleteTime(p, input.nodeDeadline);
    if (at && nowMs >= at.getTime()) {
      const left = Math.max(0, Math.floor(((input.nodeDeadline as Date).getTime() - nowMs) / 1000));
      forceDelete.push({ pod: p, gracePeriodSeconds: left });
    }
  }
  const forced = new Set(forceDelete.map(f => f.pod));
  const groups: KubePod[][] = [[], [], [], []];
  for (const p of input.pods) if (isWaitingEviction(p, nowMs)) groups[drainGroup(p)].push(p);
  const waiting = groups.reduce((s, g) => s + g.length, 0);
  for (let g = 0; g < 4; g++) {
    if (groups[g].length === 0) continue;
    const evict = groups[g].filter(p => !isTerminating(p) && !forced.has(p));
    return { drained: false, group: g as DrainGroup, evict, forceDelete, waiting, message: `${waiting} pods are waiting to be evicted` };
  }
  return { drained: true, evict: [], forceDelete, waiting: 0 };
}

/** Eviction queue retry delay: exponential from 100 ms to 10 s (upstream's rate limiter). */
export function evictionRetryDelayMs(failures: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, failures));
}

export type EvictionResult = 'evicted' | 'gone' | 'blocked' | 'retry';

/**
 * What an Eviction API response means: 2xx evicted; 404 already gone; 429 refused by a PDB (retry with backoff);
 * 409 conflict and 500 (several PDBs) retried too.
 */
export function classifyEviction(status: number): EvictionResult {
  if (status >= 200 && status < 300) return 'evicted';
  if (status === 404) return 'gone';
  if (status === 429) return 'blocked';
  return 'retry';
}

/**
 * The simulator's (and tests') Eviction API: evicts the pods the PDBs allow, in order, counting the evictions it
 * grants against each PDB; answers 429 for the rest.
 */
export function simulateEvictions(pods: readonly KubePod[], pdbs: PdbLimits): Array<{ pod: KubePod; status: 200 | 429; reason?: string }> {
  const taken = new Map<string, number>();
  return pods.map(pod => {
    const r = pdbs.canEvict(pod, taken);
    if (!r.ok) return { pod, status: 429 as const, reason: r.reason };
    if (r.pdb) taken.set(r.pdb, (taken.get(r.pdb) ?? 0) + 1);
    return { pod, status: 200 as const };
  });
}

export { podKey };
