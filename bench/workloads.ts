/** Seeded pod generators for the benchmark (upstream's scheduling benchmark shapes). */
import { KubePod } from '../controller/src/core/kube-types';

/* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
/** Mulberry32: a small seeded PRNG so every run schedules the same pods. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

const CPUS = ['100m', '250m', '500m', '1', '1500m'];
const MEMS = ['100Mi', '256Mi', '512Mi', '1Gi', '2Gi', '4Gi'];
const VALUES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

function basePod(name: string, labels: Record<string, string>, cpu: string, memory: string): KubePod {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'app', resources: { requests: { cpu, memory } } }] },
  };
}

/**
 * The five-way diverse mix: generic, zone spread, hostname spread, zone self-affinity, hostname anti-affinity.
 */
export function diversePods(count: number, seed = 42): KubePod[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const out: KubePod[] = [];
  const per = Math.floor(count / 5);
  let n = 0;
  const generic = (k: number) => {
    for (let i = 0; i < k; i++) out.push(basePod(`generic-${n++}`, { 'my-label': pick(VALUES) }, pick(CPUS), pick(MEMS)));
  };
  generic(per);
  for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']) {
    for (let i = 0; i < per; i++) {
      const p = basePod(`spread-${n++}`, { 'my-label': pick(VALUES) }, pick(CPUS), pick(MEMS));
      p.spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'my-label': pick(VALUES) } } }];
      out.push(p);
    }
  }
  for (let i = 0; i < per; i++) {
    const labels = { 'my-affinity': pick(VALUES) };
    const p = basePod(`affinity-${n++}`, labels, pick(CPUS), pick(MEMS));
    p.spec.affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: labels } }] } };
    out.push(p);
  }
  for (let i = 0; i < per; i++) {
    const labels = { app: 'nginx' };
    const p = basePod(`anti-${n++}`, labels, pick(CPUS), pick(MEMS));
    p.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } }] } };
    out.push(p);
  }
  generic(count - out.length);
  return out;
}

/** Generic pods only (CPU and memory from the same sets). */
export function genericPods(count: number, seed = 7): KubePod[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: count }, (_, i) => basePod(`generic-${i}`, { app: `app-${i % 20}` }, pick(CPUS), pick(MEMS)));
}
