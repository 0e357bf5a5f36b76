/**
 * Topology bookkeeping for one scheduling run: the topology groups of the pods being scheduled (spread, affinity,
 * anti-affinity), the inverse anti-affinity groups (pods that keep matching pods away from their domains), the known
 * domains per key, and the counts of matching pods per domain (existing pods plus the placements of this run).
 */
import { KubePod, PodAffinityTerm, TopologySpreadConstraint } from '../kube-types';
import { LABEL_HOSTNAME } from '../labels';
import { compileSelector, selectorKey } from './label-selector';
import { PodData } from './pod-data';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { TopologyGroup, TopologyType } from './topology-group';

export interface TopologyNode {
  readonly requirements: Requirements;
  readonly pods: readonly KubePod[];
}

interface Placement {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly requirements: Requirements;
}

export interface TopologyOptions {
  /** Existing and in-flight nodes with their bound pods (counted in every group). */
  readonly nodes: readonly TopologyNode[];
  /** Every domain a key can take (zones from NodePools and instance types, hostnames of existing nodes...). */
  readonly domainsFor: (key: string) => Iterable<string>;
  /** The domains a given pod could be placed in for a key (NodePools it tolerates and is compatible with). */
  readonly eligibleDomains?: (pod: PodData, key: string) => Requirement | undefined;
}

export class Topology {
  private readonly groups = new Map<string, TopologyGroup>();
  private readonly inverse = new Map<string, TopologyGroup>();
  private readonly byPod = new Map<string, TopologyGroup[]>();
  private readonly inverseByPod = new Map<string, TopologyGroup[]>();
  private readonly registered = new Map<string, Set<string>>();
  private readonly placements: Placement[] = [];
  private readonly bySignature = new Map<string, { groups: TopologyGroup[]; inverse: TopologyGroup[] }>();
  private readonly selectsCache = new Map<string, TopologyGroup[]>();
  private inverseVersion = 0;
  /**
   * Set with every violation returned by addRequirements: true when the same pod signature can never satisfy the
   * constraint on that node again (hostname spread and anti-affinity counts only grow).
   */
  lastViolationPermanent = false;
  private selectsCacheVersion = -1;
  /** The copy of the node requirements `addRequirements` is narrowing (undefined while nothing narrowed). */
  private result: Requirements | undefined;

  constructor(private readonly opts: TopologyOptions) {
    for (const node of opts.nodes) {
      for (const pod of node.pods) {
        const terms = pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
        const ns = pod.metadata.namespace ?? 'default';
        for (const term of terms) {
          const g = this.inverseGroup(term, ns);
          for (const d of domainValues(node.requirements.find(g.key))) g.record(d);
        }
      }
    }
  }

  /** Adds a domain (a new NodeClaim's hostname) to every group with that key. */
  register(key: string, domain: string): void {
    let set = this.registered.get(key);
    if (!set) this.registered.set(key, (set = new Set()));
    set.add(domain);
    for (const g of this.groups.values()) if (g.key === key) g.register(domain);
    for (const g of this.inverse.values()) if (g.key === key) g.register(domain);
  }

  /** (Re)builds the groups the pod declares; call again after relaxing the pod. */
  update(pod: PodData): void {
    let cached = this.bySignature.get(pod.signature);
    if (!cached) {
      const groups: TopologyGroup[] = [];
      for (const c of pod.constraints.spread) groups.push(this.spreadGroup(pod, c));
      for (const t of pod.affinityTerms()) groups.push(this.termGroup('affinity', t, pod));
      for (const t of pod.antiAffinityTerms()) groups.push(this.termGroup('anti-affinity', t, pod));
      const inverse = pod.constraints.requiredAntiAffinity.map(t => this.inverseGroup(t, pod.namespace));
      cached = { groups, inverse };
      this.bySignature.set(pod.signature, cached);
    }
    this.byPod.set(pod.key, cached.groups);
    this.inverseByPod.set(pod.key, cached.inverse);
  }

  /** True when the pod takes part in no topology constraint (fast path). */
  isUnconstrained(pod: PodData): boolean {
    return (this.byPod.get(pod.key)?.length ?? 0) === 0 && this.inverseSelecting(pod).length === 0;
  }

  /**
   * The node requirements narrowed by the pod's topology constraints (the same object when nothing narrows),
   * or a message naming the constraint that cannot be met.
   */
  addRequirements(pod: PodData, nodeRequirements: Requirements): Requirements | string {
    this.result = undefined;
    const groups = this.byPod.get(pod.key);
    if (groups) {
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i];
        const err = this.apply(pod, nodeRequirements, g, g.selects(pod.namespace, pod.labels));
        if (err) return err;
      }
    }
    const inverse = this.inverseSelecting(pod);
    for (let i = 0; i < inverse.length; i++) {
      const err = this.apply(pod, nodeRequirements, inverse[i], false);
      if (err) return `${err} (declared by pods already placed)`;
    }
    const result = this.result ?? nodeRequirements;
    this.result = undefined;
    return result;
  }

  /** Narrows `this.result` (or the node requirements) by one group, or returns the group's description. */
  private apply(pod: PodData, nodeRequirements: Requirements, g: TopologyGroup, selfSelecting: boolean): string | undefined {
    const current = this.result ?? nodeRequirements;
    // nodeAffinityPolicy Ignore: skew is computed over every domain, not only those the pod's affinity allows
    const podDomains = g.type === 'spread' && !g.honorNodeAffinity
      ? g.exists
      : pod.requirements.find(g.key) ?? this.opts.eligibleDomains?.(pod, g.key) ?? g.exists;
    const nodeDomains = current.find(g.key) ?? g.exists;
    let next = g.nextDomain(selfSelecting, podDomains, nodeDomains);
    if (g.type === 'anti-affinity' && selfSelecting && !next.complement && next.values.size > 1) {
      // commit to one domain so the others stay free for the rest of the group (upstream blocks them all)
      next = Requirement.in(g.key, next.sortedValues()[0]);
    }
    if (next.len() === 0) {
      this.lastViolationPermanent = g.key === LABEL_HOSTNAME && g.type !== 'affinity';
      return g.description;
    }
    if (nodeDomains.intersection(next) !== nodeDomains) (this.result ??= nodeRequirements.copy()).add(next);
    return undefined;
  }

  /** Counts the pod in every group that selects it, now that it is placed on a node with these requirements. */
  record(pod: PodData, nodeRequirements: Requirements): void {
    for (const g of this.groups.values()) recordInto(g, pod.namespace, pod.labels, nodeRequirements);
    for (const g of this.inverseByPod.get(pod.key) ?? []) for (const d of domainValues(nodeRequirements.find(g.key))) g.record(d);
    this.placements.push({ namespace: pod.namespace, labels: pod.labels, requirements: nodeRequirements });
  }

  private inverseSelecting(pod: PodData): TopologyGroup[] {
    if (this.inverse.size === 0) return [];
    if (this.selectsCacheVersion !== this.inverseVersion) {
      this.selectsCache.clear();
      this.selectsCacheVersion = this.inverseVersion;
    }
    const cacheKey = (pod.selectionKey ??= `${pod.namespace}\u0000${JSON.stringify(pod.labels)}`);
    let found = this.selectsCache.get(cacheKey);
    if (!found) {
      found = [...this.inverse.values()].filter(g => g.selects(pod.namespace, pod.labels));
      this.selectsCache.set(cacheKey, found);
    }
    return found;
  }

  private spreadGroup(pod: PodData, c: TopologySpreadConstraint): TopologyGroup {
    const selector = withMatchLabelKeys(c.labelSelector, c.matchLabelKeys, pod.labels);
    const honor = (c.nodeAffinityPolicy ?? 'Honor') === 'Honor';
    const nodeFilter = honor && pod.requiredRequirements.size > 0 ? pod.requiredRequirements : undefined;
    const hash = ['spread', c.topologyKey, pod.namespace, selectorKey(selector), c.maxSkew, c.minDomains ?? '', honor, nodeFilter?.toString() ?? ''].join('|');
    return this.group(this.groups, hash, () => new TopologyGroup(hash, 'spread', c.topologyKey, new Set([pod.namespace]), compileSelector(selector),
      c.maxSkew, c.minDomains, nodeFilter, honor, `topology spread constraint on ${c.topologyKey} (maxSkew ${c.maxSkew}${c.minDomains ? `, minDomains ${c.minDomains}` : ''})`));
  }

  private termGroup(type: TopologyType, t: PodAffinityTerm, pod: PodData): TopologyGroup {
    const selector = withMatchLabelKeys(t.labelSelector, t.matchLabelKeys, pod.labels);
    const namespaces = termNamespaces(t, pod.namespace);
    const hash = [type, t.topologyKey, namespaces ? [...namespaces].sort().join(',') : '*', selectorKey(selector)].join('|');
    const what = type === 'affinity' ? 'pod affinity' : 'pod anti-affinity';
    return this.group(this.groups, hash, () => new TopologyGroup(
      hash, type, t.topologyKey, namespaces, compileSelector(selector), 0, undefined, undefined, true,
      `${what} on ${t.topologyKey} to pods matching ${describeSelector(selector)}`));
  }

  private inverseGroup(t: PodAffinityTerm, namespace: string): TopologyGroup {
    const namespaces = termNamespaces(t, namespace);
    const hash = ['inverse', t.topologyKey, namespaces ? [...namespaces].sort().join(',') : '*', selectorKey(t.labelSelector)].join('|');
    const existing = this.inverse.get(hash);
    if (existing) return existing;
    const g = new TopologyGroup(hash, 'anti-affinity', t.topologyKey, namespaces, compileSelector(t.labelSelector), 0, undefined, undefined, true,
      `pod anti-affinity on ${t.topologyKey} of pods matching ${describeSelector(t.labelSelector)}`);
    this.registerAll(g);
    this.inverse.set(hash, g);
    this.inverseVersion++;
    return g;
  }

  private group(map: Map<string, TopologyGroup>, hash: string, create: () => TopologyGroup): TopologyGroup {
    let g = map.get(hash);
    if (g) return g;
    g = create();
    this.registerAll(g);
    for (const node of this.opts.nodes) for (const p of node.pods) recordInto(g, p.metadata.namespace ?? 'default', p.metadata.labels ?? {}, node.requirements);
    for (const p of this.placements) recordInto(g, p.namespace, p.labels, p.requirements);
    map.set(hash, g);
    return g;
  }

  private registerAll(g: TopologyGroup): void {
    for (const d of this.opts.domainsFor(g.key)) g.register(d);
    for (const d of this.registered.get(g.key) ?? []) g.register(d);
  }
}

function recordInto(g: TopologyGroup, namespace: string, labels: Readonly<Record<string, string>>, nodeRequirements: Requirements): void {
  if (!g.selects(namespace, labels)) return;
  if (g.type === 'spread' && !g.countsNode(nodeRequirements)) return;
  const domains = nodeRequirements.find(g.key);
  if (!domains || domains.complement) return;
  if (g.type === 'anti-affinity') {
    for (const d of domains.values) g.record(d);
  } else if (domains.values.size === 1) {
    g.record(domains.values.values().next().value as string);
  }
}

function domainValues(r: Requirement | undefined): Iterable<string> {
  return r && !r.complement ? r.values : [];
}

function termNamespaces(t: PodAffinityTerm, podNamespace: string): ReadonlySet<string> | undefined {
  if (t.namespaces && t.namespaces.length > 0) return new Set(t.namespaces);
  // an empty namespaceSelector selects every namespace; label-based namespace selection is treated the same way
  if (t.namespaceSelector) return undefined;
  return new Set([podNamespace]);
}

function withMatchLabelKeys(selector: TopologySpreadConstraint['labelSelector'], keys: string[] | undefined, labels: Readonly<Record<string, string>>) {
  if (!keys || keys.length === 0 || !selector) return selector;
  const extra = keys.filter(k => labels[k] !== undefined).map(k => ({ key: k, operator: 'In', values: [labels[k]] }));
  return { ...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra] };
}

function describeSelector(selector: TopologySpreadConstraint['labelSelector']): string {
  if (!selector) return 'nothing';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values ? ` [${e.values.join(' ')}]` : ''}`);
  return parts.length ? parts.join(', ') : 'everything';
}

export { LABEL_HOSTNAME };
