/**
 * Expiration (upstream's nodeclaim expiration controller): a NodeClaim older than its `expireAfter` is deleted,
 * regardless of disruption budgets. Graceful termination then drains it, bounded by `terminationGracePeriod`.
 */
import { parseNillableDuration, timeOf } from './duration';
import { NodeClaim } from '../kube-types';

/** When the NodeClaim expires, or undefined (`Never`, no creation time, or an invalid value). */
export function expirationTime(nodeClaim: NodeClaim): Date | undefined {
  let after: number | undefined;
  try {
    after = parseNillableDuration(nodeClaim.spec.expireAfter, 'Never');
  } catch {
    return undefined;
  }
  const created = timeOf(nodeClaim.metadata.creationTimestamp);
  if (after === undefined || created === undefined) return undefined;
  return new Date(created + after);
}

/** Delete now (true), or requeue at the returned time. */
export function expirationDecision(nodeClaim: NodeClaim, now: Date): { expired: true } | { expired: false; at?: Date } {
  const at = expirationTime(nodeClaim);
  if (at && at.getTime() <= now.getTime()) return { expired: true };
  return { expired: false, at };
}
