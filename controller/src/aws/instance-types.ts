/** EC2 facts -> scheduler InstanceType: the karpenter.k8s.aws/* labels, capacity, overhead and offerings. */
import { InstanceTypeInfo, parseInstanceTypeName } from './instance-type-info';
import { capacity, overhead, OverheadOptions } from './overhead';
import { InstanceType } from '../cloudprovider/instance-type';
import { Offering } from '../cloudprovider/offering';
import { AWS_LABELS, LABEL_ARCH, LABEL_OS } from '../core/labels';

/** Labels that only some types have: absent ones become DoesNotExist requirements. */
const OPTIONAL_LABELS = [
  AWS_LABELS.instanceGpuName, AWS_LABELS.instanceGpuManufacturer, AWS_LABELS.instanceGpuCount, AWS_LABELS.instanceGpuMemory,
  AWS_LABELS.instanceAcceleratorName, AWS_LABELS.instanceAcceleratorManufacturer, AWS_LABELS.instanceAcceleratorCount,
  AWS_LABELS.instanceLocalNvme, AWS_LABELS.instanceCategory, AWS_LABELS.instanceGeneration,
  AWS_LABELS.instanceCpuManufacturer, AWS_LABELS.instanceCpuSustainedClockSpeedMhz,
  AWS_LABELS.instanceEbsBandwidth, AWS_LABELS.instanceNetworkBandwidth,
];

/** The node labels Karpenter's AWS provider puts on nodes of this type (zone and capacity type excluded). */
export function instanceTypeLabels(info: InstanceTypeInfo): Record<string, string> {
  const { family, size, category, generation } = parseInstanceTypeName(info.name);
  const labels: Record<string, string> = {
    [LABEL_ARCH]: info.architecture,
    [LABEL_OS]: info.os ?? 'linux',
    [AWS_LABELS.instanceFamily]: family,
    [AWS_LABELS.instanceSize]: size,
    [AWS_LABELS.instanceCpu]: String(info.vcpu),
    [AWS_LABELS.instanceMemory]: String(info.memoryMiB),
    [AWS_LABELS.instanceHypervisor]: info.hypervisor ?? '',
    [AWS_LABELS.instanceEncryptionInTransitSupported]: String(info.encryptionInTransitSupported ?? false),
    [AWS_LABELS.instanceCapabilityFlex]: String(info.capabilityFlex ?? false),
  };
  if (category !== undefined) labels[AWS_LABELS.instanceCategory] = category;
  if (generation !== undefined) labels[AWS_LABELS.instanceGeneration] = generation;
  if (info.cpuManufacturer) labels[AWS_LABELS.instanceCpuManufacturer] = info.cpuManufacturer;
  if (info.cpuSustainedClockSpeedMhz !== undefined) labels[AWS_LABELS.instanceCpuSustainedClockSpeedMhz] = String(info.cpuSustainedClockSpeedMhz);
  if (info.ebsBandwidthMbps !== undefined) labels[AWS_LABELS.instanceEbsBandwidth] = String(info.ebsBandwidthMbps);
  if (info.networkBandwidthMbps !== undefined) labels[AWS_LABELS.instanceNetworkBandwidth] = String(info.networkBandwidthMbps);
  if (info.localNvmeGB !== undefined) labels[AWS_LABELS.instanceLocalNvme] = String(info.localNvmeGB);
  if (info.gpu) {
    labels[AWS_LABELS.instanceGpuName] = info.gpu.name;
    labels[AWS_LABELS.instanceGpuManufacturer] = info.gpu.manufacturer;
    labels[AWS_LABELS.instanceGpuCount] = String(info.gpu.count);
    if (info.gpu.memoryMiB !== undefined) labels[AWS_LABELS.instanceGpuMemory] = String(info.gpu.memoryMiB);
  }
  if (info.accelerator) {
    labels[AWS_LABELS.instanceAcceleratorName] = info.accelerator.name;
    labels[AWS_LABELS.instanceAcceleratorManufacturer] = info.accelerator.manufacturer;
    labels[AWS_LABELS.instanceAcceleratorCount] = String(info.accelerator.count);
  }
  return labels;
}

/** Builds the scheduler's InstanceType from EC2 facts, offerings and the kubelet / node class settings. */
export function newInstanceType(info: InstanceTypeInfo, offerings: readonly Offering[], opts: OverheadOptions = {}): InstanceType {
  const cap = capacity(info, opts);
  return new InstanceType({
    name: info.name,
    labels: instanceTypeLabels(info),
    absentLabels: OPTIONAL_LABELS,
    offerings,
    capacity: cap,
    overhead: overhead(cap, opts),
  });
}

/** Offerings in every zone for each capacity type, spot priced at `spotPriceRatio` × on-demand. */
export function uniformOfferings(onDemandPrice: number, zones: readonly string[], opts: {
  capacityTypes?: readonly string[];
  spotPriceRatio?: number;
} = {}): Offering[] {
  const out: Offering[] = [];
  for (const capacityType of opts.capacityTypes ?? ['on-demand', 'spot']) {
    const price = capacityType === 'spot' ? onDemandPrice * (opts.spotPriceRatio ?? 0.4) : onDemandPrice;
    for (const zone of zones) out.push({ zone, capacityType, price, available: true });
  }
  return out;
}
