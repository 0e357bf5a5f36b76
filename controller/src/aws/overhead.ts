/**
 * Capacity and overhead of an EC2 instance type, with the AWS provider's formulas (pkg/providers/instancetype/types.go):
 * - memory capacity: the EC2 memory minus the VM overhead (vmMemoryOverheadPercent, 7.5 % by default, rounded up);
 *   arm64 types first lose 64 MiB;
 * - pods: ENI-limited (`maxENIs × (IPv4 per ENI − 1) + 2`), unless kubelet maxPods / podsPerCore say otherwise;
 * - kube-reserved: CPU 6 % of the first core, 1 % of the second, 0.5 % of the next two, 0.25 % of the rest;
 *   memory `11 × pods + 255` MiB; ephemeral-storage 1 GiB;
 * - eviction threshold: memory.available 100Mi, nodefs.available 10 % of the root volume;
 * - ephemeral-storage capacity: the root volume (20 GiB on AL2023 unless blockDeviceMappings say otherwise).
 */
import { InstanceTypeInfo } from './instance-type-info';
import { InstanceTypeOverhead } from '../cloudprovider/instance-type';
import { ResourceList, CPU, MEMORY, PODS, EPHEMERAL_STORAGE } from '../core/resources';

const MI = 1024 * 1024;
const GI = 1024 * MI;

export interface OverheadOptions {
  /** @default 0.075 */
  readonly vmMemoryOverheadPercent?: number;
  /** ENIs kept out of pod networking. @default 0 */
  readonly reservedENIs?: number;
  /** kubelet maxPods. @default - ENI-limited */
  readonly maxPods?: number;
  /** kubelet podsPerCore. @default - no limit */
  readonly podsPerCore?: number;
  /** Root volume size in bytes. @default 20 GiB */
  readonly rootVolumeBytes?: number;
  /** kubelet kubeReserved overrides (canonical units). */
  readonly kubeReserved?: ResourceList;
  /** kubelet systemReserved (canonical units). @default none */
  readonly systemReserved?: ResourceList;
  /** kubelet evictionHard overrides (canonical units, memory and ephemeral-storage). */
  readonly evictionThreshold?: ResourceList;
}

/** The pod density of the type. */
export function maxPods(info: InstanceTypeInfo, opts: OverheadOptions = {}): number {
  let count: number;
  if (opts.maxPods !== undefined) {count = opts.maxPods;} else if (info.maxENIs !== undefined && info.ipv4PerENI !== undefined) {
    count = Math.max(0, info.maxENIs - (opts.reservedENIs ?? 0)) * (info.ipv4PerENI - 1) + 2;
  } else {count = info.maxPods ?? 110;}
  if (opts.podsPerCore !== undefined && opts.podsPerCore > 0) count = Math.min(count, opts.podsPerCore * info.vcpu);
  return count;
}

/** Memory capacity in bytes after the VM overhead. */
export function memoryCapacity(info: InstanceTypeInfo, opts: OverheadOptions = {}): number {
  let mib = info.memoryMiB;
  if (info.architecture === 'arm64') mib -= 64;
  mib -= Math.ceil(mib * (opts.vmMemoryOverheadPercent ?? 0.075));
  return mib * MI;
}

const CPU_BANDS: ReadonlyArray<{ start: number; end: number; percentage: number }> = [
  { start: 0, end: 1000, percentage: 0.06 },
  { start: 1000, end: 2000, percentage: 0.01 },
  { start: 2000, end: 4000, percentage: 0.005 },
  { start: 4000, end: Number.MAX_SAFE_INTEGER, percentage: 0.0025 },
];

/** kube-reserved CPU in millicores for a CPU capacity in millicores. */
export function kubeReservedCpu(cpuMilli: number): number {
  let reserved = 0;
  for (const band of CPU_BANDS) {
    if (cpuMilli >= band.start) reserved += Math.trunc((Math.min(cpuMilli, band.end) - band.start) * band.percentage);
  }
  return reserved;
}

/** Capacity of the type: cpu, memory (after VM overhead), pods, ephemeral-storage and extended resources. */
export function capacity(info: InstanceTypeInfo, opts: OverheadOptions = {}): ResourceList {
  return {
    [CPU]: info.vcpu * 1000,
    [MEMORY]: memoryCapacity(info, opts),
    [PODS]: maxPods(info, opts),
    [EPHEMERAL_STORAGE]: opts.rootVolumeBytes ?? 20 * GI,
    ...info.extendedResources,
  };
}

/** kube-reserved, system-reserved and eviction threshold for the given capacity. */
export function overhead(cap: ResourceList, opts: OverheadOptions = {}): InstanceTypeOverhead {
  const kubeReserved: ResourceList = {
    [CPU]: kubeReservedCpu(cap[CPU]),
    [MEMORY]: (11 * cap[PODS] + 255) * MI,
    [EPHEMERAL_STORAGE]: 1 * GI,
    ...opts.kubeReserved,
  };
  const evictionThreshold: ResourceList = {
    [MEMORY]: 100 * MI,
    [EPHEMERAL_STORAGE]: Math.ceil(cap[EPHEMERAL_STORAGE] * 0.1),
    ...opts.evictionThreshold,
  };
  return { kubeReserved, systemReserved: { ...opts.systemReserved }, evictionThreshold };
}
