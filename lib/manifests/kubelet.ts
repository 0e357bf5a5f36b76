import { Duration } from 'cdk8s';

/**
 * Kubelet settings of the nodes (`spec.kubelet`), a subset of the upstream KubeletConfiguration. Karpenter uses
 * them to compute allocatable resources.
 *
 * Resource maps (`kubeReserved`, `systemReserved`) take the keys `cpu`, `memory`, `ephemeral-storage` and `pid`
 * with non-negative quantities. Eviction maps take the signals `memory.available`, `nodefs.available`,
 * `nodefs.inodesFree`, `imagefs.available`, `imagefs.inodesFree`, `pid.available` with a percentage or a quantity.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#speckubelet
 */
export interface KubeletConfiguration {
  /**
   * IP addresses of the cluster DNS servers.
   *
   * @default - the cluster's DNS service
   */
  readonly clusterDNS?: string[];

  /**
   * Maximum number of pods per node, 0 or more.
   *
   * @default - computed from the instance type's ENI limits
   */
  readonly maxPods?: number;

  /**
   * Maximum number of pods per vCPU, 0 or more (never above `maxPods`).
   *
   * @default - no per-core limit
   */
  readonly podsPerCore?: number;

  /**
   * Resources reserved for OS system daemons, e.g. `{ cpu: '100m', memory: '100Mi' }`.
   *
   * @default - Karpenter's defaults
   */
  readonly systemReserved?: Record<string, string>;

  /**
   * Resources reserved for Kubernetes system daemons, e.g. `{ cpu: '200m', memory: '100Mi' }`.
   *
   * @default - computed from the instance type
   */
  readonly kubeReserved?: Record<string, string>;

  /**
   * Hard eviction thresholds, e.g. `{ 'memory.available': '5%' }`.
   *
   * @default - `memory.available: 100Mi`, `nodefs.available: 10%`, `nodefs.inodesFree: 5%`
   */
  readonly evictionHard?: Record<string, string>;

  /**
   * Soft eviction thresholds; each signal needs a grace period in `evictionSoftGracePeriod`.
   *
   * @default - none
   */
  readonly evictionSoft?: Record<string, string>;

  /**
   * Grace periods of the soft eviction signals (whole seconds); each signal needs a threshold in `evictionSoft`.
   *
   * @default - none
   */
  readonly evictionSoftGracePeriod?: Record<string, Duration>;

  /**
   * Maximum grace period when evicting pods for a soft threshold (whole seconds).
   *
   * @default - the pods' own grace periods
   */
  readonly evictionMaxPodGracePeriod?: Duration;

  /**
   * Disk usage percent (0-100) above which image garbage collection always runs; above `imageGCLowThresholdPercent`.
   *
   * @default 85
   */
  readonly imageGCHighThresholdPercent?: number;

  /**
   * Disk usage percent (0-100) image garbage collection frees down to; below `imageGCHighThresholdPercent`.
   *
   * @default 80
   */
  readonly imageGCLowThresholdPercent?: number;

  /**
   * Whether CPU CFS quotas are enforced for containers with CPU limits.
   *
   * @default true
   */
  readonly cpuCFSQuota?: boolean;
}
