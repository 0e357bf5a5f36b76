/**
 * The simulator's cluster with a time dimension: an in-memory API (NodePools, EC2NodeClasses, Deployments, Pods,
 * DaemonSets, PodDisruptionBudgets, NodeClaims/Nodes), a fake cloud that launches the cheapest allowed offering, a
 * fake clock, and the controller loop run every tick: workload controllers, node lifecycle, provisioning (the
 * `Scheduler`), expiration, drift and consolidatable conditions, disruption (`computeDisruption` → 15 s →
 * `revalidate` → the execution state machine) and graceful termination (drain with PDBs).
 */
import { ManifestError } from './manifest-error';
import { loadManifests, parseYamlDocuments } from './manifests';
import { ScenarioSettings } from './scenario';
import { InstanceType } from '../cloudprovider/instance-type';
import { Offering } from '../cloudprovider/offering';
import { allowedDisruptionsByReason } from '../core/disruption/budgets';
import { CONDITION_CONSOLIDATABLE, CONDITION_DRIFTED, CONDITION_INITIALIZED, consolidatableDecision, isConditionTrue, withCondition } from '../core/disruption/conditions';
import { commandLogValues, computeDisruption, DISRUPTING_MESSAGE } from '../core/disruption/disruption';
import { detectDrift } from '../core/disruption/drift-detection';
import { expirationDecision } from '../core/disruption/expiration';
import { canonicalJson, fnv1a64, NODECLASS_HASH_ANNOTATION, NODECLASS_HASH_VERSION, NODECLASS_HASH_VERSION_ANNOTATION, nodeClassHash, nodePoolHashAnnotations, restampNodeClaim } from '../core/disruption/hash';
import { ExecutionAction, ExecutionState, isFinished, startExecution, step } from '../core/disruption/orchestration';
import { computeDisruptionsAllowed, PdbLimits } from '../core/disruption/pdb';
import { podKey } from '../core/disruption/pods';
import { ClusterSnapshot, Command, DisruptionReason, PodDisruptionBudget } from '../core/disruption/types';
import { VALIDATION_PERIOD_MS, revalidate } from '../core/disruption/validation';
import { KubePod, NodeClaim, NodePool, PodSpec, Taint } from '../core/kube-types';
import { LABEL_CAPACITY_TYPE, LABEL_HOSTNAME, LABEL_NODEPOOL, LABEL_ZONE } from '../core/labels';
import { Requirements } from '../core/scheduling/requirements';
import { Scheduler } from '../core/scheduling/scheduler';
import { firstUntolerated } from '../core/scheduling/taints';
import { StateNode } from '../core/state/state-node';
import { decideTermination } from '../core/termination/terminator';

export type SimEventType =
  | 'launched' | 'initialized' | 'unschedulable' | 'disrupting' | 'validationFailed' | 'disruptionFailed' | 'expired'
  | 'drifted' | 'evicted' | 'evictionBlocked' | 'deleted' | 'note';

export interface SimEvent {
  /** Milliseconds since the scenario start. */
  readonly t: number;
  readonly type: SimEventType;
  readonly message: string;
  readonly nodes?: readonly string[];
  readonly reason?: string;
  readonly method?: string;
  readonly decision?: string;
  readonly savingsPerHour?: number;
}

export interface Sample {
  readonly t: number;
  readonly spot: number;
  readonly onDemand: number;
  readonly pricePerHour: number;
  readonly pending: number;
}

export interface SimNode {
  readonly name: string;
  readonly nodePool: string;
  readonly instanceType: InstanceType;
  readonly offering: Offering;
  nodeClaim: NodeClaim;
  readonly labels: Record<string, string>;
  taints: Taint[];
  pods: KubePod[];
  readonly launchedAt: number;
  initializedAt?: number;
  lastPodEventTime?: number;
  /** Tainted by a disruption command in flight. */
  marked: boolean;
  /** NodeClaim deleted at: graceful termination in progress. */
  deletingSince?: number;
  deletionReason?: string;
}

interface Deployment {
  readonly name: string;
  readonly namespace: string;
  replicas: number;
  meta: KubePod['metadata'];
  spec: PodSpec;
  seq: number;
}

interface NodeClassState {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status: { amis: Array<{ id: string }> };
}

type Obj = Record<string, unknown>;

export class SimCluster {
  readonly nodePools = new Map<string, NodePool>();
  readonly nodeClasses = new Map<string, NodeClassState>();
  readonly deployments = new Map<string, Deployment>();
  readonly daemonSets = new Map<string, KubePod>();
  readonly pdbs = new Map<string, PodDisruptionBudget>();
  readonly nodes: SimNode[] = [];
  pending: KubePod[] = [];
  readonly events: SimEvent[] = [];
  readonly samples: Sample[] = [];
  /** Most nodes of a NodePool disrupting (in a command or terminating) at once, voluntary disruption only. */
  readonly maxDisrupting = new Map<string, number>();
  readonly evictedPods = new Set<string>();
  /** Evictions granted while a PDB allowed none (must stay 0). */
  pdbViolations = 0;
  now: number;
  private nodeSeq = 0;
  private version = 0;
  private lastNoop = '';
  private pendingValidation?: { command: Command; at: number };
  private readonly executions: ExecutionState[] = [];
  private readonly unschedulableReasons = new Map<string, string>();
  private readonly blockedReasons = new Map<string, string>();
  private readonly typeByName: Map<string, InstanceType>;

  constructor(readonly instanceTypes: InstanceType[], readonly settings: ScenarioSettings, readonly start: Date) {
    this.now = start.getTime();
    this.typeByName = new Map(instanceTypes.map(it => [it.name, it]));
  }

  get t(): number {
    return this.now - this.start.getTime();
  }

  private event(e: Omit<SimEvent, 't'>): void {
    this.events.push({ t: this.t, ...e });
  }

  // ---- the API: apply, scale, change an EC2NodeClass ----------------------------------------------------------

  apply(yamlText: string, source: string): void {
    const docs = parseYamlDocuments(yamlText, source);
    const rest = [];
    for (const d of docs) {
      const kind = d.object.kind;
      if (kind === 'PodDisruptionBudget') this.applyPdb(d.object, d.source);
      else if (kind === 'Deployment') this.applyDeployment(d);
      else rest.push(d);
    }
    const input = loadManifests(rest);
    for (const np of input.nodePools) this.nodePools.set(np.metadata.name, np);
    for (const nc of input.nodeClasses) this.setNodeClass(nc.metadata.name, (nc.spec ?? {}) as Obj, true);
    for (const ds of input.daemonSetPods) this.daemonSets.set(`${ds.metadata.namespace}/${ds.metadata.name}`, ds);
    for (const p of input.pods) {
      if (this.allPods().some(x => podKey(x) === podKey(p))) continue;
      this.pending.push({ ...p, spec: { ...p.spec }, metadata: { ...p.metadata, creationTimestamp: new Date(this.now).toISOString() } });
    }
    this.version++;
  }

  private applyPdb(o: Obj, source: string): void {
    const meta = o.metadata as Obj | undefined;
    const spec = o.spec as Obj | undefined;
    const where = `${source} PodDisruptionBudget/${String(meta?.name ?? '')}`;
    if (typeof meta?.name !== 'string') throw new ManifestError(where, 'metadata.name', 'missing');
    if (!spec || (spec.minAvailable === undefined && spec.maxUnavailable === undefined)) throw new ManifestError(where, 'spec', 'needs minAvailable or maxUnavailable');
    const pdb = o as unknown as PodDisruptionBudget;
    const ns = (meta.namespace as string | undefined) ?? 'default';
    this.pdbs.set(`${ns}/${meta.name}`, { ...pdb, metadata: { ...pdb.metadata, namespace: ns } });
  }

  private applyDeployment(d: { source: string; object: Obj }): void {
    // validates the Deployment (and its pod template) exactly as the one-shot simulator does
    const pods = loadManifests([{ ...d, object: { ...d.object, spec: { ...(d.object.spec as Obj), replicas: 1 } } }]).pods;
    const meta = d.object.metadata as Obj;
    const name = meta.name as string;
    const namespace = (meta.namespace as string | undefined) ?? 'default';
    const spec = d.object.spec as Obj;
    const replicas = (spec.replicas as number | undefined) ?? 1;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ManifestError(`${d.source} Deployment/${name}`, 'spec.replicas', `must be a non-negative integer, got ${JSON.stringify(replicas)}`);
    }
    const key = `${namespace}/${name}`;
    const existing = this.deployments.get(key);
    const template = pods[0];
    const { name: _n, ...meta0 } = template.metadata;
    void _n;
    if (existing) {
      existing.replicas = replicas;
      existing.meta = meta0;
      existing.spec = template.spec;
    } else {
      this.deployments.set(key, { name, namespace, replicas, meta: meta0, spec: template.spec, seq: 0 });
    }
  }

  scale(deployment: string, namespace: string, replicas: number): void {
    const d = this.deployments.get(`${namespace}/${deployment}`);
    if (!d) throw new ManifestError(`scale ${namespace}/${deployment}`, 'deployment', 'no such Deployment (apply it first)');
    d.replicas = replicas;
    this.version++;
  }

  /** Sets (or merges into) an EC2NodeClass spec; its resolved AMIs follow `amiSelectorTerms`. */
  setNodeClass(name: string, spec: Obj, replace = false): void {
    const old = this.nodeClasses.get(name);
    if (!old && !replace) throw new ManifestError(`nodeClass ${name}`, 'name', 'no such EC2NodeClass (apply it first)');
    const merged = replace ? { ...spec } : { ...old!.spec, ...spec };
    this.nodeClasses.set(name, { metadata: { name }, spec: merged, status: { amis: resolveAmis(merged) } });
    this.version++;
  }

  // ---- time -----------------------------------------------------------------------------------------------------

  advance(ms: number): void {
    const end = this.now + ms;
    const tick = this.settings.tickSeconds * 1000;
    while (this.now < end) {
      this.now = Math.min(end, this.now + tick);
      this.reconcile();
    }
  }

  /** One pass of every controller at the current time. */
  reconcile(): void {
    this.reconcileDeployments();
    this.reconcileLifecycle();
    this.provision();
    this.reconcileNodeClaimConditions();
    this.disrupt();
    this.terminate();
    this.sample();
  }

  /**
   * What a fresh plan for the pods running now would cost: every non-DaemonSet pod scheduled from scratch onto new
   * NodeClaims (the yardstick for consolidation).
   */
  freshPlanPricePerHour(): number {
    const pods = this.allPods().filter(p => !p.metadata.ownerReferences?.some(o => o.kind === 'DaemonSet'))
      .map(p => ({ ...p, spec: { ...p.spec, nodeName: undefined }, status: undefined }));
    const results = new Scheduler({
      nodePools: [...this.nodePools.values()],
      instanceTypes: this.instanceTypes,
      daemonSetPods: [...this.daemonSets.values()],
      clock: { now: () => new Date(this.now) },
    }).solve(pods);
    return results.newNodeClaims.reduce((sum, nc) => sum + (nc.cheapestLaunch()?.offering.price ?? 0), 0);
  }

  allPods(): KubePod[] {
    return [...this.pending, ...this.nodes.flatMap(n => n.pods)];
  }

  pricePerHour(): number {
    return this.nodes.reduce((s, n) => s + n.offering.price, 0);
  }

  private sample(): void {
    let spot = 0;
    let onDemand = 0;
    for (const n of this.nodes) {
      if (n.offering.capacityType === 'spot') spot++;
      else onDemand++;
    }
    this.samples.push({ t: this.t, spot, onDemand, pricePerHour: this.pricePerHour(), pending: this.pending.length });
    this.trackDisrupting();
  }

  /** Records how many nodes per NodePool are being voluntarily disrupted right now. */
  private trackDisrupting(): void {
    const disrupting = new Map<string, number>();
    for (const n of this.nodes) {
      if (n.marked || (n.deletingSince !== undefined && n.deletionReason !== 'expired')) disrupting.set(n.nodePool, (disrupting.get(n.nodePool) ?? 0) + 1);
    }
    for (const [pool, count] of disrupting) this.maxDisrupting.set(pool, Math.max(this.maxDisrupting.get(pool) ?? 0, count));
  }

  // ---- workload controllers -------------------------------------------------------------------------------------

  private reconcileDeployments(): void {
    for (const d of this.deployments.values()) {
      const owned = (p: KubePod) => (p.metadata.namespace ?? 'default') === d.namespace && p.metadata.ownerReferences?.some(o => o.kind === 'Deployment' && o.name === d.name);
      const pending = this.pending.filter(owned);
      const bound = this.nodes.flatMap(n => n.pods.filter(owned).map(p => ({ p, n })));
      let excess = pending.length + bound.length - d.replicas;
      for (; excess < 0; excess++) {
        const name = `${d.name}-${d.seq++}`;
        this.pending.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { ...d.meta, name, namespace: d.namespace, creationTimestamp: new Date(this.now).toISOString(), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name }] },
          spec: { ...d.spec },
        });
        this.version++;
      }
      // scale down: unscheduled pods first, then the newest
      for (const p of pending.reverse()) {
        if (excess <= 0) break;
        this.pending = this.pending.filter(x => x !== p);
        excess--;
        this.version++;
      }
      const created = (p: KubePod) => String(p.metadata.creationTimestamp);
      bound.sort((a, b) => created(b.p).localeCompare(created(a.p)) || podKey(b.p).localeCompare(podKey(a.p)));
      for (const { p, n } of bound) {
        if (excess <= 0) break;
        this.removePod(n, p);
        excess--;
      }
    }
  }

  private removePod(n: SimNode, p: KubePod): void {
    n.pods = n.pods.filter(x => x !== p);
    n.lastPodEventTime = this.now;
    this.version++;
  }

  private bind(p: KubePod, n: SimNode): void {
    p.spec.nodeName = n.name;
    p.status = { phase: n.initializedAt !== undefined ? 'Running' : 'Pending' };
    n.pods.push(p);
    n.lastPodEventTime = this.now;
    this.version++;
  }

  private reconcileLifecycle(): void {
    for (const n of this.nodes) {
      if (n.initializedAt !== undefined || this.now < n.launchedAt + this.settings.launchSeconds * 1000) continue;
      n.initializedAt = this.now;
      const now = new Date(this.now);
      let conds = withCondition(n.nodeClaim.status?.conditions, 'Registered', 'True', now);
      conds = withCondition(conds, CONDITION_INITIALIZED, 'True', now);
      n.nodeClaim = { ...n.nodeClaim, status: { ...n.nodeClaim.status, conditions: conds } };
      for (const p of n.pods) p.status = { phase: 'Running' };
      this.event({ type: 'initialized', message: `initialized nodeclaim ${n.name}`, nodes: [n.name] });
      this.version++;
    }
  }

  // ---- provisioning -----------------------------------------------------------------------------------------------

  private stateNode(n: SimNode): StateNode {
    return {
      name: n.name,
      labels: n.labels,
      taints: n.taints,
      allocatable: n.instanceType.allocatable,
      capacity: n.instanceType.capacity,
      pods: n.pods,
      initialized: n.initializedAt !== undefined,
      nodePoolName: n.nodePool,
      markedForDeletion: n.marked || n.deletingSince !== undefined,
    };
  }

  private provision(): void {
    if (this.pending.length === 0) return;
    const results = new Scheduler({
      nodePools: [...this.nodePools.values()],
      instanceTypes: this.instanceTypes,
      stateNodes: this.nodes.map(n => this.stateNode(n)),
      daemonSetPods: [...this.daemonSets.values()],
      clock: { now: () => new Date(this.now) },
    }).solve(this.pending);
    const placed = new Set<KubePod>();
    const byName = new Map(this.nodes.map(n => [n.name, n]));
    for (const e of results.existingNodes) {
      const n = byName.get(e.name);
      if (!n) continue;
      for (const pd of e.pods) {
        this.bind(pd.pod, n);
        placed.add(pd.pod);
      }
    }
    for (const nc of results.newNodeClaims) {
      const launch = nc.cheapestLaunch();
      if (!launch) continue;
      const n = this.launch(nc.toNodeClaim(), nc.nodePoolName, launch.instanceType, launch.offering);
      for (const pd of nc.pods) {
        this.bind(pd.pod, n);
        placed.add(pd.pod);
      }
      this.event({ type: 'launched', message: `launched nodeclaim ${n.name} (${describeNode(n)}) for ${nc.pods.length} pod(s)`, nodes: [n.name] });
    }
    this.pending = this.pending.filter(p => !placed.has(p));
    for (const [p, reason] of results.podErrors) {
      const key = podKey(p);
      if (this.unschedulableReasons.get(key) === reason) continue;
      this.unschedulableReasons.set(key, reason);
      this.event({ type: 'unschedulable', message: `could not schedule pod ${key}: ${reason}` });
    }
  }

  private launch(template: NodeClaim, nodePool: string, it: InstanceType, offering: Offering): SimNode {
    const pool = this.nodePools.get(nodePool) as NodePool;
    const name = `${nodePool}-${(++this.nodeSeq).toString(36).padStart(5, '0')}`;
    const labels: Record<string, string> = {
      ...template.metadata.labels,
      ...it.labels,
      [LABEL_ZONE]: offering.zone,
      [LABEL_CAPACITY_TYPE]: offering.capacityType,
      [LABEL_NODEPOOL]: nodePool,
      [LABEL_HOSTNAME]: name,
    };
    const classRef = pool.spec.template.spec.nodeClassRef?.name;
    const nodeClass = classRef ? this.nodeClasses.get(classRef) : undefined;
    const annotations: Record<string, string> = { ...template.metadata.annotations, ...nodePoolHashAnnotations(pool) };
    if (nodeClass) {
      annotations[NODECLASS_HASH_ANNOTATION] = nodeClassHash(nodeClass.spec);
      annotations[NODECLASS_HASH_VERSION_ANNOTATION] = NODECLASS_HASH_VERSION;
    }
    const nodeClaim: NodeClaim = {
      ...template,
      metadata: { name, labels, annotations, creationTimestamp: new Date(this.now).toISOString() },
      spec: { ...template.spec, expireAfter: template.spec.expireAfter ?? pool.spec.template.spec.expireAfter },
      status: {
        providerID: `sim:///${offering.zone}/i-${this.nodeSeq.toString(16).padStart(8, '0')}`,
        nodeName: name,
        imageID: nodeClass?.status.amis[0]?.id,
        conditions: withCondition([], 'Launched', 'True', new Date(this.now)),
      },
    };
    const n: SimNode = {
      name,
      nodePool,
      instanceType: it,
      offering,
      nodeClaim,
      labels,
      taints: [...(template.spec.taints ?? [])],
      pods: [],
      launchedAt: this.now,
      marked: false,
    };
    this.nodes.push(n);
    for (const ds of this.daemonSets.values()) {
      if (firstUntolerated(n.taints, ds.spec.tolerations)) continue;
      if (Object.entries(ds.spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) continue;
      this.bind({ ...ds, metadata: { ...ds.metadata, name: `${ds.metadata.name}-${name}` }, spec: { ...ds.spec } }, n);
    }
    this.version++;
    return n;
  }

  /** The fake cloud's CreateFleet for a replacement: the cheapest compatible offering among its instance types. */
  private launchReplacement(nodeClaim: NodeClaim, instanceTypes: readonly string[]): SimNode | undefined {
    const reqs = Requirements.fromNodeSelectorRequirements(nodeClaim.spec.requirements);
    let best: { it: InstanceType; o: Offering } | undefined;
    for (const name of instanceTypes) {
      const it = this.typeByName.get(name);
      if (!it) continue;
      for (const o of it.compatibleOfferings(reqs)) if (!best || o.price < best.o.price) best = { it, o };
    }
    if (!best) return undefined;
    const pool = nodeClaim.metadata.labels?.[LABEL_NODEPOOL] ?? nodeClaim.metadata.generateName?.replace(/-$/, '') ?? '';
    return this.launch(nodeClaim, pool, best.it, best.o);
  }

  // ---- NodeClaim conditions: expiration, drift, consolidatable --------------------------------------------------

  private reconcileNodeClaimConditions(): void {
    const now = new Date(this.now);
    for (const n of [...this.nodes]) {
      if (n.deletingSince !== undefined) continue;
      const pool = this.nodePools.get(n.nodePool);
      if (!pool) continue;
      if (expirationDecision(n.nodeClaim, now).expired) {
        this.event({ type: 'expired', message: `disrupted nodeclaim ${n.name} (reason: expired), regardless of budgets`, nodes: [n.name], reason: 'expired' });
        this.startDeletion(n, 'expired');
        continue;
      }
      if (n.initializedAt === undefined) continue;
      const restamp = restampNodeClaim(n.nodeClaim, pool, isConditionTrue(n.nodeClaim, CONDITION_DRIFTED));
      if (restamp) {
        const annotations = { ...n.nodeClaim.metadata.annotations, ...restamp };
        this.patchNodeClaim(n, { ...n.nodeClaim, metadata: { ...n.nodeClaim.metadata, annotations } });
      }
      const classRef = pool.spec.template.spec.nodeClassRef?.name;
      const nodeClass = classRef ? this.nodeClasses.get(classRef) : undefined;
      const drift = detectDrift({ nodeClaim: n.nodeClaim, nodePool: pool, instanceTypes: this.instanceTypes, nodeClass });
      const drifted = isConditionTrue(n.nodeClaim, CONDITION_DRIFTED);
      if (drift && !drifted) this.event({ type: 'drifted', message: `nodeclaim ${n.name} drifted (${drift})`, nodes: [n.name], reason: drift });
      if (!!drift !== drifted) this.setCondition(n, CONDITION_DRIFTED, drift ? 'True' : undefined, drift);
      const c = consolidatableDecision(n.nodeClaim, pool, n.lastPodEventTime === undefined ? undefined : new Date(n.lastPodEventTime), now);
      if ((c.status === 'True') !== isConditionTrue(n.nodeClaim, CONDITION_CONSOLIDATABLE)) this.setCondition(n, CONDITION_CONSOLIDATABLE, c.status);
    }
  }

  private setCondition(n: SimNode, type: string, status: 'True' | undefined, reason?: string): void {
    const conditions = withCondition(n.nodeClaim.status?.conditions, type, status, new Date(this.now), reason);
    this.patchNodeClaim(n, { ...n.nodeClaim, status: { ...n.nodeClaim.status, conditions } });
  }

  private patchNodeClaim(n: SimNode, nc: NodeClaim): void {
    n.nodeClaim = nc;
    this.version++;
  }

  // ---- disruption -------------------------------------------------------------------------------------------------

  snapshot(): ClusterSnapshot {
    const pods = this.allPods();
    const pdbs = [...this.pdbs.values()].map(p => ({ ...p, status: { disruptionsAllowed: computeDisruptionsAllowed(p, pods) } }));
    return {
      nodePools: [...this.nodePools.values()],
      instanceTypes: this.instanceTypes,
      nodes: this.nodes.map(n => ({
        state: this.stateNode(n),
        nodeClaim: n.nodeClaim,
        ready: true,
        lastPodEventTime: n.lastPodEventTime === undefined ? undefined : new Date(n.lastPodEventTime),
      })),
      pendingPods: this.pending,
      daemonSetPods: [...this.daemonSets.values()],
      pdbs,
    };
  }

  private budgetKey(): string {
    const count = new Map<string, number>();
    for (const n of this.nodes) if (n.initializedAt !== undefined) count.set(n.nodePool, (count.get(n.nodePool) ?? 0) + 1);
    const parts: string[] = [];
    for (const np of this.nodePools.values()) {
      for (const r of ['Empty', 'Drifted', 'Underutilized'] as DisruptionReason[]) {
        parts.push(String(allowedDisruptionsByReason(np, count.get(np.metadata.name) ?? 0, r, new Date(this.now)).allowed));
      }
    }
    return parts.join(',');
  }

  private disrupt(): void {
    const now = new Date(this.now);
    // executions in flight: report what the replacements are doing
    for (let i = 0; i < this.executions.length; i++) {
      const ex = this.executions[i];
      if (ex.phase !== 'WaitingForReplacements') continue;
      const status: Record<string, 'pending' | 'initialized' | 'failed'> = {};
      for (const name of ex.replacementNames) {
        const n = this.nodes.find(x => x.name === name);
        status[name] = !n || n.deletingSince !== undefined ? 'failed' : n.initializedAt !== undefined ? 'initialized' : 'pending';
      }
      this.run(i, step(ex, { type: 'replacements', status }, now));
    }
    for (let i = this.executions.length - 1; i >= 0; i--) if (isFinished(this.executions[i])) this.executions.splice(i, 1);

    if (this.pendingValidation) {
      if (this.now < this.pendingValidation.at) return;
      const { command } = this.pendingValidation;
      this.pendingValidation = undefined;
      const v = revalidate(command, this.snapshot(), now, { spotToSpotConsolidation: this.settings.spotToSpotConsolidation });
      if (!v.valid) {
        this.event({ type: 'validationFailed', message: `abandoned ${command.method} command: ${v.reason}`, method: command.method, reason: v.reason });
        return;
      }
      const values = commandLogValues(v.command);
      this.event({
        type: 'disrupting',
        message: `${DISRUPTING_MESSAGE} reason=${values.reason} decision=${v.command.decision} ` +
          `nodes=[${v.command.candidates.map(c => `${c.name} ${c.instanceType.name}/${c.capacityType}`).join(', ')}]` +
          (v.command.replacements.length ? ` replacements=[${v.command.replacements.map(r => `${r.instanceTypes[0]}/${r.capacityType}${r.instanceTypes.length > 1 ? ` (+${r.instanceTypes.length - 1} types)` : ''}`).join(', ')}]` : '') +
          ` savings=$${v.command.savingsPerHour.toFixed(4)}/h`,
        nodes: v.command.candidates.map(c => c.name),
        reason: v.command.reason,
        method: v.command.method,
        decision: v.command.decision,
        savingsPerHour: v.command.savingsPerHour,
      });
      const started = startExecution(v.command, now);
      this.executions.push(started.state);
      this.run(this.executions.length - 1, started);
      return;
    }
    const key = `${this.version}|${this.budgetKey()}`;
    if (key === this.lastNoop) return;
    const decision = computeDisruption(this.snapshot(), now, { spotToSpotConsolidation: this.settings.spotToSpotConsolidation });
    if (!decision.command) {
      this.lastNoop = key;
      return;
    }
    this.pendingValidation = { command: decision.command, at: this.now + VALIDATION_PERIOD_MS };
  }

  /** Performs the actions of an execution step and feeds the results back until it waits. */
  private run(index: number, result: { state: ExecutionState; actions: ExecutionAction[] }): void {
    let r = result;
    for (;;) {
      this.executions[index] = r.state;
      let next: typeof r | undefined;
      const now = new Date(this.now);
      for (const a of r.actions) {
        switch (a.type) {
          case 'taint':
            for (const name of a.nodes) {
              const n = this.nodes.find(x => x.name === name);
              if (!n) continue;
              n.marked = true;
              if (!n.taints.some(t => t.key === a.taint.key)) n.taints = [...n.taints, a.taint];
            }
            this.version++;
            this.trackDisrupting();
            next = step(r.state, { type: 'tainted' }, now);
            break;
          case 'untaint':
            for (const name of a.nodes) {
              const n = this.nodes.find(x => x.name === name);
              if (!n) continue;
              n.marked = false;
              n.taints = n.taints.filter(t => t.key !== a.taint.key);
            }
            this.version++;
            break;
          case 'createNodeClaims': {
            const names: string[] = [];
            let failed = false;
            r.state.command.replacements.forEach(rep => {
              const n = this.launchReplacement(rep.nodeClaim, rep.instanceTypes);
              if (!n) {
                failed = true;
                return;
              }
              names.push(n.name);
              this.event({ type: 'launched', message: `launched nodeclaim ${n.name} (${describeNode(n)}) to replace ${r.state.command.candidates.map(c => c.name).join(', ')}`, nodes: [n.name] });
            });
            next = step(r.state, failed ? { type: 'launchFailed', error: 'no compatible offering is available' } : { type: 'launched', names }, now);
            break;
          }
          case 'deleteNodeClaims':
            for (const name of a.nodeClaims) {
              const n = this.nodes.find(x => x.name === name);
              if (n) this.startDeletion(n, a.reason);
            }
            next = step(r.state, { type: 'deleted' }, now);
            break;
          case 'log':
            this.event({ type: 'disruptionFailed', message: `${a.message}: ${String(a.values?.error ?? '')}` });
            break;
          default:
            break;
        }
      }
      if (!next) return;
      r = next;
    }
  }

  // ---- termination ------------------------------------------------------------------------------------------------

  private startDeletion(n: SimNode, reason: string): void {
    if (n.deletingSince !== undefined) return;
    n.deletingSince = this.now;
    n.deletionReason = reason;
    this.version++;
  }

  private terminate(): void {
    const deleting = this.nodes.filter(n => n.deletingSince !== undefined);
    if (deleting.length === 0) return;
    const pdbList = [...this.pdbs.values()];
    const taken = new Map<string, number>();
    const now = new Date(this.now);
    for (const n of deleting) {
      for (let pass = 0; pass < 3; pass++) {
        const pods = this.allPods();
        const pdbs = new PdbLimits(pdbList.map(p => ({ ...p, status: { disruptionsAllowed: computeDisruptionsAllowed(p, pods) } })));
        const d = decideTermination({
          nodeClaim: n.nodeClaim,
          deletionTime: new Date(n.deletingSince as number),
          now,
          nodeTaints: n.taints,
          pods: n.pods,
          pendingVolumeAttachments: 0,
          instanceTerminating: false,
          instanceGone: false,
        });
        const s = d.step;
        if (s.action === 'taint') {
          n.taints = [...n.taints, s.taint];
          continue;
        }
        if (s.action === 'drain') {
          for (const f of s.drain.forceDelete) this.removePod(n, f.pod);
          for (const p of s.drain.evict) {
            if (s.drain.forceDelete.some(f => f.pod === p)) continue;
            const answer = pdbs.canEvict(p, taken);
            if (!answer.ok) {
              if (this.blockedReasons.get(podKey(p)) !== answer.reason) {
                this.blockedReasons.set(podKey(p), answer.reason);
                this.event({ type: 'evictionBlocked', message: `eviction of ${podKey(p)} from ${n.name} refused (429): ${answer.reason}`, nodes: [n.name] });
              }
              continue;
            }
            if (answer.pdb) {
              taken.set(answer.pdb, (taken.get(answer.pdb) ?? 0) + 1);
              const pdb = this.pdbs.get(answer.pdb);
              if (pdb && computeDisruptionsAllowed(pdb, this.allPods()) <= 0) this.pdbViolations++;
            }
            this.evictedPods.add(podKey(p));
            this.event({ type: 'evicted', message: `evicted pod ${podKey(p)} from ${n.name}`, nodes: [n.name] });
            this.removePod(n, p);
          }
          break;
        }
        if (s.action === 'terminateInstance' || s.action === 'removeFinalizer') {
          this.nodes.splice(this.nodes.indexOf(n), 1);
          this.version++;
          this.event({ type: 'deleted', message: `deleted nodeclaim ${n.name} (${describeNode(n)}, reason: ${n.deletionReason})`, nodes: [n.name], reason: n.deletionReason });
          break;
        }
        break;
      }
    }
  }
}

export function describeNode(n: SimNode): string {
  return `${n.instanceType.name}, ${n.offering.capacityType}, ${n.offering.zone}, $${n.offering.price.toFixed(4)}/h`;
}

/** The AMIs an EC2NodeClass resolves to in the simulator: the ids it names, or one id derived from its terms. */
export function resolveAmis(spec: Obj): Array<{ id: string }> {
  const terms = Array.isArray(spec.amiSelectorTerms) ? spec.amiSelectorTerms as Obj[] : [];
  const ids = terms.map(t => t.id).filter((id): id is string => typeof id === 'string');
  if (ids.length) return ids.map(id => ({ id }));
  return [{ id: `ami-${fnv1a64(canonicalJson(terms)).slice(0, 12)}` }];
}
