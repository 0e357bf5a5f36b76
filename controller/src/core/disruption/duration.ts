/**
 * Karpenter durations (`consolidateAfter`, `expireAfter`, `terminationGracePeriod`, budget `duration`): a Go duration
 * (`30s`, `1h30m`, `720h`) or `Never`.
 */

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class DurationError extends Error {
  constructor(readonly value: string, readonly field?: string) {
    super(`${field ? `${field}: ` : ''}invalid duration ${JSON.stringify(value)} (use a Go duration such as "30s", "15m", "720h", or "Never")`);
    this.name = 'DurationError';
  }
}

export function isDurationError(e: unknown): e is DurationError {
  return e instanceof Error && e.name === 'DurationError';
}

/** Milliseconds of a Go duration. Throws DurationError when malformed. */
export function parseDuration(text: string, field?: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched !== s.length || s.length === 0) throw new DurationError(text, field);
  return total;
}

/** Milliseconds, or undefined for `Never` (and for an absent value when `absent` is 'Never'). */
export function parseNillableDuration(text: string | undefined, absent: number | 'Never', field?: string): number | undefined {
  if (text === undefined || text === null) return absent === 'Never' ? undefined : absent;
  if (text.trim() === 'Never') return undefined;
  return parseDuration(text, field);
}

/** `1h30m0s`-style text for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/** Milliseconds since the epoch of a Kubernetes timestamp (undefined when absent or unparsable). */
export function timeOf(t: string | Date | undefined): number | undefined {
  if (t === undefined) return undefined;
  const v = new Date(t).getTime();
  return Number.isNaN(v) ? undefined : v;
}
