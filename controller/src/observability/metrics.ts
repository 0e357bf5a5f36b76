/**
 * Prometheus metrics with upstream Karpenter's names and labels (../shared/reference/karpenter/metrics.json), on a
 * registry per controller instance (tests run several in one process). The AWS side records its own families
 * (cloudprovider, interruption) through the same object.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ClusterMetricsSource, collectNodeClaimConditions, collectNodesAllocatable, collectPodsState, POD_STATE_LABELS, PodStateLabels,
} from './cluster-metrics';
import type { InstanceType } from '../cloudprovider/instance-type';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class Metrics {
  readonly registry = new Registry();

  // nodeclaims
  readonly nodeClaimsCreated: Counter<'reason' | 'nodepool' | 'min_values_relaxed'>;
  readonly nodeClaimsTerminated: Counter<'nodepool' | 'capacity_type'>;
  readonly nodeClaimsDisrupted: Counter<'reason' | 'nodepool' | 'capacity_type'>;
  readonly nodeClaimsTerminationDuration: Histogram<'nodepool'>;
  readonly nodeClaimsInstanceTerminationDuration: Histogram<'nodepool'>;
  readonly nodeClaimConditionTransitions: Counter<'type' | 'status' | 'reason'>;
  readonly nodeClaimConditionCount: Gauge<'type' | 'status' | 'reason'>;
  // nodes
  readonly nodesCreated: Counter<'nodepool'>;
  readonly nodesTerminated: Counter<'nodepool'>;
  readonly nodesDrained: Counter<'nodepool'>;
  readonly nodesAllocatable: Gauge<'node_name' | 'nodepool' | 'resource_type' | 'instance_type' | 'capacity_type' | 'zone'>;
  readonly nodesTerminationDuration: Histogram<'nodepool'>;
  // pods
  readonly podsState: Gauge<PodStateLabels>;
  readonly podsEvictionRequests: Counter<'code'>;
  readonly podsDrained: Counter<'reason'>;
  readonly podsSchedulingDecisionDuration: Histogram;
  readonly podsBoundDuration: Histogram;
  // scheduler
  readonly schedulingDuration: Histogram<'controller'>;
  readonly schedulerQueueDepth: Gauge<'controller' | 'scheduling_id'>;
  readonly unschedulablePods: Gauge<'controller'>;
  readonly ignoredPods: Gauge;
  // nodepools
  readonly nodePoolUsage: Gauge<'nodepool' | 'resource_type'>;
  readonly nodePoolLimit: Gauge<'nodepool' | 'resource_type'>;
  // cluster state
  readonly clusterStateSynced: Gauge;
  readonly clusterStateNodeCount: Gauge;
  readonly clusterStateUnsyncedTime: Gauge;
  // cloud provider
  readonly cloudProviderDuration: Histogram<'controller' | 'method' | 'provider'>;
  readonly cloudProviderErrors: Counter<'controller' | 'method' | 'provider' | 'error'>;
  readonly instanceTypeOfferingAvailable: Gauge<'instance_type' | 'capacity_type' | 'zone'>;
  readonly instanceTypeOfferingPrice: Gauge<'instance_type' | 'capacity_type' | 'zone'>;
  readonly instanceTypeCpuCores: Gauge<'instance_type'>;
  readonly instanceTypeMemoryBytes: Gauge<'instance_type'>;
  // interruption
  readonly interruptionReceived: Counter<'message_type'>;
  readonly interruptionDeleted: Counter<'message_type'>;
  readonly interruptionQueueDuration: Histogram;
  // controller runtime and work queues
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly workqueueDepth: Gauge<'name' | 'controller'>;
  readonly workqueueAdds: Counter<'name' | 'controller'>;
  readonly workqueueRetries: Counter<'name' | 'controller'>;
  readonly workqueueWorkDuration: Histogram<'name' | 'controller'>;
  readonly workqueueQueueDuration: Histogram<'name' | 'controller'>;
  // client
  readonly clientRequests: Counter<'code' | 'method'>;
  readonly buildInfo: Gauge<'version' | 'goversion' | 'commit'>;
  /** The cluster state the scrape-time gauges read (nodes allocatable, pods state, nodeclaim conditions). */
  private cluster: ClusterMetricsSource | undefined;

  constructor(opts: { defaultMetrics?: boolean; version?: string } = {}) {
    const r = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({
      name,
      help,
      labelNames,
      registers: r,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls `collect` with the gauge as `this`
    const self = this;
    /** `fromCluster` recomputes the gauge from the cluster state at each scrape (once a source is set). */
    type FromCluster<L extends string> = (g: Gauge<L>, c: ClusterMetricsSource) => void;
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fromCluster?: FromCluster<L>) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: r,
        ...(fromCluster ? { collect(this: Gauge<L>) { if (self.cluster) fromCluster(this, self.cluster); } } : {}),
      });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: r });

    this.nodeClaimsCreated = counter('karpenter_nodeclaims_created_total', 'Number of nodeclaims created in total by Karpenter. Labeled by reason the nodeclaim was created, the owning nodepool, and if min values was relaxed for this nodeclaim.', ['reason', 'nodepool', 'min_values_relaxed']);
    this.nodeClaimsTerminated = counter('karpenter_nodeclaims_terminated_total', 'Number of nodeclaims terminated in total by Karpenter. Labeled by the owning nodepool.', ['nodepool', 'capacity_type']);
    this.nodeClaimsDisrupted = counter('karpenter_nodeclaims_disrupted_total', 'Number of nodeclaims disrupted in total by Karpenter. Labeled by reason the nodeclaim was disrupted and the owning nodepool.', ['reason', 'nodepool', 'capacity_type']);
    this.nodeClaimsTerminationDuration = histogram('karpenter_nodeclaims_termination_duration_seconds', 'Duration of NodeClaim termination in seconds.', ['nodepool']);
    this.nodeClaimsInstanceTerminationDuration = histogram('karpenter_nodeclaims_instance_termination_duration_seconds', 'Duration of CloudProvider Instance termination in seconds.', ['nodepool']);
    this.nodeClaimConditionTransitions = counter('operator_nodeclaim_status_condition_transitions_total', 'The count of transitions of a given object, type and status.', ['type', 'status', 'reason']);
    this.nodeClaimConditionCount = gauge('operator_nodeclaim_status_condition_count', 'The number of a condition for a given object, type and status. e.g. Alarm := Available=False > 0', ['type', 'status', 'reason'], collectNodeClaimConditions);

    this.nodesCreated = counter('karpenter_nodes_created_total', 'Number of nodes created in total by Karpenter. Labeled by owning nodepool.', ['nodepool']);
    this.nodesTerminated = counter('karpenter_nodes_terminated_total', 'Number of nodes terminated in total by Karpenter. Labeled by owning nodepool.', ['nodepool']);
    this.nodesDrained = counter('karpenter_nodes_drained_total', 'The total number of nodes drained by Karpenter', ['nodepool']);
    this.nodesAllocatable = gauge('karpenter_nodes_allocatable', 'Node allocatable are the resources allocatable by nodes.', ['node_name', 'nodepool', 'resource_type', 'instance_type', 'capacity_type', 'zone'], collectNodesAllocatable);
    this.nodesTerminationDuration = histogram('karpenter_nodes_termination_duration_seconds', "The time taken between a node's deletion request and the removal of its finalizer", ['nodepool']);

    this.podsState = gauge('karpenter_pods_state', 'Pod state is the current state of pods. This metric can be used several ways as it is labeled by the pod name, namespace, owner, node, nodepool name, zone, architecture, capacity type, instance type and pod phase.', POD_STATE_LABELS, collectPodsState);
    this.podsEvictionRequests = counter('karpenter_pods_eviction_requests_total', 'The total number of pod eviction requests made by Karpenter, labeled by response code', ['code']);
    this.podsDrained = counter('karpenter_pods_drained_total', 'The total number of pods drained during node termination by Karpenter, labeled by reason', ['reason']);
    this.podsSchedulingDecisionDuration = histogram('karpenter_pods_scheduling_decision_duration_seconds', "The time it takes for Karpenter to first try to schedule a pod after it's been seen.", []);
    this.podsBoundDuration = histogram('karpenter_pods_bound_duration_seconds', 'The time from pod creation until the pod is bound.', []);

    this.schedulingDuration = histogram('karpenter_scheduler_scheduling_duration_seconds', 'Duration of scheduling simulations used for deprovisioning and provisioning in seconds.', ['controller']);
    this.schedulerQueueDepth = gauge('karpenter_scheduler_queue_depth', 'The number of pods currently waiting to be scheduled.', ['controller', 'scheduling_id']);
    this.unschedulablePods = gauge('karpenter_scheduler_unschedulable_pods_count', 'The number of unschedulable Pods.', ['controller']);
    this.ignoredPods = gauge('karpenter_scheduler_ignored_pods_count', 'Number of pods ignored during scheduling by Karpenter', []);

    this.nodePoolUsage = gauge('karpenter_nodepools_usage', 'The amount of resources that have been provisioned for a nodepool. Labeled by nodepool name and resource type.', ['nodepool', 'resource_type']);
    this.nodePoolLimit = gauge('karpenter_nodepools_limit', 'Limits specified on the nodepool that restrict the quantity of resources provisioned. Labeled by nodepool name and resource type.', ['nodepool', 'resource_type']);

    this.clusterStateSynced = gauge('karpenter_cluster_state_synced', 'Returns 1 if cluster state is synced and 0 otherwise.', []);
    this.clusterStateNodeCount = gauge('karpenter_cluster_state_node_count', 'Current count of nodes in cluster state', []);
    this.clusterStateUnsyncedTime = gauge('karpenter_cluster_state_unsynced_time_seconds', 'The time for which cluster state is not synced', []);

    this.cloudProviderDuration = histogram('karpenter_cloudprovider_duration_seconds', 'Duration of cloud provider method calls. Labeled by the controller, method name and provider.', ['controller', 'method', 'provider']);
    this.cloudProviderErrors = counter('karpenter_cloudprovider_errors_total', 'Total number of errors returned from CloudProvider calls.', ['controller', 'method', 'provider', 'error']);
    this.instanceTypeOfferingAvailable = gauge('karpenter_cloudprovider_instance_type_offering_available', 'Instance type offering availability, based on instance type, capacity type, and zone', ['instance_type', 'capacity_type', 'zone']);
    this.instanceTypeOfferingPrice = gauge('karpenter_cloudprovider_instance_type_offering_price_estimate', 'Instance type offering estimated hourly price used when making informed decisions on node cost calculation.', ['instance_type', 'capacity_type', 'zone']);
    this.instanceTypeCpuCores = gauge('karpenter_cloudprovider_instance_type_cpu_cores', 'VCPUs cores for a given instance type.', ['instance_type']);
    this.instanceTypeMemoryBytes = gauge('karpenter_cloudprovider_instance_type_memory_bytes', 'Memory, in bytes, for a given instance type.', ['instance_type']);

    this.interruptionReceived = counter('karpenter_interruption_received_messages_total', 'Count of messages received from the SQS queue. Broken down by message type and whether the message was actionable.', ['message_type']);
    this.interruptionDeleted = counter('karpenter_interruption_deleted_messages_total', 'Count of messages deleted from the SQS queue.', ['message_type']);
    this.interruptionQueueDuration = histogram('karpenter_interruption_message_queue_duration_seconds', 'Amount of time an interruption message is on the queue before it is processed by karpenter.', []);

    this.reconcileTotal = counter('controller_runtime_reconcile_total', 'Total number of reconciliations per controller', ['controller', 'result']);
    this.reconcileErrors = counter('controller_runtime_reconcile_errors_total', 'Total number of reconciliation errors per controller', ['controller']);
    this.reconcileTime = histogram('controller_runtime_reconcile_time_seconds', 'Length of time per reconciliation per controller', ['controller']);
    this.workqueueDepth = gauge('workqueue_depth', 'Current depth of workqueue by workqueue and priority', ['name', 'controller']);
    this.workqueueAdds = counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name', 'controller']);
    this.workqueueRetries = counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name', 'controller']);
    this.workqueueWorkDuration = histogram('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', ['name', 'controller']);
    this.workqueueQueueDuration = histogram('workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested', ['name', 'controller']);

    this.clientRequests = counter('client_go_request_total', 'Number of HTTP requests, partitioned by status code and method.', ['code', 'method']);
    this.buildInfo = gauge('karpenter_build_info', "A metric with a constant '1' value labeled by version from which karpenter was built.", ['version', 'goversion', 'commit']);
    this.buildInfo.set({ version: opts.version ?? 'dev', goversion: process.version, commit: 'unknown' }, 1);
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Reads the cluster state at scrape time for `karpenter_nodes_allocatable`, `karpenter_pods_state` and
   * `operator_nodeclaim_status_condition_count` (upstream's node, pod and status-condition metrics controllers).
   */
  observeCluster(cluster: ClusterMetricsSource): void {
    this.cluster = cluster;
  }

  /**
   * The instance type families of upstream's cloud provider metrics decorator, set on each GetInstanceTypes:
   * vCPUs, memory, and per offering its availability and price estimate.
   */
  recordInstanceTypes(instanceTypes: readonly InstanceType[]): void {
    for (const it of instanceTypes) {
      if (it.capacity.cpu !== undefined) this.instanceTypeCpuCores.set({ instance_type: it.name }, it.capacity.cpu / 1000);
      if (it.capacity.memory !== undefined) this.instanceTypeMemoryBytes.set({ instance_type: it.name }, it.capacity.memory);
      for (const o of it.offerings) {
        const labels = { instance_type: it.name, capacity_type: o.capacityType, zone: o.zone };
        this.instanceTypeOfferingAvailable.set(labels, o.available ? 1 : 0);
        this.instanceTypeOfferingPrice.set(labels, o.price);
      }
    }
  }

  /** Times an async cloud provider call and counts its errors (by error name). */
  async timeCloudProvider<T>(controller: string, method: string, provider: string, fn: () => Promise<T>): Promise<T> {
    const end = this.cloudProviderDuration.startTimer({ controller, method, provider });
    try {
      return await fn();
    } catch (e) {
      this.cloudProviderErrors.inc({ controller, method, provider, error: e instanceof Error ? e.name : 'unknown' });
      throw e;
    } finally {
      end();
    }
  }
}
