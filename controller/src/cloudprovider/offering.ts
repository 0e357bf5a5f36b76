/** Where and how an instance type can be bought: one zone, one capacity type, a price and an availability. */
export interface Offering {
  readonly zone: string;
  /** `spot`, `on-demand` or `reserved`. */
  readonly capacityType: string;
  /** USD per hour. */
  readonly price: number;
  /** False after an insufficient-capacity error (until it expires) or when the region does not offer it. */
  readonly available: boolean;
  /** Capacity reservation id, for `reserved` offerings. */
  readonly reservationId?: string;
}

/** The cheapest of the given offerings, or undefined. */
export function cheapest(offerings: readonly Offering[]): Offering | undefined {
  let best: Offering | undefined;
  for (const o of offerings) if (!best || o.price < best.price) best = o;
  return best;
}
