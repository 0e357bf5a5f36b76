/**
 * A set of requirements keyed by label: Karpenter's `scheduling.Requirements`. Adding a requirement for a key that
 * is already present intersects the two. `compatible` is the check used between pods and NodePools / nodes:
 * custom labels must be defined by the node side, well-known labels may be undefined (the instance types decide).
 */
import { NodeSelectorRequirement, NodeSelectorRequirementWithMinValues } from '../kube-types';
import { normalizeLabelKey } from '../labels';
import { Requirement } from './requirement';

const NONE: ReadonlySet<string> = new Set<string>();

export class Requirements {
  static fromNodeSelectorRequirements(reqs: readonly NodeSelectorRequirementWithMinValues[] | undefined): Requirements {
    const out = new Requirements();
    for (const r of reqs ?? []) out.add(Requirement.create(r.key, r.operator, r.values ?? [], r.minValues));
    return out;
  }

  /** One `In [value]` requirement per label. */
  static fromLabels(labels: Readonly<Record<string, string>> | undefined): Requirements {
    const out = new Requirements();
    for (const [k, v] of Object.entries(labels ?? {})) out.add(Requirement.in(k, v));
    return out;
  }

  static of(...reqs: Requirement[]): Requirements {
    const out = new Requirements();
    out.add(...reqs);
    return out;
  }

  private readonly byKey: Map<string, Requirement>;

  constructor(entries?: Map<string, Requirement>) {
    this.byKey = entries ? new Map(entries) : new Map();
  }

  /** Intersects each requirement into this set (mutates). Returns true if anything changed. */
  add(...reqs: Requirement[]): boolean {
    let changed = false;
    for (const r of reqs) {
      const existing = this.byKey.get(r.key);
      const next = existing ? existing.intersection(r) : r;
      if (next !== existing) {
        this.byKey.set(r.key, next);
        changed = true;
      }
    }
    return changed;
  }

  /** Adds every requirement of another set. Returns true if anything changed. */
  addAll(other: Requirements): boolean {
    return this.add(...other.byKey.values());
  }

  copy(): Requirements {
    return new Requirements(this.byKey);
  }

  has(key: string): boolean {
    return this.byKey.has(normalizeLabelKey(key));
  }

  /** The requirement for a key; Exists when the key is not constrained. */
  get(key: string): Requirement {
    return this.byKey.get(key) ?? this.byKey.get(normalizeLabelKey(key)) ?? Requirement.exists(key);
  }

  /** The requirement if present (no normalisation, no default): the hot-path accessor. */
  find(key: string): Requirement | undefined {
    return this.byKey.get(key);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  values(): IterableIterator<Requirement> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Whether `incoming` (a pod's requirements) can be satisfied by nodes with these requirements.
   * Returns undefined when compatible, otherwise a message saying which key fails and why.
   * Keys in `allowUndefined` (well-known labels) may be missing here; other keys must be defined unless the
   * incoming requirement is negative (NotIn / DoesNotExist).
   */
  compatible(incoming: Requirements, allowUndefined: ReadonlySet<string> = NONE): string | undefined {
    for (const [key, req] of incoming.byKey) {
      if (this.byKey.has(key) || allowUndefined.has(key)) continue;
      if (req.isNegative()) continue;
      return `label "${key}" is required (${req}) but not defined`;
    }
    return this.intersects(incoming);
  }

  /**
   * For every key present in both sets, the two must share a value, except when both are negative
   * (NotIn / DoesNotExist), which a node without the label satisfies.
   */
  intersects(incoming: Requirements): string | undefined {
    if (incoming.byKey.size === 0 || this.byKey.size === 0) return undefined;
    const smallIsIncoming = incoming.byKey.size <= this.byKey.size;
    const small = smallIsIncoming ? incoming.byKey : this.byKey;
    const large = smallIsIncoming ? this.byKey : incoming.byKey;
    for (const [key, a] of small) {
      const b = large.get(key);
      if (!b) continue;
      const inc = smallIsIncoming ? a : b;
      const existing = smallIsIncoming ? b : a;
      if (existing.intersection(inc).len() === 0) {
        if (inc.isNegative() && existing.isNegative()) continue;
        return `${inc} conflicts with ${existing}`;
      }
    }
    return undefined;
  }

  /** Labels implied by single-valued In requirements. */
  labels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, r] of this.byKey) if (!r.complement && r.values.size === 1) out[k] = r.values.values().next().value as string;
    return out;
  }

  hasMinValues(): boolean {
    for (const r of this.byKey.values()) if (r.minValues !== undefined) return true;
    return false;
  }

  toNodeSelectorRequirements(): NodeSelectorRequirementWithMinValues[] {
    const out: NodeSelectorRequirementWithMinValues[] = [];
    for (const k of [...this.byKey.keys()].sort()) out.push(...(this.byKey.get(k) as Requirement).toNodeSelectorRequirements());
    return out;
  }

  toString(): string {
    return [...this.byKey.keys()].sort().map(k => String(this.byKey.get(k))).join(', ');
  }
}

/** Node selector requirements (pod node affinity) into Requirements. Throws RequirementError. */
export function requirementsFromNodeSelector(reqs: readonly NodeSelectorRequirement[] | undefined): Requirements {
  return Requirements.fromNodeSelectorRequirements(reqs);
}
