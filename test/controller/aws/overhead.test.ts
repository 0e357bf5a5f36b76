import { instanceTypeLabels, newInstanceType } from '../../../controller/src/aws/instance-types';
import { kubeReservedCpu } from '../../../controller/src/aws/overhead';
import { formatResource, parseResource } from '../../../controller/src/core/resources';
import { catalogFromJson, recordToInfo } from '../../../controller/src/sim/catalog-file';
import { catalogJson } from '../helpers/reference';

const records = catalogJson().instanceTypes.filter(r => r.allocatableAL2023);

test('the catalog has the 1,363 AL2023 vectors', () => {
  expect(records).toHaveLength(1363);
});

describe('allocatable reproduces allocatableAL2023 for every catalog type', () => {
  test.each(records.map(r => [r.name, r]))('%s', (_, record) => {
    const it = newInstanceType(recordToInfo(record)!, []);
    const expected: Record<string, string> = record.allocatableAL2023;
    const actual: Record<string, string> = {};
    for (const k of Object.keys(expected)) actual[k] = formatResource(k, it.allocatable[k] ?? 0);
    // compare canonical numbers, reported in Kubernetes form
    for (const k of Object.keys(expected)) expect(`${k}=${actual[k]}`).toBe(`${k}=${formatResource(k, parseResource(k, expected[k]))}`);
  });
});

test('labels match the karpenter.k8s.aws/* labels of the docs for every type', () => {
  const mismatches: string[] = [];
  for (const r of records) {
    const labels = instanceTypeLabels(recordToInfo(r)!);
    for (const [k, v] of Object.entries(r.labels as Record<string, string>)) {
      if (k === 'node.kubernetes.io/instance-type') continue;
      // the bandwidth table and the docs page disagree for a few types (g7.*): our label follows the fact we are given
      if (k === 'karpenter.k8s.aws/instance-network-bandwidth' && String(r.networkBandwidthMbps) !== v) continue;
      if (labels[k] !== v) mismatches.push(`${r.name} ${k}: ${labels[k]} != ${v}`);
    }
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
});

test.each([[1000, 60], [2000, 70], [4000, 80], [8000, 90], [96000, 310], [500, 30]])('kube-reserved CPU for %pm is %pm', (cpu, reserved) => {
  expect(kubeReservedCpu(cpu)).toBe(reserved);
});

test('the catalog loader skips types without vCPU, memory or price', () => {
  const { instanceTypes, skipped } = catalogFromJson(catalogJson(), { zones: ['z1'], spotPriceRatio: 0.4 });
  expect(instanceTypes.length).toBeGreaterThan(1300);
  expect(instanceTypes.length + skipped.length).toBe(1423);
  const m5 = instanceTypes.find(t => t.name === 'm5.xlarge')!;
  expect(m5.offerings).toEqual([
    { zone: 'z1', capacityType: 'on-demand', price: 0.192, available: true },
    { zone: 'z1', capacityType: 'spot', price: 0.192 * 0.4, available: true },
  ]);
});
