/**
 * The bitset index of a NodePool's instance-type options (`OptionIndex`) against the plain list operations it
 * replaces on the hot path: the answers must be identical, including on duplicate, zero and negative allocatable
 * values and on sets that cross 32-option word boundaries.
 */
import { fakeInstanceType, TEST_ZONES } from '../../../../controller/src/cloudprovider/fake/instance-types';
import { InstanceTypeOption, OptionBounds, orderByPrice } from '../../../../controller/src/core/scheduling/instance-type-option';
import { bitsKey, count, hashNames, OptionBits, OptionIndex } from '../../../../controller/src/core/scheduling/option-set';
import { SharedInstanceTypes } from '../../../../controller/src/core/scheduling/planned-nodeclaim';
import { Requirement } from '../../../../controller/src/core/scheduling/requirement';
import { Requirements } from '../../../../controller/src/core/scheduling/requirements';
import { ResourceDims, sumFits } from '../../../../controller/src/core/scheduling/resource-vector';

const ZONE = 'topology.kubernetes.io/zone';
const CT = 'karpenter.sh/capacity-type';
const ARCH = 'kubernetes.io/arch';

/** A seeded generator (Park-Miller), for reproducible random catalogs and sets. */
function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

function catalog(n: number, seed: number): { options: InstanceTypeOption[]; dims: ResourceDims } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const its = Array.from({ length: n }, (_, i) => {
    const price = Math.round(r() * 20) / 10;
    return fakeInstanceType({
      name: `t-${String(i).padStart(3, '0')}`,
      cpu: pick([1, 2, 4, 8, 16]),
      memoryGi: pick([1, 2, 4, 8, 32]),
      arch: pick(['amd64', 'arm64']),
      price,
      offerings: TEST_ZONES.flatMap(zone => ['spot', 'on-demand'].map(capacityType => ({
        zone, capacityType, price: capacityType === 'spot' ? price * pick([0.5, 1]) : price, available: r() < 0.6,
      }))),
    });
  });
  const dims = new ResourceDims();
  for (const it of its) dims.include(it.allocatable);
  const options = its.map(it => new InstanceTypeOption(it, dims));
  for (const o of options) {
    o.efficient = r() < 0.7;
    // duplicates, zeros and negative values in every dimension
    for (let d = 0; d < dims.size; d++) if (r() < 0.2) o.allocatable[d] = pick([-1, 0, o.allocatable[d], 1e9]);
  }
  return { options, dims };
}

function subset(index: OptionIndex, r: () => number, density: number): OptionBits {
  return index.bitsOf(index.options.filter(() => r() < density));
}

function boundsOfList(options: readonly InstanceTypeOption[], size: number): OptionBounds {
  const b = new OptionBounds(size);
  for (const o of options) b.include(o);
  return b;
}

describe('OptionIndex', () => {
  const { options, dims } = catalog(75, 1);
  const index = new OptionIndex(options, dims.size);
  const r = rng(2);

  test('bitsOf and toArray round-trip in index order; count counts', () => {
    for (let k = 0; k < 50; k++) {
      const set = subset(index, r, r());
      const list = index.toArray(set);
      expect(list).toEqual(options.filter(o => list.includes(o)));
      expect(count(set)).toBe(list.length);
      expect(bitsKey(index.bitsOf(list))).toBe(bitsKey(set));
    }
    expect(index.toArray(index.bitsOf(options))).toEqual(options);
    expect(() => index.bitsOf([catalog(1, 9).options[0]])).toThrow(/not an option/);
  });

  test('bounds are those OptionBounds.include gives over the same options', () => {
    for (let k = 0; k < 200; k++) {
      const set = subset(index, r, [0, 0.02, 0.2, 0.9][k % 4]);
      const got = new OptionBounds(dims.size);
      index.bounds(set, got);
      const want = boundsOfList(index.toArray(set), dims.size);
      expect(got.hasEfficient).toBe(want.hasEfficient);
      expect([...got.max]).toEqual([...want.max]);
      expect([...got.min]).toEqual([...want.min]);
      expect([...got.maxEfficient]).toEqual([...want.maxEfficient]);
    }
    expect(index.boundsOf(options, index.bitsOf(options))).toEqual(boundsOfList(options, dims.size));
  });

  test('fitting keeps exactly the options with room for base + extra', () => {
    const values = (d: number) => [...new Set(options.map(o => o.allocatable[d]))];
    for (let k = 0; k < 300; k++) {
      const set = subset(index, r, 0.8);
      const base = Float64Array.from({ length: dims.size }, (_, d) => (r() < 0.5 ? 0 : values(d)[Math.floor(r() * values(d).length)] / 2));
      const extra = Float64Array.from({ length: dims.size }, (_, d) => {
        const vs = values(d);
        return r() < 0.3 ? vs[Math.floor(r() * vs.length)] - base[d] : r() * 2 ** 33 * (r() < 0.1 ? -1 : 1);
      });
      const out = index.newBits();
      index.fitting(set, base, extra, out);
      expect(index.toArray(out)).toEqual(index.toArray(set).filter(o => sumFits(base, extra, o.allocatable)));
    }
  });

  test('keepOffered and keepCompatible filter as hasOffering and compatible do (cached per zone / capacity type)', () => {
    const reqSets = [
      Requirements.of(Requirement.in(ZONE, TEST_ZONES[0])),
      Requirements.of(Requirement.in(ZONE, TEST_ZONES[1], TEST_ZONES[2]), Requirement.in(CT, 'spot')),
      Requirements.of(Requirement.notIn(ZONE, TEST_ZONES[0]), Requirement.in(ARCH, 'arm64')),
      Requirements.of(Requirement.in(CT, 'on-demand'), Requirement.notIn(ARCH, 'arm64')),
      new Requirements(),
    ];
    for (let k = 0; k < 40; k++) {
      for (const reqs of reqSets) {
        const set = subset(index, r, 0.7);
        const all = index.toArray(set);
        const offered = set.slice();
        index.keepOffered(offered, reqs);
        expect(index.toArray(offered)).toEqual(all.filter(o => o.hasOffering(reqs)));
        const compatible = set.slice();
        index.keepCompatible(compatible, reqs);
        expect(index.toArray(compatible)).toEqual(all.filter(o => o.compatible(reqs)));
      }
    }
  });

  test('select in price order is orderByPrice of the set, and its hash and comparison agree with the names', () => {
    const reqSets = [
      Requirements.of(Requirement.in(ZONE, TEST_ZONES[2])),
      Requirements.of(Requirement.in(ZONE, TEST_ZONES[0], TEST_ZONES[1]), Requirement.in(CT, 'on-demand')),
      new Requirements(),
    ];
    for (let k = 0; k < 60; k++) {
      const reqs = reqSets[k % reqSets.length];
      const set = subset(index, r, 0.6);
      const order = index.priceOrder(reqs);
      expect(index.priceOrder(reqs)).toBe(order);
      const want = orderByPrice(index.toArray(set), reqs);
      expect(index.select(set, order, Infinity)).toEqual(want);
      expect(index.select(set, order, 5)).toEqual(want.slice(0, 5));
      expect(index.select(set, undefined, Infinity)).toEqual(index.toArray(set));
      expect(index.hashSelection(set, order, Infinity)).toBe(hashNames(want));
      expect(index.hashSelection(set, order, 5)).toBe(hashNames(want.slice(0, 5)));
      expect(index.selectionEquals(set, order, Infinity, want)).toBe(true);
      expect(index.selectionEquals(set, order, 5, want.slice(0, 5))).toBe(true);
      if (want.length > 1) {
        expect(index.selectionEquals(set, order, Infinity, [...want].reverse())).toBe(want[0].name === want[want.length - 1].name);
        expect(index.selectionEquals(set, order, Infinity, want.slice(1))).toBe(false);
      }
    }
  });
});

describe('SharedInstanceTypes', () => {
  test('NodeClaims with the same instance types, by name, share one requirement', () => {
    const a = catalog(40, 3);
    const b = catalog(40, 3); // other option objects, same names
    const ia = new OptionIndex(a.options, a.dims.size);
    const ib = new OptionIndex(b.options, b.dims.size);
    const shared = new SharedInstanceTypes();
    const set = ia.bitsOf(a.options.filter((_, i) => i % 3 === 0));
    const first = shared.get(ia, set, undefined, Infinity);
    expect(first.options.map(o => o.name)).toEqual(a.options.filter((_, i) => i % 3 === 0).map(o => o.name));
    expect([...first.requirement.values]).toEqual(first.options.map(o => o.name));
    expect(shared.get(ia, set.slice(), undefined, Infinity)).toBe(first);
    expect(shared.get(ib, ib.bitsOf(b.options.filter((_, i) => i % 3 === 0)), undefined, Infinity).requirement).toBe(first.requirement);
    const other = shared.get(ia, ia.bitsOf(a.options.slice(0, 3)), undefined, Infinity);
    expect(other.requirement).not.toBe(first.requirement);
    expect(shared.get(ia, set, undefined, 2).options.map(o => o.name)).toEqual(first.options.slice(0, 2).map(o => o.name));
  });
});
