/**
 * The instance-type options of one NodePool (in its price order) indexed for the hot path of `PlannedNodeClaim.add`:
 * a NodeClaim's remaining options are a bitset over them, and "which options have at least x of a resource" is a
 * precomputed bitset per resource and distinct allocatable value. Fitting a pod, the quick "no option is large
 * enough" and "every option still fits" tests and the cost-efficiency test are then a few word operations instead of
 * a walk over up to ~1,400 options.
 */
/* eslint-disable no-bitwise -- bitsets of options: 32 options per word, set operations are bitwise by definition */
import { InstanceTypeOption, OptionBounds } from './instance-type-option';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from '../labels';

/** A set of options as 32-bit words (bit i = option i of the index). */
export type OptionBits = Uint32Array;

export class OptionIndex {
  /** Words per bitset. */
  readonly words: number;
  /** Every option. */
  readonly all: OptionBits;
  /** The options marked cost-efficient. */
  readonly efficient: OptionBits;
  /** Per resource dimension: the distinct allocatable values, ascending. */
  private readonly values: Float64Array[];
  /** Per dimension: bitsets (`words` each, one per distinct value) of the options with at least that value. */
  private readonly atLeast: Uint32Array[];
  private readonly position = new Map<InstanceTypeOption, number>();
  /** Options with an available offering allowed by the zone and capacity-type requirements, by requirement key. */
  private readonly offeringCache = new Map<string, OptionBits>();
  /** Option positions ordered by the cheapest offering allowed by the zone and capacity type, by requirement key. */
  private readonly priceOrderCache = new Map<string, Int32Array>();
  private allBounds: OptionBounds | undefined;
  /** `hashName` of each option's name. */
  private readonly nameHashes: Int32Array;

  constructor(readonly options: readonly InstanceTypeOption[], dims: number) {
    const n = options.length;
    const words = (this.words = (n + 31) >>> 5);
    this.all = new Uint32Array(words);
    this.efficient = new Uint32Array(words);
    options.forEach((o, i) => {
      this.position.set(o, i);
      this.all[i >>> 5] |= 1 << (i & 31);
      if (o.efficient) this.efficient[i >>> 5] |= 1 << (i & 31);
    });
    this.nameHashes = Int32Array.from(options, o => hashName(o.name));
    this.values = [];
    this.atLeast = [];
    const order = new Int32Array(n);
    for (let d = 0; d < dims; d++) {
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => options[a].allocatable[d] - options[b].allocatable[d]);
      const distinct: number[] = [];
      for (let k = 0; k < n; k++) {
        const x = options[order[k]].allocatable[d];
        if (distinct.length === 0 || distinct[distinct.length - 1] !== x) distinct.push(x);
      }
      const sets = new Uint32Array(distinct.length * words);
      // from the largest value down: the set for a value is the set for the next larger one plus the options equal to it
      let k = n - 1;
      for (let j = distinct.length - 1; j >= 0; j--) {
        const base = j * words;
        if (j < distinct.length - 1) sets.copyWithin(base, base + words, base + 2 * words);
        while (k >= 0 && options[order[k]].allocatable[d] === distinct[j]) {
          const i = order[k--];
          sets[base + (i >>> 5)] |= 1 << (i & 31);
        }
      }
      this.values.push(Float64Array.from(distinct));
      this.atLeast.push(sets);
    }
  }

  /**
   * Offset into `atLeast[d]` of the options with at least `x` in dimension `d` (`a >= x` exactly as `!(x > a)`),
   * or -1 when no option has that much.
   */
  private offset(d: number, x: number): number {
    const vs = this.values[d];
    let lo = 0;
    let hi = vs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x > vs[mid]) lo = mid + 1;
      else hi = mid;
    }
    return lo === vs.length ? -1 : lo * this.words;
  }

  /** The bounds of a subset of the options (`bits` = `bitsOf(options)`); those of all of them are computed once. */
  boundsOf(options: readonly InstanceTypeOption[], bits: OptionBits): OptionBounds {
    const out = new OptionBounds(this.values.length);
    if (options === this.options) {
      if (!this.allBounds) {
        this.allBounds = new OptionBounds(this.values.length);
        this.bounds(this.all, this.allBounds);
      }
      out.copyFrom(this.allBounds);
    } else {
      this.bounds(bits, out);
    }
    return out;
  }

  newBits(): OptionBits {
    return new Uint32Array(this.words);
  }

  /** The bitset of a subset of the options. */
  bitsOf(options: readonly InstanceTypeOption[]): OptionBits {
    if (options === this.options) return this.all.slice();
    const out = this.newBits();
    for (const o of options) {
      const i = this.position.get(o);
      if (i === undefined) throw new Error(`instance type ${o.name} is not an option of this NodePool`);
      out[i >>> 5] |= 1 << (i & 31);
    }
    return out;
  }

  /**
   * `out` = the bounds of the options of `set` (as `OptionBounds.include` over them): per dimension, a binary search
   * over the distinct values for the largest one some option of the set reaches and the smallest one all reach.
   */
  bounds(set: OptionBits, out: OptionBounds): void {
    out.reset();
    if (!anyBit(set)) return;
    const hasEfficient = anyBit(set, this.efficient);
    out.hasEfficient = hasEfficient;
    for (let d = 0; d < out.size; d++) {
      const vs = this.values[d];
      out.max[d] = Math.max(0, vs[this.largestReached(d, set, undefined)]);
      if (hasEfficient) out.maxEfficient[d] = Math.max(0, vs[this.largestReached(d, set, this.efficient)]);
      out.min[d] = vs[this.smallestCovering(d, set)];
    }
  }

  /** The largest j such that some option of `set` (and `mask`) has at least values[d][j] (the set is not empty). */
  private largestReached(d: number, set: OptionBits, mask: OptionBits | undefined): number {
    const sets = this.atLeast[d];
    const words = this.words;
    let lo = 0;
    let hi = this.values[d].length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const off = mid * words;
      let any = false;
      for (let w = 0; w < words; w++) {
        if ((set[w] & (mask ? mask[w] : -1) & sets[off + w]) !== 0) {
          any = true;
          break;
        }
      }
      if (any) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The largest j such that every option of `set` has at least values[d][j] (its minimum; the set is not empty). */
  private smallestCovering(d: number, set: OptionBits): number {
    const sets = this.atLeast[d];
    const words = this.words;
    let lo = 0;
    let hi = this.values[d].length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const off = mid * words;
      let all = true;
      for (let w = 0; w < words; w++) {
        if ((set[w] & ~sets[off + w]) !== 0) {
          all = false;
          break;
        }
      }
      if (all) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `out` = the options of `set` with at least `base + extra` in every dimension. */
  fitting(set: OptionBits, base: Float64Array, extra: Float64Array, out: OptionBits): void {
    const words = this.words;
    out.set(set);
    for (let d = 0; d < base.length; d++) {
      const off = this.offset(d, base[d] + extra[d]);
      if (off < 0) {
        out.fill(0);
        return;
      }
      const sets = this.atLeast[d];
      for (let w = 0; w < words; w++) out[w] &= sets[off + w];
    }
  }

  /** Clears from `set` the options whose labels do not satisfy the requirements (zone and capacity type aside). */
  keepCompatible(set: OptionBits, reqs: Requirements): void {
    for (let w = 0; w < this.words; w++) {
      let bits = set[w];
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const i = (w << 5) + (31 - Math.clz32(low));
        if (!this.options[i].compatible(reqs)) set[w] &= ~low;
      }
    }
  }

  /** Clears from `set` the options without an available offering allowed by the zone and capacity-type requirements. */
  keepOffered(set: OptionBits, reqs: Requirements): void {
    const zone = reqs.find(LABEL_ZONE);
    const ct = reqs.find(LABEL_CAPACITY_TYPE);
    const key = `${requirementKey(zone)}\u0000${requirementKey(ct)}`;
    let offered = this.offeringCache.get(key);
    if (!offered) {
      offered = this.newBits();
      this.options.forEach((o, i) => {
        if (o.hasOffering(reqs)) offered![i >>> 5] |= 1 << (i & 31);
      });
      this.offeringCache.set(key, offered);
    }
    for (let w = 0; w < this.words; w++) set[w] &= offered[w];
  }

  /** The options of `set`, in index (price) order. */
  toArray(set: OptionBits): InstanceTypeOption[] {
    return this.select(set, undefined, Infinity);
  }

  /**
   * Positions of every option sorted by the cheapest compatible available offering under the zone and capacity-type
   * requirements, ties by name (`orderByPrice`), computed once per pair of requirements.
   */
  priceOrder(reqs: Requirements): Int32Array {
    const zone = reqs.find(LABEL_ZONE);
    const ct = reqs.find(LABEL_CAPACITY_TYPE);
    const key = `${requirementKey(zone)}\u0000${requirementKey(ct)}`;
    let order = this.priceOrderCache.get(key);
    if (!order) {
      const priced = this.options.map((o, i) => ({ i, name: o.name, p: o.cheapestOffering(reqs)?.price ?? Infinity }));
      priced.sort((a, b) => a.p - b.p || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      order = Int32Array.from(priced, x => x.i);
      this.priceOrderCache.set(key, order);
    }
    return order;
  }

  /**
   * The first `limit` options of `set` in `order` (index order when undefined). Sorting a subset by a total order
   * gives the subset of the sorted whole, so `select(set, priceOrder(reqs))` is `orderByPrice(toArray(set), reqs)`.
   */
  select(set: OptionBits, order: Int32Array | undefined, limit: number): InstanceTypeOption[] {
    const out = new Array<InstanceTypeOption>(Math.min(limit, count(set)));
    let n = 0;
    this.walk(set, order, i => {
      out[n++] = this.options[i];
      return n < out.length;
    });
    return out;
  }

  /** The number of options of `select(set, order, limit)` and a hash of their names (as `hashNames`). */
  hashSelection(set: OptionBits, order: Int32Array | undefined, limit: number): number {
    let h = 0;
    let n = 0;
    const max = Math.min(limit, count(set));
    if (max === 0) return h;
    this.walk(set, order, i => {
      h = combineHash(h, this.nameHashes[i]);
      return ++n < max;
    });
    return h;
  }

  /** Whether `select(set, order, limit)` has the names of `list`, in order. */
  selectionEquals(set: OptionBits, order: Int32Array | undefined, limit: number, list: readonly InstanceTypeOption[]): boolean {
    if (Math.min(limit, count(set)) !== list.length) return false;
    if (list.length === 0) return true;
    let n = 0;
    let same = true;
    this.walk(set, order, i => {
      if (this.options[i].name !== list[n].name) same = false;
      return same && ++n < list.length;
    });
    return same;
  }

  /** Calls `visit` with the positions of `set` in `order` until it returns false. */
  private walk(set: OptionBits, order: Int32Array | undefined, visit: (i: number) => boolean): void {
    if (order) {
      for (let k = 0; k < order.length; k++) {
        const i = order[k];
        if ((set[i >>> 5] & (1 << (i & 31))) !== 0 && !visit(i)) return;
      }
      return;
    }
    for (let w = 0; w < this.words; w++) {
      let bits = set[w];
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        if (!visit((w << 5) + (31 - Math.clz32(low)))) return;
      }
    }
  }
}

/** A set as a short string (16 bits per character), for map keys. */
export function bitsKey(set: OptionBits): string {
  let key = '';
  for (let w = 0; w < set.length; w++) key += String.fromCharCode(set[w] & 0xffff, set[w] >>> 16);
  return key;
}

/** The number of options in a set. */
export function count(set: OptionBits): number {
  let n = 0;
  for (let w = 0; w < set.length; w++) {
    let x = set[w];
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

/** A 32-bit hash of a name (FNV-1a). */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

function combineHash(h: number, x: number): number {
  return (Math.imul(h, 31) + x) | 0;
}

/** The hash `hashSelection` gives for a list of options. */
export function hashNames(list: readonly InstanceTypeOption[]): number {
  let h = 0;
  for (const o of list) h = combineHash(h, hashName(o.name));
  return h;
}

export function anyBit(set: OptionBits, mask?: OptionBits): boolean {
  if (mask) {
    for (let w = 0; w < set.length; w++) if ((set[w] & mask[w]) !== 0) return true;
  } else {
    for (let w = 0; w < set.length; w++) if (set[w] !== 0) return true;
  }
  return false;
}

export function sameBits(a: OptionBits, b: OptionBits): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

/** A cache key that is equal for equal requirements (equal ones built in another order may differ: a cache miss only). */
function requirementKey(r: Requirement | undefined): string {
  if (!r) return '-';
  return JSON.stringify([r.complement, r.greaterThan ?? null, r.lessThan ?? null, ...r.values]);
}
