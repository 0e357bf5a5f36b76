/**
 * The ports through which the core changes the cluster: `KubeWriter` (NodeClaims, Nodes, evictions) and
 * `EventRecorder` (Kubernetes events). The kube/ adapters implement them over the API; tests use fakes.
 */
import { ClusterNode, ClusterNodeClaim, Condition } from './objects';
import { NodeClaim } from '../kube-types';

/** A JSON merge patch (RFC 7386): `null` deletes a field. */
export type MergePatch = Record<string, unknown>;

export interface KubeWriter {
  /** Creates a NodeClaim (metadata.generateName is honoured); returns it with its name. */
  createNodeClaim(nodeClaim: NodeClaim): Promise<ClusterNodeClaim>;
  patchNodeClaim(name: string, patch: MergePatch): Promise<ClusterNodeClaim>;
  /** Writes status through the status subresource. */
  patchNodeClaimStatus(name: string, status: NonNullable<NodeClaim['status']> & { conditions?: Condition[] }): Promise<ClusterNodeClaim>;
  /** Deletes the NodeClaim (it stays while finalizers remain); NotFound is not an error. */
  deleteNodeClaim(name: string): Promise<void>;
  patchNode(name: string, patch: MergePatch): Promise<ClusterNode>;
  /** NotFound is not an error. */
  deleteNode(name: string): Promise<void>;
  /** Evicts through the Eviction API; returns false when a PodDisruptionBudget blocks it (429), true when evicted or gone. */
  evictPod(namespace: string, name: string): Promise<boolean>;
}

export interface InvolvedObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

export interface RecordedEvent {
  readonly object: InvolvedObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface EventRecorder {
  publish(event: RecordedEvent): void;
}

/** Keeps events in memory (tests). */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];
  publish(event: RecordedEvent): void {
    this.events.push(event);
  }
  reasons(): string[] {
    return this.events.map(e => e.reason);
  }
}

export function involvedNodeClaim(nc: { metadata: { name?: string; uid?: string } }): InvolvedObject {
  return { apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: nc.metadata.name ?? '', uid: nc.metadata.uid };
}

export function involvedPod(p: { metadata: { name?: string; namespace?: string; uid?: string } }): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Pod', name: p.metadata.name ?? '', namespace: p.metadata.namespace ?? 'default', uid: p.metadata.uid };
}

export function involvedNode(n: { metadata: { name?: string; uid?: string } }): InvolvedObject {
  return { apiVersion: 'v1', kind: 'Node', name: n.metadata.name ?? '', uid: n.metadata.uid };
}
