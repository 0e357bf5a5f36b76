/**
 * Prices: on-demand from the Pricing API (GetProducts, Linux, shared tenancy, no pre-installed software) and spot from
 * DescribeSpotPriceHistory (latest price per type and zone). Refreshed when older than the refresh interval, by the
 * injected clock. When a refresh fails the last successful prices stay; when there never was one, a documented
 * heuristic stands in (`heuristicOnDemandPrice`), and spot is priced at `SPOT_FALLBACK_RATIO` × on-demand.
 * The package ships no price table.
 */
import { Ec2Api, PricingApi } from './api';
import { Clock } from '../core/clock';

export const PRICE_REFRESH_INTERVAL_MS = 12 * 60 * 60 * 1000;
export const SPOT_FALLBACK_RATIO = 0.4;

/**
 * The on-demand price used before any Pricing API answer: USD 0.05 per vCPU-hour + 0.005 per GiB-hour, + 1.0 per GPU
 * and 0.5 per accelerator. It only orders instance types sensibly (bigger is dearer); it is not a real price.
 */
export function heuristicOnDemandPrice(it: { vcpu: number; memoryMiB: number; gpuCount?: number; acceleratorCount?: number }): number {
  return 0.05 * it.vcpu + 0.005 * (it.memoryMiB / 1024) + 1.0 * (it.gpuCount ?? 0) + 0.5 * (it.acceleratorCount ?? 0);
}

/** Parses one GetProducts PriceList document: the instance type and its hourly USD on-demand price. */
export function parsePriceListItem(item: string | object): { instanceType: string; price: number } | undefined {
  const doc = (typeof item === 'string' ? JSON.parse(item) : item) as {
    product?: { attributes?: { instanceType?: string } };
    terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { pricePerUnit?: { USD?: string } }> }> };
  };
  const instanceType = doc.product?.attributes?.instanceType;
  if (!instanceType) return undefined;
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const price = Number(dim.pricePerUnit?.USD);
      if (Number.isFinite(price) && price > 0) return { instanceType, price };
    }
  }
  return undefined;
}

export interface PricingProviderOptions {
  readonly pricing: PricingApi;
  readonly ec2: Ec2Api;
  readonly region: string;
  readonly clock: Clock;
  /** @default 12 hours */
  readonly refreshIntervalMs?: number;
  /** Called with refresh failures (they are not thrown: prices fall back). */
  readonly onError?: (error: Error) => void;
}

export class PricingProvider {
  private onDemand = new Map<string, number>();
  private spot = new Map<string, Map<string, number>>();
  private onDemandAt: number | undefined;
  private spotAt: number | undefined;
  private readonly interval: number;

  constructor(private readonly opts: PricingProviderOptions) {
    this.interval = opts.refreshIntervalMs ?? PRICE_REFRESH_INTERVAL_MS;
  }

  /** True once on-demand prices came from the Pricing API. */
  get hasOnDemandPrices(): boolean {
    return this.onDemandAt !== undefined;
  }

  /** Refreshes whatever is stale. Failures keep the previous prices and go to `onError`. */
  async refreshIfStale(): Promise<void> {
    const now = this.opts.clock.now().getTime();
    if (this.onDemandAt === undefined || now - this.onDemandAt >= this.interval) {
      await this.capture(() => this.refreshOnDemand(), 'refreshing on-demand prices');
    }
    if (this.spotAt === undefined || now - this.spotAt >= this.interval) {
      await this.capture(() => this.refreshSpot(), 'refreshing spot prices');
    }
  }

  private async capture(fn: () => Promise<void>, what: string): Promise<void> {
    try {
      await fn();
    } catch (cause) {
      this.opts.onError?.(new Error(what, { cause }));
    }
  }

  async refreshOnDemand(): Promise<void> {
    const prices = new Map<string, number>();
    let token: string | undefined;
    do {
      const page = await this.opts.pricing.getProducts({
        ServiceCode: 'AmazonEC2',
        Filters: [
          { Field: 'regionCode', Type: 'TERM_MATCH', Value: this.opts.region },
          { Field: 'serviceCode', Type: 'TERM_MATCH', Value: 'AmazonEC2' },
          { Field: 'preInstalledSw', Type: 'TERM_MATCH', Value: 'NA' },
          { Field: 'operatingSystem', Type: 'TERM_MATCH', Value: 'Linux' },
          { Field: 'capacitystatus', Type: 'TERM_MATCH', Value: 'Used' },
          { Field: 'marketoption', Type: 'TERM_MATCH', Value: 'OnDemand' },
          { Field: 'tenancy', Type: 'TERM_MATCH', Value: 'Shared' },
        ],
        NextToken: token,
      });
      for (const item of page.PriceList ?? []) {
        const parsed = parsePriceListItem(item as string);
        if (parsed) prices.set(parsed.instanceType, parsed.price);
      }
      token = page.NextToken;
    } while (token);
    if (prices.size === 0) throw new Error(`the Pricing API returned no on-demand Linux prices for ${this.opts.region}`);
    this.onDemand = prices;
    this.onDemandAt = this.opts.clock.now().getTime();
  }

  async refreshSpot(): Promise<void> {
    const latest = new Map<string, { price: number; at: number }>();
    let token: string | undefined;
    do {
      const page = await this.opts.ec2.describeSpotPriceHistory({
        ProductDescriptions: ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'],
        StartTime: this.opts.clock.now(),
        NextToken: token,
      });
      for (const p of page.SpotPriceHistory ?? []) {
        if (!p.InstanceType || !p.AvailabilityZone || !p.SpotPrice) continue;
        const key = `${p.InstanceType}/${p.AvailabilityZone}`;
        const at = p.Timestamp ? new Date(p.Timestamp).getTime() : 0;
        const price = Number(p.SpotPrice);
        const prev = latest.get(key);
        if (Number.isFinite(price) && (!prev || at > prev.at)) latest.set(key, { price, at });
      }
      token = page.NextToken;
    } while (token);
    const spot = new Map<string, Map<string, number>>();
    for (const [key, { price }] of latest) {
      const [it, zone] = key.split('/');
      if (!spot.has(it)) spot.set(it, new Map());
      spot.get(it)!.set(zone, price);
    }
    this.spot = spot;
    this.spotAt = this.opts.clock.now().getTime();
  }

  /** The on-demand price, or undefined when the Pricing API did not list the type. */
  onDemandPrice(instanceType: string): number | undefined {
    return this.onDemand.get(instanceType);
  }

  spotPrice(instanceType: string, zone: string): number | undefined {
    return this.spot.get(instanceType)?.get(zone);
  }

  /** Seeds prices (tests, or a warm start from a previous run). */
  seed(onDemand: Record<string, number>): void {
    this.onDemand = new Map(Object.entries(onDemand));
  }
}
