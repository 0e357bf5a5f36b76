/** Disruption cost as upstream (`disruptionutils`): pod eviction costs, summed, scaled by the remaining lifetime. */
import { parseNillableDuration, timeOf } from './duration';
import { KubePod, NodeClaim } from '../kube-types';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const clamp = (lo: number, v: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** 1 per pod, moved by pod-deletion-cost (±2^27 per pod) and priority (2^25 per pod), clamped to [-10, 10]. */
export function evictionCost(pod: KubePod): number {
  let cost = 1;
  const raw = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (raw !== undefined) {
    const v = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(v)) cost += v / 2 ** 27;
  }
  if (typeof pod.spec.priority === 'number') cost += pod.spec.priority / 2 ** 25;
  return clamp(-10, cost, 10);
}

export function reschedulingCost(pods: readonly KubePod[]): number {
  let sum = 0;
  for (const p of pods) sum += evictionCost(p);
  return sum;
}

/** Fraction of `expireAfter` still ahead of the NodeClaim, in [0, 1]; 1 without expiry. */
export function lifetimeRemaining(nodeClaim: NodeClaim | undefined, nowMs: number): number {
  if (!nodeClaim) return 1;
  let total: number | undefined;
  try {
    total = parseNillableDuration(nodeClaim.spec.expireAfter, 'Never');
  } catch {
    return 1;
  }
  const created = timeOf(nodeClaim.metadata.creationTimestamp);
  if (total === undefined || total <= 0 || created === undefined) return 1;
  return clamp(0, (total - (nowMs - created)) / total, 1);
}

export function disruptionCost(pods: readonly KubePod[], nodeClaim: NodeClaim | undefined, nowMs: number): number {
  return reschedulingCost(pods) * lifetimeRemaining(nodeClaim, nowMs);
}
