/**
 * The provisioner: provisionable pods -> `Scheduler.solve` over the NodePools, their instance types and the nodes
 * that exist or are launching -> NodeClaims created through the KubeWriter (generateName `<nodepool>-`, owner
 * reference to the NodePool, NodePool hash annotations), Nominated / FailedScheduling events on the pods.
 * A bad object (invalid NodePool, malformed pod quantity) is logged and recorded, never fatal. A round in which the
 * API server refused a NodeClaim create, or a NodePool's instance types could not be resolved, finishes the rest of
 * its work and then throws a `ProvisioningError`: the batcher retries it with backoff.
 */
import { ignoredReason } from './pending';
import { InstanceType } from '../../cloudprovider/instance-type';
import { errorField } from '../../observability/logger';
import { nodePoolHashAnnotations } from '../disruption/hash';
import { NodeClaim } from '../kube-types';
import { podRequests } from '../pod-requests';
import { formatResources } from '../resources';
import { Scheduler, SchedulingResults } from '../scheduling/scheduler';
import { ControllerDependencies } from '../state/controller-dependencies';
import { ClusterNodeClaim, ClusterNodePool, ClusterPod } from '../state/objects';
import { involvedPod } from '../state/ports';

export interface ProvisionerOptions extends ControllerDependencies {
  /** False until every informer has synced: no decision before that. @default always synced */
  readonly synced?: () => boolean;
  /** False for a NodePool whose node class is known and not Ready. @default every NodePool is usable */
  readonly nodePoolReady?: (np: ClusterNodePool) => string | undefined;
  /** Wall-clock milliseconds for durations in logs and metrics. @default clock.now() */
  readonly nowMs?: () => number;
  /**
   * How long an existing node stays nominated for the pending pods placed on it (not a disruption candidate
   * meanwhile; upstream: twice the batch max duration, at least 10 s). @default 20000
   */
  readonly nominationWindowMs?: number;
}

export interface ProvisioningResult {
  readonly pods: ClusterPod[];
  readonly created: ClusterNodeClaim[];
  readonly results?: SchedulingResults;
  readonly skipped?: string;
}

const MAX_LOGGED = 5;

/** A provisioning round that did part of its work: transient failures to retry (the result is what was done). */
export class ProvisioningError extends Error {
  readonly isProvisioningError = true;
  constructor(readonly failures: readonly string[], readonly result: ProvisioningResult) {
    super(`provisioning round failed: ${failures.length <= MAX_LOGGED ? failures.join('; ') : `${failures.slice(0, MAX_LOGGED).join('; ')} and ${failures.length - MAX_LOGGED} other(s)`}`);
    this.name = 'ProvisioningError';
  }
}

export function isProvisioningError(e: unknown): e is ProvisioningError {
  return (e as ProvisioningError | undefined)?.isProvisioningError === true;
}

function podName(p: ClusterPod): string {
  return `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
}

function listNames(names: string[]): string {
  return names.length <= MAX_LOGGED ? names.join(', ') : `${names.slice(0, MAX_LOGGED).join(', ')} and ${names.length - MAX_LOGGED} other(s)`;
}

export class Provisioner {
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly opts: ProvisionerOptions) {}

  private nowMs(): number {
    return this.opts.nowMs?.() ?? this.opts.clock.now().getTime();
  }

  /** The provisionable pods, sorted by name for stable output. */
  pendingPods(): ClusterPod[] {
    const out: ClusterPod[] = [];
    let ignored = 0;
    for (const p of this.opts.cluster.pods.values()) {
      if (ignoredReason(p) === undefined) out.push(p);
      else if (!p.spec?.nodeName) ignored++;
    }
    this.opts.metrics?.ignoredPods.set(ignored);
    return out.sort((a, b) => (podName(a) < podName(b) ? -1 : 1));
  }

  /**
   * One provisioning round. Never throws for bad objects; throws a `ProvisioningError` (after doing what it could)
   * when the API refused a NodeClaim create or instance types could not be resolved, so that the round is retried.
   */
  async provision(): Promise<ProvisioningResult> {
    const { logger, metrics } = this.opts;
    if (this.opts.synced && !this.opts.synced()) return { pods: [], created: [], skipped: 'cluster state not synced' };
    const pods = this.pendingPods();
    metrics?.schedulerQueueDepth.set({ controller: 'provisioner', scheduling_id: '' }, pods.length);
    if (pods.length === 0) return { pods, created: [] };
    const now = this.nowMs();
    for (const p of pods) {
      const k = podName(p);
      if (!this.firstSeen.has(k)) {
        this.firstSeen.set(k, now);
        metrics?.podsSchedulingDecisionDuration.observe(0);
      }
    }
    logger.info('found provisionable pod(s)', { Pods: listNames(pods.map(podName)), duration: '0s' });

    const failures: string[] = [];
    const nodePools: ClusterNodePool[] = [];
    const instanceTypes = new Map<string, InstanceType[]>();
    for (const np of this.opts.cluster.nodePools.values().sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
      if (np.metadata.deletionTimestamp) continue;
      const notReady = this.opts.nodePoolReady?.(np);
      if (notReady) {
        logger.debug('ignoring nodepool', { NodePool: { name: np.metadata.name }, reason: notReady });
        continue;
      }
      try {
        const its = metrics
          ? await metrics.timeCloudProvider('provisioner', 'GetInstanceTypes', this.opts.cloudProvider.name(), () => this.opts.cloudProvider.getInstanceTypes(np))
          : await this.opts.cloudProvider.getInstanceTypes(np);
        if (its.length === 0) {
          logger.warn('skipping, nodepool requirements filtered out all instance types', { NodePool: { name: np.metadata.name } });
          continue;
        }
        instanceTypes.set(np.metadata.name, its);
        metrics?.recordInstanceTypes(its);
        nodePools.push(np);
      } catch (e) {
        logger.error('skipping, unable to resolve instance types', { NodePool: { name: np.metadata.name }, error: errorField(e) });
        failures.push(`resolving instance types of nodepool ${np.metadata.name}: ${errorField(e)}`);
      }
    }

    // pods whose quantities cannot be parsed are reported and left out, so one bad pod does not block the rest
    const schedulable = pods.filter(p => {
      try {
        podRequests(p);
        return true;
      } catch (e) {
        this.failed(p, `invalid pod: ${errorField(e)}`);
        return false;
      }
    });
    const usable = nodePools.filter(np => {
      try {
        new Scheduler({ nodePools: [np], instanceTypes: [], clock: this.opts.clock });
        return true;
      } catch (e) {
        logger.error('skipping, invalid nodepool', { NodePool: { name: np.metadata.name }, error: errorField(e) });
        return false;
      }
    });

    const end = metrics?.schedulingDuration.startTimer({ controller: 'provisioner' });
    let results: SchedulingResults;
    try {
      results = new Scheduler({
        nodePools: usable,
        instanceTypes,
        stateNodes: this.opts.cluster.stateNodes(),
        daemonSetPods: this.opts.cluster.daemonSetPods(),
        clock: this.opts.clock,
      }).solve(schedulable);
    } catch (e) {
      logger.error('scheduling failed', { error: errorField(e) });
      return { pods, created: [], skipped: errorField(e) };
    } finally {
      end?.();
    }
    metrics?.unschedulablePods.set({ controller: 'provisioner' }, results.podErrors.size);
    const nominatedUntil = this.opts.clock.now().getTime() + (this.opts.nominationWindowMs ?? 20_000);
    for (const e of results.existingNodes) if (e.pods.length > 0) this.opts.cluster.nominate(e.name, nominatedUntil);
    for (const [pod, reason] of results.podErrors) this.failed(pod as ClusterPod, reason);
    if (results.newNodeClaims.length > 0) {
      logger.info('computed new nodeclaim(s) to fit pod(s)', { nodeclaims: results.newNodeClaims.length, pods: schedulable.length - results.podErrors.size });
    }

    const created: ClusterNodeClaim[] = [];
    for (const planned of results.newNodeClaims) {
      const np = this.opts.cluster.nodePools.get(planned.nodePoolName);
      if (!np) continue;
      const nc = withNodePoolOwner(planned.toNodeClaim(), np);
      let out: ClusterNodeClaim;
      try {
        out = await this.opts.writer.createNodeClaim(nc);
      } catch (e) {
        logger.error('failed to create nodeclaim', { NodePool: { name: np.metadata.name }, error: errorField(e) });
        for (const p of planned.podObjects) this.failed(p as ClusterPod, `creating nodeclaim: ${errorField(e)}`);
        failures.push(`creating nodeclaim for nodepool ${np.metadata.name}: ${errorField(e)}`);
        continue;
      }
      created.push(out);
      metrics?.nodeClaimsCreated.inc({ reason: 'provisioning', nodepool: np.metadata.name, min_values_relaxed: 'false' });
      const names = planned.instanceTypeOptions.map(it => it.name);
      logger.info('created nodeclaim', {
        'NodePool': { name: np.metadata.name },
        'NodeClaim': { name: out.metadata.name },
        'requests': formatResources(planned.resourceRequests),
        'instance-types': listNames(names),
      });
      for (const p of planned.podObjects) {
        this.opts.events.publish({ object: involvedPod(p), type: 'Normal', reason: 'Nominated', message: `Pod should schedule on: nodeclaim/${out.metadata.name}` });
      }
    }
    if (failures.length > 0) throw new ProvisioningError(failures, { pods, created, results });
    return { pods, created, results };
  }

  /** Forgets pods that are gone or bound (keeps the first-seen map small). */
  prune(): void {
    for (const k of [...this.firstSeen.keys()]) {
      const p = this.opts.cluster.pods.get(k);
      if (!p || p.spec?.nodeName) this.firstSeen.delete(k);
    }
  }

  private failed(p: ClusterPod, reason: string): void {
    this.opts.logger.error('could not schedule pod', { Pod: { name: p.metadata.name, namespace: p.metadata.namespace ?? 'default' }, error: reason });
    this.opts.events.publish({ object: involvedPod(p), type: 'Warning', reason: 'FailedScheduling', message: `Failed to schedule pod, ${reason}` });
  }
}

/**
 * A NodeClaim as it is created from a NodePool (by the provisioner and for disruption replacements): owner reference
 * to the NodePool and the NodePool hash annotations from the disruption core (one hash function, one hash version).
 */
export function withNodePoolOwner(nc: NodeClaim, np: ClusterNodePool): NodeClaim {
  return {
    ...nc,
    metadata: {
      ...nc.metadata,
      annotations: { ...nc.metadata.annotations, ...nodePoolHashAnnotations(np) },
      ownerReferences: [{
        apiVersion: 'karpenter.sh/v1',
        kind: 'NodePool',
        name: np.metadata.name,
        uid: np.metadata.uid,
        // upstream: blockOwnerDeletion so the NodePool's deletion waits for its NodeClaims
        ...({ blockOwnerDeletion: true } as object),
      }],
    },
  };
}
