/**
 * A NodePool as the scheduler uses it: its requirements (spec requirements + template labels + the nodepool label),
 * taints, the instance types it may launch, and the DaemonSet overhead every node of it carries.
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { NodePool, Taint } from '../kube-types';
import { LABEL_NODEPOOL } from '../labels';
import { parseResources, ResourceList } from '../resources';
import { InstanceTypeOption, markEfficiency, orderByPrice } from './instance-type-option';
import { OptionIndex } from './option-set';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { ResourceDims } from './resource-vector';

export class NodeClaimTemplate {
  readonly name: string;
  readonly weight: number;
  readonly requirements: Requirements;
  readonly labels: Record<string, string>;
  readonly taints: readonly Taint[];
  readonly startupTaints: readonly Taint[];
  readonly limits: ResourceList | undefined;
  /** Instance types compatible with the NodePool's requirements and with an allowed offering. */
  options: InstanceTypeOption[] = [];
  /** `options` indexed for the NodeClaims of this run (bitsets of options, per-resource thresholds). */
  index: OptionIndex = new OptionIndex([], 0);
  daemonOverhead!: Float64Array;
  private readonly domainCache = new Map<string, string[]>();

  /** Throws RequirementError / QuantityError for an invalid NodePool. */
  constructor(readonly nodePool: NodePool, readonly instanceTypes: readonly InstanceType[]) {
    this.name = nodePool.metadata.name;
    this.weight = nodePool.spec.weight ?? 0;
    const t = nodePool.spec.template;
    this.labels = { ...t.metadata?.labels, [LABEL_NODEPOOL]: this.name };
    this.requirements = Requirements.fromNodeSelectorRequirements(t.spec.requirements);
    this.requirements.addAll(Requirements.fromLabels(this.labels));
    this.taints = t.spec.taints ?? [];
    this.startupTaints = t.spec.startupTaints ?? [];
    this.limits = nodePool.spec.limits ? parseResources(nodePool.spec.limits) : undefined;
  }

  /** Compiles the options, ordered by their cheapest allowed offering (NodeClaims keep this order when filtering). */
  compile(dims: ResourceDims, markCostEfficiency = true): void {
    this.options = orderByPrice(this.instanceTypes.map(it => new InstanceTypeOption(it, dims))
      .filter(o => o.compatible(this.requirements) && o.hasOffering(this.requirements)), this.requirements);
    // without the marks every option stays `efficient` and PlannedNodeClaim packs exactly as upstream does
    if (markCostEfficiency) markEfficiency(this.options);
    this.index = new OptionIndex(this.options, dims.size);
    this.domainCache.clear();
  }

  /** The values a label can take on nodes of this NodePool (for topology domains). */
  domains(key: string): string[] {
    let cached = this.domainCache.get(key);
    if (!cached) this.domainCache.set(key, (cached = this.computeDomains(key)));
    return cached;
  }

  private computeDomains(key: string): string[] {
    const req = this.requirements.find(key) ?? Requirement.exists(key);
    if (!req.complement) return [...req.values];
    const out = new Set<string>();
    for (const o of this.options) {
      const own = o.instanceType.requirements.find(key);
      if (!own || own.complement) continue;
      for (const v of own.values) if (req.has(v) && (key !== 'topology.kubernetes.io/zone' || o.offerings.some(x => x.zone === v))) out.add(v);
    }
    return [...out];
  }
}
