/**
 * Taints and tolerations, with the Kubernetes matching rules. Karpenter treats every taint of a NodePool as
 * binding for provisioning, PreferNoSchedule included (relaxation may later tolerate those).
 */
import { Taint, Toleration } from '../kube-types';

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op !== 'Equal') return false;
  if (!t.key) return false; // an empty key only works with Exists
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first taint the tolerations do not tolerate, or undefined. */
export function firstUntolerated(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): Taint | undefined {
  if (!taints || taints.length === 0) return undefined;
  for (const taint of taints) {
    let ok = false;
    for (const t of tolerations ?? []) if (toleratesTaint(t, taint)) { ok = true; break; }
    if (!ok) return taint;
  }
  return undefined;
}

export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Taints a node carries briefly for reasons unrelated to workloads; ignored when considering in-flight nodes. */
export const EPHEMERAL_TAINT_KEYS: ReadonlySet<string> = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.cloudprovider.kubernetes.io/uninitialized',
  'karpenter.sh/unregistered',
]);

/** The taint Karpenter puts on nodes it is disrupting. */
export const DISRUPTED_TAINT: Taint = { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' };
