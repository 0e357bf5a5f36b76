/**
 * The subset of Kubernetes object shapes the core reads, with the JSON field names of the API (so objects from
 * `@kubernetes/client-node` or from YAML fit without conversion). Quantities stay strings here; the core parses them.
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }>;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | 'Gte' | 'Lte';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator | string;
  values?: string[];
}

/** A NodePool / NodeClaim requirement: a node selector requirement with optional `minValues`. */
export interface NodeSelectorRequirementWithMinValues extends NodeSelectorRequirement {
  minValues?: number;
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[];
  };
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect | string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: TaintEffect | string;
  tolerationSeconds?: number;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' | string;
  labelSelector?: LabelSelector;
  minDomains?: number;
  nodeAffinityPolicy?: 'Honor' | 'Ignore' | string;
  nodeTaintsPolicy?: 'Honor' | 'Ignore' | string;
  matchLabelKeys?: string[];
}

export type KubeQuantityMap = Record<string, string | number>;

export interface KubeContainer {
  name?: string;
  image?: string;
  restartPolicy?: string;
  resources?: { requests?: KubeQuantityMap; limits?: KubeQuantityMap };
  ports?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  containers?: KubeContainer[];
  initContainers?: KubeContainer[];
  overhead?: KubeQuantityMap;
  priority?: number;
  priorityClassName?: string;
  schedulerName?: string;
}

export interface KubePod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: { phase?: string; startTime?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export interface KubeNode {
  metadata: ObjectMeta;
  spec?: { taints?: Taint[]; providerID?: string; unschedulable?: boolean };
  status?: { allocatable?: KubeQuantityMap; capacity?: KubeQuantityMap };
}

export interface NodeClassReference {
  group: string;
  kind: string;
  name: string;
}

/** karpenter.sh/v1 NodePool (the fields the core uses). */
export interface NodePool {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string };
  spec: {
    weight?: number;
    limits?: KubeQuantityMap;
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        nodeClassRef?: NodeClassReference;
        requirements?: NodeSelectorRequirementWithMinValues[];
        taints?: Taint[];
        startupTaints?: Taint[];
        expireAfter?: string;
        terminationGracePeriod?: string;
      };
    };
    disruption?: {
      consolidationPolicy?: 'WhenEmpty' | 'WhenEmptyOrUnderutilized' | string;
      consolidateAfter?: string;
      budgets?: Array<{ nodes: string; schedule?: string; duration?: string; reasons?: string[] }>;
    };
  };
}

/** karpenter.sh/v1 NodeClaim (the fields the core and the cloud provider use). */
export interface NodeClaim {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    requirements: NodeSelectorRequirementWithMinValues[];
    resources?: { requests?: KubeQuantityMap };
    taints?: Taint[];
    startupTaints?: Taint[];
    nodeClassRef?: NodeClassReference;
    expireAfter?: string;
    terminationGracePeriod?: string;
  };
  status?: {
    providerID?: string;
    nodeName?: string;
    imageID?: string;
    capacity?: KubeQuantityMap;
    allocatable?: KubeQuantityMap;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>;
  };
}
