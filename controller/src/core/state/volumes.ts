/**
 * The storage side of the cluster state that node termination reads: VolumeAttachments by node and the
 * PersistentVolume bound to each PersistentVolumeClaim. Fed by the VolumeAttachment and PVC informers (read-only).
 */
import { MultiIndex, ObjectIndex } from './cluster-state';
import { PersistentVolumeClaim, VolumeAttachment } from '../termination/volumes';

export class VolumeState {
  readonly attachments = new ObjectIndex<VolumeAttachment>();
  readonly claims = new ObjectIndex<PersistentVolumeClaim>();
  private readonly attachmentsByNode = new MultiIndex();

  upsertAttachment(va: VolumeAttachment): void {
    this.attachments.set(va.metadata.name, va);
    this.attachmentsByNode.set(va.metadata.name, va.spec?.nodeName);
  }

  deleteAttachment(va: { metadata: { name: string } }): void {
    this.attachments.delete(va.metadata.name);
    this.attachmentsByNode.delete(va.metadata.name);
  }

  /** VolumeAttachments whose `spec.nodeName` is this node. */
  attachmentsOnNode(nodeName: string): VolumeAttachment[] {
    return this.attachmentsByNode.keys(nodeName).map(k => this.attachments.get(k)).filter((v): v is VolumeAttachment => v !== undefined);
  }

  upsertClaim(pvc: PersistentVolumeClaim): void {
    this.claims.set(claimKey(pvc), pvc);
  }

  deleteClaim(pvc: PersistentVolumeClaim): void {
    this.claims.delete(claimKey(pvc));
  }

  /** The PersistentVolume bound to a claim (`namespace/name`). */
  volumeOfClaim(key: string): string | undefined {
    return this.claims.get(key)?.spec?.volumeName || undefined;
  }
}

function claimKey(pvc: PersistentVolumeClaim): string {
  return `${pvc.metadata.namespace ?? 'default'}/${pvc.metadata.name}`;
}
