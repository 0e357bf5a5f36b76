import { InterruptionKind, InterruptionMessage } from './interruption-message';

/** What the interruption handler needs to know of a NodeClaim whose instance a message names. */
export interface InterruptedNodeClaim {
  readonly name: string;
  readonly instanceType: string;
  readonly zone: string;
  /** `spot`, `on-demand` or `reserved`. */
  readonly capacityType: string;
}

/** An offering to keep out of launches for a while (the unavailable-offerings cache). */
export interface UnavailableOffering {
  readonly instanceType: string;
  readonly zone: string;
  readonly capacityType: string;
}

/** A Kubernetes event to record on a NodeClaim. */
export interface InterruptionEvent {
  readonly nodeClaim: string;
  readonly reason: string;
  readonly message: string;
}

/** The decisions for one message. */
export interface InterruptionPlan {
  /** NodeClaims to delete (cordon, drain, terminate), in message order, without duplicates. */
  readonly deleteNodeClaims: readonly string[];
  readonly unavailableOfferings: readonly UnavailableOffering[];
  readonly events: readonly InterruptionEvent[];
  /** Instances the message names that no NodeClaim of this cluster owns (logged, then ignored). */
  readonly unknownInstanceIds: readonly string[];
}

const EVENT_REASONS: Record<InterruptionKind, string> = {
  [InterruptionKind.SPOT_INTERRUPTED]: 'SpotInterrupted',
  [InterruptionKind.REBALANCE_RECOMMENDATION]: 'SpotRebalanceRecommendation',
  [InterruptionKind.INSTANCE_STOPPED]: 'InstanceStopping',
  [InterruptionKind.INSTANCE_TERMINATED]: 'InstanceTerminating',
  [InterruptionKind.SCHEDULED_CHANGE]: 'InstanceScheduledChange',
  [InterruptionKind.CAPACITY_RESERVATION_INTERRUPTED]: 'CapacityReservationInterrupted',
  [InterruptionKind.NO_OP]: '',
};

/**
 * Decides what to do about a message, as upstream's interruption controller: Spot interruption warnings delete the
 * NodeClaim and mark its spot offering unavailable; capacity reservation interruptions likewise for the reserved
 * offering; stop/terminate state changes and EC2 scheduled changes delete the NodeClaims; rebalance
 * recommendations only record an event; no-ops do nothing. Pure: the same message twice gives the same plan, so a
 * redelivered message is harmless (deleting a NodeClaim that is already being deleted is a no-op for the caller).
 *
 * @param nodeClaimsByInstanceId the cluster's NodeClaims, keyed by the EC2 instance ID of their providerID.
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */
export function planInterruption(
  message: InterruptionMessage,
  nodeClaimsByInstanceId: ReadonlyMap<string, InterruptedNodeClaim>,
): InterruptionPlan {
  const deleteNodeClaims: string[] = [];
  const unavailableOfferings: UnavailableOffering[] = [];
  const events: InterruptionEvent[] = [];
  const unknownInstanceIds: string[] = [];
  if (message.kind === InterruptionKind.NO_OP) {
    return { deleteNodeClaims, unavailableOfferings, events, unknownInstanceIds };
  }
  for (const instanceId of new Set(message.instanceIds)) {
    const nodeClaim = nodeClaimsByInstanceId.get(instanceId);
    if (!nodeClaim) {
      unknownInstanceIds.push(instanceId);
      continue;
    }
    events.push({ nodeClaim: nodeClaim.name, reason: EVENT_REASONS[message.kind], message: `${message.detailType} for instance ${instanceId}` });
    if (message.kind === InterruptionKind.REBALANCE_RECOMMENDATION) {
      continue;
    }
    if (!deleteNodeClaims.includes(nodeClaim.name)) {
      deleteNodeClaims.push(nodeClaim.name);
    }
    if (message.kind === InterruptionKind.SPOT_INTERRUPTED || message.kind === InterruptionKind.CAPACITY_RESERVATION_INTERRUPTED) {
      unavailableOfferings.push({ instanceType: nodeClaim.instanceType, zone: nodeClaim.zone, capacityType: nodeClaim.capacityType });
    }
  }
  return { deleteNodeClaims, unavailableOfferings, events, unknownInstanceIds };
}
