/**
 * The cluster as the controllers see it: small indexes fed by informer events (or directly by tests): objects by
 * name, Nodes by providerID, Pods by node name. `stateNodes()` turns Nodes and in-flight NodeClaims into the
 * scheduler's StateNodes.
 */
import { ClusterDaemonSet, ClusterNode, ClusterNodeClaim, ClusterNodePool, ClusterPdb, ClusterPod } from './objects';
import { StateNode } from './state-node';
import { KubePod } from '../kube-types';
import { LABEL_NODEPOOL } from '../labels';
import { parseResources, ResourceList } from '../resources';
import { Requirements } from '../scheduling/requirements';

const podKey = (p: ClusterPod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/** Objects by key. */
export class ObjectIndex<T> {
  private readonly items = new Map<string, T>();
  set(key: string, obj: T): void { this.items.set(key, obj); }
  delete(key: string): void { this.items.delete(key); }
  get(key: string): T | undefined { return this.items.get(key); }
  values(): T[] { return [...this.items.values()]; }
  get size(): number { return this.items.size; }
}

/** A many-to-one index (value key -> set of object keys). */
export class MultiIndex {
  private readonly byValue = new Map<string, Set<string>>();
  private readonly valueOf = new Map<string, string>();
  set(key: string, value: string | undefined): void {
    this.delete(key);
    if (!value) return;
    this.valueOf.set(key, value);
    let s = this.byValue.get(value);
    if (!s) this.byValue.set(value, (s = new Set()));
    s.add(key);
  }
  delete(key: string): void {
    const v = this.valueOf.get(key);
    if (v === undefined) return;
    this.valueOf.delete(key);
    const s = this.byValue.get(v);
    s?.delete(key);
    if (s && s.size === 0) this.byValue.delete(v);
  }
  keys(value: string): string[] {
    return [...(this.byValue.get(value) ?? [])];
  }
}

/** A StateNode with the Node and NodeClaim behind it (either may be absent, not both). */
export interface StateEntry {
  readonly state: StateNode;
  readonly node?: ClusterNode;
  readonly nodeClaim?: ClusterNodeClaim;
}

export class ClusterState {
  readonly pods = new ObjectIndex<ClusterPod>();
  readonly nodes = new ObjectIndex<ClusterNode>();
  readonly nodeClaims = new ObjectIndex<ClusterNodeClaim>();
  readonly nodePools = new ObjectIndex<ClusterNodePool>();
  readonly daemonSets = new ObjectIndex<ClusterDaemonSet>();
  /** policy/v1 PodDisruptionBudgets by `namespace/name` (disruption candidates and simulations). */
  readonly pdbs = new ObjectIndex<ClusterPdb>();
  private readonly podsByNode = new MultiIndex();
  /** Nodes a disruption command tainted: never scheduled to, not candidates again, count against budgets. */
  private readonly marked = new Set<string>();
  /** Node name -> until when (ms) it is nominated for pending pods the provisioner placed there. */
  private readonly nominations = new Map<string, number>();
  /** Node name -> when (ms) a pod was last bound to or removed from it (upstream `status.lastPodEventTime`). */
  private readonly podEvents = new Map<string, number>();
  private readonly nodesByProviderID = new MultiIndex();
  private readonly nodeClaimsByProviderID = new MultiIndex();

  /** `nowMs` records a pod event on the nodes the pod left or joined (omit it while the informers list). */
  upsertPod(p: ClusterPod, nowMs?: number): void {
    const k = podKey(p);
    const before = this.pods.get(k);
    this.pods.set(k, p);
    this.podsByNode.set(k, p.spec?.nodeName);
    if (nowMs === undefined) return;
    const was = before?.spec?.nodeName;
    const is = p.spec?.nodeName;
    if (was !== is) {
      if (was) this.podEvents.set(was, nowMs);
      if (is) this.podEvents.set(is, nowMs);
    } else if (is && !isTerminal(before as ClusterPod) && isTerminal(p)) {
      this.podEvents.set(is, nowMs);
    }
  }
  deletePod(p: ClusterPod, nowMs?: number): void {
    const k = podKey(p);
    const node = this.pods.get(k)?.spec?.nodeName ?? p.spec?.nodeName;
    this.pods.delete(k);
    this.podsByNode.delete(k);
    if (nowMs !== undefined && node) this.podEvents.set(node, nowMs);
  }
  upsertPdb(pdb: ClusterPdb): void { this.pdbs.set(`${pdb.metadata.namespace ?? 'default'}/${pdb.metadata.name}`, pdb); }
  deletePdb(pdb: ClusterPdb): void { this.pdbs.delete(`${pdb.metadata.namespace ?? 'default'}/${pdb.metadata.name}`); }

  /** The last pod event on the node (ms), if one was seen since the controller started. */
  lastPodEventMs(nodeName: string): number | undefined {
    return this.podEvents.get(nodeName);
  }

  markForDeletion(...nodeNames: string[]): void { for (const n of nodeNames) this.marked.add(n); }
  unmarkForDeletion(...nodeNames: string[]): void { for (const n of nodeNames) this.marked.delete(n); }
  isMarkedForDeletion(nodeName: string): boolean { return this.marked.has(nodeName); }

  nominate(nodeName: string, untilMs: number): void {
    this.nominations.set(nodeName, Math.max(untilMs, this.nominations.get(nodeName) ?? 0));
  }
  isNominated(nodeName: string, nowMs: number): boolean {
    const until = this.nominations.get(nodeName);
    if (until === undefined) return false;
    if (until <= nowMs) this.nominations.delete(nodeName);
    return until > nowMs;
  }
  upsertNode(n: ClusterNode): void {
    if (isStale(this.nodes.get(n.metadata.name), n)) return;
    this.nodes.set(n.metadata.name, n);
    this.nodesByProviderID.set(n.metadata.name, n.spec?.providerID);
  }
  deleteNode(n: ClusterNode): void {
    this.nodes.delete(n.metadata.name);
    this.nodesByProviderID.delete(n.metadata.name);
    this.marked.delete(n.metadata.name);
    this.nominations.delete(n.metadata.name);
    this.podEvents.delete(n.metadata.name);
  }
  /**
   * Writes a controller's own write result through to the state (it is never older than what the informer has);
   * objects without a name (a fake writer's empty answer) are ignored. Returns the object.
   */
  rememberNodeClaim(nc: ClusterNodeClaim): ClusterNodeClaim {
    if (nc?.metadata?.name) this.upsertNodeClaim(nc);
    return nc;
  }

  /** As {@link rememberNodeClaim}, for a Node. */
  rememberNode(node: ClusterNode): ClusterNode {
    if (node?.metadata?.name) this.upsertNode(node);
    return node;
  }

  upsertNodeClaim(nc: ClusterNodeClaim): void {
    if (isStale(this.nodeClaims.get(nc.metadata.name), nc)) return;
    this.nodeClaims.set(nc.metadata.name, nc);
    this.nodeClaimsByProviderID.set(nc.metadata.name, nc.status?.providerID);
  }
  deleteNodeClaim(nc: ClusterNodeClaim): void {
    this.nodeClaims.delete(nc.metadata.name);
    this.nodeClaimsByProviderID.delete(nc.metadata.name);
  }
  upsertNodePool(np: ClusterNodePool): void { this.nodePools.set(np.metadata.name, np); }
  deleteNodePool(np: ClusterNodePool): void { this.nodePools.delete(np.metadata.name); }
  upsertDaemonSet(ds: ClusterDaemonSet): void { this.daemonSets.set(`${ds.metadata.namespace ?? 'default'}/${ds.metadata.name}`, ds); }
  deleteDaemonSet(ds: ClusterDaemonSet): void { this.daemonSets.delete(`${ds.metadata.namespace ?? 'default'}/${ds.metadata.name}`); }

  nodeByProviderID(providerID: string): ClusterNode | undefined {
    const name = this.nodesByProviderID.keys(providerID)[0];
    return name === undefined ? undefined : this.nodes.get(name);
  }

  nodeClaimByProviderID(providerID: string): ClusterNodeClaim | undefined {
    const name = this.nodeClaimsByProviderID.keys(providerID)[0];
    return name === undefined ? undefined : this.nodeClaims.get(name);
  }

  podsOnNode(nodeName: string): ClusterPod[] {
    return this.podsByNode.keys(nodeName).map(k => this.pods.get(k)).filter((p): p is ClusterPod => p !== undefined);
  }

  /** One pod per DaemonSet, from its template (the scheduler reserves their requests on every compatible node). */
  daemonSetPods(): KubePod[] {
    return this.daemonSets.values().filter(ds => ds.spec?.template?.spec).map(ds => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${ds.metadata.name}-template`,
        namespace: ds.metadata.namespace,
        labels: ds.spec?.template?.metadata?.labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name, uid: ds.metadata.uid, controller: true }],
      },
      spec: ds.spec!.template!.spec!,
    }));
  }

  /**
   * Nodes and in-flight NodeClaims as scheduler StateNodes. A NodeClaim that has not launched yet counts with its
   * requested resources as allocatable (the pods it was created for fit there), so a second batch does not create a
   * duplicate while the first launch is in progress.
   */
  stateNodes(): StateNode[] {
    return this.stateEntries().map(e => e.state);
  }

  /** `stateNodes()` with the objects each StateNode was built from (the disruption snapshot needs both). */
  stateEntries(): StateEntry[] {
    const out: StateEntry[] = [];
    const claimed = new Set<string>();
    for (const nc of this.nodeClaims.values()) {
      const providerID = nc.status?.providerID;
      const node = providerID ? this.nodeByProviderID(providerID) : undefined;
      if (node) {
        claimed.add(node.metadata.name);
        out.push({ state: this.fromNode(node, nc), node, nodeClaim: nc });
        continue;
      }
      const reqs = Requirements.fromNodeSelectorRequirements(nc.spec.requirements);
      const labels = { ...reqs.labels(), ...nc.metadata.labels };
      const allocatable = nc.status?.allocatable ? parseResources(nc.status.allocatable) : parseResources(nc.spec.resources?.requests);
      out.push({
        nodeClaim: nc,
        state: {
          name: nc.metadata.name,
          labels,
          taints: [...(nc.spec.taints ?? []), ...(nc.spec.startupTaints ?? [])],
          allocatable,
          capacity: nc.status?.capacity ? parseResources(nc.status.capacity) : allocatable,
          pods: [],
          initialized: false,
          nodePoolName: labels[LABEL_NODEPOOL],
          markedForDeletion: nc.metadata.deletionTimestamp !== undefined,
        },
      });
    }
    for (const node of this.nodes.values()) if (!claimed.has(node.metadata.name)) out.push({ state: this.fromNode(node), node });
    return out;
  }

  private fromNode(node: ClusterNode, nc?: ClusterNodeClaim): StateNode {
    const labels = node.metadata.labels ?? {};
    let allocatable: ResourceList = {};
    try {
      allocatable = parseResources(node.status?.allocatable ?? nc?.status?.allocatable);
    } catch {
      allocatable = {};
    }
    const ready = node.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false;
    const initialized = nc
      ? nc.status?.conditions?.some(c => c.type === 'Initialized' && c.status === 'True') ?? false
      : ready;
    return {
      name: node.metadata.name,
      labels,
      taints: node.spec?.taints ?? [],
      allocatable,
      capacity: node.status?.capacity ? safeParse(node.status.capacity) : allocatable,
      pods: this.podsOnNode(node.metadata.name).filter(p => !isTerminal(p)),
      initialized,
      nodePoolName: labels[LABEL_NODEPOOL],
      markedForDeletion: node.metadata.deletionTimestamp !== undefined || nc?.metadata.deletionTimestamp !== undefined
        || node.spec?.unschedulable === true || this.marked.has(node.metadata.name),
    };
  }
}

/**
 * True when `next` is older than what is stored: controllers write their own results through (so the next
 * reconcile does not act on a copy that predates its last write) and the watch may deliver an older version after.
 * resourceVersions are opaque strings to clients, but etcd revisions in practice; non-numeric ones never count as stale.
 */
function isStale(current: { metadata: { resourceVersion?: string; uid?: string } } | undefined,
  next: { metadata: { resourceVersion?: string; uid?: string } }): boolean {
  if (!current || current.metadata.uid !== next.metadata.uid) return false;
  const a = Number(current.metadata.resourceVersion);
  const b = Number(next.metadata.resourceVersion);
  return Number.isFinite(a) && Number.isFinite(b) && b < a;
}

function safeParse(list: Record<string, string | number>): ResourceList {
  try {
    return parseResources(list);
  } catch {
    return {};
  }
}

export function isTerminal(p: ClusterPod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}
