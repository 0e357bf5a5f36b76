/**
 * A pending pod prepared for scheduling: its requests, its requirements (nodeSelector, the first required node
 * affinity term and the heaviest preferred one, which is treated as required until relaxed), tolerations, topology
 * spread and pod (anti-)affinity terms. Preferences are held in mutable lists that `Preferences.relax` shrinks;
 * the pod object itself is never modified.
 */
import {
  KubePod, NodeSelectorTerm, PodAffinityTerm, PreferredSchedulingTerm, Toleration, TopologySpreadConstraint, WeightedPodAffinityTerm,
} from '../kube-types';
import { podRequests } from '../pod-requests';
import { ResourceList } from '../resources';
import { Requirements } from './requirements';

export interface AffinityTerm {
  readonly term: PodAffinityTerm;
  readonly required: boolean;
}

/** The relaxable view of a pod's scheduling constraints. */
export class PodConstraints {
  static of(pod: KubePod, ignorePreferences = false): PodConstraints {
    const a = pod.spec.affinity;
    const byWeight = <T extends { weight: number }>(xs: readonly T[] | undefined): T[] => [...(xs ?? [])].sort((x, y) => y.weight - x.weight);
    const spread = [...(pod.spec.topologySpreadConstraints ?? [])];
    return new PodConstraints(
      [...(a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])],
      ignorePreferences ? [] : byWeight(a?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      [...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])],
      ignorePreferences ? [] : byWeight(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      [...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])],
      ignorePreferences ? [] : byWeight(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      ignorePreferences ? spread.filter(s => s.whenUnsatisfiable !== 'ScheduleAnyway') : spread,
      [...(pod.spec.tolerations ?? [])],
    );
  }

  /** How many relaxation steps have been applied (part of the pod's signature). */
  relaxations = 0;

  private constructor(
    readonly requiredNodeTerms: NodeSelectorTerm[],
    readonly preferredNodeTerms: PreferredSchedulingTerm[],
    readonly requiredAffinity: PodAffinityTerm[],
    readonly preferredAffinity: WeightedPodAffinityTerm[],
    readonly requiredAntiAffinity: PodAffinityTerm[],
    readonly preferredAntiAffinity: WeightedPodAffinityTerm[],
    readonly spread: TopologySpreadConstraint[],
    readonly tolerations: Toleration[],
  ) {}
}

export class PodData {
  /** `namespace/name`. */
  readonly key: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly requests: ResourceList;
  /** The requirements the pod is scheduled with: nodeSelector + first required term + heaviest preferred term. */
  requirements!: Requirements;
  /** Only the hard part (nodeSelector + first required term): used for topology node filters. */
  requiredRequirements!: Requirements;
  /** Identifies pods with identical constraints (same Deployment, same relaxation state). */
  signature!: string;
  /** A small number for `signature`, assigned by the scheduler. */
  signatureId = -1;
  readonly constraints: PodConstraints;
  /** Position in the input, for a deterministic order. */
  readonly index: number;
  /** Filled by the scheduler: requests as a resource vector. */
  vector!: Float64Array;
  /** Scheduler cache: eligible topology domains per key (cleared on relaxation). */
  readonly eligible = new Map<string, unknown>();
  /** Topology cache: namespace and labels as a key (both fixed for the pod). */
  selectionKey: string | undefined;

  constructor(readonly pod: KubePod, index: number, ignorePreferences = false, private readonly baseSignature?: string) {
    this.namespace = pod.metadata.namespace ?? 'default';
    this.key = `${this.namespace}/${pod.metadata.name ?? pod.metadata.generateName ?? `pod-${index}`}`;
    this.labels = pod.metadata.labels ?? {};
    this.requests = podRequests(pod);
    this.constraints = PodConstraints.of(pod, ignorePreferences);
    this.index = index;
    this.refresh();
  }

  /** Recomputes the requirements after a relaxation. */
  refresh(): void {
    const c = this.constraints;
    const required = Requirements.fromLabels(this.pod.spec.nodeSelector);
    if (c.requiredNodeTerms.length > 0) required.addAll(Requirements.fromNodeSelectorRequirements(c.requiredNodeTerms[0].matchExpressions));
    this.requiredRequirements = required;
    const all = required.copy();
    if (c.preferredNodeTerms.length > 0) all.addAll(Requirements.fromNodeSelectorRequirements(c.preferredNodeTerms[0].preference.matchExpressions));
    this.requirements = all;
    this.signature = `${this.baseSignature ?? podSignature(this.pod)}#${c.relaxations}`;
    this.eligible.clear();
  }

  /** Required and preferred (treated as required) pod affinity terms. */
  affinityTerms(): PodAffinityTerm[] {
    return [...this.constraints.requiredAffinity, ...this.constraints.preferredAffinity.map(w => w.podAffinityTerm)];
  }

  antiAffinityTerms(): PodAffinityTerm[] {
    return [...this.constraints.requiredAntiAffinity, ...this.constraints.preferredAntiAffinity.map(w => w.podAffinityTerm)];
  }
}

/** A text key of everything scheduling reads from a pod (pods of one Deployment share it). */
export function podSignature(pod: KubePod): string {
  const s = pod.spec;
  return JSON.stringify([
    pod.metadata.namespace, pod.metadata.labels, s.nodeSelector, s.affinity, s.tolerations, s.topologySpreadConstraints,
    s.containers?.map(c => [c.resources, c.ports]), s.initContainers?.map(c => [c.resources, c.restartPolicy]), s.overhead,
  ]);
}
