/** Small stable hashes for resource names (no crypto dependency needed, but node's crypto is used when present). */
import { createHash } from 'crypto';

/** FNV-1a 64-bit of a string, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of Buffer.from(text, 'utf8')) {
    // FNV-1a is defined with XOR and a 64-bit wrap
    // eslint-disable-next-line no-bitwise
    h = BigInt.asUintN(64, (h ^ BigInt(byte)) * prime);
  }
  return h.toString(16).padStart(16, '0');
}

/** SHA-256 of a canonical JSON (sorted keys) of a value, hex. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
