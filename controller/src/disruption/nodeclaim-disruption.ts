/**
 * Per-NodeClaim disruption state (upstream's nodeclaim disruption and expiration controllers), one reconcile per
 * NodeClaim key:
 * - expiration: past `expireAfter`, the NodeClaim is deleted regardless of budgets;
 * - re-stamping: a NodeClaim whose NodePool hash version is not ours (stamped by upstream) gets our hash annotations,
 *   so it is not mistaken for drifted;
 * - `Drifted`: NodePool hash, requirements, instance type, EC2NodeClass (hash, AMI, subnets, security groups) and the
 *   cloud provider's own answer; the instance's subnet and security groups are the facts the AWS provider records on
 *   the NodeClaim (a NodeClaim without them, launched before they were recorded, gets them once from `get`);
 * - `Consolidatable`: `consolidateAfter` since the last pod event (or initialization).
 */
import {
  ANNOTATION_INSTANCE_SECURITY_GROUP_IDS, ANNOTATION_INSTANCE_SUBNET_ID, hasInstanceFacts, instanceFactsOf,
} from '../aws/instance-facts';
import { isNodeClaimNotFoundError } from '../cloudprovider/errors';
import { CloudProvider } from '../cloudprovider/types';
import {
  CONDITION_CONSOLIDATABLE, CONDITION_DRIFTED, consolidatableDecision, isConditionTrue, withCondition,
} from '../core/disruption/conditions';
import { detectDrift, NodeClassForDrift } from '../core/disruption/drift-detection';
import { expirationDecision } from '../core/disruption/expiration';
import { restampNodeClaim } from '../core/disruption/hash';
import { LABEL_CAPACITY_TYPE, LABEL_NODEPOOL } from '../core/labels';
import { ControllerDependencies } from '../core/state/controller-dependencies';
import { ClusterNodeClaim } from '../core/state/objects';
import { involvedNodeClaim } from '../core/state/ports';
import { errorField } from '../observability/logger';

export interface NodeClaimDisruptionOptions extends ControllerDependencies {
  /** The EC2NodeClass a NodePool refers to, from the informer cache. */
  readonly nodeClass?: (name: string) => NodeClassForDrift | undefined;
  /** How often drift is re-checked without an event (upstream: 5 minutes). @default 300000 */
  readonly driftPollMs?: number;
}

const isLaunched = (nc: ClusterNodeClaim) => isConditionTrue(nc, 'Launched');

export class NodeClaimDisruption {
  /** providerIDs already described for their instance facts (at most one `get` per instance and process). */
  private readonly described = new Set<string>();

  constructor(private readonly opts: NodeClaimDisruptionOptions) {}

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    const { cluster, writer, logger, metrics, events } = this.opts;
    let nc = cluster.nodeClaims.get(name);
    if (!nc || nc.metadata.deletionTimestamp) return {};
    const poolName = nc.metadata.labels?.[LABEL_NODEPOOL];
    const pool = poolName ? cluster.nodePools.get(poolName) : undefined;
    if (!pool || !poolName) return {};
    const now = this.opts.clock.now();
    const nowMs = now.getTime();
    let requeue = this.opts.driftPollMs ?? 300_000;

    const expiration = expirationDecision(nc, now);
    if (expiration.expired) {
      await writer.deleteNodeClaim(name);
      metrics?.nodeClaimsDisrupted.inc({ reason: 'expired', nodepool: poolName, capacity_type: nc.metadata.labels?.[LABEL_CAPACITY_TYPE] ?? '' });
      events.publish({ object: involvedNodeClaim(nc), type: 'Normal', reason: 'DisruptionTerminating', message: 'Disrupting NodeClaim: Expired' });
      logger.info('disrupting nodeclaim(s) via delete, terminating 1 nodes', {
        reason: 'expired', NodeClaim: { name }, NodePool: { name: poolName }, Node: { name: nc.status?.nodeName ?? '' },
      });
      return {};
    }
    if (expiration.at) requeue = Math.min(requeue, Math.max(0, expiration.at.getTime() - nowMs) + 1);
    if (!isLaunched(nc)) return { requeueAfterMs: requeue };

    const drifted = isConditionTrue(nc, CONDITION_DRIFTED);
    const restamp = restampNodeClaim(nc, pool, drifted);
    if (restamp) {
      nc = this.remember(await writer.patchNodeClaim(name, { metadata: { annotations: restamp } }));
      logger.debug('re-stamped nodeclaim with this controller\'s nodepool hash', { NodeClaim: { name }, NodePool: { name: poolName } });
    }

    let conditions = nc.status?.conditions ?? [];
    const drift = await this.drift(nc, pool);
    conditions = withCondition(conditions, CONDITION_DRIFTED, drift ? 'True' : undefined, now, drift);
    if (drift && !drifted) {
      logger.info('nodeclaim drifted', { NodeClaim: { name }, NodePool: { name: poolName }, reason: drift });
      events.publish({ object: involvedNodeClaim(nc), type: 'Normal', reason: 'DisruptionBlocked', message: `NodeClaim has drifted: ${drift}` });
    }

    const nodeName = nc.status?.nodeName;
    const last = nodeName ? cluster.lastPodEventMs(nodeName) : undefined;
    const stored = (nc.status as { lastPodEventTime?: string } | undefined)?.lastPodEventTime;
    const lastPodEvent = Math.max(last ?? -Infinity, stored ? new Date(stored).getTime() || -Infinity : -Infinity);
    const c = consolidatableDecision(nc, pool, Number.isFinite(lastPodEvent) ? new Date(lastPodEvent) : undefined, now);
    conditions = withCondition(conditions, CONDITION_CONSOLIDATABLE, c.status, now);
    if (c.consolidatableAt) requeue = Math.min(requeue, Math.max(0, c.consolidatableAt.getTime() - nowMs) + 1);

    if (!sameConditions(conditions, nc.status?.conditions ?? [])) {
      this.remember(await writer.patchNodeClaimStatus(name, { ...nc.status, conditions }));
    }
    return { requeueAfterMs: requeue };
  }

  private async drift(nc: ClusterNodeClaim, pool: Parameters<typeof detectDrift>[0]['nodePool']): Promise<string | undefined> {
    const { cloudProvider, logger } = this.opts;
    let instanceTypes: Awaited<ReturnType<CloudProvider['getInstanceTypes']>> | undefined;
    try {
      instanceTypes = await cloudProvider.getInstanceTypes(pool);
    } catch (e) {
      logger.debug('drift: unable to resolve instance types', { NodePool: { name: pool.metadata.name }, error: errorField(e) });
    }
    const classRef = pool.spec.template.spec.nodeClassRef;
    const nodeClass = classRef ? this.opts.nodeClass?.(classRef.name) : undefined;
    const claim = nodeClass ? await this.recordInstanceFacts(nc) : nc;
    const reason = detectDrift({
      nodeClaim: claim, nodePool: pool, instanceTypes: instanceTypes?.length ? instanceTypes : undefined, nodeClass, instance: instanceFactsOf(claim),
    });
    if (reason) return reason;
    try {
      return await cloudProvider.isDrifted(nc);
    } catch (e) {
      logger.debug('drift: cloud provider check failed', { NodeClaim: { name: nc.metadata.name }, error: errorField(e) });
      return undefined;
    }
  }

  /**
   * A NodeClaim without the instance facts (subnet, security groups) gets those the cloud provider reports for its
   * instance (`get`: DescribeInstances on AWS), written as annotations, once per instance.
   */
  private async recordInstanceFacts(nc: ClusterNodeClaim): Promise<ClusterNodeClaim> {
    const providerID = nc.status?.providerID;
    if (!providerID || hasInstanceFacts(nc) || this.described.has(providerID)) return nc;
    this.described.add(providerID);
    let described;
    try {
      described = await this.opts.cloudProvider.get(providerID);
    } catch (e) {
      if (!isNodeClaimNotFoundError(e)) this.described.delete(providerID);
      this.opts.logger.debug('drift: unable to describe the instance', { NodeClaim: { name: nc.metadata.name }, error: errorField(e) });
      return nc;
    }
    const annotations: Record<string, string> = {};
    for (const k of [ANNOTATION_INSTANCE_SUBNET_ID, ANNOTATION_INSTANCE_SECURITY_GROUP_IDS]) {
      const v = described.metadata.annotations?.[k];
      if (v && !nc.metadata.annotations?.[k]) annotations[k] = v;
    }
    if (Object.keys(annotations).length === 0) return nc;
    try {
      return this.remember(await this.opts.writer.patchNodeClaim(nc.metadata.name, { metadata: { annotations } }));
    } catch (e) {
      this.described.delete(providerID);
      throw new Error(`recording the instance facts of nodeclaim ${nc.metadata.name}`, { cause: e });
    }
  }

  private remember(nc: ClusterNodeClaim): ClusterNodeClaim {
    if (nc?.metadata?.name) this.opts.cluster.upsertNodeClaim(nc);
    return nc;
  }
}

type ConditionKey = { type: string; status: string; reason?: string };

function sameConditions(a: readonly ConditionKey[], b: readonly ConditionKey[]): boolean {
  if (a.length !== b.length) return false;
  const key = (c: ConditionKey) => `${c.type}=${c.status}/${c.reason ?? ''}`;
  const bs = new Set(b.map(key));
  return a.every(c => bs.has(key(c)));
}
