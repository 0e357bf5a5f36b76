/**
 * Our own NodePool and EC2NodeClass hashes for static drift. The hash-version values differ from upstream's on
 * purpose: a NodeClaim stamped by upstream Karpenter (or by an older version of this controller) has another version,
 * so it is re-stamped with the current hash instead of being treated as drifted.
 */
import { NodeClaim, NodePool } from '../kube-types';

export const NODEPOOL_HASH_ANNOTATION = 'karpenter.sh/nodepool-hash';
export const NODEPOOL_HASH_VERSION_ANNOTATION = 'karpenter.sh/nodepool-hash-version';
export const NODECLASS_HASH_ANNOTATION = 'karpenter.k8s.aws/ec2nodeclass-hash';
export const NODECLASS_HASH_VERSION_ANNOTATION = 'karpenter.k8s.aws/ec2nodeclass-hash-version';

/** Upstream 1.x uses `v3` (NodePool) and `v4` (EC2NodeClass): ours never collide with them. */
export const NODEPOOL_HASH_VERSION = 'kcdk-v1';
export const NODECLASS_HASH_VERSION = 'kcdk-v1';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
// eslint-disable-next-line no-bitwise
const MASK = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, of the UTF-8 text, as a decimal string (upstream hashes are decimal uint64s too). */
/* eslint-disable no-bitwise -- FNV-1a is defined with xor and a 64-bit mask */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(10);
}
/* eslint-enable no-bitwise */

/** JSON with sorted keys; arrays listed in `sets` are sorted too (order-insensitive, like `SlicesAsSets`). */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map(canonicalJson);
    return `[${items.sort().join(',')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The NodePool's static fields, as upstream: template labels and annotations, taints, startup taints and the node
 * class reference. Requirements drift separately; `expireAfter` and `terminationGracePeriod` never drift.
 */
export function nodePoolHash(nodePool: NodePool): string {
  const t = nodePool.spec.template;
  const empty = (o: Record<string, string> | undefined) => (o && Object.keys(o).length ? o : undefined);
  const list = <T>(l: T[] | undefined) => (l && l.length ? l : undefined);
  return fnv1a64(canonicalJson({
    labels: empty(t.metadata?.labels),
    annotations: empty(t.metadata?.annotations),
    taints: list(t.spec.taints),
    startupTaints: list(t.spec.startupTaints),
    nodeClassRef: t.spec.nodeClassRef,
  }));
}

const NODECLASS_DYNAMIC_FIELDS = new Set(['amiSelectorTerms', 'subnetSelectorTerms', 'securityGroupSelectorTerms', 'capacityReservationSelectorTerms']);

/**
 * The EC2NodeClass's static spec (everything but the selector terms, which drift through the resolved AMIs, subnets
 * and security groups in its status).
 */
export function nodeClassHash(spec: Record<string, unknown> | undefined): string {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec ?? {})) if (!NODECLASS_DYNAMIC_FIELDS.has(k)) fields[k] = v;
  return fnv1a64(canonicalJson(fields));
}

/** The annotations every NodeClaim launched from the NodePool carries (the runtime adds them at creation). */
export function nodePoolHashAnnotations(nodePool: NodePool): Record<string, string> {
  return { [NODEPOOL_HASH_ANNOTATION]: nodePoolHash(nodePool), [NODEPOOL_HASH_VERSION_ANNOTATION]: NODEPOOL_HASH_VERSION };
}

/**
 * The annotations to patch onto a NodeClaim whose hash version is not ours (stamped by upstream or an older
 * version), or undefined when it is current. A NodeClaim already Drifted is left alone, as upstream.
 */
export function restampNodeClaim(nodeClaim: NodeClaim, nodePool: NodePool, drifted = false): Record<string, string> | undefined {
  if (drifted) return undefined;
  if (nodeClaim.metadata.annotations?.[NODEPOOL_HASH_VERSION_ANNOTATION] === NODEPOOL_HASH_VERSION) return undefined;
  return nodePoolHashAnnotations(nodePool);
}
