/**
 * Label keys Karpenter and Kubernetes put on nodes, for NodePool requirements and pod node selectors.
 *
 * In NodePool requirements and labels, the `karpenter.sh` and `karpenter.k8s.aws` domains are restricted to the
 * keys listed here, and `HOSTNAME` and `NODE_POOL` may not be used at all (Karpenter sets them).
 *
 * @see https://karpenter.sh/docs/concepts/scheduling/#well-known-labels
 */
export class WellKnownLabels {
  // --- Kubernetes
  /** CPU architecture: `amd64`, `arm64`. */
  public static readonly ARCH = 'kubernetes.io/arch';
  /** Operating system: `linux`, `windows`. */
  public static readonly OS = 'kubernetes.io/os';
  /** EC2 instance type, e.g. `m5.large`. */
  public static readonly INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
  /** Availability zone, e.g. `us-east-1a`. */
  public static readonly ZONE = 'topology.kubernetes.io/zone';
  /** Region, e.g. `us-east-1`. */
  public static readonly REGION = 'topology.kubernetes.io/region';
  /** Windows build of Windows nodes, e.g. `10.0.20348`. */
  public static readonly WINDOWS_BUILD = 'node.kubernetes.io/windows-build';
  /** Node host name (set per node: not allowed in NodePool requirements or labels). */
  public static readonly HOSTNAME = 'kubernetes.io/hostname';

  // --- AWS topology
  /** Availability zone ID, e.g. `use1-az1`. */
  public static readonly ZONE_ID = 'topology.k8s.aws/zone-id';

  // --- karpenter.sh
  /** Capacity type: `spot`, `on-demand`, `reserved`. */
  public static readonly CAPACITY_TYPE = 'karpenter.sh/capacity-type';
  /** The NodePool that launched the node (set by Karpenter: not allowed in NodePool requirements or labels). */
  public static readonly NODE_POOL = 'karpenter.sh/nodepool';

  // --- karpenter.k8s.aws
  /** Instance tenancy: `default`, `dedicated`. */
  public static readonly INSTANCE_TENANCY = 'karpenter.k8s.aws/instance-tenancy';
  /** Capacity reservation type: `default`, `capacity-block`. */
  public static readonly CAPACITY_RESERVATION_TYPE = 'karpenter.k8s.aws/capacity-reservation-type';
  /** Capacity reservation ID, e.g. `cr-0123456789abcdef0`. */
  public static readonly CAPACITY_RESERVATION_ID = 'karpenter.k8s.aws/capacity-reservation-id';
  /** Whether the capacity reservation is interruptible: `true`, `false`. */
  public static readonly CAPACITY_RESERVATION_INTERRUPTIBLE = 'karpenter.k8s.aws/capacity-reservation-interruptible';
  /** The EC2NodeClass of the node. */
  public static readonly EC2_NODE_CLASS = 'karpenter.k8s.aws/ec2nodeclass';
  /** Whether the instance supports encryption in transit: `true`, `false`. */
  public static readonly INSTANCE_ENCRYPTION_IN_TRANSIT_SUPPORTED = 'karpenter.k8s.aws/instance-encryption-in-transit-supported';
  /** Instance category, e.g. `c`, `m`, `r`. */
  public static readonly INSTANCE_CATEGORY = 'karpenter.k8s.aws/instance-category';
  /** Hypervisor: `nitro`, `xen`. */
  public static readonly INSTANCE_HYPERVISOR = 'karpenter.k8s.aws/instance-hypervisor';
  /** Instance family, e.g. `m5`. */
  public static readonly INSTANCE_FAMILY = 'karpenter.k8s.aws/instance-family';
  /** Instance generation, an integer, e.g. `5` (use with `Requirement.gt`). */
  public static readonly INSTANCE_GENERATION = 'karpenter.k8s.aws/instance-generation';
  /** Local NVMe storage in GiB, an integer. */
  public static readonly INSTANCE_LOCAL_NVME = 'karpenter.k8s.aws/instance-local-nvme';
  /** Instance size, e.g. `large`. */
  public static readonly INSTANCE_SIZE = 'karpenter.k8s.aws/instance-size';
  /** Number of vCPUs, an integer. */
  public static readonly INSTANCE_CPU = 'karpenter.k8s.aws/instance-cpu';
  /** CPU manufacturer: `intel`, `amd`, `aws`. */
  public static readonly INSTANCE_CPU_MANUFACTURER = 'karpenter.k8s.aws/instance-cpu-manufacturer';
  /** Sustained CPU clock speed in MHz, an integer. */
  public static readonly INSTANCE_CPU_SUSTAINED_CLOCK_SPEED_MHZ = 'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz';
  /** Memory in MiB, an integer. */
  public static readonly INSTANCE_MEMORY = 'karpenter.k8s.aws/instance-memory';
  /** EBS bandwidth in Mbit/s, an integer. */
  public static readonly INSTANCE_EBS_BANDWIDTH = 'karpenter.k8s.aws/instance-ebs-bandwidth';
  /** Network bandwidth in Mbit/s, an integer. */
  public static readonly INSTANCE_NETWORK_BANDWIDTH = 'karpenter.k8s.aws/instance-network-bandwidth';
  /** GPU name, e.g. `t4`. */
  public static readonly INSTANCE_GPU_NAME = 'karpenter.k8s.aws/instance-gpu-name';
  /** GPU manufacturer, e.g. `nvidia`. */
  public static readonly INSTANCE_GPU_MANUFACTURER = 'karpenter.k8s.aws/instance-gpu-manufacturer';
  /** Number of GPUs, an integer. */
  public static readonly INSTANCE_GPU_COUNT = 'karpenter.k8s.aws/instance-gpu-count';
  /** GPU memory in MiB, an integer. */
  public static readonly INSTANCE_GPU_MEMORY = 'karpenter.k8s.aws/instance-gpu-memory';
  /** Accelerator name, e.g. `inferentia`. */
  public static readonly INSTANCE_ACCELERATOR_NAME = 'karpenter.k8s.aws/instance-accelerator-name';
  /** Accelerator manufacturer, e.g. `aws`. */
  public static readonly INSTANCE_ACCELERATOR_MANUFACTURER = 'karpenter.k8s.aws/instance-accelerator-manufacturer';
  /** Number of accelerators, an integer. */
  public static readonly INSTANCE_ACCELERATOR_COUNT = 'karpenter.k8s.aws/instance-accelerator-count';
  /** Whether the instance type is a flex type: `true`, `false`. */
  public static readonly INSTANCE_CAPABILITY_FLEX = 'karpenter.k8s.aws/instance-capability-flex';
  /** Placement group ID. */
  public static readonly PLACEMENT_GROUP_ID = 'karpenter.k8s.aws/placement-group-id';
  /** Partition number in a partition placement group. */
  public static readonly PLACEMENT_GROUP_PARTITION = 'karpenter.k8s.aws/placement-group-partition';

  private constructor() {}
}
