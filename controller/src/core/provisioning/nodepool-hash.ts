/**
 * The NodePool hash NodeClaims are annotated with (`karpenter.sh/nodepool-hash`): a 64-bit FNV-1a over the canonical
 * JSON of the template fields that drift when changed (labels, annotations, taints, startup taints, expireAfter,
 * terminationGracePeriod, nodeClassRef; requirements are excluded as upstream does), in decimal like upstream's
 * hashstructure output. The value is this implementation's own (it is compared only with hashes it computed).
 */
import { NodePool } from '../kube-types';

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = canonical((v as Record<string, unknown>)[k]);
      if (x === undefined || x === null || x === '' || (Array.isArray(x) && x.length === 0) || (typeof x === 'object' && !Array.isArray(x) && Object.keys(x as object).length === 0)) continue;
      out[k] = x;
    }
    return out;
  }
  return v;
}

/* eslint-disable no-bitwise -- FNV-1a is defined with xor and a 64-bit mask */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= BigInt(b);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(10);
}
/* eslint-enable no-bitwise */

export function nodePoolHash(np: NodePool): string {
  const t = np.spec.template;
  return fnv1a64(JSON.stringify(canonical({
    metadata: t.metadata,
    spec: {
      taints: t.spec.taints,
      startupTaints: t.spec.startupTaints,
      expireAfter: t.spec.expireAfter,
      terminationGracePeriod: t.spec.terminationGracePeriod,
      nodeClassRef: t.spec.nodeClassRef,
    },
  })));
}
