/** KubeWriter and EventRecorder over the KubeApi port. */
import { isNotFound, isTooManyRequests, KubeApi, KubeObject } from './api';
import { EVENTS, NODECLAIMS, NODES } from './resources';
import { Timers } from './timers';
import { NodeClaim } from '../core/kube-types';
import { ClusterNode, ClusterNodeClaim } from '../core/state/objects';
import { EventRecorder, KubeWriter, MergePatch, RecordedEvent } from '../core/state/ports';
import { errorField, Logger } from '../observability/logger';

export class ApiKubeWriter implements KubeWriter {
  constructor(private readonly api: KubeApi) {}

  async createNodeClaim(nodeClaim: NodeClaim): Promise<ClusterNodeClaim> {
    return this.api.create(NODECLAIMS, { apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', ...nodeClaim } as unknown as KubeObject) as unknown as Promise<ClusterNodeClaim>;
  }

  async patchNodeClaim(name: string, patch: MergePatch): Promise<ClusterNodeClaim> {
    return this.api.patch(NODECLAIMS, name, patch) as unknown as Promise<ClusterNodeClaim>;
  }

  async patchNodeClaimStatus(name: string, status: NonNullable<NodeClaim['status']>): Promise<ClusterNodeClaim> {
    return this.api.patch(NODECLAIMS, name, { status }, { subresource: 'status' }) as unknown as Promise<ClusterNodeClaim>;
  }

  async deleteNodeClaim(name: string): Promise<void> {
    try {
      await this.api.delete(NODECLAIMS, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async patchNode(name: string, patch: MergePatch): Promise<ClusterNode> {
    return this.api.patch(NODES, name, patch) as unknown as Promise<ClusterNode>;
  }

  async deleteNode(name: string): Promise<void> {
    try {
      await this.api.delete(NODES, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async evictPod(namespace: string, name: string): Promise<boolean> {
    try {
      await this.api.evict(namespace, name);
      return true;
    } catch (e) {
      if (isNotFound(e)) return true;
      if (isTooManyRequests(e)) return false;
      throw e;
    }
  }
}

/**
 * Creates core/v1 Events (source component `karpenter`). Identical events within `dedupeMs` are dropped, as
 * upstream's recorder does, so a pod that stays unschedulable does not flood the API. Failures are logged, never thrown.
 */
export class ApiEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(private readonly api: KubeApi, private readonly timers: Timers, private readonly logger: Logger, private readonly dedupeMs = 120_000) {}

  publish(e: RecordedEvent): void {
    const now = this.timers.nowMs();
    const key = `${e.object.kind}/${e.object.namespace ?? ''}/${e.object.name}/${e.reason}/${e.message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.dedupeMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 5000) for (const [k, t] of this.recent) if (now - t >= this.dedupeMs) this.recent.delete(k);
    const namespace = e.object.namespace ?? 'default';
    const time = new Date(now).toISOString();
    void this.api.create(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${e.object.name}.`, namespace },
      involvedObject: { apiVersion: e.object.apiVersion, kind: e.object.kind, name: e.object.name, namespace: e.object.namespace, uid: e.object.uid },
      type: e.type,
      reason: e.reason,
      message: e.message,
      source: { component: 'karpenter' },
      reportingComponent: 'karpenter',
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    }, namespace).catch(err => this.logger.debug('failed to record event', { reason: e.reason, error: errorField(err) }));
  }
}
