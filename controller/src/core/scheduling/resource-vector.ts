/**
 * Resource lists as fixed-length vectors for the hot path of scheduling: one index per resource name seen in the
 * run (cpu, memory, pods, ephemeral-storage first).
 */
import { ResourceList, CPU, MEMORY, PODS, EPHEMERAL_STORAGE } from '../resources';

export class ResourceDims {
  readonly names: string[] = [CPU, MEMORY, PODS, EPHEMERAL_STORAGE];
  private readonly index = new Map<string, number>(this.names.map((n, i) => [n, i]));

  /** Registers the names of a list (before any vector is built). */
  include(list: ResourceList | undefined): void {
    for (const name of Object.keys(list ?? {})) {
      if (!this.index.has(name)) {
        this.index.set(name, this.names.length);
        this.names.push(name);
      }
    }
  }

  get size(): number {
    return this.names.length;
  }

  vector(list: ResourceList | undefined): Float64Array {
    const v = new Float64Array(this.names.length);
    for (const [name, value] of Object.entries(list ?? {})) {
      const i = this.index.get(name);
      if (i !== undefined) v[i] = value;
    }
    return v;
  }

  /** Limits: unset resources are unlimited. */
  limitVector(list: ResourceList): Float64Array {
    const v = new Float64Array(this.names.length).fill(Infinity);
    for (const [name, value] of Object.entries(list)) {
      const i = this.index.get(name);
      if (i !== undefined) v[i] = value;
    }
    return v;
  }

  toList(v: Float64Array): ResourceList {
    const out: ResourceList = {};
    for (let i = 0; i < v.length; i++) if (v[i] !== 0 && Number.isFinite(v[i])) out[this.names[i]] = v[i];
    return out;
  }
}

export function addVectors(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/** a + b <= limit, for every dimension. */
export function sumFits(a: Float64Array, b: Float64Array, limit: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] + b[i] > limit[i]) return false;
  return true;
}

export function fitsVector(request: Float64Array, limit: Float64Array): boolean {
  for (let i = 0; i < request.length; i++) if (request[i] > limit[i]) return false;
  return true;
}
