import { fakeInstanceType, TEST_ZONES } from '../../../controller/src/cloudprovider/fake/instance-types';
import { InstanceType } from '../../../controller/src/cloudprovider/instance-type';
import { withCondition } from '../../../controller/src/core/disruption/conditions';
import { ClusterSnapshot, DisruptionNode, PodDisruptionBudget } from '../../../controller/src/core/disruption/types';
import { KubePod, NodePool, NodeSelectorRequirementWithMinValues } from '../../../controller/src/core/kube-types';
import { pod, PodOptions } from '../helpers/builders';

export const NOW = new Date('2026-01-05T12:00:00Z');
export const HOUR = 3_600_000;

/** A linear catalog: price = 0.1 × vCPU + 0.1 × GiB, on-demand and spot (×0.7) in three zones. */
export function catalog(): InstanceType[] {
  return [
    fakeInstanceType({ name: 'small', cpu: 2, memoryGi: 4 }),
    fakeInstanceType({ name: 'medium', cpu: 4, memoryGi: 8 }),
    fakeInstanceType({ name: 'large', cpu: 16, memoryGi: 32 }),
  ];
}

/** `count` spot types `s-1`..`s-N` with 1..N vCPU (for the spot-to-spot 15-type rule). */
export function manySpotTypes(count: number): InstanceType[] {
  return Array.from({ length: count }, (_, i) => fakeInstanceType({ name: `s-${i + 1}`, cpu: i + 1, memoryGi: 2 * (i + 1) }));
}

export interface PoolOptions {
  name?: string;
  policy?: 'WhenEmpty' | 'WhenEmptyOrUnderutilized';
  consolidateAfter?: string;
  budgets?: Array<{ nodes: string; schedule?: string; duration?: string; reasons?: string[] }>;
  requirements?: NodeSelectorRequirementWithMinValues[];
  limits?: Record<string, string>;
}

export function pool(o: PoolOptions = {}): NodePool {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: o.name ?? 'default' },
    spec: {
      limits: o.limits,
      template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, requirements: o.requirements } },
      disruption: { consolidationPolicy: o.policy ?? 'WhenEmptyOrUnderutilized', consolidateAfter: o.consolidateAfter ?? '0s', budgets: o.budgets ?? [{ nodes: '100%' }] },
    },
  };
}

export interface NodeOptions {
  name: string;
  type: InstanceType;
  capacityType?: string;
  zone?: string;
  pool?: string;
  pods?: KubePod[];
  consolidatable?: boolean;
  drifted?: Date;
  initialized?: boolean;
  markedForDeletion?: boolean;
  ready?: boolean;
  nominated?: boolean;
  nodeAnnotations?: Record<string, string>;
  created?: Date;
  expireAfter?: string;
  terminationGracePeriod?: string;
}

export function node(o: NodeOptions): DisruptionNode {
  const zone = o.zone ?? TEST_ZONES[0];
  const capacityType = o.capacityType ?? 'on-demand';
  const poolName = o.pool ?? 'default';
  const labels = {
    ...o.type.labels,
    'kubernetes.io/hostname': o.name,
    'topology.kubernetes.io/zone': zone,
    'karpenter.sh/capacity-type': capacityType,
    'karpenter.sh/nodepool': poolName,
  };
  const created = o.created ?? new Date(NOW.getTime() - 24 * HOUR);
  let conditions = withCondition([], 'Initialized', 'True', created);
  if (o.consolidatable ?? true) conditions = withCondition(conditions, 'Consolidatable', 'True', created);
  if (o.drifted) conditions = withCondition(conditions, 'Drifted', 'True', o.drifted);
  const pods = (o.pods ?? []).map(p => ({ ...p, spec: { ...p.spec, nodeName: o.name }, status: { phase: 'Running' } }));
  return {
    state: {
      name: o.name,
      labels,
      taints: [],
      allocatable: o.type.allocatable,
      capacity: o.type.capacity,
      pods,
      initialized: o.initialized ?? true,
      nodePoolName: poolName,
      markedForDeletion: o.markedForDeletion,
    },
    nodeClaim: {
      metadata: { name: o.name, labels, creationTimestamp: created.toISOString(), annotations: {} },
      spec: { requirements: [], expireAfter: o.expireAfter, terminationGracePeriod: o.terminationGracePeriod },
      status: { conditions },
    },
    annotations: o.nodeAnnotations,
    ready: o.ready,
    nominated: o.nominated,
  };
}

export interface SnapshotOptions {
  nodePools?: NodePool[];
  instanceTypes?: InstanceType[];
  pdbs?: PodDisruptionBudget[];
  pending?: KubePod[];
}

export function snapshot(nodes: DisruptionNode[], o: SnapshotOptions = {}): ClusterSnapshot {
  return { nodePools: o.nodePools ?? [pool()], instanceTypes: o.instanceTypes ?? catalog(), nodes, pdbs: o.pdbs, pendingPods: o.pending };
}

export function cpuPod(cpu: string, o: PodOptions = {}): KubePod {
  return pod({ requests: { cpu, memory: '512Mi' }, ...o });
}

export function pdb(name: string, app: string, disruptionsAllowed: number, extra: Partial<PodDisruptionBudget['spec']> = {}): PodDisruptionBudget {
  return { metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app } }, ...extra }, status: { disruptionsAllowed } };
}
