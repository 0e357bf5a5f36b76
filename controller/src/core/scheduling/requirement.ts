/**
 * One scheduling requirement: a label key and the set of values it may take. The set may be a complement
 * ("anything but these"), optionally bounded by integer limits (Gt / Lt / Gte / Lte). Same algebra as Karpenter's
 * `scheduling.Requirement`: In, NotIn, Exists and DoesNotExist are all sets, and intersection never loses meaning.
 * Instances are immutable; `intersection` returns `this` when nothing changes, so callers can detect change by identity.
 */
import { NodeSelectorRequirementWithMinValues } from '../kube-types';
import { normalizeLabelKey } from '../labels';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | 'Gte' | 'Lte';
export const OPERATORS: readonly Operator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Gte', 'Lte'];

/** A requirement that cannot be built (unknown operator, non-integer bound...). */
export class RequirementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequirementError';
  }
}

export function isRequirementError(e: unknown): e is RequirementError {
  return e instanceof RequirementError;
}

const EMPTY: ReadonlySet<string> = new Set<string>();
const INTEGER = /^-?\d+$/;
/** Len() of a complement set: "infinitely many" minus the excluded values. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function within(value: string, gt: number | undefined, lt: number | undefined): boolean {
  if (gt === undefined && lt === undefined) return true;
  if (!INTEGER.test(value)) return false;
  const n = Number(value);
  return (gt === undefined || n > gt) && (lt === undefined || n < lt);
}

function parseBound(key: string, operator: string, values: readonly string[]): number {
  if (values.length !== 1 || !INTEGER.test(values[0]?.trim() ?? '')) {
    throw new RequirementError(`requirement ${key} ${operator} needs exactly one integer value, got ${JSON.stringify(values)}`);
  }
  return Number(values[0].trim());
}

export class Requirement {
  /** The "any value, or no label at all" requirement a missing key stands for. */
  static exists(key: string): Requirement {
    return new Requirement(normalizeLabelKey(key), true, EMPTY);
  }

  static in(key: string, ...values: string[]): Requirement {
    return new Requirement(normalizeLabelKey(key), false, new Set(values));
  }

  static notIn(key: string, ...values: string[]): Requirement {
    return new Requirement(normalizeLabelKey(key), true, new Set(values));
  }

  static doesNotExist(key: string): Requirement {
    return new Requirement(normalizeLabelKey(key), false, EMPTY);
  }

  /** Builds a requirement from an operator as written in a manifest. Throws {@link RequirementError}. */
  static create(key: string, operator: string, values: readonly string[] = [], minValues?: number): Requirement {
    const k = normalizeLabelKey(key);
    if (minValues !== undefined && (!Number.isInteger(minValues) || minValues < 1)) {
      throw new RequirementError(`requirement ${key}: minValues must be a positive integer, got ${minValues}`);
    }
    switch (operator) {
      case 'In': return new Requirement(k, false, new Set(values), undefined, undefined, minValues);
      case 'NotIn': return new Requirement(k, true, new Set(values), undefined, undefined, minValues);
      case 'Exists': return new Requirement(k, true, EMPTY, undefined, undefined, minValues);
      case 'DoesNotExist': return new Requirement(k, false, EMPTY, undefined, undefined, minValues);
      case 'Gt': return new Requirement(k, true, EMPTY, parseBound(key, operator, values), undefined, minValues);
      case 'Gte': return new Requirement(k, true, EMPTY, parseBound(key, operator, values) - 1, undefined, minValues);
      case 'Lt': return new Requirement(k, true, EMPTY, undefined, parseBound(key, operator, values), minValues);
      case 'Lte': return new Requirement(k, true, EMPTY, undefined, parseBound(key, operator, values) + 1, minValues);
      default:
        throw new RequirementError(`requirement ${key}: unknown operator ${JSON.stringify(operator)} (valid: ${OPERATORS.join(', ')})`);
    }
  }

  /** `valueList()`, once built. */
  private list: string[] | undefined;

  private constructor(
    readonly key: string,
    /** When true, `values` are the excluded values. */
    readonly complement: boolean,
    readonly values: ReadonlySet<string>,
    readonly greaterThan?: number,
    readonly lessThan?: number,
    readonly minValues?: number,
  ) {}

  /** `values` as an array, in the same order (built once: instances are immutable). */
  valueList(): readonly string[] {
    return (this.list ??= [...this.values]);
  }

  /** Whether a node with this label value satisfies the requirement. */
  has(value: string): boolean {
    if (this.complement) return !this.values.has(value) && within(value, this.greaterThan, this.lessThan);
    return this.values.has(value) && within(value, this.greaterThan, this.lessThan);
  }

  /** The number of allowed values; complements count as (almost) infinite. */
  len(): number {
    return this.complement ? UNBOUNDED - this.values.size : this.values.size;
  }

  /** The operator this set is equivalent to (bounded complements report Exists, as upstream). */
  operator(): 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' {
    if (this.complement) return this.values.size > 0 ? 'NotIn' : 'Exists';
    return this.values.size > 0 ? 'In' : 'DoesNotExist';
  }

  /** True when the requirement only excludes (NotIn, DoesNotExist): a missing label satisfies it. */
  isNegative(): boolean {
    const op = this.operator();
    return op === 'NotIn' || op === 'DoesNotExist';
  }

  /** Allowed values, sorted (only meaningful when not a complement). */
  sortedValues(): string[] {
    return [...this.values].sort();
  }

  /** Some value that satisfies the requirement, or undefined for DoesNotExist. */
  any(): string | undefined {
    if (!this.complement) return this.sortedValues()[0];
    if (this.greaterThan !== undefined || this.lessThan !== undefined) {
      const lo = this.greaterThan !== undefined ? this.greaterThan + 1 : (this.lessThan as number) - 1;
      for (let n = lo; this.lessThan === undefined || n < this.lessThan; n++) if (this.has(String(n))) return String(n);
      return undefined;
    }
    for (let i = 0; ; i++) if (!this.values.has(`any-${i}`)) return `any-${i}`;
  }

  withMinValues(minValues: number | undefined): Requirement {
    if (minValues === this.minValues) return this;
    return new Requirement(this.key, this.complement, this.values, this.greaterThan, this.lessThan, minValues);
  }

  /** The set of values allowed by both. minValues takes the larger of the two. */
  intersection(other: Requirement): Requirement {
    if (other === this) return this;
    const gt = maxDefined(this.greaterThan, other.greaterThan);
    const lt = minDefined(this.lessThan, other.lessThan);
    const minValues = maxDefined(this.minValues, other.minValues);
    if (gt !== undefined && lt !== undefined && gt >= lt - 1) {
      // no integer lies strictly between the bounds
      return new Requirement(this.key, false, EMPTY, undefined, undefined, minValues);
    }
    let complement: boolean;
    let values: Set<string>;
    if (this.complement && other.complement) {
      complement = true;
      values = new Set(this.values);
      for (const v of other.values) values.add(v);
    } else if (this.complement) {
      complement = false;
      values = new Set();
      for (const v of other.values) if (!this.values.has(v)) values.add(v);
    } else if (other.complement) {
      complement = false;
      values = new Set();
      for (const v of this.values) if (!other.values.has(v)) values.add(v);
    } else {
      complement = false;
      values = new Set();
      const [small, large] = this.values.size <= other.values.size ? [this.values, other.values] : [other.values, this.values];
      for (const v of small) if (large.has(v)) values.add(v);
    }
    if (gt !== undefined || lt !== undefined) {
      for (const v of values) if (!complement && !within(v, gt, lt)) values.delete(v);
    }
    const result = complement
      ? new Requirement(this.key, true, values, gt, lt, minValues)
      : new Requirement(this.key, false, values, undefined, undefined, minValues);
    if (result.equals(this)) return this;
    if (result.equals(other)) return other;
    return result;
  }

  equals(other: Requirement): boolean {
    if (this === other) return true;
    if (this.complement !== other.complement || this.values.size !== other.values.size) return false;
    if (this.greaterThan !== other.greaterThan || this.lessThan !== other.lessThan || this.minValues !== other.minValues) return false;
    for (const v of this.values) if (!other.values.has(v)) return false;
    return true;
  }

  /** As NodePool / NodeClaim requirements (a bounded complement may need two entries). */
  toNodeSelectorRequirements(): NodeSelectorRequirementWithMinValues[] {
    const withMin = (r: NodeSelectorRequirementWithMinValues): NodeSelectorRequirementWithMinValues =>
      this.minValues !== undefined ? { ...r, minValues: this.minValues } : r;
    const out: NodeSelectorRequirementWithMinValues[] = [];
    if (this.complement) {
      if (this.greaterThan !== undefined) out.push(withMin({ key: this.key, operator: 'Gt', values: [String(this.greaterThan)] }));
      if (this.lessThan !== undefined) out.push(withMin({ key: this.key, operator: 'Lt', values: [String(this.lessThan)] }));
      if (this.values.size > 0) out.push(withMin({ key: this.key, operator: 'NotIn', values: this.sortedValues() }));
      if (out.length === 0) out.push(withMin({ key: this.key, operator: 'Exists' }));
    } else if (this.values.size > 0) {
      out.push(withMin({ key: this.key, operator: 'In', values: this.sortedValues() }));
    } else {
      out.push(withMin({ key: this.key, operator: 'DoesNotExist' }));
    }
    return out;
  }

  /** `kubernetes.io/arch In [amd64 arm64]`, `karpenter.k8s.aws/instance-cpu Gt 4`. */
  toString(): string {
    const parts: string[] = [];
    const list = (vs: string[]) => (vs.length > 8 ? `[${vs.slice(0, 8).join(' ')} and ${vs.length - 8} other(s)]` : `[${vs.join(' ')}]`);
    if (this.complement) {
      if (this.values.size > 0) parts.push(`NotIn ${list(this.sortedValues())}`);
      if (this.greaterThan !== undefined) parts.push(`Gt ${this.greaterThan}`);
      if (this.lessThan !== undefined) parts.push(`Lt ${this.lessThan}`);
      if (parts.length === 0) parts.push('Exists');
    } else {
      parts.push(this.values.size > 0 ? `In ${list(this.sortedValues())}` : 'DoesNotExist');
    }
    const min = this.minValues !== undefined ? ` (minValues ${this.minValues})` : '';
    return `${this.key} ${parts.join(' ')}${min}`;
  }
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
