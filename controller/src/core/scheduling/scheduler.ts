/**
 * The provisioning scheduler: `new Scheduler({ nodePools, instanceTypes, stateNodes, daemonSetPods, clock }).solve(pods)`.
 *
 * Pods are taken largest first. Each pod tries the existing and in-flight nodes, then the NodeClaims planned in this
 * run (fewest pods first), then a new NodeClaim from the NodePools by weight. A pod that fits nowhere has one
 * preference relaxed and goes to the back of the queue; the run ends when no pod can make progress. Pure: no I/O, no
 * wall clock, same inputs give the same plan.
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { Clock } from '../clock';
import { KubePod, NodePool } from '../kube-types';
import { podRequests } from '../pod-requests';
import { formatResource, ResourceList } from '../resources';
import { ExistingNode } from './existing-node';
import { explainNoOption, InstanceTypeOption } from './instance-type-option';
import { NodeClaimOrder } from './nodeclaim-order';
import { NodeClaimTemplate } from './nodeclaim-template';
import { PlannedNodeClaim, SharedInstanceTypes } from './planned-nodeclaim';
import { PodData } from './pod-data';
import { Preferences } from './preferences';
import { Queue } from './queue';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { addVectors, fitsVector, ResourceDims } from './resource-vector';
import { firstUntolerated } from './taints';
import { Topology } from './topology';
import { LABEL_HOSTNAME, WELL_KNOWN_LABELS } from '../labels';
import { StateNode } from '../state/state-node';

export interface SchedulerOptions {
  readonly nodePools: readonly NodePool[];
  /** Instance types per NodePool name, or one list for every NodePool. */
  readonly instanceTypes: ReadonlyMap<string, readonly InstanceType[]> | readonly InstanceType[];
  /** Existing and in-flight nodes. */
  readonly stateNodes?: readonly StateNode[];
  /** One pod per DaemonSet (its template): their requests are reserved on every compatible node. */
  readonly daemonSetPods?: readonly KubePod[];
  readonly clock: Clock;
  /** `Ignore` drops preferred terms and ScheduleAnyway constraints up front. @default Respect */
  readonly preferencePolicy?: 'Respect' | 'Ignore';
  /**
   * NOT upstream behaviour (Karpenter keeps adding pods to a NodeClaim while any option fits, and relies on
   * consolidation to replace the oversized node it launches). When true, a NodeClaim that still has a cost-efficient
   * option stops growing once only types priced over `EFFICIENCY_TOLERANCE` × the cheapest fractional mix for the same
   * CPU, memory and pods would remain: without it an unconstrained NodePool packs 1,200 mixed pods onto two
   * u7i-12tb.224xlarge ($251/h against $60/h). `false` gives upstream's packing exactly.
   * @default true
   */
  readonly avoidCostInefficientTypes?: boolean;
  /** Resources already provisioned per NodePool (status.resources). @default - the capacity of its state nodes */
  readonly nodePoolUsage?: Readonly<Record<string, ResourceList>>;
}

export interface SchedulingResults {
  readonly newNodeClaims: PlannedNodeClaim[];
  /** Existing nodes with the pods placed on them in this run. */
  readonly existingNodes: ExistingNode[];
  /** Pods that could not be placed, with the reason. */
  readonly podErrors: Map<KubePod, string>;
  readonly timestamp: Date;
}

export class Scheduler {
  private readonly templates: NodeClaimTemplate[];
  private dims = new ResourceDims();
  private existing: ExistingNode[] = [];
  private readonly order = new NodeClaimOrder<PlannedNodeClaim>();
  private topology!: Topology;
  private remaining = new Map<NodeClaimTemplate, Float64Array>();
  private limitedOptions = new Map<NodeClaimTemplate, InstanceTypeOption[]>();
  private hostnames = 0;
  private readonly eligibleCache = new Map<string, Requirement | undefined>();
  private readonly domainCache = new Map<string, string[]>();
  private readonly signatures = new Map<string, number>();

  /** Throws RequirementError / QuantityError when a NodePool is invalid. */
  constructor(private readonly opts: SchedulerOptions) {
    const forPool = (name: string): readonly InstanceType[] => {
      const its = opts.instanceTypes;
      if (Array.isArray(its)) return its as readonly InstanceType[];
      return (its as ReadonlyMap<string, readonly InstanceType[]>).get(name) ?? [];
    };
    this.templates = [...opts.nodePools]
      .sort((a, b) => (b.spec.weight ?? 0) - (a.spec.weight ?? 0) || (a.metadata.name < b.metadata.name ? -1 : 1))
      .map(np => new NodeClaimTemplate(np, forPool(np.metadata.name)));
  }

  solve(pods: readonly KubePod[]): SchedulingResults {
    const podData = pods.map((p, i) => new PodData(p, i, this.opts.preferencePolicy === 'Ignore'));
    this.prepare(podData);
    const preferences = new Preferences(this.templates.some(t => t.taints.some(x => x.effect === 'PreferNoSchedule')));
    const errors = new Map<PodData, string>();
    const queue = new Queue(podData);
    for (let pod = queue.pop(); pod; pod = queue.pop()) {
      const err = this.add(pod);
      if (err === undefined) {
        errors.delete(pod);
        continue;
      }
      errors.set(pod, err);
      const relaxed = preferences.relax(pod) !== undefined;
      if (relaxed) {
        this.intern(pod);
        this.topology.update(pod);
      }
      queue.push(pod, relaxed);
    }
    const newNodeClaims = this.order.items.slice().sort((a, b) => a.sequence - b.sequence);
    const shared = new SharedInstanceTypes();
    for (const nc of newNodeClaims) nc.finalize(shared);
    const podErrors = new Map<KubePod, string>();
    for (const p of queue.remaining()) podErrors.set(p.pod, errors.get(p) ?? 'not scheduled');
    return { newNodeClaims, existingNodes: this.existing, podErrors, timestamp: this.opts.clock.now() };
  }

  private prepare(pods: PodData[]): void {
    const dims = this.dims;
    for (const t of this.templates) {
      for (const it of t.instanceTypes) {
        dims.include(it.allocatable);
        dims.include(it.capacity);
      }
      dims.include(t.limits);
    }
    for (const p of pods) dims.include(p.requests);
    const daemons = (this.opts.daemonSetPods ?? []).map((p, i) => new PodData(p, i, true, 'daemonset'));
    for (const d of daemons) dims.include(d.requests);
    for (const t of this.templates) {
      t.compile(dims, this.opts.avoidCostInefficientTypes ?? true);
      const overhead: ResourceList = {};
      for (const d of daemons) {
        if (firstUntolerated(t.taints, d.constraints.tolerations)) continue;
        if (t.requirements.compatible(d.requiredRequirements, WELL_KNOWN_LABELS)) continue;
        for (const [k, v] of Object.entries(d.requests)) overhead[k] = (overhead[k] ?? 0) + v;
      }
      t.daemonOverhead = dims.vector(overhead);
      if (t.limits) {
        const usage = this.opts.nodePoolUsage?.[t.name] ?? sumCapacity((this.opts.stateNodes ?? []).filter(n => n.nodePoolName === t.name));
        const remaining = dims.limitVector(t.limits);
        const used = dims.vector(usage);
        for (let i = 0; i < remaining.length; i++) remaining[i] -= used[i];
        this.remaining.set(t, remaining);
      }
    }
    for (const p of pods) p.vector = dims.vector(p.requests);
    for (const p of pods) this.intern(p);
    const templateByName = new Map(this.templates.map(t => [t.name, t]));
    this.existing = (this.opts.stateNodes ?? [])
      .filter(n => !n.markedForDeletion)
      .map(n => {
        const template = n.nodePoolName ? templateByName.get(n.nodePoolName) : undefined;
        const missing = n.initialized ? dims.vector({}) : missingDaemonOverhead(n, daemons, dims);
        return new ExistingNode(n, dims, missing, template?.startupTaints ?? []);
      })
      .sort((a, b) => Number(b.node.initialized) - Number(a.node.initialized) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.topology = new Topology({
      nodes: this.existing.map(e => ({ requirements: e.requirements, pods: e.node.pods })),
      domainsFor: key => this.domainsFor(key),
      eligibleDomains: (pod, key) => this.eligibleDomains(pod, key),
    });
    for (const p of pods) this.topology.update(p);
  }

  private intern(pod: PodData): void {
    let id = this.signatures.get(pod.signature);
    if (id === undefined) this.signatures.set(pod.signature, (id = this.signatures.size));
    pod.signatureId = id;
  }

  private add(pod: PodData): string | undefined {
    for (const node of this.existing) {
      if (node.add(pod, this.topology) === undefined) return undefined;
    }
    for (const nc of this.order.items) {
      if (nc.blocked.has(pod.signatureId)) continue;
      if (nc.add(pod) === undefined) {
        this.order.increment(nc);
        return undefined;
      }
    }
    return this.addToNewNodeClaim(pod);
  }

  private addToNewNodeClaim(pod: PodData): string | undefined {
    if (this.templates.length === 0) return 'no NodePool exists to launch a node for it';
    const reasons: string[] = [];
    for (const t of this.templates) {
      if (t.options.length === 0) {
        reasons.push(`NodePool "${t.name}" has no instance type that satisfies its requirements and has an available offering`);
        continue;
      }
      const remaining = this.remaining.get(t);
      let options = t.options;
      if (remaining) {
        options = this.limitedOptions.get(t) ?? t.options.filter(o => fitsVector(o.capacity, remaining));
        this.limitedOptions.set(t, options);
        if (options.length === 0) {
          const needed = addVectors(t.daemonOverhead, pod.vector);
          reasons.push(t.options.some(o => fitsVector(needed, o.allocatable))
            ? `NodePool "${t.name}" has reached its limits: every instance type would exceed them (remaining ${this.describeRemaining(t, remaining)})`
            : explainNoOption(t.options, t.requirements, needed, this.dims, `NodePool "${t.name}"`));
          continue;
        }
      }
      const sequence = ++this.hostnames;
      const nc = new PlannedNodeClaim(t, this.topology, this.dims, options, `hostname-placeholder-${String(sequence).padStart(4, '0')}`, sequence);
      const err = nc.add(pod);
      if (err !== undefined) {
        let reason = err;
        if (remaining && options.length < t.options.length && /has .* free/.test(err)) {
          const excluded = t.options.length - options.length;
          reason = `${err} under the limits of NodePool "${t.name}" (${excluded} larger instance type(s) excluded, remaining ${this.describeRemaining(t, remaining)})`;
        }
        reasons.push(reason);
        continue;
      }
      this.order.insert(nc);
      if (remaining) {
        for (let i = 0; i < remaining.length; i++) {
          let max = 0;
          for (const o of nc.options) if (o.capacity[i] > max) max = o.capacity[i];
          remaining[i] -= max;
        }
        this.limitedOptions.delete(t);
      }
      return undefined;
    }
    return reasons.join('; ');
  }

  private describeRemaining(t: NodeClaimTemplate, remaining: Float64Array): string {
    const left: ResourceList = {};
    const all = this.dims.toList(remaining.map(v => Math.max(0, v)));
    for (const k of Object.keys(t.limits ?? {})) left[k] = all[k] ?? 0;
    return Object.keys(left).sort().map(k => `${k}=${formatResource(k, left[k])}`).join(', ');
  }

  private domainsFor(key: string): string[] {
    let cached = this.domainCache.get(key);
    if (cached) return cached;
    const out = new Set<string>();
    if (key !== LABEL_HOSTNAME) for (const t of this.templates) for (const d of t.domains(key)) out.add(d);
    for (const e of this.existing) {
      const r = e.requirements.find(key);
      if (r && !r.complement) for (const v of r.values) out.add(v);
    }
    cached = [...out].sort();
    this.domainCache.set(key, cached);
    return cached;
  }

  /** Domains of `key` the pod could reach: NodePools it tolerates and is compatible with, and existing nodes. */
  private eligibleDomains(pod: PodData, key: string): Requirement | undefined {
    if (key === LABEL_HOSTNAME) return undefined;
    if (pod.eligible.has(key)) return pod.eligible.get(key) as Requirement | undefined;
    // the interned signature id stands for the (long) signature text
    const cacheKey = pod.signatureId >= 0 ? `${pod.signatureId}\u0000${key}` : `${pod.signature}\u0000${key}`;
    if (this.eligibleCache.has(cacheKey)) {
      const hit = this.eligibleCache.get(cacheKey);
      pod.eligible.set(key, hit);
      return hit;
    }
    const out = new Set<string>();
    for (const t of this.templates) {
      if (firstUntolerated(t.taints, pod.constraints.tolerations)) continue;
      if (t.requirements.compatible(pod.requirements, WELL_KNOWN_LABELS)) continue;
      for (const d of t.domains(key)) out.add(d);
    }
    for (const e of this.existing) {
      if (firstUntolerated(e.taints, pod.constraints.tolerations)) continue;
      const r = e.requirements.find(key);
      if (r && !r.complement) for (const v of r.values) out.add(v);
    }
    const result = Requirement.in(key, ...out);
    this.eligibleCache.set(cacheKey, result);
    pod.eligible.set(key, result);
    return result;
  }
}

function sumCapacity(nodes: readonly StateNode[]): ResourceList {
  const out: ResourceList = {};
  for (const n of nodes) for (const [k, v] of Object.entries(n.capacity ?? n.allocatable)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** DaemonSet requests not yet covered by DaemonSet pods bound to an in-flight node. */
function missingDaemonOverhead(node: StateNode, daemons: PodData[], dims: ResourceDims): Float64Array {
  const labels = Requirements.fromLabels(node.labels);
  const total = dims.vector({});
  for (const d of daemons) {
    if (firstUntolerated(node.taints, d.constraints.tolerations)) continue;
    if (labels.compatible(d.requiredRequirements, WELL_KNOWN_LABELS)) continue;
    const owner = d.pod.metadata.ownerReferences?.find(o => o.kind === 'DaemonSet')?.name ?? d.pod.metadata.name;
    const present = node.pods.some(p => p.metadata.ownerReferences?.some(o => o.kind === 'DaemonSet' && o.name === owner));
    if (present) continue;
    const v = dims.vector(podRequests(d.pod));
    for (let i = 0; i < v.length; i++) total[i] += v[i];
  }
  return total;
}
