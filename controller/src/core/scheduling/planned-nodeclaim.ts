/**
 * A NodeClaim being planned in this scheduling run: the pods placed on it so far, its narrowed requirements and the
 * instance types that could still hold all of them. Adding a pod either commits everything or changes nothing.
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { Offering } from '../../cloudprovider/offering';
import { KubePod, NodeClaim } from '../kube-types';
import { formatResources, ResourceList } from '../resources';
import { explainNoOption, InstanceTypeOption, OptionBounds, unmetMinValues } from './instance-type-option';
import { NodeClaimTemplate } from './nodeclaim-template';
import { anyBit, bitsKey, count, OptionBits, OptionIndex, sameBits } from './option-set';
import { PodData } from './pod-data';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { addVectors, ResourceDims, sumFits } from './resource-vector';
import { firstUntolerated, formatTaint } from './taints';
import { Topology } from './topology';
import { LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE, LABEL_ZONE, WELL_KNOWN_LABELS } from '../labels';

/** Upstream truncates the NodeClaim's instance type options to this many (cheapest first). */
export const MAX_INSTANCE_TYPES = 600;

const INEFFICIENT = 'adding the pod would leave only cost-inefficient instance types';

/** The options being tried by `add` (one scheduling run at a time: JavaScript is single-threaded). */
let scratch: OptionBits = new Uint32Array(0);

interface SharedEntry {
  readonly options: readonly InstanceTypeOption[];
  readonly requirement: Requirement;
}

/**
 * The instance-type requirements of the NodeClaims finalized in one run, by their list of names: requirements are
 * immutable values, so NodeClaims with the same options share one (its set of up to 600 names is the largest
 * per-NodeClaim allocation of a big run), and so do their (read-only) option lists.
 */
export class SharedInstanceTypes {
  private readonly byHash = new Map<number, SharedEntry[]>();
  /** The entries by what selected them (same index, order, limit and set: same names without comparing them). */
  private readonly bySelection = new Map<OptionIndex, Map<Int32Array | undefined, Map<string, SharedEntry>>>();

  /** The options and requirement of `index.select(set, order, limit)`, shared with earlier NodeClaims. */
  get(index: OptionIndex, set: OptionBits, order: Int32Array | undefined, limit: number): SharedEntry {
    let byOrder = this.bySelection.get(index);
    if (!byOrder) this.bySelection.set(index, (byOrder = new Map()));
    let bySet = byOrder.get(order);
    if (!bySet) byOrder.set(order, (bySet = new Map()));
    const key = `${limit}:${bitsKey(set)}`;
    let entry = bySet.get(key);
    if (!entry) bySet.set(key, (entry = this.byNames(index, set, order, limit)));
    return entry;
  }

  private byNames(index: OptionIndex, set: OptionBits, order: Int32Array | undefined, limit: number): SharedEntry {
    const hash = index.hashSelection(set, order, limit);
    let bucket = this.byHash.get(hash);
    for (const e of bucket ?? []) if (index.selectionEquals(set, order, limit, e.options)) return e;
    const options = index.select(set, order, limit);
    const entry = { options, requirement: Requirement.in(LABEL_INSTANCE_TYPE, ...options.map(o => o.name)) };
    if (!bucket) this.byHash.set(hash, (bucket = []));
    bucket.push(entry);
    return entry;
  }
}

export class PlannedNodeClaim {
  readonly hostname: string;
  readonly pods: PodData[] = [];
  requirements: Requirements;
  requests: Float64Array;
  /** The template's options, indexed. */
  private readonly index: OptionIndex;
  /**
   * The instance types that could still hold all the pods, as a bitset over the template's options (which answers the
   * quick "no option is large enough", "every option still fits" and cost-efficiency tests without a walk).
   */
  private bits: OptionBits;
  /** `bits` as a list (template price order until `finalize` orders it for this NodeClaim), built on demand. */
  private optionList: readonly InstanceTypeOption[] | undefined;
  /**
   * Per-dimension maximum allocatable among the options (a quick "cannot fit" test), minimum (below it every option
   * still fits, so nothing needs filtering) and maximum among the efficient options.
   */
  private readonly bounds: OptionBounds;
  /** Signatures of pods this NodeClaim can never take (hostname anti-affinity / spread): skipped without work. */
  readonly blocked = new Set<number>();
  /** Position in the scheduler's ordering (owned by NodeClaimOrder). */
  position = -1;

  constructor(
    readonly template: NodeClaimTemplate,
    private readonly topology: Topology,
    private readonly dims: ResourceDims,
    options: InstanceTypeOption[],
    hostname: string,
    /** Creation order. */
    readonly sequence = 0,
  ) {
    this.hostname = hostname;
    this.requirements = template.requirements.copy();
    this.requirements.add(Requirement.in(LABEL_HOSTNAME, hostname));
    this.index = template.index;
    this.bits = this.index.bitsOf(options);
    this.optionList = options;
    this.bounds = this.index.boundsOf(options, this.bits);
    this.requests = template.daemonOverhead.slice();
    topology.register(LABEL_HOSTNAME, hostname);
  }

  /** The instance types that could still hold all the pods (read-only: NodeClaims may share the list). */
  get options(): readonly InstanceTypeOption[] {
    return (this.optionList ??= this.index.toArray(this.bits));
  }

  /** Adds the pod, or returns why it cannot go on this NodeClaim (and changes nothing). */
  add(pod: PodData): string | undefined {
    const v = pod.vector;
    const index = this.index;
    const bits = this.bits;
    const max = this.bounds.max;
    for (let i = 0; i < v.length; i++) {
      if (this.requests[i] + v[i] > max[i]) {
        if (this.pods.length > 0) return 'no instance type has enough resources left';
        return explainNoOption(this.options, this.requirements, addVectors(this.requests, v), this.dims, `NodePool "${this.template.name}"`);
      }
    }
    const hasEfficient = this.pods.length > 0 && this.bounds.hasEfficient;
    if (hasEfficient) {
      // the cost-efficiency rule below, answered without filtering: no efficient option can hold the sum
      const e = this.bounds.maxEfficient;
      for (let i = 0; i < v.length; i++) if (this.requests[i] + v[i] > e[i]) return INEFFICIENT;
    }
    const taint = firstUntolerated(this.template.taints, pod.constraints.tolerations);
    if (taint) return `did not tolerate taint ${formatTaint(taint)} of NodePool "${this.template.name}"`;
    const incompatible = this.requirements.compatible(pod.requirements, WELL_KNOWN_LABELS);
    if (incompatible) return `incompatible with NodePool "${this.template.name}": ${incompatible}`;
    let reqs = this.requirements;
    if (pod.requirements.size > 0) {
      const next = reqs.copy();
      if (next.addAll(pod.requirements)) reqs = next;
    }
    const narrowed = this.topology.addRequirements(pod, reqs);
    if (typeof narrowed === 'string') {
      if (this.topology.lastViolationPermanent) this.blocked.add(pod.signatureId);
      return narrowed;
    }
    reqs = narrowed;
    const changed = reqs !== this.requirements;
    let filtered = false;
    const next = this.scratch();
    if (changed) {
      let labels = false;
      let offerings = false;
      for (const r of reqs.values()) {
        if (this.requirements.find(r.key) === r) continue;
        if (r.key === LABEL_ZONE || r.key === LABEL_CAPACITY_TYPE) offerings = true;
        else labels = true;
      }
      index.fitting(bits, this.requests, v, next);
      if (labels) index.keepCompatible(next, reqs);
      if (offerings) index.keepOffered(next, reqs);
      filtered = true;
    } else if (!sumFits(this.requests, v, this.bounds.min)) {
      index.fitting(bits, this.requests, v, next);
      filtered = true;
    }
    const options = filtered ? next : bits;
    if (!anyBit(options)) {
      return explainNoOption(this.options, reqs, addVectors(this.requests, v), this.dims, `NodePool "${this.template.name}"`);
    }
    if (filtered && hasEfficient && !anyBit(next, index.efficient)) {
      // NOT upstream (SchedulerOptions.avoidCostInefficientTypes): growing further would leave only types priced well
      // above what the same resources cost elsewhere, so the pod goes to another NodeClaim instead. Upstream keeps
      // packing while any option fits and leaves the oversized node to consolidation.
      // Without the marks (the option off) every option is efficient and this never fires.
      return INEFFICIENT;
    }
    let list: readonly InstanceTypeOption[] | undefined;
    if (reqs.hasMinValues()) {
      list = filtered ? index.toArray(next) : this.options;
      const unmet = unmetMinValues(reqs, list);
      if (unmet) return unmet;
    }
    this.requirements = reqs;
    if (filtered && !sameBits(next, bits)) {
      bits.set(next);
      this.optionList = list;
      index.bounds(bits, this.bounds);
    }
    for (let i = 0; i < v.length; i++) this.requests[i] += v[i];
    this.pods.push(pod);
    this.topology.record(pod, reqs);
    return undefined;
  }

  private scratch(): OptionBits {
    if (scratch.length !== this.index.words) scratch = this.index.newBits();
    return scratch;
  }

  /** Orders the options by price and truncates them (keeping enough to satisfy minValues). */
  finalize(shared: SharedInstanceTypes = new SharedInstanceTypes()): void {
    // options keep the template's price order unless the zone or capacity type changed the prices that apply
    const samePrices = this.requirements.find(LABEL_ZONE) === this.template.requirements.find(LABEL_ZONE)
      && this.requirements.find(LABEL_CAPACITY_TYPE) === this.template.requirements.find(LABEL_CAPACITY_TYPE);
    const order = samePrices ? undefined : this.index.priceOrder(this.requirements);
    const total = count(this.bits);
    let limit = MAX_INSTANCE_TYPES;
    if (total > limit && unmetMinValues(this.requirements, this.index.select(this.bits, order, limit))) limit = Infinity;
    const { options, requirement } = shared.get(this.index, this.bits, order, limit);
    if (options.length < total) this.bits = this.index.bitsOf(options);
    this.optionList = options;
    this.requirements.add(requirement);
  }

  get nodePoolName(): string {
    return this.template.name;
  }

  get instanceTypeOptions(): InstanceType[] {
    return this.options.map(o => o.instanceType);
  }

  get podObjects(): KubePod[] {
    return this.pods.map(p => p.pod);
  }

  /** Requests of the pods and the DaemonSet overhead, canonical units. */
  get resourceRequests(): ResourceList {
    return this.dims.toList(this.requests);
  }

  /** What a lowest-price launch would pick: the cheapest compatible available offering over all options. */
  cheapestLaunch(): { instanceType: InstanceType; offering: Offering } | undefined {
    let best: { instanceType: InstanceType; offering: Offering } | undefined;
    for (const o of this.options) {
      const offering = o.cheapestOffering(this.requirements);
      if (offering && (!best || offering.price < best.offering.price)) best = { instanceType: o.instanceType, offering };
    }
    return best;
  }

  /** The NodeClaim to create (the Kubernetes adapter adds the name, owner reference and hash annotations). */
  toNodeClaim(): NodeClaim {
    const reqs = this.requirements.copy();
    const labels = { ...this.template.labels, ...reqs.labels() };
    delete labels[LABEL_HOSTNAME];
    const requirements = reqs.toNodeSelectorRequirements().filter(r => r.key !== LABEL_HOSTNAME);
    return {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodeClaim',
      metadata: { generateName: `${this.template.name}-`, labels, annotations: { ...this.template.nodePool.spec.template.metadata?.annotations } },
      spec: {
        requirements,
        resources: { requests: formatResources(this.resourceRequests) },
        taints: this.template.taints.length ? [...this.template.taints] : undefined,
        startupTaints: this.template.startupTaints.length ? [...this.template.startupTaints] : undefined,
        nodeClassRef: this.template.nodePool.spec.template.spec.nodeClassRef,
        expireAfter: this.template.nodePool.spec.template.spec.expireAfter,
        terminationGracePeriod: this.template.nodePool.spec.template.spec.terminationGracePeriod,
      },
    };
  }
}
