/**
 * PodDisruptionBudgets as upstream's `pdb.Limits`: which PDBs cover a pod and whether the Eviction API would let it go.
 * `disruptionsAllowed` comes from the PDB status (the runtime) or `computeDisruptionsAllowed` (the simulator).
 */
import { isEvictable, podKey } from './pods';
import { PodDisruptionBudget } from './types';
import { KubePod } from '../kube-types';
import { compileSelector, LabelMatcher } from '../scheduling/label-selector';

interface CompiledPdb {
  readonly pdb: PodDisruptionBudget;
  readonly key: string;
  readonly namespace: string;
  readonly matches: LabelMatcher;
  readonly alwaysAllowUnhealthy: boolean;
}

export class PdbLimits {
  private readonly compiled: CompiledPdb[];

  constructor(
    pdbs: readonly PodDisruptionBudget[] = [],
    private readonly allowed: (pdb: PodDisruptionBudget) => number = p => p.status?.disruptionsAllowed ?? 0,
  ) {
    this.compiled = pdbs.map(pdb => ({
      pdb,
      key: `${pdb.metadata.namespace ?? 'default'}/${pdb.metadata.name ?? ''}`,
      namespace: pdb.metadata.namespace ?? 'default',
      // a PDB with an empty selector matches every pod of its namespace; a missing one matches nothing
      matches: compileSelector(pdb.spec.selector),
      alwaysAllowUnhealthy: pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow',
    }));
  }

  /** The PDBs covering the pod (`namespace/name`). */
  pdbsFor(pod: KubePod): CompiledPdb[] {
    const ns = pod.metadata.namespace ?? 'default';
    return this.compiled.filter(c => c.namespace === ns && c.matches(pod.metadata.labels ?? {}));
  }

  /**
   * Why evicting these pods would be refused, or undefined: a pod covered by more than one PDB (the Eviction API
   * refuses it) or by one that allows no disruption now.
   */
  blockingReason(pods: readonly KubePod[]): string | undefined {
    if (this.compiled.length === 0) return undefined;
    for (const pod of pods) {
      if (!isEvictable(pod)) continue;
      const pdbs = this.pdbsFor(pod);
      if (pdbs.length > 1) return `pod ${podKey(pod)} is covered by more than one PodDisruptionBudget (${pdbs.map(p => p.key).join(', ')})`;
      if (pdbs.length === 1 && this.allowed(pdbs[0].pdb) <= 0) {
        if (pdbs[0].alwaysAllowUnhealthy && !isHealthy(pod)) continue;
        return `pdb ${pdbs[0].key} prevents pod evictions`;
      }
    }
    return undefined;
  }

  /** The Eviction API's answer for one pod, counting `taken` evictions already granted in this pass per PDB. */
  canEvict(pod: KubePod, taken: Map<string, number> = new Map()): { ok: true; pdb?: string } | { ok: false; reason: string } {
    const pdbs = this.pdbsFor(pod);
    if (pdbs.length === 0) return { ok: true };
    if (pdbs.length > 1) return { ok: false, reason: `pod ${podKey(pod)} is covered by more than one PodDisruptionBudget` };
    const c = pdbs[0];
    if (c.alwaysAllowUnhealthy && !isHealthy(pod)) return { ok: true };
    if (this.allowed(c.pdb) - (taken.get(c.key) ?? 0) <= 0) {
      return { ok: false, reason: `Cannot evict pod as it would violate the pod's disruption budget (${c.key})` };
    }
    return { ok: true, pdb: c.key };
  }
}

/** Running and bound: counted as healthy by the simulator's PDB arithmetic. */
export function isHealthy(pod: KubePod): boolean {
  const ready = pod.status?.conditions?.find(c => c.type === 'Ready');
  if (ready) return ready.status === 'True';
  return pod.spec.nodeName !== undefined && (pod.status?.phase === undefined || pod.status.phase === 'Running');
}

function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/**
 * `status.disruptionsAllowed` as the disruption controller computes it from the pods it covers: healthy pods minus
 * desired healthy (minAvailable, or expected minus maxUnavailable; percentages rounded up), never below zero.
 * `expectedPods` is the owners' replica count (default: the matching pods).
 */
export function computeDisruptionsAllowed(pdb: PodDisruptionBudget, pods: readonly KubePod[], expectedPods?: number): number {
  const ns = pdb.metadata.namespace ?? 'default';
  const matches = compileSelector(pdb.spec.selector);
  const covered = pods.filter(p => (p.metadata.namespace ?? 'default') === ns && matches(p.metadata.labels ?? {}) && !isTerminal(p));
  const expected = expectedPods ?? covered.length;
  const healthy = covered.filter(isHealthy).length;
  let desired: number;
  if (pdb.spec.minAvailable !== undefined) desired = scaled(pdb.spec.minAvailable, expected);
  else if (pdb.spec.maxUnavailable !== undefined) desired = expected - scaled(pdb.spec.maxUnavailable, expected);
  else desired = expected;
  return Math.max(0, healthy - desired);
}

function isTerminal(p: KubePod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}
