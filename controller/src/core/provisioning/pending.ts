/**
 * Which pods the provisioner acts on, as upstream's `pod.IsProvisionable`: marked unschedulable by the kube-scheduler
 * (PodScheduled=False, reason Unschedulable), not bound, not terminating or terminal, not owned by a DaemonSet
 * (its pods are handled by the DaemonSet overhead) and not a static (mirror) pod.
 */
import { ClusterPod } from '../state/objects';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export function isProvisionable(p: ClusterPod): boolean {
  return ignoredReason(p) === undefined;
}

/** Why the pod is not provisionable, or undefined when it is. */
export function ignoredReason(p: ClusterPod): string | undefined {
  if (p.spec?.nodeName) return 'bound';
  if (p.metadata.deletionTimestamp) return 'terminating';
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 'terminal';
  const scheduled = p.status?.conditions?.find(c => c.type === 'PodScheduled');
  if (!scheduled || scheduled.status !== 'False' || scheduled.reason !== 'Unschedulable') return 'not marked unschedulable';
  if (p.metadata.ownerReferences?.some(o => o.kind === 'DaemonSet')) return 'owned by a DaemonSet';
  if (p.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined || p.metadata.ownerReferences?.some(o => o.kind === 'Node')) return 'mirror pod';
  return undefined;
}
