import {
  KubePod, NodePool, NodeSelectorRequirement, NodeSelectorRequirementWithMinValues, PodAffinityTerm, Taint, Toleration, TopologySpreadConstraint,
} from '../../../controller/src/core/kube-types';
import { parseResources } from '../../../controller/src/core/resources';
import { StateNode } from '../../../controller/src/core/state/state-node';

let counter = 0;

export interface PodOptions {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  /** Required node affinity: one term per array (terms are ORed). */
  nodeRequirements?: NodeSelectorRequirement[] | NodeSelectorRequirement[][];
  nodePreferences?: Array<{ weight: number; requirements: NodeSelectorRequirement[] }>;
  podAffinity?: PodAffinityTerm[];
  podAntiAffinity?: PodAffinityTerm[];
  preferredPodAffinity?: Array<{ weight: number; term: PodAffinityTerm }>;
  preferredPodAntiAffinity?: Array<{ weight: number; term: PodAffinityTerm }>;
  tolerations?: Toleration[];
  spread?: TopologySpreadConstraint[];
  ownerDaemonSet?: string;
}

export function pod(o: PodOptions = {}): KubePod {
  const name = o.name ?? `pod-${++counter}`;
  const terms = o.nodeRequirements === undefined ? undefined
    : (Array.isArray(o.nodeRequirements[0]) ? o.nodeRequirements as NodeSelectorRequirement[][] : [o.nodeRequirements as NodeSelectorRequirement[]]);
  const affinity: KubePod['spec']['affinity'] = {};
  if (terms || o.nodePreferences) {
    affinity.nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: terms ? { nodeSelectorTerms: terms.map(t => ({ matchExpressions: t })) } : undefined,
      preferredDuringSchedulingIgnoredDuringExecution: o.nodePreferences?.map(p => ({
        weight: p.weight, preference: { matchExpressions: p.requirements },
      })),
    };
  }
  if (o.podAffinity || o.preferredPodAffinity) {
    affinity.podAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: o.podAffinity,
      preferredDuringSchedulingIgnoredDuringExecution: o.preferredPodAffinity?.map(p => ({ weight: p.weight, podAffinityTerm: p.term })),
    };
  }
  if (o.podAntiAffinity || o.preferredPodAntiAffinity) {
    affinity.podAntiAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: o.podAntiAffinity,
      preferredDuringSchedulingIgnoredDuringExecution: o.preferredPodAntiAffinity?.map(p => ({ weight: p.weight, podAffinityTerm: p.term })),
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-${name}`,
      labels: o.labels,
      ownerReferences: o.ownerDaemonSet ? [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: o.ownerDaemonSet }] : undefined,
    },
    spec: {
      nodeSelector: o.nodeSelector,
      affinity: Object.keys(affinity).length ? affinity : undefined,
      tolerations: o.tolerations,
      topologySpreadConstraints: o.spread,
      containers: [{ name: 'app', image: 'public.ecr.aws/eks-distro/kubernetes/pause:3.7', resources: { requests: o.requests, limits: o.limits } }],
    },
  };
}

/** `count` identical pods (a Deployment's replicas). */
export function pods(count: number, o: PodOptions = {}): KubePod[] {
  return Array.from({ length: count }, (_, i) => pod({ ...o, name: o.name ? `${o.name}-${i}` : undefined }));
}

export interface NodePoolOptions {
  name?: string;
  weight?: number;
  requirements?: NodeSelectorRequirementWithMinValues[];
  labels?: Record<string, string>;
  taints?: Taint[];
  startupTaints?: Taint[];
  limits?: Record<string, string>;
}

export function nodePool(o: NodePoolOptions = {}): NodePool {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: o.name ?? 'default' },
    spec: {
      weight: o.weight,
      limits: o.limits,
      template: {
        metadata: { labels: o.labels },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: o.requirements,
          taints: o.taints,
          startupTaints: o.startupTaints,
        },
      },
    },
  };
}

export interface StateNodeOptions {
  name?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  allocatable?: Record<string, string>;
  capacity?: Record<string, string>;
  pods?: KubePod[];
  initialized?: boolean;
  nodePoolName?: string;
  markedForDeletion?: boolean;
}

export function stateNode(o: StateNodeOptions = {}): StateNode {
  const name = o.name ?? `node-${++counter}`;
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, ...o.labels },
    taints: o.taints ?? [],
    allocatable: parseResources(o.allocatable ?? { cpu: '4', memory: '16Gi', pods: '110' }),
    capacity: o.capacity ? parseResources(o.capacity) : undefined,
    pods: o.pods ?? [],
    initialized: o.initialized ?? true,
    nodePoolName: o.nodePoolName,
    markedForDeletion: o.markedForDeletion,
  };
}
