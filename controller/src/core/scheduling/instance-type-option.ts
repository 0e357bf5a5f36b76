/**
 * An instance type compiled for one scheduling run: allocatable and capacity as vectors, label values in a map for
 * fast requirement checks, and helpers to filter a set of options against requirements and requests with a reason
 * a person can act on when nothing is left.
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { Offering } from '../../cloudprovider/offering';
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from '../labels';
import { describeResources } from '../resources';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { fitsVector, ResourceDims, sumFits } from './resource-vector';

export class InstanceTypeOption {
  readonly name: string;
  readonly allocatable: Float64Array;
  readonly capacity: Float64Array;
  /** label -> single value, null for DoesNotExist, or the requirement for anything else. */
  private readonly labelValues = new Map<string, string | null | Requirement>();
  readonly offerings: readonly Offering[];
  /** Cheapest available offering price (any zone or capacity type). */
  readonly minPrice: number;
  /**
   * False when the type costs clearly more than the cheapest mix of types for the same CPU and memory (metal, GPU,
   * high-memory or network-optimised types for plain workloads). Set by the NodeClaim template.
   */
  efficient = true;

  constructor(readonly instanceType: InstanceType, dims: ResourceDims) {
    this.name = instanceType.name;
    this.allocatable = dims.vector(instanceType.allocatable);
    this.capacity = dims.vector(instanceType.capacity);
    this.offerings = instanceType.offerings.filter(o => o.available);
    this.minPrice = this.offerings.reduce((m, o) => Math.min(m, o.price), Infinity);
    for (const r of instanceType.requirements.values()) {
      if (r.key === LABEL_ZONE || r.key === LABEL_CAPACITY_TYPE) continue;
      if (!r.complement && r.values.size === 1) this.labelValues.set(r.key, r.values.values().next().value as string);
      else if (r.operator() === 'DoesNotExist') this.labelValues.set(r.key, null);
      else this.labelValues.set(r.key, r);
    }
  }

  /** The value of a label on nodes of this type (undefined when it varies or is absent). */
  label(key: string): string | undefined {
    const v = this.labelValues.get(key);
    return typeof v === 'string' ? v : undefined;
  }

  /** Karpenter's `it.Requirements.Intersects(requirements)`, minus zone and capacity type (offerings decide those). */
  compatible(reqs: Requirements): boolean {
    for (const r of reqs.values()) {
      const v = this.labelValues.get(r.key);
      if (v === undefined) continue;
      if (typeof v === 'string') {
        if (!r.has(v)) return false;
      } else if (v === null) {
        if (!r.isNegative()) return false;
      } else if (v.intersection(r).len() === 0 && !(v.isNegative() && r.isNegative())) {
        return false;
      }
    }
    return true;
  }

  /** An available offering allowed by the zone and capacity-type requirements. */
  hasOffering(reqs: Requirements): boolean {
    const zone = reqs.find(LABEL_ZONE);
    const ct = reqs.find(LABEL_CAPACITY_TYPE);
    for (const o of this.offerings) if ((!zone || zone.has(o.zone)) && (!ct || ct.has(o.capacityType))) return true;
    return false;
  }

  /** The cheapest available offering allowed by the requirements. */
  cheapestOffering(reqs: Requirements): Offering | undefined {
    const zone = reqs.find(LABEL_ZONE);
    const ct = reqs.find(LABEL_CAPACITY_TYPE);
    let best: Offering | undefined;
    for (const o of this.offerings) {
      if ((zone && !zone.has(o.zone)) || (ct && !ct.has(o.capacityType))) continue;
      if (!best || o.price < best.price || (o.price === best.price && (o.zone < best.zone || (o.zone === best.zone && o.capacityType === 'spot')))) best = o;
    }
    return best;
  }
}

/** Per-dimension maximum and minimum allocatable of a set of options, and the maximum over its efficient ones. */
export class OptionBounds {
  readonly max: Float64Array;
  readonly min: Float64Array;
  readonly maxEfficient: Float64Array;
  hasEfficient = false;

  constructor(readonly size: number) {
    this.max = new Float64Array(size);
    this.min = new Float64Array(size).fill(Infinity);
    this.maxEfficient = new Float64Array(size);
  }

  reset(): this {
    this.max.fill(0);
    this.min.fill(Infinity);
    this.maxEfficient.fill(0);
    this.hasEfficient = false;
    return this;
  }

  include(o: InstanceTypeOption): void {
    const a = o.allocatable;
    const efficient = o.efficient;
    if (efficient) this.hasEfficient = true;
    for (let i = 0; i < this.size; i++) {
      const x = a[i];
      if (x > this.max[i]) this.max[i] = x;
      if (x < this.min[i]) this.min[i] = x;
      if (efficient && x > this.maxEfficient[i]) this.maxEfficient[i] = x;
    }
  }

  copyFrom(other: OptionBounds): void {
    this.max.set(other.max);
    this.min.set(other.min);
    this.maxEfficient.set(other.maxEfficient);
    this.hasEfficient = other.hasEfficient;
  }
}

/**
 * Options that fit `base + extra`, satisfy the label requirements (when `checkLabels`) and have an allowed offering
 * (when `checkOfferings`). Callers skip the checks whose requirements did not change. `bounds`, when given, is reset
 * and receives the bounds of the result (same pass, no second walk over the options).
 */
export function filterOptions(
  options: readonly InstanceTypeOption[], reqs: Requirements, base: Float64Array, extra: Float64Array, checkLabels: boolean, checkOfferings: boolean,
  bounds?: OptionBounds,
): InstanceTypeOption[] {
  const out: InstanceTypeOption[] = [];
  bounds?.reset();
  for (const o of options) {
    if (!sumFits(base, extra, o.allocatable)) continue;
    if (checkLabels && !o.compatible(reqs)) continue;
    if (checkOfferings && !o.hasOffering(reqs)) continue;
    out.push(o);
    bounds?.include(o);
  }
  return out;
}

/** Why `filterOptions` returned nothing, in words. */
export function explainNoOption(
  options: readonly InstanceTypeOption[], reqs: Requirements, requests: Float64Array, dims: ResourceDims, owner: string,
): string {
  const compatible = options.filter(o => o.compatible(reqs));
  const fitting = options.filter(o => fitsVector(requests, o.allocatable));
  const req = describeResources(dims.toList(requests));
  if (options.length === 0) return `${owner} has no instance types left to choose from`;
  if (compatible.length === 0) {
    return `no instance type of ${owner} satisfies the requirements (${relevant(reqs)})`;
  }
  const compatibleFitting = compatible.filter(o => fitsVector(requests, o.allocatable));
  if (compatibleFitting.length === 0) {
    const largest = [...compatible].sort((a, b) => b.allocatable[0] - a.allocatable[0] || b.allocatable[1] - a.allocatable[1])[0];
    const why = fitting.length > 0 ? ` (${fitting.length} type(s) would fit but do not satisfy ${relevant(reqs)})` : '';
    return `no instance type of ${owner} has ${req} free; the largest compatible one, ${largest.name}, has ` +
      `${describeResources(dims.toList(largest.allocatable))} allocatable${why}`;
  }
  const zone = reqs.find(LABEL_ZONE);
  const ct = reqs.find(LABEL_CAPACITY_TYPE);
  return `none of the ${compatibleFitting.length} instance type(s) of ${owner} that fit has an available offering for ` +
    `${zone ? String(zone) : 'any zone'} and ${ct ? String(ct) : 'any capacity type'}`;
}

function relevant(reqs: Requirements): string {
  const parts = [...reqs.values()].filter(r => r.complement ? r.values.size > 0 || r.greaterThan !== undefined || r.lessThan !== undefined : true)
    .filter(r => r.key !== 'kubernetes.io/hostname' && r.key !== 'karpenter.sh/nodepool').map(String);
  return parts.length ? parts.join(', ') : 'none';
}

/** The first requirement whose minValues the options do not meet, as a message. */
export function unmetMinValues(reqs: Requirements, options: readonly InstanceTypeOption[]): string | undefined {
  for (const r of reqs.values()) {
    if (r.minValues === undefined) continue;
    const seen = new Set<string>();
    for (const o of options) {
      const v = o.label(r.key);
      if (v !== undefined && r.has(v)) seen.add(v);
      if (seen.size >= r.minValues) break;
    }
    if (seen.size < r.minValues) {
      return `minValues requirement not met for ${r.key}: needs ${r.minValues} distinct value(s), the compatible instance types offer ${seen.size}`;
    }
  }
  return undefined;
}

/** Sorted by the cheapest compatible available offering (ties by name). */
export function orderByPrice(options: readonly InstanceTypeOption[], reqs: Requirements): InstanceTypeOption[] {
  const priced = options.map(o => ({ o, p: o.cheapestOffering(reqs)?.price ?? Infinity }));
  priced.sort((a, b) => a.p - b.p || (a.o.name < b.o.name ? -1 : a.o.name > b.o.name ? 1 : 0));
  return priced.map(x => x.o);
}

/** Types priced within this factor of the fractional lower bound for their CPU and memory are "efficient". */
export const EFFICIENCY_TOLERANCE = 1.1;

/**
 * Marks each option efficient or not: its price against the cheapest fractional combination of the options that
 * covers its allocatable CPU, memory and pods.
 */
export function markEfficiency(options: readonly InstanceTypeOption[]): void {
  const usable = options.filter(o => o.allocatable[0] > 0 && o.allocatable[1] > 0 && o.allocatable[2] > 0 && Number.isFinite(o.minPrice));
  for (const t of options) {
    const c = t.allocatable[0];
    const m = t.allocatable[1];
    const p = t.allocatable[2];
    let bound = Infinity;
    for (const s of usable) {
      const cost = s.minPrice * Math.max(c / s.allocatable[0], m / s.allocatable[1], p / s.allocatable[2]);
      if (cost < bound) bound = cost;
    }
    t.efficient = !(t.minPrice > EFFICIENCY_TOLERANCE * bound);
  }
}
