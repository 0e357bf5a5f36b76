/** NodeClaim status conditions read and written by disruption (`Initialized`, `Consolidatable`, `Drifted`). */
import { parseNillableDuration, timeOf } from './duration';
import { NodeClaim, NodePool } from '../kube-types';

export const CONDITION_INITIALIZED = 'Initialized';
export const CONDITION_CONSOLIDATABLE = 'Consolidatable';
export const CONDITION_DRIFTED = 'Drifted';

export type Condition = NonNullable<NonNullable<NodeClaim['status']>['conditions']>[number];

export function getCondition(nodeClaim: NodeClaim | undefined, type: string): Condition | undefined {
  return nodeClaim?.status?.conditions?.find(c => c.type === type);
}

export function isConditionTrue(nodeClaim: NodeClaim | undefined, type: string): boolean {
  return getCondition(nodeClaim, type)?.status === 'True';
}

/**
 * Returns the conditions with `type` set (lastTransitionTime kept when the status does not change) or removed
 * (`status` undefined). A new array: the input is not modified.
 */
export function withCondition(conditions: readonly Condition[] | undefined, type: string, status: 'True' | 'False' | undefined, now: Date, reason?: string, message?: string): Condition[] {
  const rest = (conditions ?? []).filter(c => c.type !== type);
  if (status === undefined) return rest;
  const old = (conditions ?? []).find(c => c.type === type);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : now.toISOString();
  return [...rest, { type, status, reason: reason ?? type, message: message ?? '', lastTransitionTime }];
}

export interface ConsolidatableDecision {
  /** The condition to hold: True, or absent (undefined). */
  readonly status: 'True' | undefined;
  /** When the decision flips to True, if it will without another pod event (the runtime requeues then). */
  readonly consolidatableAt?: Date;
}

/**
 * Upstream's nodeclaim consolidation controller: a NodeClaim is Consolidatable once `consolidateAfter` has passed
 * since the last pod event on it (or since it initialized, when no pod event happened). `consolidateAfter: Never`
 * (or an invalid value) keeps the condition off.
 */
export function consolidatableDecision(
  nodeClaim: NodeClaim, nodePool: NodePool, lastPodEventTime: Date | string | undefined, now: Date,
): ConsolidatableDecision {
  let after: number | undefined;
  try {
    after = parseNillableDuration(nodePool.spec.disruption?.consolidateAfter, 0);
  } catch {
    return { status: undefined };
  }
  if (after === undefined) return { status: undefined };
  const initialized = getCondition(nodeClaim, CONDITION_INITIALIZED);
  if (initialized?.status !== 'True') return { status: undefined };
  const since = timeOf(lastPodEventTime) ?? timeOf(initialized.lastTransitionTime) ?? timeOf(nodeClaim.metadata.creationTimestamp) ?? now.getTime();
  const at = since + after;
  if (now.getTime() < at) return { status: undefined, consolidatableAt: new Date(at) };
  return { status: 'True' };
}
