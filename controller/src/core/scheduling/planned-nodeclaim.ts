/**
 * A NodeClaim being planned in this scheduling run: the pods placed on it so far, its narrowed requirements and the
 * instance types that could still hold all of them. Adding a pod either commits everything or changes nothing.
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { Offering } from '../../cloudprovider/offering';
import { KubePod, NodeClaim } from '../kube-types';
import { formatResources, ResourceList } from '../resources';
import { explainNoOption, filterOptions, InstanceTypeOption, OptionBounds, orderByPrice, unmetMinValues } from './instance-type-option';
import { NodeClaimTemplate } from './nodeclaim-template';
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

/** Bounds of the options being tried by `add` (one scheduling run at a time: JavaScript is single-threaded). */
let scratch = new OptionBounds(0);

export class PlannedNodeClaim {
  readonly hostname: string;
  readonly pods: PodData[] = [];
  requirements: Requirements;
  options: InstanceTypeOption[];
  requests: Float64Array;
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
    this.options = options;
    this.requests = template.daemonOverhead.slice();
    this.bounds = new OptionBounds(dims.size);
    for (const o of options) this.bounds.include(o);
    topology.register(LABEL_HOSTNAME, hostname);
  }

  /** Adds the pod, or returns why it cannot go on this NodeClaim (and changes nothing). */
  add(pod: PodData): string | undefined {
    const v = pod.vector;
    const max = this.bounds.max;
    for (let i = 0; i < v.length; i++) {
      if (this.requests[i] + v[i] > max[i]) {
        if (this.pods.length > 0) return 'no instance type has enough resources left';
        return explainNoOption(this.options, this.requirements, addVectors(this.requests, v), this.dims, `NodePool "${this.template.name}"`);
      }
    }
    if (this.pods.length > 0 && this.bounds.hasEfficient) {
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
    let options = this.options;
    if (changed) {
      let labels = false;
      let offerings = false;
      for (const r of reqs.values()) {
        if (this.requirements.find(r.key) === r) continue;
        if (r.key === LABEL_ZONE || r.key === LABEL_CAPACITY_TYPE) offerings = true;
        else labels = true;
      }
      options = filterOptions(this.options, reqs, this.requests, v, labels, offerings, this.scratch());
    } else if (!sumFits(this.requests, v, this.bounds.min)) {
      options = filterOptions(this.options, reqs, this.requests, v, false, false, this.scratch());
    }
    if (options.length === 0) {
      return explainNoOption(this.options, reqs, addVectors(this.requests, v), this.dims, `NodePool "${this.template.name}"`);
    }
    if (options !== this.options && this.pods.length > 0 && this.bounds.hasEfficient && !scratch.hasEfficient) {
      // NOT upstream (SchedulerOptions.avoidCostInefficientTypes): growing further would leave only types priced well
      // above what the same resources cost elsewhere, so the pod goes to another NodeClaim instead. Upstream keeps
      // packing while any option fits and leaves the oversized node to consolidation.
      // Without the marks (the option off) every option is efficient and this never fires.
      return INEFFICIENT;
    }
    if (changed || reqs.hasMinValues()) {
      const unmet = unmetMinValues(reqs, options);
      if (unmet) return unmet;
    }
    this.requirements = reqs;
    if (options.length !== this.options.length) {
      this.options = options;
      this.bounds.copyFrom(scratch);
    }
    for (let i = 0; i < v.length; i++) this.requests[i] += v[i];
    this.pods.push(pod);
    this.topology.record(pod, reqs);
    return undefined;
  }

  private scratch(): OptionBounds {
    if (scratch.size !== this.dims.size) scratch = new OptionBounds(this.dims.size);
    return scratch;
  }

  /** Orders the options by price and truncates them (keeping enough to satisfy minValues). */
  finalize(shared?: Map<string, Requirement>): void {
    // options keep the template's price order unless the zone or capacity type changed the prices that apply
    const samePrices = this.requirements.find(LABEL_ZONE) === this.template.requirements.find(LABEL_ZONE)
      && this.requirements.find(LABEL_CAPACITY_TYPE) === this.template.requirements.find(LABEL_CAPACITY_TYPE);
    const ordered = samePrices ? this.options : orderByPrice(this.options, this.requirements);
    let truncated = ordered.slice(0, MAX_INSTANCE_TYPES);
    if (truncated.length < ordered.length && unmetMinValues(this.requirements, truncated)) truncated = ordered;
    this.options = truncated;
    // requirements are immutable values: NodeClaims with the same options share one instance-type requirement (its
    // set of up to 600 names is the largest per-NodeClaim allocation of a big run)
    const names = truncated.map(o => o.name);
    const key = shared ? names.join(',') : '';
    let r = shared?.get(key);
    if (!r) {
      r = Requirement.in(LABEL_INSTANCE_TYPE, ...names);
      shared?.set(key, r);
    }
    this.requirements.add(r);
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
