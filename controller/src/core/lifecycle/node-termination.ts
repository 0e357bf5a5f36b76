/**
 * Node termination (a Node with a deletionTimestamp and the `karpenter.sh/termination` finalizer): taint it
 * `karpenter.sh/disrupted:NoSchedule`, evict its pods through the Eviction API (PodDisruptionBudgets answer 429 and
 * the pod is retried), skipping DaemonSet, mirror and terminal pods; when drained, terminate the instance and remove
 * the finalizer.
 */
import { isNodeClaimNotFoundError } from '../../cloudprovider/errors';
import { CloudProvider } from '../../cloudprovider/types';
import { errorField, Logger } from '../../observability/logger';
import { Metrics } from '../../observability/metrics';
import { Clock } from '../clock';
import { LABEL_NODEPOOL } from '../labels';
import { MIRROR_POD_ANNOTATION } from '../provisioning/pending';
import { ClusterState, isTerminal } from '../state/cluster-state';
import { ClusterPod, DISRUPTED_TAINT, TERMINATION_FINALIZER } from '../state/objects';
import { EventRecorder, involvedNode, KubeWriter } from '../state/ports';

export interface NodeTerminationOptions {
  readonly cluster: ClusterState;
  readonly cloudProvider: CloudProvider;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: Metrics;
  /** @default 1000 */
  readonly pollMs?: number;
}

function drainable(p: ClusterPod): boolean {
  if (isTerminal(p) || p.metadata.deletionTimestamp) return false;
  if (p.metadata.ownerReferences?.some(o => o.kind === 'DaemonSet' || o.kind === 'Node')) return false;
  if (p.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return false;
  return !(p.spec.tolerations ?? []).some(t => t.key === DISRUPTED_TAINT.key && (t.operator === 'Exists' || t.value === undefined));
}

export class NodeTermination {
  constructor(private readonly opts: NodeTerminationOptions) {}

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    const { cluster, writer, logger, metrics } = this.opts;
    const node = cluster.nodes.get(name);
    if (!node || !node.metadata.deletionTimestamp || !(node.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return {};
    const poll = this.opts.pollMs ?? 1_000;
    const nodepool = node.metadata.labels?.[LABEL_NODEPOOL] ?? '';
    if (!(node.spec?.taints ?? []).some(t => t.key === DISRUPTED_TAINT.key)) {
      await writer.patchNode(name, {
        spec: { taints: [...(node.spec?.taints ?? []), DISRUPTED_TAINT] },
        metadata: { resourceVersion: node.metadata.resourceVersion },
      });
      this.opts.events.publish({ object: involvedNode(node), type: 'Normal', reason: 'Disrupting', message: 'Disrupting Node' });
      return { requeueAfterMs: 0 };
    }
    const pods = cluster.podsOnNode(name).filter(drainable);
    if (pods.length > 0) {
      let blocked = 0;
      for (const p of pods) {
        try {
          const evicted = await writer.evictPod(p.metadata.namespace ?? 'default', p.metadata.name);
          metrics?.podsEvictionRequests.inc({ code: evicted ? '201' : '429' });
          if (evicted) metrics?.podsDrained.inc({ reason: 'Drain' });
          else blocked++;
        } catch (e) {
          metrics?.podsEvictionRequests.inc({ code: 'error' });
          logger.error('failed to evict pod', { Pod: { name: p.metadata.name, namespace: p.metadata.namespace }, Node: { name }, error: errorField(e) });
        }
      }
      if (blocked > 0) logger.debug('eviction blocked by pod disruption budget', { Node: { name }, pods: blocked });
      return { requeueAfterMs: poll };
    }
    const nc = node.spec?.providerID ? cluster.nodeClaimByProviderID(node.spec.providerID) : undefined;
    if (nc) {
      try {
        await this.opts.cloudProvider.delete(nc);
      } catch (e) {
        if (!isNodeClaimNotFoundError(e)) throw new Error(`terminating instance of node ${name}`, { cause: e });
      }
    }
    await writer.patchNode(name, {
      metadata: {
        finalizers: (node.metadata.finalizers ?? []).filter(f => f !== TERMINATION_FINALIZER),
        resourceVersion: node.metadata.resourceVersion,
      },
    });
    metrics?.nodesDrained.inc({ nodepool });
    metrics?.nodesTerminated.inc({ nodepool });
    const at = new Date(node.metadata.deletionTimestamp).getTime();
    metrics?.nodesTerminationDuration.observe({ nodepool }, Math.max(0, this.opts.clock.now().getTime() - at) / 1000);
    logger.info('deleted node', { Node: { name }, NodeClaim: { name: nc?.metadata.name ?? '' } });
    return {};
  }
}
