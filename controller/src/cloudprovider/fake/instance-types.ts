/** Synthetic instance types for tests and benchmarks (no overhead, simple prices), in the spirit of upstream's fake provider. */
import { LABEL_ARCH, LABEL_OS } from '../../core/labels';
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, ResourceList } from '../../core/resources';
import { InstanceType } from '../instance-type';
import { Offering } from '../offering';

export const TEST_ZONES = ['test-zone-1', 'test-zone-2', 'test-zone-3'];
const GI = 2 ** 30;

export interface FakeInstanceTypeOptions {
  readonly name: string;
  readonly cpu: number;
  readonly memoryGi: number;
  readonly pods?: number;
  readonly arch?: string;
  readonly price?: number;
  readonly extra?: ResourceList;
  readonly labels?: Record<string, string>;
  /** @default on-demand and spot in every test zone */
  readonly offerings?: Offering[];
}

/** Price 0.1 × vCPU + 0.1 × GiB unless given. */
export function fakeInstanceType(o: FakeInstanceTypeOptions): InstanceType {
  const price = o.price ?? 0.1 * o.cpu + 0.1 * o.memoryGi;
  const capacity: ResourceList = { [CPU]: o.cpu * 1000, [MEMORY]: o.memoryGi * GI, [PODS]: o.pods ?? 110, [EPHEMERAL_STORAGE]: 20 * GI, ...o.extra };
  return new InstanceType({
    name: o.name,
    labels: { [LABEL_ARCH]: o.arch ?? 'amd64', [LABEL_OS]: 'linux', 'karpenter.k8s.aws/instance-cpu': String(o.cpu), ...o.labels },
    absentLabels: ['karpenter.k8s.aws/instance-gpu-count', 'karpenter.k8s.aws/instance-gpu-manufacturer'],
    offerings: o.offerings ?? [
      ...TEST_ZONES.map(zone => ({ zone, capacityType: 'on-demand', price, available: true })),
      ...TEST_ZONES.map(zone => ({ zone, capacityType: 'spot', price: price * 0.7, available: true })),
    ],
    capacity,
  });
}

/**
 * Upstream's benchmark catalog: type i has i+1 vCPU, 2(i+1) GiB, 10(i+1) pods, price 0.1 × vCPU + 0.1 × GiB; spot in
 * two zones and on-demand in three (same price).
 */
export function benchmarkInstanceTypes(count: number): InstanceType[] {
  const out: InstanceType[] = [];
  for (let i = 0; i < count; i++) {
    const cpu = i + 1;
    const mem = 2 * (i + 1);
    const price = 0.1 * cpu + 0.1 * mem;
    out.push(fakeInstanceType({
      name: `fake-it-${i}`,
      cpu,
      memoryGi: mem,
      pods: 10 * (i + 1),
      price,
      offerings: [
        ...TEST_ZONES.slice(0, 2).map(zone => ({ zone, capacityType: 'spot', price, available: true })),
        ...TEST_ZONES.map(zone => ({ zone, capacityType: 'on-demand', price, available: true })),
      ],
    }));
  }
  return out;
}

/** A small varied catalog for behaviour tests. */
export function defaultInstanceTypes(): InstanceType[] {
  return [
    fakeInstanceType({ name: 'small', cpu: 2, memoryGi: 4 }),
    fakeInstanceType({ name: 'default', cpu: 4, memoryGi: 16 }),
    fakeInstanceType({ name: 'large', cpu: 16, memoryGi: 64 }),
    fakeInstanceType({ name: 'xlarge', cpu: 64, memoryGi: 256 }),
    fakeInstanceType({ name: 'arm', cpu: 4, memoryGi: 16, arch: 'arm64', price: 2.2 }),
    fakeInstanceType({ name: 'single-pod', cpu: 2, memoryGi: 2, pods: 1, price: 0.7 }),
    fakeInstanceType({
      name: 'gpu',
      cpu: 8,
      memoryGi: 32,
      price: 10,
      extra: { 'nvidia.com/gpu': 2 },
      labels: { 'karpenter.k8s.aws/instance-gpu-count': '2', 'karpenter.k8s.aws/instance-gpu-manufacturer': 'nvidia' },
    }),
    fakeInstanceType({
      name: 'spot-only',
      cpu: 4,
      memoryGi: 8,
      price: 2.5,
      offerings: TEST_ZONES.map(zone => ({ zone, capacityType: 'spot', price: 2.5, available: true })),
    }),
  ];
}
