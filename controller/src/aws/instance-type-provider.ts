/**
 * Instance types from EC2: DescribeInstanceTypes (facts -> InstanceTypeInfo) and DescribeInstanceTypeOfferings (zones),
 * priced by the PricingProvider, minus the offerings the UnavailableOfferingsCache holds. Facts are re-read when older
 * than the refresh interval (injected clock).
 */
import { InstanceTypeInfo as Ec2InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { kubeArch } from './amis';
import { Ec2Api } from './api';
import { AmiStatus, EC2NodeClass } from './ec2-node-class';
import { InstanceTypeInfo } from './instance-type-info';
import { newInstanceType } from './instance-types';
import { OverheadOptions } from './overhead';
import { heuristicOnDemandPrice, PricingProvider, SPOT_FALLBACK_RATIO } from './pricing';
import { UnavailableOfferingsCache } from './unavailable-offerings';
import { InstanceType } from '../cloudprovider/instance-type';
import { Offering } from '../cloudprovider/offering';
import { Clock } from '../core/clock';
import { parseResource, parseResources } from '../core/resources';
import { Requirements } from '../core/scheduling/requirements';

export const INSTANCE_TYPE_REFRESH_INTERVAL_MS = 12 * 60 * 60 * 1000;

function lower(s: string | undefined): string | undefined {
  return s?.toLowerCase().replace(/\s+/g, '-');
}

/** EC2 DescribeInstanceTypes record -> the facts Karpenter derives labels and capacity from (undefined: not usable). */
export function ec2ToInfo(it: Ec2InstanceTypeInfo): InstanceTypeInfo | undefined {
  const name = it.InstanceType;
  const vcpu = it.VCpuInfo?.DefaultVCpus;
  const memoryMiB = it.MemoryInfo?.SizeInMiB;
  const arch = kubeArch(it.ProcessorInfo?.SupportedArchitectures?.find(a => kubeArch(a)));
  if (!name || !vcpu || !memoryMiB || !arch) return undefined;
  const gpus = it.GpuInfo?.Gpus ?? [];
  const gpu = gpus[0];
  const neuron = it.NeuronInfo?.NeuronDevices?.[0];
  const inference = it.InferenceAcceleratorInfo?.Accelerators?.[0];
  const extended: Record<string, number> = {};
  const gpuCount = gpus.reduce((n, g) => n + (g.Count ?? 0), 0);
  if (gpu?.Manufacturer === 'NVIDIA') extended['nvidia.com/gpu'] = gpuCount;
  if (gpu?.Manufacturer === 'AMD') extended['amd.com/gpu'] = gpuCount;
  if (gpu?.Manufacturer === 'Habana') extended['habana.ai/gaudi'] = gpuCount;
  if (neuron) {
    extended['aws.amazon.com/neuron'] = neuron.Count ?? 0;
    extended['aws.amazon.com/neuroncore'] = (neuron.Count ?? 0) * (neuron.CoreInfo?.Count ?? 0);
  }
  const efa = it.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces;
  if (efa) extended['vpc.amazonaws.com/efa'] = efa;
  const defaultCard = it.NetworkInfo?.NetworkCards?.find(c => c.NetworkCardIndex === (it.NetworkInfo?.DefaultNetworkCardIndex ?? 0));
  const baselineGbps = defaultCard?.BaselineBandwidthInGbps;
  const { size } = { size: name.slice(name.indexOf('.') + 1) };
  const clock = it.ProcessorInfo?.SustainedClockSpeedInGhz;
  return {
    name,
    vcpu,
    memoryMiB,
    architecture: arch,
    os: 'linux',
    cpuManufacturer: lower(it.ProcessorInfo?.Manufacturer),
    cpuSustainedClockSpeedMhz: clock !== undefined ? Math.round(clock * 1000) : undefined,
    gpu: gpu ? { count: gpuCount, manufacturer: lower(gpu.Manufacturer) ?? '', name: lower(gpu.Name) ?? '', memoryMiB: gpu.MemoryInfo?.SizeInMiB } : undefined,
    accelerator: neuron
      ? { count: neuron.Count ?? 0, manufacturer: 'aws', name: lower(neuron.Name) ?? '' }
      : inference ? { count: inference.Count ?? 0, manufacturer: lower(inference.Manufacturer) ?? '', name: lower(inference.Name) ?? '' } : undefined,
    localNvmeGB: it.InstanceStorageInfo?.NvmeSupport && it.InstanceStorageInfo.NvmeSupport !== 'unsupported' ? it.InstanceStorageInfo.TotalSizeInGB : undefined,
    ebsBandwidthMbps: it.EbsInfo?.EbsOptimizedInfo?.MaximumBandwidthInMbps,
    networkBandwidthMbps: baselineGbps !== undefined ? Math.round(baselineGbps * 1000) : undefined,
    encryptionInTransitSupported: it.NetworkInfo?.EncryptionInTransitSupported ?? false,
    hypervisor: it.BareMetal ? '' : it.Hypervisor ?? '',
    bareMetal: it.BareMetal ?? size === 'metal',
    capabilityFlex: /-flex$/.test(name.split('.')[0]),
    maxENIs: defaultCard?.MaximumNetworkInterfaces ?? it.NetworkInfo?.MaximumNetworkInterfaces,
    ipv4PerENI: it.NetworkInfo?.Ipv4AddressesPerInterface,
    extendedResources: extended,
  };
}

/** Kubelet and block-device settings of a node class -> overhead options. */
export function overheadOptions(nodeClass: EC2NodeClass, vmMemoryOverheadPercent?: number): OverheadOptions {
  const k = nodeClass.spec.kubelet ?? {};
  const bdms = nodeClass.spec.blockDeviceMappings ?? [];
  const root = bdms.find(b => b.rootVolume) ?? bdms.find(b => b.deviceName === '/dev/xvda');
  const size = root?.ebs?.volumeSize;
  return {
    vmMemoryOverheadPercent,
    maxPods: k.maxPods,
    podsPerCore: k.podsPerCore,
    kubeReserved: k.kubeReserved ? parseResources(k.kubeReserved) : undefined,
    systemReserved: k.systemReserved ? parseResources(k.systemReserved) : undefined,
    evictionThreshold: k.evictionHard ? evictionThreshold(k.evictionHard) : undefined,
    rootVolumeBytes: size ? parseResource('ephemeral-storage', size) : undefined,
  };
}

function evictionThreshold(hard: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  const mem = hard['memory.available'];
  if (mem && !mem.endsWith('%')) out.memory = parseResource('memory', mem);
  return out;
}

/** True when some AMI's requirements accept the instance type's labels (so a node of this type can boot). */
export function compatibleWithAmis(it: InstanceType, amis: readonly AmiStatus[]): boolean {
  return amis.some(ami => it.requirements.compatible(Requirements.fromNodeSelectorRequirements(ami.requirements)) === undefined);
}

export interface InstanceTypeProviderOptions {
  readonly ec2: Ec2Api;
  readonly pricing: PricingProvider;
  readonly unavailable: UnavailableOfferingsCache;
  readonly clock: Clock;
  /** @default 12 hours */
  readonly refreshIntervalMs?: number;
  /** @default 0.075 */
  readonly vmMemoryOverheadPercent?: number;
}

interface Catalog {
  readonly infos: InstanceTypeInfo[];
  readonly usage: Map<string, string[]>;
  readonly zones: Map<string, Set<string>>;
  readonly at: number;
}

export class InstanceTypeProvider {
  private catalog: Catalog | undefined;

  constructor(private readonly opts: InstanceTypeProviderOptions) {}

  /** Reads DescribeInstanceTypes + DescribeInstanceTypeOfferings if never read or stale. */
  async refreshIfStale(): Promise<void> {
    const now = this.opts.clock.now().getTime();
    if (this.catalog && now - this.catalog.at < (this.opts.refreshIntervalMs ?? INSTANCE_TYPE_REFRESH_INTERVAL_MS)) return;
    const infos: InstanceTypeInfo[] = [];
    const usage = new Map<string, string[]>();
    let token: string | undefined;
    try {
      do {
        const page = await this.opts.ec2.describeInstanceTypes({
          Filters: [
            { Name: 'supported-virtualization-type', Values: ['hvm'] },
            { Name: 'processor-info.supported-architecture', Values: ['x86_64', 'arm64'] },
          ],
          NextToken: token,
        });
        for (const it of page.InstanceTypes ?? []) {
          const info = ec2ToInfo(it);
          if (!info) continue;
          infos.push(info);
          usage.set(info.name, (it.SupportedUsageClasses ?? ['on-demand']).filter(u => u === 'on-demand' || u === 'spot'));
        }
        token = page.NextToken;
      } while (token);
      const zones = new Map<string, Set<string>>();
      token = undefined;
      do {
        const page = await this.opts.ec2.describeInstanceTypeOfferings({ LocationType: 'availability-zone', NextToken: token });
        for (const o of page.InstanceTypeOfferings ?? []) {
          if (!o.InstanceType || !o.Location) continue;
          if (!zones.has(o.InstanceType)) zones.set(o.InstanceType, new Set());
          zones.get(o.InstanceType)!.add(o.Location);
        }
        token = page.NextToken;
      } while (token);
      this.catalog = { infos, usage, zones, at: now };
    } catch (cause) {
      if (this.catalog) return; // keep the previous catalog; the next call retries
      throw new Error('listing EC2 instance types and offerings', { cause });
    }
  }

  /** The instance types a node class can launch: zones of its subnets, AMI-compatible, priced, ICE-filtered. */
  async list(nodeClass: EC2NodeClass): Promise<InstanceType[]> {
    await this.refreshIfStale();
    await this.opts.pricing.refreshIfStale();
    const catalog = this.catalog!;
    const subnetZones = new Set((nodeClass.status?.subnets ?? []).map(s => s.zone));
    const overhead = overheadOptions(nodeClass, this.opts.vmMemoryOverheadPercent);
    const out: InstanceType[] = [];
    for (const info of catalog.infos) {
      const zones = [...(catalog.zones.get(info.name) ?? [])].filter(z => subnetZones.has(z)).sort();
      if (zones.length === 0) continue;
      const onDemand = this.opts.pricing.onDemandPrice(info.name) ?? (this.opts.pricing.hasOnDemandPrices ? undefined : heuristicOnDemandPrice({
        vcpu: info.vcpu, memoryMiB: info.memoryMiB, gpuCount: info.gpu?.count, acceleratorCount: info.accelerator?.count,
      }));
      const offerings: Offering[] = [];
      for (const capacityType of catalog.usage.get(info.name) ?? []) {
        for (const zone of zones) {
          const price = capacityType === 'spot'
            ? this.opts.pricing.spotPrice(info.name, zone) ?? (onDemand !== undefined ? onDemand * SPOT_FALLBACK_RATIO : undefined)
            : onDemand;
          if (price === undefined) continue;
          offerings.push({ zone, capacityType, price, available: !this.opts.unavailable.isUnavailable(info.name, zone, capacityType) });
        }
      }
      if (offerings.length === 0) continue;
      const it = newInstanceType(info, offerings, overhead);
      if (!compatibleWithAmis(it, nodeClass.status?.amis ?? [])) continue;
      out.push(it);
    }
    return out;
  }

  /** The EC2 facts of one type (after a refresh), for the launched NodeClaim's labels. */
  info(name: string): InstanceTypeInfo | undefined {
    return this.catalog?.infos.find(i => i.name === name);
  }
}
