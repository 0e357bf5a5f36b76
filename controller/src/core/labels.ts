/** Label keys with a meaning to the scheduler (Karpenter's well-known labels) and beta-label normalisation. */

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_WINDOWS_BUILD = 'node.kubernetes.io/windows-build';
export const LABEL_CAPACITY_TYPE = 'karpenter.sh/capacity-type';
export const LABEL_NODEPOOL = 'karpenter.sh/nodepool';
export const LABEL_NODE_INITIALIZED = 'karpenter.sh/initialized';
export const LABEL_NODE_REGISTERED = 'karpenter.sh/registered';

export const CAPACITY_TYPE_SPOT = 'spot';
export const CAPACITY_TYPE_ON_DEMAND = 'on-demand';
export const CAPACITY_TYPE_RESERVED = 'reserved';

/** AWS provider labels (karpenter.k8s.aws/*). */
export const AWS_LABELS = {
  instanceHypervisor: 'karpenter.k8s.aws/instance-hypervisor',
  instanceEncryptionInTransitSupported: 'karpenter.k8s.aws/instance-encryption-in-transit-supported',
  instanceCategory: 'karpenter.k8s.aws/instance-category',
  instanceFamily: 'karpenter.k8s.aws/instance-family',
  instanceGeneration: 'karpenter.k8s.aws/instance-generation',
  instanceLocalNvme: 'karpenter.k8s.aws/instance-local-nvme',
  instanceSize: 'karpenter.k8s.aws/instance-size',
  instanceCpu: 'karpenter.k8s.aws/instance-cpu',
  instanceCpuManufacturer: 'karpenter.k8s.aws/instance-cpu-manufacturer',
  instanceCpuSustainedClockSpeedMhz: 'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz',
  instanceMemory: 'karpenter.k8s.aws/instance-memory',
  instanceEbsBandwidth: 'karpenter.k8s.aws/instance-ebs-bandwidth',
  instanceNetworkBandwidth: 'karpenter.k8s.aws/instance-network-bandwidth',
  instanceGpuName: 'karpenter.k8s.aws/instance-gpu-name',
  instanceGpuManufacturer: 'karpenter.k8s.aws/instance-gpu-manufacturer',
  instanceGpuCount: 'karpenter.k8s.aws/instance-gpu-count',
  instanceGpuMemory: 'karpenter.k8s.aws/instance-gpu-memory',
  instanceAcceleratorName: 'karpenter.k8s.aws/instance-accelerator-name',
  instanceAcceleratorManufacturer: 'karpenter.k8s.aws/instance-accelerator-manufacturer',
  instanceAcceleratorCount: 'karpenter.k8s.aws/instance-accelerator-count',
  instanceCapabilityFlex: 'karpenter.k8s.aws/instance-capability-flex',
  instanceTenancy: 'karpenter.k8s.aws/instance-tenancy',
  capacityReservationId: 'karpenter.k8s.aws/capacity-reservation-id',
  capacityReservationType: 'karpenter.k8s.aws/capacity-reservation-type',
  ec2NodeClass: 'karpenter.k8s.aws/ec2nodeclass',
  zoneId: 'topology.k8s.aws/zone-id',
} as const;

/**
 * Labels whose values the cloud provider defines. A pod may require them even when a NodePool does not mention
 * them (the instance types decide); custom labels must be defined by the NodePool.
 */
export const WELL_KNOWN_LABELS: ReadonlySet<string> = new Set<string>([
  LABEL_NODEPOOL, LABEL_ZONE, LABEL_REGION, LABEL_INSTANCE_TYPE, LABEL_ARCH, LABEL_OS, LABEL_CAPACITY_TYPE,
  LABEL_WINDOWS_BUILD, ...Object.values(AWS_LABELS),
]);

/** Deprecated and provider-specific aliases, rewritten to their stable keys before any comparison. */
export const NORMALIZED_LABELS: Readonly<Record<string, string>> = {
  'failure-domain.beta.kubernetes.io/zone': LABEL_ZONE,
  'failure-domain.beta.kubernetes.io/region': LABEL_REGION,
  'beta.kubernetes.io/arch': LABEL_ARCH,
  'beta.kubernetes.io/os': LABEL_OS,
  'beta.kubernetes.io/instance-type': LABEL_INSTANCE_TYPE,
  'topology.ebs.csi.aws.com/zone': LABEL_ZONE,
};

export function normalizeLabelKey(key: string): string {
  return NORMALIZED_LABELS[key] ?? key;
}

/** Labels a NodePool may not set or require (`karpenter.sh/*` except capacity-type, hostname). */
export function restrictedLabelReason(key: string): string | undefined {
  if (key === LABEL_HOSTNAME) return `label "${key}" is restricted`;
  if (key === LABEL_NODEPOOL) return `label "${key}" is restricted`;
  const domain = key.includes('/') ? key.split('/')[0] : '';
  if (domain.endsWith('karpenter.sh') && key !== LABEL_CAPACITY_TYPE) return 'label domain "karpenter.sh" is restricted';
  return undefined;
}
