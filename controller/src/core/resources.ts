/**
 * Resource lists in canonical integer units: `cpu` in millicores, everything else in base units
 * (bytes for memory and storage, a count for pods and extended resources). See quantity.ts.
 */
import { formatMilli, formatValue, parseMilli, parseValue } from './quantity';

export type ResourceList = Record<string, number>;

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const PODS = 'pods';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';

/** Quantities as written in Kubernetes objects (`{ cpu: '100m', memory: '4Gi' }`). */
export type KubeResourceList = Record<string, string | number>;

/** Parses one resource quantity into its canonical unit. Throws QuantityError. */
export function parseResource(name: string, quantity: string | number): number {
  return name === CPU ? parseMilli(quantity) : parseValue(quantity);
}

/** Parses a Kubernetes resource map. Throws QuantityError naming the resource. */
export function parseResources(list: KubeResourceList | undefined): ResourceList {
  const out: ResourceList = {};
  if (!list) return out;
  for (const [name, q] of Object.entries(list)) out[name] = parseResource(name, q);
  return out;
}

/** Formats one canonical value as a Kubernetes quantity string. */
export function formatResource(name: string, value: number): string {
  if (name === CPU) return formatMilli(value);
  if (name === MEMORY || name === EPHEMERAL_STORAGE || name.endsWith('storage')) return formatValue(value, 'BinarySI');
  return formatValue(value, 'DecimalSI');
}

/** Formats a resource list as Kubernetes quantity strings. */
export function formatResources(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(list).sort()) out[name] = formatResource(name, list[name]);
  return out;
}

/** `cpu=1500m, memory=4Gi, pods=3`: for messages. */
export function describeResources(list: ResourceList): string {
  const parts = Object.keys(list).sort().filter(n => list[n] !== 0).map(n => `${n}=${formatResource(n, list[n])}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function addResources(...lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** a - b for every key of a or b. */
export function subtractResources(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) - v;
  return out;
}

/** The per-resource maximum. */
export function maxResources(...lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = Math.max(out[k] ?? -Infinity, v);
  return out;
}

/** True when every requested resource is available (a missing resource counts as zero). */
export function fits(requests: ResourceList, available: ResourceList): boolean {
  for (const [k, v] of Object.entries(requests)) if (v > 0 && v > (available[k] ?? 0)) return false;
  return true;
}
