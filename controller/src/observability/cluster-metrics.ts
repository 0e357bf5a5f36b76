/**
 * Gauges computed from the cluster state when Prometheus scrapes, as upstream's node, pod and status-condition
 * metrics controllers keep them: `karpenter_nodes_allocatable` (per Node and resource), `karpenter_pods_state` (1 per
 * Pod, labeled by where it runs) and `operator_nodeclaim_status_condition_count`. Each gauge is reset and recomputed
 * on every scrape, so deleted objects leave no stale series.
 */
import { Gauge } from 'prom-client';
import { LABEL_ARCH, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE } from '../core/labels';
import { parseResources } from '../core/resources';
import { ClusterNode, ClusterNodeClaim, ClusterPod } from '../core/state/objects';

/** What the collectors read (the controller's `ClusterState` has this shape). */
export interface ClusterMetricsSource {
  readonly nodes: { values(): ClusterNode[]; get(name: string): ClusterNode | undefined };
  readonly pods: { values(): ClusterPod[] };
  readonly nodeClaims: { values(): ClusterNodeClaim[] };
}

/** Canonical resource value -> the metric's unit (CPU in cores; memory and storage in bytes; counts as is). */
const metricValue = (resource: string, v: number) => (resource === 'cpu' ? v / 1000 : v);
const NA = 'N/A';

export type NodeAllocatableLabels = 'node_name' | 'nodepool' | 'resource_type' | 'instance_type' | 'capacity_type' | 'zone';

export function collectNodesAllocatable(gauge: Gauge<NodeAllocatableLabels>, source: ClusterMetricsSource): void {
  gauge.reset();
  for (const node of source.nodes.values()) {
    let allocatable;
    try {
      allocatable = parseResources(node.status?.allocatable);
    } catch {
      continue; // an unparsable quantity: the node's series are left out rather than failing the scrape
    }
    const labels = node.metadata.labels ?? {};
    for (const [resource, v] of Object.entries(allocatable)) {
      gauge.set({
        node_name: node.metadata.name,
        nodepool: labels[LABEL_NODEPOOL] ?? '',
        resource_type: resource,
        instance_type: labels[LABEL_INSTANCE_TYPE] ?? '',
        capacity_type: labels[LABEL_CAPACITY_TYPE] ?? '',
        zone: labels[LABEL_ZONE] ?? '',
      }, metricValue(resource, v));
    }
  }
}

export const POD_STATE_LABELS = ['name', 'namespace', 'owner', 'node', 'nodepool', 'zone', 'arch', 'capacity_type', 'instance_type', 'phase'] as const;
export type PodStateLabels = typeof POD_STATE_LABELS[number];

/** Upstream's labels: the owner as a self link of the first owner reference, the host's labels or `N/A`. */
export function podStateLabels(pod: ClusterPod, node: ClusterNode | undefined): Record<PodStateLabels, string> {
  const namespace = pod.metadata.namespace ?? 'default';
  const owner = pod.metadata.ownerReferences?.[0];
  const nodeLabels = node?.metadata.labels;
  const fromNode = (key: string) => (nodeLabels ? nodeLabels[key] ?? '' : NA);
  return {
    name: pod.metadata.name,
    namespace,
    owner: owner ? `/apis/${owner.apiVersion ?? 'v1'}/namespaces/${namespace}/${owner.kind.toLowerCase()}s/${owner.name}` : '',
    node: pod.spec?.nodeName ?? '',
    nodepool: nodeLabels ? nodeLabels[LABEL_NODEPOOL] ?? '' : pod.spec?.nodeSelector?.[LABEL_NODEPOOL] ?? NA,
    zone: fromNode(LABEL_ZONE),
    arch: fromNode(LABEL_ARCH),
    capacity_type: fromNode(LABEL_CAPACITY_TYPE),
    instance_type: fromNode(LABEL_INSTANCE_TYPE),
    phase: pod.status?.phase ?? '',
  };
}

export function collectPodsState(gauge: Gauge<PodStateLabels>, source: ClusterMetricsSource): void {
  gauge.reset();
  for (const pod of source.pods.values()) {
    const node = pod.spec?.nodeName ? source.nodes.get(pod.spec.nodeName) : undefined;
    gauge.set(podStateLabels(pod, node), 1);
  }
}

export function collectNodeClaimConditions(gauge: Gauge<'type' | 'status' | 'reason'>, source: ClusterMetricsSource): void {
  gauge.reset();
  for (const nc of source.nodeClaims.values()) {
    for (const c of nc.status?.conditions ?? []) gauge.inc({ type: c.type, status: c.status, reason: c.reason ?? '' });
  }
}
