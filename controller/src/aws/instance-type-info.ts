/**
 * The facts about an EC2 instance type that Karpenter derives labels, capacity and overhead from: the subset of
 * DescribeInstanceTypes the AWS provider reads. The AWS adapter fills it from the EC2 API; the simulator fills it from
 * a catalog file or from the synthetic catalog.
 */
export interface InstanceTypeInfo {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  /** Kubernetes architecture name: `amd64` or `arm64`. */
  readonly architecture: string;
  readonly os?: string;
  readonly cpuManufacturer?: string;
  readonly cpuSustainedClockSpeedMhz?: number;
  readonly gpu?: { readonly count: number; readonly manufacturer: string; readonly name: string; readonly memoryMiB?: number };
  readonly accelerator?: { readonly count: number; readonly manufacturer: string; readonly name: string };
  readonly localNvmeGB?: number;
  readonly ebsBandwidthMbps?: number;
  readonly networkBandwidthMbps?: number;
  readonly encryptionInTransitSupported?: boolean;
  /** `nitro`, `xen`, or empty for bare metal. */
  readonly hypervisor?: string;
  readonly bareMetal?: boolean;
  readonly capabilityFlex?: boolean;
  /** ENIs on the default network card and IPv4 addresses per ENI: the ENI-limited pod density. */
  readonly maxENIs?: number;
  readonly ipv4PerENI?: number;
  /** Pod density to use when ENI facts are missing. */
  readonly maxPods?: number;
  /** Extended resources advertised by device plugins (`nvidia.com/gpu`, `vpc.amazonaws.com/efa`...). */
  readonly extendedResources?: Readonly<Record<string, number>>;
}

/** Splits `m5.xlarge` into family `m5`, category `m`, generation `5`, size `xlarge` with Karpenter's pattern. */
export function parseInstanceTypeName(name: string): { family: string; size: string; category?: string; generation?: string } {
  const dot = name.indexOf('.');
  const family = dot >= 0 ? name.slice(0, dot) : name;
  const size = dot >= 0 ? name.slice(dot + 1) : '';
  const m = /^([a-z]+)(?:-[0-9]+tb)?([0-9]+).*\./.exec(name);
  return { family, size, category: m?.[1], generation: m?.[2] };
}
