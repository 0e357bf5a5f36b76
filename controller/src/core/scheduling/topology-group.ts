/**
 * One topology constraint shared by the pods that declare it: a topology spread constraint, a pod affinity term or a
 * pod anti-affinity term, with the count of matching pods per domain (zone, hostname...). `nextDomain` answers
 * "which domains may this pod go to", as upstream's TopologyGroup.Get.
 */
import { LABEL_HOSTNAME } from '../labels';
import { LabelMatcher } from './label-selector';
import { Requirement } from './requirement';
import { Requirements } from './requirements';

export type TopologyType = 'spread' | 'affinity' | 'anti-affinity';

export class TopologyGroup {
  readonly domains = new Map<string, number>();
  /** Domains with a count of zero (anti-affinity looks only at these). */
  readonly emptyDomains = new Set<string>();
  /** `Exists` and `DoesNotExist` for the key (immutable values, built once). */
  readonly exists: Requirement;
  private readonly none: Requirement;

  constructor(
    readonly hash: string,
    readonly type: TopologyType,
    readonly key: string,
    /** undefined = all namespaces. */
    readonly namespaces: ReadonlySet<string> | undefined,
    private readonly selector: LabelMatcher,
    readonly maxSkew: number,
    readonly minDomains: number | undefined,
    /** Spread only: which nodes count (the owner's required node affinity when nodeAffinityPolicy is Honor). */
    readonly nodeFilter: Requirements | undefined,
    /** Spread only: nodeAffinityPolicy Honor (the default). */
    readonly honorNodeAffinity: boolean,
    /** For messages: `topology spread on topology.kubernetes.io/zone (maxSkew 1)`. */
    readonly description: string,
  ) {
    this.exists = Requirement.exists(key);
    this.none = Requirement.doesNotExist(key);
  }

  /** Whether pods with these labels in this namespace are counted by the group. */
  selects(namespace: string, labels: Readonly<Record<string, string>>): boolean {
    return (this.namespaces === undefined || this.namespaces.has(namespace)) && this.selector(labels);
  }

  /** Whether a node with these requirements counts for spread (nodeAffinityPolicy: Honor). */
  countsNode(nodeRequirements: Requirements): boolean {
    return this.nodeFilter === undefined || nodeRequirements.intersects(this.nodeFilter) === undefined;
  }

  register(domain: string): void {
    if (!this.domains.has(domain)) {
      this.domains.set(domain, 0);
      this.emptyDomains.add(domain);
    }
  }

  record(domain: string): void {
    this.domains.set(domain, (this.domains.get(domain) ?? 0) + 1);
    this.emptyDomains.delete(domain);
  }

  /**
   * The domains the pod may use. `podDomains`: where the pod may go at all; `nodeDomains`: where the node being
   * considered may be. An empty (DoesNotExist) result means the constraint cannot be met on that node.
   */
  nextDomain(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    switch (this.type) {
      case 'spread': return this.nextDomainSpread(selfSelecting, podDomains, nodeDomains);
      case 'affinity': return this.nextDomainAffinity(selfSelecting, podDomains, nodeDomains);
      default: return this.nextDomainAntiAffinity(podDomains, nodeDomains);
    }
  }

  private domainMinCount(podDomains: Requirement): number {
    // a new node is always a fresh hostname with no pods
    if (this.key === LABEL_HOSTNAME) return 0;
    let min = Number.MAX_SAFE_INTEGER;
    let eligible = 0;
    for (const [domain, count] of this.domains) {
      if (!podDomains.has(domain)) continue;
      eligible++;
      if (count < min) min = count;
    }
    if (this.minDomains !== undefined && eligible < this.minDomains) return 0;
    return min === Number.MAX_SAFE_INTEGER ? 0 : min;
  }

  private nextDomainSpread(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    const min = this.domainMinCount(podDomains);
    let best: string | undefined;
    let bestCount = Number.MAX_SAFE_INTEGER;
    const consider = (domain: string, count: number) => {
      const c = selfSelecting ? count + 1 : count;
      if (c - min <= this.maxSkew && (c < bestCount || (c === bestCount && best !== undefined && domain < best))) {
        best = domain;
        bestCount = c;
      }
    };
    if (!nodeDomains.complement) {
      for (const domain of nodeDomains.valueList()) {
        const count = this.domains.get(domain);
        if (count !== undefined && podDomains.has(domain)) consider(domain, count);
      }
    } else {
      for (const [domain, count] of this.domains) if (nodeDomains.has(domain) && podDomains.has(domain)) consider(domain, count);
    }
    if (best === undefined) return this.none;
    return sameSingle(nodeDomains, best) ? nodeDomains : Requirement.in(this.key, best);
  }

  private nextDomainAffinity(selfSelecting: boolean, podDomains: Requirement, nodeDomains: Requirement): Requirement {
    // the list is only allocated when some domain qualifies (most calls on a busy run find none)
    let options: string[] | undefined;
    if (!nodeDomains.complement) {
      const values = nodeDomains.valueList();
      for (let i = 0; i < values.length; i++) {
        const domain = values[i];
        if ((this.domains.get(domain) ?? 0) > 0 && podDomains.has(domain)) (options ??= []).push(domain);
      }
    } else {
      for (const [domain, count] of this.domains) if (count > 0 && podDomains.has(domain) && nodeDomains.has(domain)) (options ??= []).push(domain);
    }
    if (options === undefined && selfSelecting && this.totalCount() === 0) {
      // the first pod of a self-affine group picks a domain: the node's own if it can, else the first viable one
      const sorted = [...this.domains.keys()].sort();
      const pick = sorted.find(d => podDomains.has(d) && nodeDomains.has(d));
      const singleHostname = !nodeDomains.complement && nodeDomains.values.size === 1 && this.key === LABEL_HOSTNAME;
      if (pick !== undefined) {
        options = [pick];
      } else if (singleHostname) {
        const only = nodeDomains.values.values().next().value as string;
        if (podDomains.has(only)) options = [only];
      }
    }
    if (options === undefined) return this.none;
    if (options.length === 1 && sameSingle(nodeDomains, options[0])) return nodeDomains;
    return Requirement.in(this.key, ...options);
  }

  private nextDomainAntiAffinity(podDomains: Requirement, nodeDomains: Requirement): Requirement {
    let options: string[] | undefined;
    if (!nodeDomains.complement && nodeDomains.values.size <= this.emptyDomains.size) {
      const values = nodeDomains.valueList();
      for (let i = 0; i < values.length; i++) {
        const domain = values[i];
        if (this.emptyDomains.has(domain) && podDomains.has(domain)) (options ??= []).push(domain);
      }
    } else {
      for (const domain of this.emptyDomains) if (nodeDomains.has(domain) && podDomains.has(domain)) (options ??= []).push(domain);
    }
    if (options === undefined) return this.none;
    if (options.length === 1 && sameSingle(nodeDomains, options[0])) return nodeDomains;
    return Requirement.in(this.key, ...options);
  }

  private totalCount(): number {
    let total = 0;
    for (const c of this.domains.values()) total += c;
    return total;
  }
}

function sameSingle(r: Requirement, value: string): boolean {
  return !r.complement && r.values.size === 1 && r.values.has(value) && r.greaterThan === undefined && r.lessThan === undefined;
}
