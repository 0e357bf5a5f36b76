/** Offerings that recently failed with insufficient capacity: unavailable for a TTL (3 minutes, as upstream), by clock. */
import { Clock } from '../core/clock';

export const UNAVAILABLE_OFFERING_TTL_MS = 3 * 60 * 1000;

function offeringKey(instanceType: string, zone: string, capacityType: string): string {
  return `${capacityType}:${instanceType}:${zone}`;
}

export class UnavailableOfferingsCache {
  /** Bumped on every change: a cheap cache key for callers that memoize offerings. */
  seqNum = 0;
  private readonly entries = new Map<string, number>();

  constructor(private readonly clock: Clock, private readonly ttlMs: number = UNAVAILABLE_OFFERING_TTL_MS) {}

  /** Marks the offering unavailable until now + TTL. */
  markUnavailable(instanceType: string, zone: string, capacityType: string): void {
    this.entries.set(offeringKey(instanceType, zone, capacityType), this.clock.now().getTime() + this.ttlMs);
    this.seqNum++;
  }

  isUnavailable(instanceType: string, zone: string, capacityType: string): boolean {
    const key = offeringKey(instanceType, zone, capacityType);
    const until = this.entries.get(key);
    if (until === undefined) return false;
    if (this.clock.now().getTime() >= until) {
      this.entries.delete(key);
      this.seqNum++;
      return false;
    }
    return true;
  }

  /** The unexpired entries, for logs and tests. */
  list(): string[] {
    const now = this.clock.now().getTime();
    return [...this.entries].filter(([, until]) => until > now).map(([k]) => k).sort();
  }
}
