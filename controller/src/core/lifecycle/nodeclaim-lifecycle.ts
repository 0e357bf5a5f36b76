/**
 * The NodeClaim lifecycle, one reconcile per NodeClaim key:
 *   finalizer `karpenter.sh/termination` -> Launched (cloudProvider.create; providerID, capacity, allocatable)
 *   -> Registered (the Node with that providerID: labels, taints and finalizer synced, `karpenter.sh/unregistered`
 *   removed) -> Initialized (Node Ready, startup taints gone, extended resources present).
 * Liveness: a NodeClaim not launched within 5 minutes, or not registered within 15 minutes of its launch, is deleted.
 * Deletion: the Node is deleted (and drained by the node termination controller), the instance terminated, then the
 * finalizer removed.
 */
import {
  CONDITION_INITIALIZED, CONDITION_LAUNCHED, CONDITION_REGISTERED, ConditionSet, getCondition, REASON_INSUFFICIENT_CAPACITY,
  REASON_LAUNCH_FAILED, REASON_NODE_NOT_FOUND, REASON_NODE_NOT_READY, REASON_NODECLASS_NOT_READY, REASON_RESOURCE_NOT_REGISTERED,
  REASON_STARTUP_TAINTS_EXIST,
} from './conditions';
import { isInsufficientCapacityError, isNodeClaimNotFoundError, isNodeClassNotReadyError } from '../../cloudprovider/errors';
import { errorField } from '../../observability/logger';
import { NodeClaim, Taint } from '../kube-types';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODE_INITIALIZED, LABEL_NODE_REGISTERED, LABEL_NODEPOOL, LABEL_ZONE } from '../labels';
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, parseResources } from '../resources';
import { ControllerDependencies } from '../state/controller-dependencies';
import { ClusterNode, ClusterNodeClaim, TERMINATION_FINALIZER, UNREGISTERED_TAINT } from '../state/objects';
import { involvedNodeClaim } from '../state/ports';

export interface LifecycleOptions extends ControllerDependencies {
  /** @default 300000 (5 min) */
  readonly launchTimeoutMs?: number;
  /** @default 900000 (15 min) */
  readonly registrationTimeoutMs?: number;
  /** How often to check a NodeClaim waiting for its Node or instance termination. @default 5000 */
  readonly pollMs?: number;
}

export interface LifecycleResult {
  readonly requeueAfterMs?: number;
}

const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');
const WELL_KNOWN_RESOURCES = new Set([CPU, MEMORY, PODS, EPHEMERAL_STORAGE]);

export class NodeClaimLifecycle {
  /**
   * Launch results by NodeClaim uid, as upstream's launch cache: the informer cache can lag behind our own status
   * write, and a reconcile on that stale copy must not launch a second instance.
   */
  private readonly launched = new Map<string, NodeClaim>();

  constructor(private readonly opts: LifecycleOptions) {
    // the scrape-time gauges (nodes allocatable, pods state, nodeclaim conditions) read the same cluster state
    opts.metrics?.observeCluster(opts.cluster);
  }

  private get poll(): number {
    return this.opts.pollMs ?? 5_000;
  }

  private log(nc: ClusterNodeClaim, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { NodeClaim: { name: nc.metadata.name }, NodePool: { name: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' }, ...extra };
  }

  async reconcile(name: string): Promise<LifecycleResult> {
    let nc = this.opts.cluster.nodeClaims.get(name);
    if (!nc) return {};
    if (nc.metadata.deletionTimestamp) return this.finalize(nc);
    if (!(nc.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) {
      nc = this.opts.cluster.rememberNodeClaim(await this.opts.writer.patchNodeClaim(name, {
        metadata: { finalizers: [...(nc.metadata.finalizers ?? []), TERMINATION_FINALIZER], resourceVersion: nc.metadata.resourceVersion },
      }));
    }
    const now = this.opts.clock.now();
    const conds = new ConditionSet(nc.status?.conditions, now);
    const status: NonNullable<NodeClaim['status']> = { ...nc.status };
    let requeue: number | undefined;
    let deleted = false;

    if (!conds.isTrue(CONDITION_LAUNCHED)) {
      const created = nc.metadata.creationTimestamp ? new Date(nc.metadata.creationTimestamp).getTime() : now.getTime();
      if (now.getTime() - created > (this.opts.launchTimeoutMs ?? 300_000)) {
        this.opts.logger.info('deleting nodeclaim, launch timed out', this.log(nc, { ttl: '5m0s' }));
        await this.delete(nc, 'LaunchTimeout', 'NodeClaim did not launch within 5m0s');
        return {};
      }
      const launched = await this.launch(nc, conds);
      if (launched === 'deleted') return {};
      if (launched === undefined) {
        requeue = this.poll;
      } else {
        nc = launched;
        Object.assign(status, launched.status);
      }
    }
    if (conds.isTrue(CONDITION_LAUNCHED) && !conds.isTrue(CONDITION_REGISTERED)) {
      const node = status.providerID ? this.opts.cluster.nodeByProviderID(status.providerID) : undefined;
      if (!node) {
        const since = getCondition(conds.conditions, CONDITION_LAUNCHED)?.lastTransitionTime;
        if (since && now.getTime() - new Date(since).getTime() > (this.opts.registrationTimeoutMs ?? 900_000)) {
          this.opts.logger.info('deleting nodeclaim, registration timed out', this.log(nc, { 'provider-id': status.providerID, 'ttl': '15m0s' }));
          await this.delete(nc, 'RegistrationTimeout', 'Node did not register within 15m0s');
          deleted = true;
        } else {
          conds.set(CONDITION_REGISTERED, 'Unknown', REASON_NODE_NOT_FOUND, 'Node not registered with cluster');
          requeue = this.poll;
        }
      } else {
        await this.syncNode(nc, node);
        status.nodeName = node.metadata.name;
        conds.set(CONDITION_REGISTERED, 'True', CONDITION_REGISTERED);
        this.opts.metrics?.nodesCreated.inc({ nodepool: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' });
        this.opts.logger.info('registered nodeclaim', this.log(nc, { 'provider-id': status.providerID, 'Node': { name: node.metadata.name } }));
      }
    } else if (conds.isTrue(CONDITION_REGISTERED) && status.providerID && !this.opts.cluster.nodeByProviderID(status.providerID)) {
      // the Node was deleted out from under a registered NodeClaim: the NodeClaim goes too (upstream's node GC)
      this.opts.logger.info('deleting nodeclaim, node no longer exists', this.log(nc, { 'provider-id': status.providerID }));
      await this.delete(nc, 'NodeDeleted', 'Node was deleted');
      return {};
    }
    if (!deleted && conds.isTrue(CONDITION_REGISTERED) && !conds.isTrue(CONDITION_INITIALIZED)) {
      const node = status.providerID ? this.opts.cluster.nodeByProviderID(status.providerID) : undefined;
      const problem = node ? this.initializationProblem(nc, node) : { reason: REASON_NODE_NOT_FOUND, message: 'Node not registered with cluster' };
      if (problem || !node) {
        conds.set(CONDITION_INITIALIZED, 'Unknown', problem?.reason ?? REASON_NODE_NOT_FOUND, problem?.message ?? '');
        requeue = this.poll;
      } else {
        if (node.metadata.labels?.[LABEL_NODE_INITIALIZED] !== 'true') {
          this.opts.cluster.rememberNode(await this.opts.writer.patchNode(node.metadata.name, { metadata: { labels: { [LABEL_NODE_INITIALIZED]: 'true' } } }));
        }
        conds.set(CONDITION_INITIALIZED, 'True', CONDITION_INITIALIZED);
        this.opts.logger.info('initialized nodeclaim', this.log(nc, {
          'provider-id': status.providerID, 'Node': { name: node.metadata.name }, 'allocatable': node.status?.allocatable,
        }));
      }
    }
    if (deleted) return {};
    this.recordTransitions(conds);
    const changedConditions = JSON.stringify(conds.conditions) !== JSON.stringify(nc.status?.conditions ?? []);
    if (changedConditions || status.nodeName !== nc.status?.nodeName) {
      this.opts.cluster.rememberNodeClaim(await this.opts.writer.patchNodeClaimStatus(nc.metadata.name, { ...status, conditions: conds.conditions }));
    }
    return requeue !== undefined ? { requeueAfterMs: requeue } : {};
  }

  /** Launches; returns the NodeClaim with status, undefined to retry later, or 'deleted'. */
  private async launch(nc: ClusterNodeClaim, conds: ConditionSet): Promise<ClusterNodeClaim | undefined | 'deleted'> {
    const { cloudProvider, metrics, logger } = this.opts;
    const uid = nc.metadata.uid ?? nc.metadata.name;
    let launched: NodeClaim;
    const cached = this.launched.get(uid);
    try {
      launched = cached ?? await (metrics
        ? await metrics.timeCloudProvider('nodeclaim.lifecycle', 'Create', cloudProvider.name(), () => cloudProvider.create(nc))
        : cloudProvider.create(nc));
      this.launched.set(uid, launched);
    } catch (e) {
      if (isInsufficientCapacityError(e)) {
        this.opts.events.publish({ object: involvedNodeClaim(nc), type: 'Warning', reason: 'InsufficientCapacityError', message: `NodeClaim ${nc.metadata.name} event: ${errorField(e)}` });
        logger.error('failed launching nodeclaim', this.log(nc, { error: errorField(e), reason: REASON_INSUFFICIENT_CAPACITY }));
        await this.delete(nc, REASON_INSUFFICIENT_CAPACITY, errorField(e));
        return 'deleted';
      }
      const reason = isNodeClassNotReadyError(e) ? REASON_NODECLASS_NOT_READY : REASON_LAUNCH_FAILED;
      conds.set(CONDITION_LAUNCHED, 'False', reason, errorField(e));
      this.opts.events.publish({ object: involvedNodeClaim(nc), type: 'Warning', reason, message: errorField(e) });
      logger.error('failed launching nodeclaim', this.log(nc, { error: errorField(e), reason }));
      return undefined;
    }
    const labels = { ...launched.metadata.labels };
    const annotations = { ...launched.metadata.annotations };
    let out = nc;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b ?? {});
    if (!same(labels, nc.metadata.labels) || !same(annotations, nc.metadata.annotations)) {
      out = this.opts.cluster.rememberNodeClaim(await this.opts.writer.patchNodeClaim(nc.metadata.name, { metadata: { labels, annotations } }));
    }
    conds.set(CONDITION_LAUNCHED, 'True', CONDITION_LAUNCHED);
    const status = launched.status ?? {};
    if (!cached) {
      logger.info('launched nodeclaim', this.log(nc, {
        'provider-id': status.providerID,
        'instance-type': labels[LABEL_INSTANCE_TYPE],
        'zone': labels[LABEL_ZONE],
        'capacity-type': labels[LABEL_CAPACITY_TYPE],
        'allocatable': status.allocatable,
      }));
    }
    return {
      ...out,
      status: {
        ...out.status,
        providerID: status.providerID,
        imageID: status.imageID,
        capacity: status.capacity,
        allocatable: status.allocatable,
      },
    };
  }

  /** Labels, annotations, taints (first registration only), finalizer and owner reference onto the Node. */
  private async syncNode(nc: ClusterNodeClaim, node: ClusterNode): Promise<void> {
    const firstRegistration = node.metadata.labels?.[LABEL_NODE_REGISTERED] !== 'true';
    let taints = (node.spec?.taints ?? []).filter(t => !sameTaint(t, UNREGISTERED_TAINT) && t.key !== UNREGISTERED_TAINT.key);
    if (firstRegistration) {
      for (const t of [...(nc.spec.taints ?? []), ...(nc.spec.startupTaints ?? [])]) if (!taints.some(x => sameTaint(x, t))) taints = [...taints, t];
    }
    const finalizers = node.metadata.finalizers ?? [];
    const owners = node.metadata.ownerReferences ?? [];
    this.opts.cluster.rememberNode(await this.opts.writer.patchNode(node.metadata.name, {
      metadata: {
        labels: { ...nc.metadata.labels, [LABEL_NODE_REGISTERED]: 'true' },
        annotations: { ...nc.metadata.annotations },
        finalizers: finalizers.includes(TERMINATION_FINALIZER) ? finalizers : [...finalizers, TERMINATION_FINALIZER],
        ownerReferences: owners.some(o => o.kind === 'NodeClaim') ? owners : [...owners, {
          apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: nc.metadata.name, uid: nc.metadata.uid, blockOwnerDeletion: true,
        }],
        resourceVersion: node.metadata.resourceVersion,
      },
      spec: { taints },
    }));
  }


  private initializationProblem(nc: ClusterNodeClaim, node: ClusterNode): { reason: string; message: string } | undefined {
    const ready = node.status?.conditions?.find(c => c.type === 'Ready');
    if (ready?.status !== 'True') return { reason: REASON_NODE_NOT_READY, message: 'Node status is NotReady' };
    const startup = nc.spec.startupTaints ?? [];
    const remaining = (node.spec?.taints ?? []).filter(t => startup.some(s => sameTaint(s, t)));
    if (remaining.length > 0) return { reason: REASON_STARTUP_TAINTS_EXIST, message: `StartupTaint "${remaining[0].key}=${remaining[0].value ?? ''}:${remaining[0].effect}" still exists` };
    if (node.spec?.taints?.some(t => t.key === UNREGISTERED_TAINT.key)) return { reason: REASON_STARTUP_TAINTS_EXIST, message: `Taint "${UNREGISTERED_TAINT.key}" still exists` };
    let capacity: Record<string, number> = {};
    let allocatable: Record<string, number> = {};
    try {
      capacity = parseResources(nc.status?.capacity);
      allocatable = parseResources(node.status?.allocatable);
    } catch {
      // malformed quantities: treat as not registered yet
    }
    for (const [k, v] of Object.entries(capacity)) {
      if (WELL_KNOWN_RESOURCES.has(k) || v === 0) continue;
      if (!allocatable[k]) return { reason: REASON_RESOURCE_NOT_REGISTERED, message: `Resource "${k}" was requested but not registered` };
    }
    return undefined;
  }

  private recordTransitions(conds: ConditionSet): void {
    for (const t of conds.transitions) this.opts.metrics?.nodeClaimConditionTransitions.inc({ type: t.type, status: t.status, reason: t.reason ?? '' });
  }

  private async delete(nc: ClusterNodeClaim, reason: string, message: string): Promise<void> {
    this.opts.events.publish({ object: involvedNodeClaim(nc), type: 'Normal', reason: `Deleting${reason}`, message });
    await this.opts.writer.deleteNodeClaim(nc.metadata.name);
  }

  /** Termination: delete the Node (drained by the node termination controller), terminate the instance, drop the finalizer. */
  private async finalize(claim: ClusterNodeClaim): Promise<LifecycleResult> {
    let nc = claim;
    if (!(nc.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) return {};
    const { cluster, writer, cloudProvider, logger, metrics } = this.opts;
    const cached = this.launched.get(nc.metadata.uid ?? nc.metadata.name);
    if (cached?.status?.providerID && !nc.status?.providerID) nc = { ...nc, status: { ...nc.status, ...cached.status } };
    const providerID = nc.status?.providerID;
    const node = providerID ? cluster.nodeByProviderID(providerID) : nc.status?.nodeName ? cluster.nodes.get(nc.status.nodeName) : undefined;
    if (node) {
      if (!node.metadata.deletionTimestamp) await writer.deleteNode(node.metadata.name);
      return { requeueAfterMs: Math.min(this.poll, 1_000) };
    }
    if (providerID) {
      try {
        const start = this.opts.clock.now().getTime();
        if (metrics) await metrics.timeCloudProvider('nodeclaim.termination', 'Delete', cloudProvider.name(), () => cloudProvider.delete(nc));
        else await cloudProvider.delete(nc);
        metrics?.nodeClaimsInstanceTerminationDuration.observe({ nodepool: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' }, (this.opts.clock.now().getTime() - start) / 1000);
        // upstream keeps the finalizer until the provider reports the instance gone (NotFound)
        return { requeueAfterMs: this.poll };
      } catch (e) {
        if (!isNodeClaimNotFoundError(e)) throw new Error(`terminating instance of nodeclaim ${nc.metadata.name}`, { cause: e });
      }
    }
    await writer.patchNodeClaim(nc.metadata.name, {
      metadata: { finalizers: (nc.metadata.finalizers ?? []).filter(f => f !== TERMINATION_FINALIZER), resourceVersion: nc.metadata.resourceVersion },
    });
    const deletedAt = nc.metadata.deletionTimestamp ? new Date(nc.metadata.deletionTimestamp).getTime() : undefined;
    if (deletedAt !== undefined) {
      metrics?.nodeClaimsTerminationDuration.observe({ nodepool: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' }, Math.max(0, this.opts.clock.now().getTime() - deletedAt) / 1000);
    }
    metrics?.nodeClaimsTerminated.inc({ nodepool: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '', capacity_type: nc.metadata.labels?.[LABEL_CAPACITY_TYPE] ?? '' });
    this.launched.delete(nc.metadata.uid ?? nc.metadata.name);
    logger.info('deleted nodeclaim', this.log(nc, { 'Node': { name: nc.status?.nodeName ?? '' }, 'provider-id': providerID }));
    return {};
  }
}
