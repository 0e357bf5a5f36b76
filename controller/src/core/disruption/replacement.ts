/** Replacement NodeClaims: from a planned NodeClaim, ordered by price, filtered by price, restricted to spot. */
import { podKey } from './pods';
import { Replacement } from './types';
import { InstanceType } from '../../cloudprovider/instance-type';
import { NodeClaim, NodeSelectorRequirementWithMinValues } from '../kube-types';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE } from '../labels';
import { PlannedNodeClaim } from '../scheduling/planned-nodeclaim';
import { Requirements } from '../scheduling/requirements';

export interface PricedOption {
  readonly instanceType: InstanceType;
  /** Cheapest compatible available offering under the NodeClaim's requirements. */
  readonly price: number;
  readonly capacityType: string;
}

/** A replacement being shaped: its NodeClaim requirements and its instance types, cheapest first. */
export class ReplacementDraft {
  requirements: NodeSelectorRequirementWithMinValues[];
  options: PricedOption[];

  constructor(readonly planned: PlannedNodeClaim, private readonly base: NodeClaim = planned.toNodeClaim()) {
    this.requirements = base.spec.requirements.filter(r => r.key !== LABEL_INSTANCE_TYPE);
    this.options = [];
    this.reprice(planned.instanceTypeOptions);
  }

  private reqs(): Requirements {
    return Requirements.fromNodeSelectorRequirements(this.requirements);
  }

  /** Recomputes prices under the current requirements; drops types with no compatible offering; orders by price. */
  reprice(types: readonly InstanceType[] = this.options.map(o => o.instanceType)): void {
    const reqs = this.reqs();
    const out: PricedOption[] = [];
    for (const it of types) {
      let best: { price: number; capacityType: string } | undefined;
      for (const o of it.compatibleOfferings(reqs)) if (!best || o.price < best.price) best = { price: o.price, capacityType: o.capacityType };
      if (best) out.push({ instanceType: it, price: best.price, capacityType: best.capacityType });
    }
    out.sort((a, b) => a.price - b.price || (a.instanceType.name < b.instanceType.name ? -1 : 1));
    this.options = out;
  }

  capacityTypes(): Set<string> {
    const r = this.reqs().get(LABEL_CAPACITY_TYPE);
    return new Set(['spot', 'on-demand', 'reserved'].filter(ct => r.has(ct)));
  }

  /** Adds `karpenter.sh/capacity-type In [value]` and reprices. */
  restrictCapacityType(value: string): void {
    this.requirements = [...this.requirements.filter(r => r.key !== LABEL_CAPACITY_TYPE), { key: LABEL_CAPACITY_TYPE, operator: 'In', values: [value] }];
    this.reprice();
  }

  /** Keeps the types strictly cheaper than `price` (upstream `filterByPrice`). */
  filterByPrice(price: number): void {
    this.options = this.options.filter(o => o.price < price);
  }

  /** A requirement whose minValues the remaining options no longer satisfy, or undefined. */
  unmetMinValues(): string | undefined {
    for (const r of this.requirements) {
      if (!r.minValues) continue;
      const values = new Set(this.options.map(o => o.instanceType.labels[r.key]).filter(v => v !== undefined));
      if (values.size < r.minValues) return r.key;
    }
    return undefined;
  }

  truncate(n: number): void {
    this.options = this.options.slice(0, n);
  }

  toReplacement(mustMove: ReadonlySet<string>): Replacement {
    const names = this.options.map(o => o.instanceType.name);
    const nodeClaim: NodeClaim = {
      ...this.base,
      spec: { ...this.base.spec, requirements: [...this.requirements, { key: LABEL_INSTANCE_TYPE, operator: 'In', values: names }] },
    };
    const first = this.options[0];
    return {
      nodeClaim,
      instanceTypes: names,
      optionPrices: this.options.map(o => o.price),
      price: first?.price ?? 0,
      capacityType: first?.capacityType ?? '',
      pods: this.planned.pods.map(p => podKey(p.pod)).filter(k => mustMove.has(k)),
    };
  }
}

/** The replacement limited to the options strictly cheaper than `maxPrice` (undefined when none is left). */
export function restrictReplacementByPrice(r: Replacement, maxPrice: number): Replacement | undefined {
  const keep = r.instanceTypes.map((name, i) => ({ name, price: r.optionPrices[i] })).filter(o => o.price < maxPrice);
  if (keep.length === 0) return undefined;
  if (keep.length === r.instanceTypes.length) return r;
  const names = keep.map(o => o.name);
  const requirements = r.nodeClaim.spec.requirements.map(q => (q.key === LABEL_INSTANCE_TYPE ? { ...q, values: names } : q));
  return {
    ...r,
    nodeClaim: { ...r.nodeClaim, spec: { ...r.nodeClaim.spec, requirements } },
    instanceTypes: names,
    optionPrices: keep.map(o => o.price),
    price: keep[0].price,
  };
}
