/**
 * Graceful termination of a NodeClaim being deleted, as pure decisions (upstream's node termination controller):
 * taint `karpenter.sh/disrupted:NoSchedule`, drain (drain.ts), wait for volumes to detach, terminate the instance,
 * then remove the finalizer. `terminationGracePeriod` bounds it: once the deadline passes, pods are deleted and the
 * volume wait is skipped. Conditions on the NodeClaim: `Drained`, `VolumesDetached`, `InstanceTerminating`.
 */
import { decideDrain, DrainDecision } from './drain';
import { parseNillableDuration } from '../disruption/duration';
import { DISRUPTED_NO_SCHEDULE } from '../disruption/pods';
import { KubePod, NodeClaim, Taint } from '../kube-types';

export const CONDITION_DRAINED = 'Drained';
export const CONDITION_VOLUMES_DETACHED = 'VolumesDetached';
export const CONDITION_INSTANCE_TERMINATING = 'InstanceTerminating';
export const TERMINATION_TIMESTAMP_ANNOTATION = 'karpenter.sh/nodeclaim-termination-timestamp';

export interface ConditionUpdate {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
}

export interface TerminationInput {
  readonly nodeClaim: NodeClaim;
  /** When the NodeClaim was deleted (its deletionTimestamp). */
  readonly deletionTime: Date;
  readonly now: Date;
  /** Taints on the Node (to know whether the disrupted taint is there yet). */
  readonly nodeTaints: readonly Taint[];
  readonly pods: readonly KubePod[];
  /** VolumeAttachments still bound to the node for pods that had to drain. */
  readonly pendingVolumeAttachments: number;
  /** The instance was asked to terminate already (InstanceTerminating=True). */
  readonly instanceTerminating: boolean;
  /** The cloud provider reports the instance gone (NodeClaimNotFoundError on get/delete). */
  readonly instanceGone: boolean;
}

export type TerminationStep =
  | { readonly action: 'taint'; readonly taint: Taint }
  | { readonly action: 'drain'; readonly drain: DrainDecision; readonly requeueAfterMs: number }
  | { readonly action: 'awaitVolumeDetachment'; readonly requeueAfterMs: number }
  | { readonly action: 'terminateInstance' }
  | { readonly action: 'awaitInstanceTermination'; readonly requeueAfterMs: number }
  | { readonly action: 'removeFinalizer' };

export interface TerminationDecision {
  readonly step: TerminationStep;
  readonly conditions: ConditionUpdate[];
  /** deletionTime + terminationGracePeriod, stamped as `karpenter.sh/nodeclaim-termination-timestamp`. */
  readonly deadline?: Date;
}

/** The node's deadline: deletion + terminationGracePeriod, or undefined when unbounded. */
export function terminationDeadline(nodeClaim: NodeClaim, deletionTime: Date): Date | undefined {
  const stamped = nodeClaim.metadata.annotations?.[TERMINATION_TIMESTAMP_ANNOTATION];
  if (stamped && !Number.isNaN(new Date(stamped).getTime())) return new Date(stamped);
  let tgp: number | undefined;
  try {
    tgp = parseNillableDuration(nodeClaim.spec.terminationGracePeriod, 'Never');
  } catch {
    return undefined;
  }
  return tgp === undefined ? undefined : new Date(deletionTime.getTime() + tgp);
}

export function decideTermination(input: TerminationInput): TerminationDecision {
  const deadline = terminationDeadline(input.nodeClaim, input.deletionTime);
  const elapsed = deadline !== undefined && input.now.getTime() >= deadline.getTime();
  if (input.instanceGone) return { step: { action: 'removeFinalizer' }, conditions: [], deadline };
  if (input.instanceTerminating) return { step: { action: 'awaitInstanceTermination', requeueAfterMs: 5_000 }, conditions: [], deadline };
  const tainted = input.nodeTaints.some(t => t.key === DISRUPTED_NO_SCHEDULE.key && t.effect === DISRUPTED_NO_SCHEDULE.effect);
  if (!tainted) return { step: { action: 'taint', taint: DISRUPTED_NO_SCHEDULE }, conditions: [], deadline };
  const drain = decideDrain({ pods: input.pods, now: input.now, nodeDeadline: deadline });
  if (!drain.drained && !elapsed) {
    return { step: { action: 'drain', drain, requeueAfterMs: 5_000 }, conditions: [{ type: CONDITION_DRAINED, status: 'False', reason: 'Draining' }], deadline };
  }
  const conditions: ConditionUpdate[] = [{ type: CONDITION_DRAINED, status: drain.drained ? 'True' : 'False', reason: drain.drained ? CONDITION_DRAINED : 'TerminationGracePeriodElapsed' }];
  if (!elapsed && input.pendingVolumeAttachments > 0) {
    conditions.push({ type: CONDITION_VOLUMES_DETACHED, status: 'False', reason: 'AwaitingVolumeDetachment' });
    return { step: { action: 'awaitVolumeDetachment', requeueAfterMs: 1_000 }, conditions, deadline };
  }
  conditions.push(elapsed && input.pendingVolumeAttachments > 0
    ? { type: CONDITION_VOLUMES_DETACHED, status: 'False', reason: 'TerminationGracePeriodElapsed' }
    : { type: CONDITION_VOLUMES_DETACHED, status: 'True', reason: CONDITION_VOLUMES_DETACHED });
  conditions.push({ type: CONDITION_INSTANCE_TERMINATING, status: 'True', reason: CONDITION_INSTANCE_TERMINATING });
  return { step: { action: 'terminateInstance' }, conditions, deadline };
}
