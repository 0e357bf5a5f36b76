/** Cost baselines for the benchmark: the fractional LP lower bound and a single-type first-fit-decreasing node group. */
import { InstanceType } from '../controller/src/cloudprovider/instance-type';
import { CPU, MEMORY, PODS, ResourceList } from '../controller/src/core/resources';

interface Priced { cpu: number; mem: number; price: number }

/**
 * min Σ x_t·price_t subject to Σ x_t·cpu_t ≥ C, Σ x_t·mem_t ≥ M, x ≥ 0 (allocatable, cheapest offering).
 * With two constraints an optimal vertex uses at most two types: try every single type and every pair.
 */
export function lpLowerBound(types: readonly InstanceType[], total: ResourceList, price: (it: InstanceType) => number): number {
  const C = total[CPU] ?? 0;
  const M = total[MEMORY] ?? 0;
  const ts: Priced[] = types.map(t => ({ cpu: t.allocatable[CPU] ?? 0, mem: t.allocatable[MEMORY] ?? 0, price: price(t) }))
    .filter(t => t.cpu > 0 && t.mem > 0 && Number.isFinite(t.price));
  let best = Infinity;
  for (const t of ts) best = Math.min(best, t.price * Math.max(C / t.cpu, M / t.mem));
  for (let i = 0; i < ts.length; i++) {
    for (let j = i + 1; j < ts.length; j++) {
      const a = ts[i];
      const b = ts[j];
      const det = a.cpu * b.mem - b.cpu * a.mem;
      if (det === 0) continue;
      const x = (C * b.mem - b.cpu * M) / det;
      const y = (a.cpu * M - C * a.mem) / det;
      if (x >= 0 && y >= 0) best = Math.min(best, x * a.price + y * b.price);
    }
  }
  return best;
}

/**
 * First-fit-decreasing of the requests onto one instance type (a Cluster Autoscaler node group): the nodes needed for
 * the pods that fit an empty node, and how many pods fit none (such a group cannot run them at all).
 */
export function firstFitDecreasingNodes(requests: readonly ResourceList[], it: InstanceType): { nodes: number; unfit: number } {
  const cap = it.allocatable;
  const sorted = [...requests].sort((a, b) => (b[CPU] ?? 0) - (a[CPU] ?? 0) || (b[MEMORY] ?? 0) - (a[MEMORY] ?? 0));
  const bins: Array<{ cpu: number; mem: number; pods: number }> = [];
  let unfit = 0;
  for (const r of sorted) {
    const c = r[CPU] ?? 0;
    const m = r[MEMORY] ?? 0;
    if (c > cap[CPU] || m > cap[MEMORY] || cap[PODS] < 1) {
      unfit++;
      continue;
    }
    let bin = bins.find(b => b.cpu + c <= cap[CPU] && b.mem + m <= cap[MEMORY] && b.pods + 1 <= cap[PODS]);
    if (!bin) bins.push((bin = { cpu: 0, mem: 0, pods: 0 }));
    bin.cpu += c;
    bin.mem += m;
    bin.pods += 1;
  }
  return { nodes: bins.length, unfit };
}

/**
 * A tighter lower bound than `lpLowerBound`, labelled "assignment LP" in the table: the LP relaxation of packing
 * whole pods onto nodes. Pods are grouped into classes by request; node counts and the share of a class on a type are
 * fractional, but each pod's CPU, memory AND pod slot come from the same instance type (the bound lets a pod
 * take its CPU from a t4g.nano and its memory from an x2gd, which no plan can do), and the pods-per-node limit binds:
 *
 *   min Σ_t price_t·x_t  s.t.  Σ_t y_kt = n_k,  Σ_k y_kt·r_kd ≤ x_t·alloc_td (d ∈ cpu, memory, pods),  x, y ≥ 0.
 *
 * Solved as a covering LP over "node configurations": for each type, the vertices of its per-node polytope
 * {z ≥ 0 : Σ_k z_k·r_kd ≤ alloc_td}; a vertex has at most three non-zero classes (three resource constraints).
 * Exact for any number of classes, but the column count grows as classes³: meant for the few-class cost mixes.
 */
export function assignmentLowerBound(types: readonly InstanceType[], requests: readonly ResourceList[], price: (it: InstanceType) => number): number {
  const classes = new Map<string, { r: number[]; n: number }>();
  for (const q of requests) {
    const r = [q[CPU] ?? 0, q[MEMORY] ?? 0, 1];
    const key = r.join('/');
    const c = classes.get(key);
    if (c) c.n++;
    else classes.set(key, { r, n: 1 });
  }
  const ks = [...classes.values()];
  const K = ks.length;
  if (K > 12) throw new Error(`assignmentLowerBound: ${K} pod classes is too many for vertex enumeration`);
  const columns: Array<{ z: number[]; cost: number }> = [];
  const subsets = (n: number, size: number): number[][] => {
    const out: number[][] = [];
    const rec = (start: number, acc: number[]) => {
      if (acc.length === size) return void out.push(acc.slice());
      for (let i = start; i < n; i++) rec(i + 1, [...acc, i]);
    };
    rec(0, []);
    return out;
  };
  for (const t of types) {
    const p = price(t);
    const cap = [t.allocatable[CPU] ?? 0, t.allocatable[MEMORY] ?? 0, t.allocatable[PODS] ?? 0];
    if (!Number.isFinite(p) || cap.some(c => c <= 0)) continue;
    for (let size = 1; size <= Math.min(3, K); size++) {
      for (const support of subsets(K, size)) {
        for (const tight of subsets(3, size)) {
          const z = solveSquare(tight.map(d => support.map(k => ks[k].r[d])), tight.map(d => cap[d]));
          if (!z || z.some(v => v < -1e-9)) continue;
          const full = new Array<number>(K).fill(0);
          support.forEach((k, i) => (full[k] = Math.max(0, z[i])));
          const fits = [0, 1, 2].every(d => full.reduce((s, v, k) => s + v * ks[k].r[d], 0) <= cap[d] * (1 + 1e-9));
          if (fits && full.some(v => v > 0)) columns.push({ z: full, cost: p });
        }
      }
    }
  }
  return coveringLp(columns, ks.map(k => k.n));
}

/** Gaussian elimination; undefined when singular. */
function solveSquare(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    if (Math.abs(m[piv][c]) < 1e-12) return undefined;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** min Σ cost_j·λ_j s.t. Σ λ_j·z_j ≥ demand, λ ≥ 0: two-phase tableau simplex (few rows, many columns). */
function coveringLp(columns: ReadonlyArray<{ z: number[]; cost: number }>, demand: number[]): number {
  const K = demand.length;
  const N = columns.length;
  // variables: λ (N), surplus s (K), artificial a (K); rows: Σ z λ - s + a = demand
  const W = N + 2 * K;
  const rows = demand.map((d, k) => {
    const row = new Float64Array(W + 1);
    for (let j = 0; j < N; j++) row[j] = columns[j].z[k];
    row[N + k] = -1;
    row[N + K + k] = 1;
    row[W] = d;
    return row;
  });
  const basis = demand.map((_, k) => N + K + k);
  const run = (cost: (j: number) => number, allowed: (j: number) => boolean): void => {
    for (let iter = 0; iter < 10000; iter++) {
      // reduced costs c_j - c_B·B⁻¹A_j, read from the tableau
      let enter = -1;
      let best = -1e-9;
      for (let j = 0; j < W; j++) {
        if (!allowed(j)) continue;
        let rc = cost(j);
        for (let r = 0; r < K; r++) rc -= cost(basis[r]) * rows[r][j];
        if (rc < best) { best = rc; enter = j; }
      }
      if (enter < 0) return;
      let leave = -1;
      let ratio = Infinity;
      for (let r = 0; r < K; r++) {
        const a = rows[r][enter];
        if (a > 1e-12 && rows[r][W] / a < ratio) { ratio = rows[r][W] / a; leave = r; }
      }
      if (leave < 0) throw new Error('coveringLp: unbounded');
      const pr = rows[leave];
      const pv = pr[enter];
      for (let j = 0; j <= W; j++) pr[j] /= pv;
      for (let r = 0; r < K; r++) {
        if (r === leave) continue;
        const f = rows[r][enter];
        if (f !== 0) for (let j = 0; j <= W; j++) rows[r][j] -= f * pr[j];
      }
      basis[leave] = enter;
    }
    throw new Error('coveringLp: no convergence');
  };
  run(j => (j >= N + K ? 1 : 0), () => true);
  if (basis.some((b, r) => b >= N + K && rows[r][W] > 1e-6)) return Infinity; // some class fits no type
  run(j => (j < N ? columns[j].cost : 0), j => j < N + K);
  let total = 0;
  for (let r = 0; r < K; r++) if (basis[r] < N) total += columns[basis[r]].cost * rows[r][W];
  return total;
}
