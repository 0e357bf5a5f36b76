/**
 * Which VolumeAttachments a node being terminated waits for before its instance is terminated (upstream's
 * `filterVolumeAttachments`): every storage.k8s.io/v1 VolumeAttachment on the node that names a PersistentVolume,
 * except the volumes used by pods that are not drained (pods that tolerate `karpenter.sh/disrupted:NoSchedule`, as
 * most DaemonSets do, static pods and pods stuck terminating): those stay attached until the instance goes. Volumes of
 * pods already evicted are no longer referenced by any pod on the node, so they are waited for too.
 */
import { isStuckTerminating } from './drain';
import { isOwnedByNode, toleratesDisruptedTaint } from '../disruption/pods';
import { KubePod } from '../kube-types';

/** storage.k8s.io/v1 VolumeAttachment (the fields read). */
export interface VolumeAttachment {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; resourceVersion?: string; deletionTimestamp?: string };
  spec: { attacher?: string; nodeName: string; source?: { persistentVolumeName?: string } };
  status?: { attached?: boolean };
}

/** v1 PersistentVolumeClaim (the fields read). */
export interface PersistentVolumeClaim {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: { volumeName?: string };
}

/** The pod volumes that name a claim: `persistentVolumeClaim`, and generic ephemeral volumes (claim `<pod>-<volume>`). */
interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  ephemeral?: unknown;
}

/** The PersistentVolumeClaims a pod mounts (`namespace/name`). */
export function podClaimKeys(pod: KubePod): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  const volumes = (pod.spec as { volumes?: PodVolume[] }).volumes ?? [];
  const out: string[] = [];
  for (const v of volumes) {
    if (v.persistentVolumeClaim?.claimName) out.push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral) out.push(`${ns}/${pod.metadata.name ?? ''}-${v.name}`);
  }
  return out;
}

/** Upstream `IsDrainable`: the pod is evicted when its node terminates (so its volumes must detach first). */
export function isDrainable(pod: KubePod, nowMs: number): boolean {
  return !toleratesDisruptedTaint(pod) && !isStuckTerminating(pod, nowMs) && !isOwnedByNode(pod);
}

export interface PendingVolumesInput {
  /** VolumeAttachments whose `spec.nodeName` is the node. */
  readonly attachments: readonly VolumeAttachment[];
  /** Pods still bound to the node. */
  readonly pods: readonly KubePod[];
  /** The PersistentVolume bound to a claim (`namespace/name`), undefined when the claim is unknown or unbound. */
  readonly volumeOfClaim: (claimKey: string) => string | undefined;
  readonly now: Date;
}

/** The VolumeAttachments the node waits for (the `VolumesDetached` condition stays False while any remain). */
export function pendingVolumeAttachments(input: PendingVolumesInput): VolumeAttachment[] {
  if (input.attachments.length === 0) return [];
  const nowMs = input.now.getTime();
  const kept = new Set<string>();
  for (const p of input.pods) {
    if (isDrainable(p, nowMs)) continue;
    for (const claim of podClaimKeys(p)) {
      const pv = input.volumeOfClaim(claim);
      if (pv) kept.add(pv);
    }
  }
  return input.attachments.filter(va => {
    const pv = va.spec.source?.persistentVolumeName;
    return pv !== undefined && pv !== '' && !kept.has(pv);
  });
}
