/**
 * Node termination (a Node with a deletionTimestamp and the `karpenter.sh/termination` finalizer), driven by the
 * termination core's decisions (`decideTermination`): taint `karpenter.sh/disrupted:NoSchedule`, drain in upstream's
 * four groups through the Eviction API (a PodDisruptionBudget's 429 is retried per pod with exponential backoff,
 * `terminationGracePeriod` forces progress by deleting pods), wait for volumes, terminate the instance, then remove
 * the finalizer. The NodeClaim carries the `Drained`, `VolumesDetached` and `InstanceTerminating` conditions.
 */
import { isNodeClaimNotFoundError } from '../../cloudprovider/errors';
import { errorField } from '../../observability/logger';
import { withCondition } from '../disruption/conditions';
import { podKey } from '../disruption/pods';
import { KubePod, NodeClaim } from '../kube-types';
import { LABEL_NODEPOOL } from '../labels';
import { ControllerDependencies } from '../state/controller-dependencies';
import { ClusterNode, ClusterNodeClaim, TERMINATION_FINALIZER } from '../state/objects';
import { involvedNode, involvedPod } from '../state/ports';
import { VolumeState } from '../state/volumes';
import { classifyEviction, DRAIN_GROUP_NAMES, DrainDecision, evictionRetryDelayMs, EvictionResult } from '../termination/drain';
import {
  CONDITION_INSTANCE_TERMINATING, CONDITION_VOLUMES_DETACHED, ConditionUpdate, decideTermination, TERMINATION_TIMESTAMP_ANNOTATION,
  TerminationDecision,
} from '../termination/terminator';
import { pendingVolumeAttachments, VolumeAttachment } from '../termination/volumes';

export interface NodeTerminationOptions extends ControllerDependencies {
  /** How often to look at a node being drained. @default the core's requeue (5 s while draining) */
  readonly pollMs?: number;
  /**
   * Deletes a pod with a grace period, bypassing PodDisruptionBudgets (terminationGracePeriod forcing). NotFound is
   * not an error. @default - evicted instead
   */
  readonly deletePod?: (namespace: string, name: string, gracePeriodSeconds: number) => Promise<void>;
  /**
   * VolumeAttachments and PersistentVolumeClaims (the informers' cache): the node waits for the attachments of the
   * volumes of drained pods to go before its instance is terminated (`VolumesDetached`). @default - none tracked
   */
  readonly volumes?: VolumeState;
  /** Overrides the count computed from `volumes` (tests). */
  readonly pendingVolumeAttachments?: (nodeName: string) => number;
}

interface RetryState {
  readonly node: string;
  failures: number;
  nextAtMs: number;
}

const isTrue = (nc: NodeClaim | undefined, type: string) => nc?.status?.conditions?.some(c => c.type === type && c.status === 'True') ?? false;
const EMPTY_CLAIM: NodeClaim = { metadata: {}, spec: { requirements: [] } };

export class NodeTermination {
  /** Eviction backoff per pod (uid or namespace/name), as upstream's eviction queue rate limiter. */
  private readonly retries = new Map<string, RetryState>();

  constructor(private readonly opts: NodeTerminationOptions) {}

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    const { cluster, writer, logger, metrics, cloudProvider } = this.opts;
    const node = cluster.nodes.get(name);
    if (!node || !node.metadata.deletionTimestamp || !(node.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return {};
    const now = this.opts.clock.now();
    const nodepool = node.metadata.labels?.[LABEL_NODEPOOL] ?? '';
    const providerID = node.spec?.providerID;
    let nc = providerID ? cluster.nodeClaimByProviderID(providerID) : undefined;
    const terminating = isTrue(nc, CONDITION_INSTANCE_TERMINATING);
    let instanceGone = false;
    if (terminating && providerID) {
      try {
        await cloudProvider.get(providerID);
      } catch (e) {
        if (!isNodeClaimNotFoundError(e)) throw new Error(`getting instance of node ${name}`, { cause: e });
        instanceGone = true;
      }
    }
    const deletionTime = new Date(nc?.metadata.deletionTimestamp ?? node.metadata.deletionTimestamp);
    const pods = cluster.podsOnNode(name) as KubePod[];
    const volumes = this.pendingVolumes(name, pods, now);
    const decision = decideTermination({
      nodeClaim: nc ?? EMPTY_CLAIM,
      deletionTime,
      now,
      nodeTaints: node.spec?.taints ?? [],
      pods,
      pendingVolumeAttachments: this.opts.pendingVolumeAttachments?.(name) ?? volumes.length,
      instanceTerminating: terminating,
      instanceGone,
    });
    if (nc) nc = await this.stampDeadline(nc, decision);
    const s = decision.step;
    const poll = (ms: number) => this.opts.pollMs ?? ms;
    switch (s.action) {
      case 'taint':
        this.opts.cluster.rememberNode(await writer.patchNode(name, {
          spec: { taints: [...(node.spec?.taints ?? []), s.taint] },
          metadata: { resourceVersion: node.metadata.resourceVersion },
        }));
        this.opts.events.publish({ object: involvedNode(node), type: 'Normal', reason: 'Disrupting', message: 'Disrupting Node' });
        return { requeueAfterMs: 0 };
      case 'drain': {
        if (nc) await this.setConditions(nc, decision.conditions, now);
        const nextMs = await this.drain(node, s.drain, now.getTime());
        return { requeueAfterMs: Math.min(poll(s.requeueAfterMs), nextMs ?? Infinity) };
      }
      case 'awaitVolumeDetachment': {
        const waiting = nc?.status?.conditions?.some(c => c.type === CONDITION_VOLUMES_DETACHED && c.status === 'False' && c.reason === 'AwaitingVolumeDetachment');
        if (nc) await this.setConditions(nc, decision.conditions, now);
        if (!waiting) {
          const names = volumes.map(v => v.metadata.name).sort();
          this.opts.events.publish({
            object: involvedNode(node),
            type: 'Normal',
            reason: 'AwaitingVolumeDetachment',
            message: `Awaiting deletion of bound volumeattachments (${names.join(', ')})`,
          });
          logger.info('awaiting volume detachment', { Node: { name }, volumeattachments: names });
        }
        return { requeueAfterMs: poll(s.requeueAfterMs) };
      }
      case 'terminateInstance': {
        if (nc) nc = await this.setConditions(nc, decision.conditions, now);
        this.forgetNode(name);
        metrics?.nodesDrained.inc({ nodepool });
        if (nc?.status?.providerID) {
          try {
            if (metrics) await metrics.timeCloudProvider('node.termination', 'Delete', cloudProvider.name(), () => cloudProvider.delete(nc!));
            else await cloudProvider.delete(nc);
            return { requeueAfterMs: poll(1_000) };
          } catch (e) {
            if (!isNodeClaimNotFoundError(e)) throw new Error(`terminating instance of node ${name}`, { cause: e });
          }
        }
        return this.removeFinalizer(node, nc, nodepool, now);
      }
      case 'awaitInstanceTermination':
        return { requeueAfterMs: poll(s.requeueAfterMs) };
      case 'removeFinalizer':
        return this.removeFinalizer(node, nc, nodepool, now);
      default:
        logger.debug('unknown termination step', { Node: { name } });
        return {};
    }
  }

  /** The VolumeAttachments the node waits for (upstream's filter over the informer cache). */
  private pendingVolumes(nodeName: string, pods: readonly KubePod[], now: Date): VolumeAttachment[] {
    const volumes = this.opts.volumes;
    if (!volumes) return [];
    return pendingVolumeAttachments({
      attachments: volumes.attachmentsOnNode(nodeName),
      pods,
      volumeOfClaim: k => volumes.volumeOfClaim(k),
      now,
    });
  }

  /** Evicts (or force-deletes) what the drain decision asks for; returns when the next backed-off pod is due (ms). */
  private async drain(node: ClusterNode, drain: DrainDecision, nowMs: number): Promise<number | undefined> {
    const { writer, logger, metrics, events } = this.opts;
    const name = node.metadata.name;
    for (const f of drain.forceDelete) {
      const p = f.pod;
      const ns = p.metadata.namespace ?? 'default';
      try {
        if (this.opts.deletePod) await this.opts.deletePod(ns, p.metadata.name ?? '', f.gracePeriodSeconds);
        else await writer.evictPod(ns, p.metadata.name ?? '');
        metrics?.podsDrained.inc({ reason: 'TerminationGracePeriodElapsed' });
        logger.info('deleting pod, termination grace period elapsed', { Pod: { name: p.metadata.name, namespace: ns }, Node: { name }, gracePeriodSeconds: f.gracePeriodSeconds });
      } catch (e) {
        logger.error('failed to delete pod', { Pod: { name: p.metadata.name, namespace: ns }, Node: { name }, error: errorField(e) });
      }
    }
    const forced = new Set(drain.forceDelete.map(f => f.pod));
    let next: number | undefined;
    let blocked = 0;
    for (const p of drain.evict) {
      if (forced.has(p)) continue;
      const key = p.metadata.uid ?? podKey(p);
      const retry = this.retries.get(key);
      if (retry && retry.nextAtMs > nowMs) {
        next = Math.min(next ?? Infinity, retry.nextAtMs - nowMs);
        continue;
      }
      const ns = p.metadata.namespace ?? 'default';
      let result: EvictionResult;
      let error: unknown;
      try {
        result = (await writer.evictPod(ns, p.metadata.name ?? '')) ? classifyEviction(201) : classifyEviction(429);
      } catch (e) {
        error = e;
        result = 'retry';
      }
      metrics?.podsEvictionRequests.inc({ code: result === 'evicted' || result === 'gone' ? '200' : result === 'blocked' ? '429' : 'error' });
      if (result === 'evicted' || result === 'gone') {
        this.retries.delete(key);
        metrics?.podsDrained.inc({ reason: 'Drain' });
        events.publish({ object: involvedPod(p), type: 'Normal', reason: 'Evicted', message: 'Evicted pod: Disrupting Node' });
        continue;
      }
      const failures = retry?.failures ?? 0;
      const delay = evictionRetryDelayMs(failures);
      this.retries.set(key, { node: name, failures: failures + 1, nextAtMs: nowMs + delay });
      next = Math.min(next ?? Infinity, delay);
      if (result === 'blocked') blocked++;
      else logger.error('failed to evict pod', { Pod: { name: p.metadata.name, namespace: ns }, Node: { name }, error: errorField(error) });
    }
    if (blocked > 0) {
      logger.debug('eviction blocked by pod disruption budget', { Node: { name }, pods: blocked, group: DRAIN_GROUP_NAMES[drain.group ?? 0] });
      events.publish({ object: involvedNode(node), type: 'Warning', reason: 'FailedDraining', message: `Failed to drain node, ${drain.message ?? ''}` });
    }
    return next;
  }

  private async stampDeadline(nc: ClusterNodeClaim, decision: TerminationDecision): Promise<ClusterNodeClaim> {
    if (!decision.deadline || !nc.metadata.deletionTimestamp || nc.metadata.annotations?.[TERMINATION_TIMESTAMP_ANNOTATION]) return nc;
    return this.opts.cluster.rememberNodeClaim(await this.opts.writer.patchNodeClaim(nc.metadata.name, {
      metadata: { annotations: { [TERMINATION_TIMESTAMP_ANNOTATION]: decision.deadline.toISOString() } },
    }));
  }

  private async setConditions(nc: ClusterNodeClaim, updates: readonly ConditionUpdate[], now: Date): Promise<ClusterNodeClaim> {
    let conditions = nc.status?.conditions ?? [];
    for (const u of updates) {
      const old = conditions.find(c => c.type === u.type);
      if (old && old.status === u.status && old.reason === u.reason) continue;
      conditions = withCondition(conditions, u.type, u.status, now, u.reason);
    }
    if (conditions === (nc.status?.conditions ?? [])) return nc;
    return this.opts.cluster.rememberNodeClaim(await this.opts.writer.patchNodeClaimStatus(nc.metadata.name, { ...nc.status, conditions }));
  }

  private async removeFinalizer(
    node: ClusterNode, nc: ClusterNodeClaim | undefined, nodepool: string, now: Date,
  ): Promise<{ requeueAfterMs?: number }> {
    const name = node.metadata.name;
    await this.opts.writer.patchNode(name, {
      metadata: {
        finalizers: (node.metadata.finalizers ?? []).filter(f => f !== TERMINATION_FINALIZER),
        resourceVersion: node.metadata.resourceVersion,
      },
    });
    this.forgetNode(name);
    this.opts.metrics?.nodesTerminated.inc({ nodepool });
    const at = new Date(node.metadata.deletionTimestamp as string).getTime();
    this.opts.metrics?.nodesTerminationDuration.observe({ nodepool }, Math.max(0, now.getTime() - at) / 1000);
    this.opts.logger.info('deleted node', { Node: { name }, NodeClaim: { name: nc?.metadata.name ?? '' } });
    return {};
  }

  private forgetNode(name: string): void {
    for (const [k, r] of this.retries) if (r.node === name) this.retries.delete(k);
  }

}
