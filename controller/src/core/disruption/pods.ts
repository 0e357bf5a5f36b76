/** Pod predicates shared by disruption and termination (upstream `pkg/utils/pod`). */
import { parseDuration, timeOf } from './duration';
import { KubePod, Taint, Toleration } from '../kube-types';
import { toleratesTaint } from '../scheduling/taints';

export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';
export const DISRUPTED_TAINT_KEY = 'karpenter.sh/disrupted';
export const DISRUPTED_NO_SCHEDULE: Taint = { key: DISRUPTED_TAINT_KEY, effect: 'NoSchedule' };

type PodWithRuntime = KubePod & { metadata: KubePod['metadata'] & { deletionTimestamp?: string | Date }; status?: KubePod['status'] & { startTime?: string | Date } };

export function isTerminal(pod: KubePod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isTerminating(pod: KubePod): boolean {
  return (pod as PodWithRuntime).metadata.deletionTimestamp !== undefined;
}

export function isOwnedBy(pod: KubePod, kind: string): boolean {
  return pod.metadata.ownerReferences?.some(o => o.kind === kind) ?? false;
}

export function isOwnedByDaemonSet(pod: KubePod): boolean {
  return isOwnedBy(pod, 'DaemonSet');
}

/** Static (mirror) pods are owned by their Node and cannot be evicted. */
export function isOwnedByNode(pod: KubePod): boolean {
  return isOwnedBy(pod, 'Node');
}

/** Pods that need a new home when their node goes. */
export function isReschedulable(pod: KubePod): boolean {
  return !isTerminal(pod) && !isTerminating(pod) && !isOwnedByDaemonSet(pod) && !isOwnedByNode(pod);
}

/** Pods the Eviction API can act on. */
export function isEvictable(pod: KubePod): boolean {
  return !isTerminal(pod) && !isTerminating(pod) && !isOwnedByNode(pod);
}

export function toleratesDisruptedTaint(pod: KubePod): boolean {
  return (pod.spec.tolerations ?? []).some((t: Toleration) => toleratesTaint(t, DISRUPTED_NO_SCHEDULE));
}

export function isCritical(pod: KubePod): boolean {
  const pc = pod.spec.priorityClassName;
  return pc === 'system-cluster-critical' || pc === 'system-node-critical';
}

export function podKey(pod: KubePod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/**
 * Why `karpenter.sh/do-not-disrupt` on the pod blocks disruption now, or undefined. `"true"` always blocks; a
 * duration (`"2h"`) blocks until the pod has run that long (from `status.startTime`, else its creation).
 */
export function doNotDisruptReason(pod: KubePod, nowMs: number): string | undefined {
  if (isTerminal(pod) || isTerminating(pod)) return undefined;
  const v = pod.metadata.annotations?.[DO_NOT_DISRUPT_ANNOTATION];
  if (v === undefined) return undefined;
  if (v === 'true') return `pod ${podKey(pod)} has "${DO_NOT_DISRUPT_ANNOTATION}" annotation`;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    return undefined;
  }
  const start = timeOf((pod as PodWithRuntime).status?.startTime) ?? timeOf(pod.metadata.creationTimestamp);
  if (start === undefined || nowMs - start < ms) {
    return `pod ${podKey(pod)} has "${DO_NOT_DISRUPT_ANNOTATION}: ${v}" and has not run that long yet`;
  }
  return undefined;
}
