/**
 * The operator: informers -> cluster state -> controllers (provisioner, NodeClaim lifecycle, node termination,
 * EC2NodeClass status), gated by leader election and by the informers' "synced" state. Everything it talks to is a
 * port (KubeApi, CloudProvider, Timers), so tests run it in-process against fakes.
 */
import { CloudProvider } from './cloudprovider/types';
import { NodeClassForDrift } from './core/disruption/drift-detection';
import { NodeTermination } from './core/lifecycle/node-termination';
import { NodeClaimLifecycle } from './core/lifecycle/nodeclaim-lifecycle';
import { Batcher } from './core/provisioning/batcher';
import { isProvisionable } from './core/provisioning/pending';
import { Provisioner } from './core/provisioning/provisioner';
import { parseResources } from './core/resources';
import { ClusterState } from './core/state/cluster-state';
import { ControllerDependencies } from './core/state/controller-dependencies';
import {
  ClusterDaemonSet, ClusterNode, ClusterNodeClaim, ClusterNodePool, ClusterPdb, ClusterPod, Condition, TERMINATION_FINALIZER,
} from './core/state/objects';
import { VolumeState } from './core/state/volumes';
import { PersistentVolumeClaim, VolumeAttachment } from './core/termination/volumes';
import { DisruptionController } from './disruption/disruption-controller';
import { NodeClaimDisruption } from './disruption/nodeclaim-disruption';
import { isNotFound, KubeApi, KubeObject } from './kube/api';
import { Informer } from './kube/informer';
import { LeaderElector } from './kube/leader-election';
import {
  DAEMONSETS, EC2NODECLASSES, NODECLAIMS, NODEPOOLS, NODES, PDBS, PERSISTENT_VOLUME_CLAIMS, PODS, VOLUME_ATTACHMENTS, ApiResource,
} from './kube/resources';
import { Timers } from './kube/timers';
import { runWorkers, WorkQueue } from './kube/work-queue';
import { ApiEventRecorder, ApiKubeWriter } from './kube/writer';
import { errorField, Logger } from './observability/logger';
import { Metrics } from './observability/metrics';
import { Settings } from './settings';

/** An EC2NodeClass as the operator stores it (the AWS side defines the full shape). */
export interface NodeClassObject extends KubeObject {
  metadata: NonNullable<KubeObject['metadata']> & { name: string };
  spec?: Record<string, unknown>;
  status?: { conditions?: Condition[] } & Record<string, unknown>;
}

export interface OperatorOptions {
  readonly settings: Settings;
  readonly api: KubeApi;
  readonly cloudProvider: CloudProvider;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly timers: Timers;
  /** This replica's identity in the Lease (the pod name). */
  readonly identity: string;
  /** Computes an EC2NodeClass status (the AWS side); the operator writes it through the status subresource. */
  readonly nodeClassStatus?: (nodeClass: NodeClassObject) => Promise<Record<string, unknown>>;
  /** Called when leadership is lost after having been held (main exits, as upstream does). */
  readonly onLeadershipLost?: () => void;
  /** Test knobs. */
  readonly tuning?: {
    readonly resyncMs?: number;
    readonly lifecyclePollMs?: number;
    readonly terminationPollMs?: number;
    readonly nodeClassRequeueMs?: number;
    readonly leaseDurationMs?: number;
    readonly renewDeadlineMs?: number;
    readonly retryPeriodMs?: number;
    readonly watchTimeoutSeconds?: number;
    /** Disruption decision poll (upstream: 10 s). */
    readonly disruptionPollMs?: number;
    /** Wait between a disruption decision and its validation (upstream: 15 s). */
    readonly validationPeriodMs?: number;
    /** How often a running disruption command checks its replacements. */
    readonly replacementPollMs?: number;
    /** Drift re-check without events (upstream: 5 min). */
    readonly driftPollMs?: number;
  };
}

const READY = (conds: Condition[] | undefined) => conds?.find(c => c.type === 'Ready');

export class Operator {
  readonly cluster = new ClusterState();
  /** VolumeAttachments and PVCs (node termination waits for volumes to detach). */
  readonly volumes = new VolumeState();
  readonly informers: Array<Informer<KubeObject>> = [];
  readonly provisioner: Provisioner;
  readonly lifecycle: NodeClaimLifecycle;
  readonly termination: NodeTermination;
  readonly disruption: DisruptionController;
  readonly nodeClaimDisruption: NodeClaimDisruption;
  readonly batcher: Batcher;
  readonly elector: LeaderElector | undefined;
  private readonly nodeClasses: Informer<NodeClassObject>;
  private readonly lifecycleQueue: WorkQueue;
  private readonly terminationQueue: WorkQueue;
  private readonly nodeClassQueue: WorkQueue;
  private readonly nodeClaimDisruptionQueue: WorkQueue;
  private readonly workers: Array<Promise<void>> = [];
  private leading = false;
  private started = false;
  private stopped = false;
  private wasLeader = false;
  private unsyncedSince: number;

  constructor(private readonly opts: OperatorOptions) {
    const { api, timers, logger, metrics, cloudProvider, settings } = opts;
    const tuning = opts.tuning ?? {};
    const writer = new ApiKubeWriter(api);
    const events = new ApiEventRecorder(api, timers, logger);
    this.unsyncedSince = timers.nowMs();
    const informer = <T extends KubeObject>(resource: ApiResource) => {
      const i = new Informer<T>({ api, resource, timers, logger, resyncMs: tuning.resyncMs, watchTimeoutSeconds: tuning.watchTimeoutSeconds });
      this.informers.push(i as unknown as Informer<KubeObject>);
      return i;
    };
    const pods = informer<ClusterPod & KubeObject>(PODS);
    const nodes = informer<ClusterNode & KubeObject>(NODES);
    const nodeClaims = informer<ClusterNodeClaim & KubeObject>(NODECLAIMS);
    const nodePools = informer<ClusterNodePool & KubeObject>(NODEPOOLS);
    const daemonSets = informer<ClusterDaemonSet & KubeObject>(DAEMONSETS);
    const pdbs = informer<ClusterPdb & KubeObject>(PDBS);
    this.nodeClasses = informer<NodeClassObject>(EC2NODECLASSES);
    const volumeAttachments = informer<VolumeAttachment & KubeObject>(VOLUME_ATTACHMENTS);
    const claims = informer<PersistentVolumeClaim & KubeObject>(PERSISTENT_VOLUME_CLAIMS);

    const queue = (name: string) => new WorkQueue({ name, timers, metrics });
    this.lifecycleQueue = queue('nodeclaim.lifecycle');
    this.terminationQueue = queue('node.termination');
    this.nodeClassQueue = queue('nodeclass');
    this.nodeClaimDisruptionQueue = queue('nodeclaim.disruption');

    // What every controller is given (cluster state, cloud, writers, logs, time).
    const dependencies: ControllerDependencies = { cluster: this.cluster, cloudProvider, writer, events, logger, clock: timers, metrics };
    this.provisioner = new Provisioner({
      ...dependencies,
      synced: () => this.synced(),
      nodePoolReady: np => this.nodePoolNotReady(np),
    });
    this.lifecycle = new NodeClaimLifecycle({
      ...dependencies, pollMs: tuning.lifecyclePollMs,
    });
    this.termination = new NodeTermination({
      ...dependencies,
      pollMs: tuning.terminationPollMs,
      volumes: this.volumes,
      deletePod: async (namespace, name, gracePeriodSeconds) => {
        try {
          await api.delete(PODS, name, { namespace, gracePeriodSeconds });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      },
    });
    this.nodeClaimDisruption = new NodeClaimDisruption({
      ...dependencies,
      nodeClass: name => this.nodeClasses.get(name) as unknown as NodeClassForDrift | undefined,
      driftPollMs: tuning.driftPollMs,
    });
    this.disruption = new DisruptionController({
      cluster: this.cluster,
      cloudProvider,
      writer,
      events,
      logger,
      timers,
      metrics,
      active: () => this.leading && !this.stopped && this.synced(),
      options: { spotToSpotConsolidation: settings.featureGates.SpotToSpotConsolidation === true },
      pollMs: tuning.disruptionPollMs,
      validationPeriodMs: tuning.validationPeriodMs,
      replacementPollMs: tuning.replacementPollMs,
    });
    this.batcher = new Batcher({
      idleMs: settings.batchIdleDurationMs,
      maxMs: settings.batchMaxDurationMs,
      timers,
      run: () => this.provisionOnce(),
      onError: e => logger.error('provisioning failed', { error: errorField(e) }),
    });

    pods.on({
      add: p => this.onPod(p),
      update: (_, p) => this.onPod(p),
      delete: p => {
        this.cluster.deletePod(p, this.synced() ? timers.nowMs() : undefined);
        if (p.spec?.nodeName) {
          this.enqueueNodeTermination(p.spec.nodeName);
          this.enqueueNodeClaimDisruption(p.spec.nodeName);
        }
      },
    });
    pdbs.on({
      add: pdb => this.cluster.upsertPdb(pdb),
      update: (_, pdb) => this.cluster.upsertPdb(pdb),
      delete: pdb => this.cluster.deletePdb(pdb),
    });
    nodes.on({
      add: n => this.onNode(n),
      update: (_, n) => this.onNode(n),
      delete: n => {
        this.cluster.deleteNode(n);
        const nc = n.spec?.providerID ? this.cluster.nodeClaimByProviderID(n.spec.providerID) : undefined;
        if (nc) this.lifecycleQueue.add(nc.metadata.name);
      },
    });
    nodeClaims.on({
      add: nc => this.onNodeClaim(nc),
      update: (_, nc) => this.onNodeClaim(nc),
      delete: nc => {
        this.cluster.deleteNodeClaim(nc);
        this.triggerIfPending();
      },
    });
    nodePools.on({
      add: np => { this.cluster.upsertNodePool(np); this.triggerIfPending(); this.enqueueAllNodeClaimDisruption(); },
      update: (_, np) => { this.cluster.upsertNodePool(np); this.triggerIfPending(); this.enqueueAllNodeClaimDisruption(); },
      delete: np => this.cluster.deleteNodePool(np),
    });
    const onAttachment = (va: VolumeAttachment) => {
      if (va.spec?.nodeName) this.enqueueNodeTermination(va.spec.nodeName);
    };
    volumeAttachments.on({
      add: va => { this.volumes.upsertAttachment(va); onAttachment(va); },
      update: (old, va) => { this.volumes.upsertAttachment(va); onAttachment(old); onAttachment(va); },
      delete: va => { this.volumes.deleteAttachment(va); onAttachment(va); },
    });
    claims.on({
      add: pvc => this.volumes.upsertClaim(pvc),
      update: (_, pvc) => this.volumes.upsertClaim(pvc),
      delete: pvc => this.volumes.deleteClaim(pvc),
    });
    daemonSets.on({
      add: ds => this.cluster.upsertDaemonSet(ds),
      update: (_, ds) => this.cluster.upsertDaemonSet(ds),
      delete: ds => this.cluster.deleteDaemonSet(ds),
    });
    this.nodeClasses.on({
      add: nc => this.nodeClassQueue.add(nc.metadata.name),
      update: (old, nc) => {
        // status-only updates come from this controller: requeue only on spec changes (and resyncs)
        if (old === nc || JSON.stringify(old.spec) !== JSON.stringify(nc.spec)) this.nodeClassQueue.add(nc.metadata.name);
        if (old === nc || JSON.stringify(old.spec) !== JSON.stringify(nc.spec) || JSON.stringify(old.status) !== JSON.stringify(nc.status)) {
          this.enqueueAllNodeClaimDisruption();
        }
        this.triggerIfPending();
      },
    });

    if (settings.leaderElection) {
      this.elector = new LeaderElector({
        api,
        timers,
        logger,
        namespace: settings.systemNamespace,
        identity: opts.identity,
        leaseDurationMs: tuning.leaseDurationMs,
        renewDeadlineMs: tuning.renewDeadlineMs,
        retryPeriodMs: tuning.retryPeriodMs,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.stopLeading(),
      });
    }
  }

  /** True once every informer has listed (the "synced" gate). */
  synced(): boolean {
    return this.informers.every(i => i.hasSynced());
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** An EC2NodeClass by name, from the informer cache (for the AWS cloud provider). */
  nodeClass(name: string): NodeClassObject | undefined {
    return this.nodeClasses.get(name);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const i of this.informers) i.start();
    const active = () => this.leading && !this.stopped;
    const { logger, metrics } = this.opts;
    this.workers.push(
      runWorkers({ queue: this.lifecycleQueue, reconcile: k => this.lifecycle.reconcile(k), concurrency: 10, logger, metrics, active }),
      runWorkers({ queue: this.terminationQueue, reconcile: k => this.termination.reconcile(k), concurrency: 5, logger, metrics, active }),
      runWorkers({ queue: this.nodeClassQueue, reconcile: k => this.reconcileNodeClass(k), concurrency: 2, logger, metrics, active }),
      runWorkers({
        queue: this.nodeClaimDisruptionQueue,
        reconcile: k => this.nodeClaimDisruption.reconcile(k),
        concurrency: 5,
        logger,
        metrics,
        active: () => active() && this.synced(),
      }),
    );
    this.disruption.start();
    this.scheduleGauges();
    if (this.elector) this.elector.start();
    else this.startLeading();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.batcher.stop();
    for (const i of this.informers) i.stop();
    this.lifecycleQueue.shutdown();
    this.terminationQueue.shutdown();
    this.nodeClassQueue.shutdown();
    this.nodeClaimDisruptionQueue.shutdown();
    await this.disruption.stop();
    await this.elector?.stop();
    await Promise.race([Promise.all(this.workers), new Promise(r => setTimeout(r, 5_000).unref())]);
    await this.batcher.idleWait();
  }

  private startLeading(): void {
    if (this.stopped) return;
    this.leading = true;
    this.wasLeader = true;
    this.opts.logger.info('starting controllers', { identity: this.opts.identity });
    this.enqueueAll();
    this.waitForSync();
  }

  private stopLeading(): void {
    this.leading = false;
    if (this.wasLeader && !this.stopped) this.opts.onLeadershipLost?.();
  }

  private waitForSync(): void {
    if (this.stopped) return;
    if (!this.synced()) {
      this.opts.timers.setTimeout(() => this.waitForSync(), 100);
      return;
    }
    this.enqueueAll();
    this.triggerIfPending();
  }

  private enqueueAll(): void {
    for (const nc of this.cluster.nodeClaims.values()) this.lifecycleQueue.add(nc.metadata.name);
    for (const n of this.cluster.nodes.values()) if (n.metadata.deletionTimestamp) this.terminationQueue.add(n.metadata.name);
    for (const nc of this.nodeClasses.list()) this.nodeClassQueue.add(nc.metadata.name);
    this.enqueueAllNodeClaimDisruption();
  }

  private enqueueAllNodeClaimDisruption(): void {
    for (const nc of this.cluster.nodeClaims.values()) this.nodeClaimDisruptionQueue.add(nc.metadata.name);
  }

  /** A pod event on a node: its NodeClaim's Consolidatable condition restarts its wait. */
  private enqueueNodeClaimDisruption(nodeName: string): void {
    const providerID = this.cluster.nodes.get(nodeName)?.spec?.providerID;
    const nc = providerID ? this.cluster.nodeClaimByProviderID(providerID) : undefined;
    if (nc) this.nodeClaimDisruptionQueue.add(nc.metadata.name);
  }

  private async provisionOnce(): Promise<void> {
    if (!this.leading || this.stopped) return;
    if (!this.synced()) {
      this.opts.timers.setTimeout(() => this.batcher.trigger(), 500);
      return;
    }
    await this.provisioner.provision();
    this.provisioner.prune();
  }

  private triggerIfPending(): void {
    if (!this.leading || this.stopped) return;
    if (this.cluster.pods.values().some(isProvisionable)) this.batcher.trigger();
  }

  private onPod(p: ClusterPod): void {
    const before = this.cluster.pods.get(`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`);
    this.cluster.upsertPod(p, this.synced() ? this.opts.timers.nowMs() : undefined);
    if (before?.spec?.nodeName && before.spec.nodeName !== p.spec?.nodeName) this.enqueueNodeClaimDisruption(before.spec.nodeName);
    if (p.spec?.nodeName && before?.spec?.nodeName !== p.spec.nodeName) this.enqueueNodeClaimDisruption(p.spec.nodeName);
    if (this.leading && isProvisionable(p)) this.batcher.trigger();
    if (p.spec?.nodeName) {
      const node = this.cluster.nodes.get(p.spec.nodeName);
      if (node?.metadata.deletionTimestamp) this.terminationQueue.add(node.metadata.name);
    }
  }

  private onNode(n: ClusterNode): void {
    this.cluster.upsertNode(n);
    const nc = n.spec?.providerID ? this.cluster.nodeClaimByProviderID(n.spec.providerID) : undefined;
    if (nc) {this.lifecycleQueue.add(nc.metadata.name);} else if (n.spec?.providerID) {
      // a node can register before the NodeClaim's status carries its providerID: wake NodeClaims waiting for one
      for (const c of this.cluster.nodeClaims.values()) if (!c.status?.nodeName) this.lifecycleQueue.add(c.metadata.name);
    }
    if (n.metadata.deletionTimestamp && (n.metadata.finalizers ?? []).includes(TERMINATION_FINALIZER)) this.terminationQueue.add(n.metadata.name);
  }

  private onNodeClaim(nc: ClusterNodeClaim): void {
    this.cluster.upsertNodeClaim(nc);
    this.lifecycleQueue.add(nc.metadata.name);
    this.nodeClaimDisruptionQueue.add(nc.metadata.name);
  }

  private enqueueNodeTermination(nodeName: string): void {
    const node = this.cluster.nodes.get(nodeName);
    if (node?.metadata.deletionTimestamp) this.terminationQueue.add(nodeName);
  }

  /** Why a NodePool cannot be used now (its EC2NodeClass exists and is not Ready), or undefined. */
  private nodePoolNotReady(np: ClusterNodePool): string | undefined {
    const ref = np.spec.template.spec.nodeClassRef;
    if (!ref || ref.kind !== 'EC2NodeClass') return undefined;
    const nc = this.nodeClasses.get(ref.name);
    if (!nc) return `EC2NodeClass "${ref.name}" not found`;
    const ready = READY(nc.status?.conditions);
    if (this.opts.nodeClassStatus && ready?.status !== 'True') return `EC2NodeClass "${ref.name}" is not ready${ready?.message ? `: ${ready.message}` : ''}`;
    return undefined;
  }

  private async reconcileNodeClass(name: string): Promise<{ requeueAfterMs?: number }> {
    if (!this.opts.nodeClassStatus) return {};
    const nc = this.nodeClasses.get(name);
    if (!nc || nc.metadata.deletionTimestamp) return {};
    const status = await this.opts.nodeClassStatus(nc);
    if (JSON.stringify(status) !== JSON.stringify(nc.status ?? {})) {
      await this.opts.api.patch(EC2NODECLASSES, name, { status }, { subresource: 'status' });
      const ready = READY((status as { conditions?: Condition[] }).conditions);
      if (ready?.status !== READY(nc.status?.conditions)?.status) {
        this.opts.logger.info(ready?.status === 'True' ? 'ec2nodeclass ready' : 'ec2nodeclass not ready', {
          EC2NodeClass: { name }, reason: ready?.reason, message: ready?.message,
        });
      }
    }
    return { requeueAfterMs: this.opts.tuning?.nodeClassRequeueMs ?? 300_000 };
  }

  private scheduleGauges(): void {
    const { metrics, timers } = this.opts;
    const update = () => {
      if (this.stopped) return;
      const synced = this.synced();
      metrics.clusterStateSynced.set(synced ? 1 : 0);
      if (synced) this.unsyncedSince = timers.nowMs();
      metrics.clusterStateUnsyncedTime.set(synced ? 0 : (timers.nowMs() - this.unsyncedSince) / 1000);
      metrics.clusterStateNodeCount.set(this.cluster.nodes.size);
      const usage = new Map<string, Record<string, number>>();
      for (const nc of this.cluster.nodeClaims.values()) {
        const pool = nc.metadata.labels?.['karpenter.sh/nodepool'];
        if (!pool || !nc.status?.capacity) continue;
        let cap: Record<string, number>;
        try {
          cap = parseResources(nc.status.capacity);
        } catch {
          continue;
        }
        const u = usage.get(pool) ?? {};
        for (const [k, v] of Object.entries(cap)) u[k] = (u[k] ?? 0) + v;
        usage.set(pool, u);
      }
      metrics.nodePoolUsage.reset();
      metrics.nodePoolLimit.reset();
      for (const np of this.cluster.nodePools.values()) {
        const name = np.metadata.name;
        for (const [k, v] of Object.entries(usage.get(name) ?? {})) metrics.nodePoolUsage.set({ nodepool: name, resource_type: k }, k === 'cpu' ? v / 1000 : v);
        try {
          for (const [k, v] of Object.entries(parseResources(np.spec.limits))) metrics.nodePoolLimit.set({ nodepool: name, resource_type: k }, k === 'cpu' ? v / 1000 : v);
        } catch {
          // an invalid limit is reported by the provisioner
        }
      }
      timers.setTimeout(update, 10_000);
    };
    update();
  }
}
