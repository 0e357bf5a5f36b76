/**
 * Kubernetes resource quantities (`100m`, `1.5`, `4Gi`, `200M`, `1e3`): parsing and formatting.
 *
 * The scheduling core keeps every resource as a plain number in a canonical integer unit: CPU in millicores,
 * everything else (memory, pods, ephemeral-storage, GPUs...) in base units, rounded up like Kubernetes'
 * `Quantity.Value()` / `MilliValue()`. Parsing is exact (BigInt arithmetic), so `0.1` + `0.2` problems never appear.
 */

/** Thrown for a string that is not a Kubernetes quantity. */
export class QuantityError extends Error {
  constructor(readonly input: unknown, reason: string) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason} (examples of valid quantities: 100m, 1.5, 4Gi, 200M, 1e3)`);
    this.name = 'QuantityError';
  }
}

export function isQuantityError(e: unknown): e is QuantityError {
  return e instanceof QuantityError;
}

/** How a quantity was written, so it can be formatted back the same way. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `sign * digits * 10^exp10 * 2^exp2`. */
export interface ParsedQuantity {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly exp10: number;
  readonly exp2: number;
  readonly format: QuantityFormat;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]))?$/;

/** Parses a quantity written as a string (or a YAML number). Throws {@link QuantityError}. */
export function parseQuantity(input: string | number): ParsedQuantity {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(input, 'not a finite number');
    input = numberToString(input);
  }
  if (typeof input !== 'string') throw new QuantityError(input, 'expected a string or a number');
  const text = input.trim();
  if (text === '') throw new QuantityError(input, 'empty');
  const m = PATTERN.exec(text);
  if (!m) throw new QuantityError(input, 'not a number with an optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti, e<n>)');
  const [, sign, mantissa, exponent, binary, decimal] = m;
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = BigInt((intPart || '0') + fracPart);
  let exp10 = -fracPart.length;
  let exp2 = 0;
  let format: QuantityFormat = 'DecimalSI';
  if (exponent !== undefined) {
    const e = Number(exponent.slice(1));
    if (Math.abs(e) > 60) throw new QuantityError(input, 'exponent out of range');
    exp10 += e;
    format = 'DecimalExponent';
  } else if (binary !== undefined) {
    exp2 = BINARY[binary];
    format = 'BinarySI';
  } else if (decimal !== undefined) {
    exp10 += DECIMAL[decimal];
  }
  return { negative: sign === '-' && digits !== 0n, digits, exp10, exp2, format };
}

function numberToString(n: number): string {
  const s = String(n);
  // String(1e21) is "1e+21": the quantity grammar accepts that.
  return s;
}

/** The quantity scaled by 10^scale, rounded up (towards +infinity) to an integer, as a number. */
function scaledCeil(q: ParsedQuantity, scale: number): number {
  let num = q.digits * 2n ** BigInt(q.exp2);
  let den = 1n;
  const e = q.exp10 + scale;
  if (e >= 0) num *= 10n ** BigInt(e);
  else den = 10n ** BigInt(-e);
  let value = num / den;
  const exact = value * den === num;
  if (q.negative) value = -value;
  else if (!exact) value += 1n;
  return Number(value);
}

/** The value in base units, rounded up (Kubernetes `Quantity.Value()`): `1.5Gi` -> 1610612736, `100m` -> 1. */
export function quantityValue(q: ParsedQuantity): number {
  return scaledCeil(q, 0);
}

/** The value in thousandths, rounded up (Kubernetes `Quantity.MilliValue()`): `1.5` -> 1500, `100m` -> 100. */
export function quantityMilliValue(q: ParsedQuantity): number {
  return scaledCeil(q, 3);
}

const milliMemo = new Map<string | number, number>();
const valueMemo = new Map<string | number, number>();

function memo(cache: Map<string | number, number>, input: string | number, compute: () => number): number {
  const hit = cache.get(input);
  if (hit !== undefined) return hit;
  const v = compute();
  if (cache.size > 10000) cache.clear();
  cache.set(input, v);
  return v;
}

/** Parses and returns millis (for CPU). */
export function parseMilli(input: string | number): number {
  return memo(milliMemo, input, () => quantityMilliValue(parseQuantity(input)));
}

/** Parses and returns base units rounded up (for memory, pods, storage, extended resources). */
export function parseValue(input: string | number): number {
  return memo(valueMemo, input, () => quantityValue(parseQuantity(input)));
}

/** Formats millis the way Kubernetes prints CPU: `1500m`, `2`, `250m`. */
export function formatMilli(milli: number): string {
  if (milli % 1000 === 0) return String(milli / 1000);
  return `${milli}m`;
}

const BINARY_SUFFIXES: Array<[string, number]> = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
const DECIMAL_SUFFIXES: Array<[string, number]> = [['E', 1e18], ['P', 1e15], ['T', 1e12], ['G', 1e9], ['M', 1e6], ['k', 1e3]];

/**
 * Formats an integer number of base units canonically: the largest binary suffix that divides it exactly
 * (`4Gi`, `14162Mi`), otherwise the largest decimal one (`200M`), otherwise plain digits.
 */
export function formatValue(value: number, format: QuantityFormat = 'BinarySI'): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (!Number.isInteger(abs)) return `${sign}${formatMilli(Math.ceil(abs * 1000))}`;
  const suffixes = format === 'BinarySI' ? [...BINARY_SUFFIXES, ...DECIMAL_SUFFIXES] : DECIMAL_SUFFIXES;
  for (const [suffix, size] of suffixes) {
    if (abs >= size && abs % size === 0) return `${sign}${abs / size}${suffix}`;
  }
  return `${sign}${abs}`;
}

/** Formats a quantity the way it was written (its format), from its exact value. */
export function formatQuantity(q: ParsedQuantity): string {
  const milli = quantityMilliValue(q);
  if (milli % 1000 !== 0) return formatMilli(milli);
  return formatValue(milli / 1000, q.format === 'BinarySI' ? 'BinarySI' : 'DecimalSI');
}
