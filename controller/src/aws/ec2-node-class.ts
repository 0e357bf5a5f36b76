/** karpenter.k8s.aws/v1 EC2NodeClass: the fields the AWS provider reads and the status it writes (API JSON names). */
import { NodeSelectorRequirement, ObjectMeta } from '../core/kube-types';

export interface SelectorTerm {
  tags?: Record<string, string>;
  id?: string;
}

export interface SecurityGroupSelectorTerm extends SelectorTerm {
  name?: string;
}

export interface AmiSelectorTerm {
  alias?: string;
  id?: string;
  name?: string;
  owner?: string;
  tags?: Record<string, string>;
  ssmParameter?: string;
}

export interface KubeletConfiguration {
  clusterDNS?: string[];
  maxPods?: number;
  podsPerCore?: number;
  systemReserved?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  evictionHard?: Record<string, string>;
  evictionSoft?: Record<string, string>;
  evictionSoftGracePeriod?: Record<string, string>;
  evictionMaxPodGracePeriod?: number;
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  cpuCFSQuota?: boolean;
}

export interface BlockDeviceMapping {
  deviceName?: string;
  rootVolume?: boolean;
  ebs?: {
    deleteOnTermination?: boolean;
    encrypted?: boolean;
    iops?: number;
    kmsKeyID?: string;
    snapshotID?: string;
    throughput?: number;
    volumeSize?: string;
    volumeType?: string;
  };
}

export interface MetadataOptions {
  httpEndpoint?: string;
  httpProtocolIPv6?: string;
  httpPutResponseHopLimit?: number;
  httpTokens?: string;
}

export interface EC2NodeClassSpec {
  amiFamily?: string;
  amiSelectorTerms?: AmiSelectorTerm[];
  subnetSelectorTerms?: SelectorTerm[];
  securityGroupSelectorTerms?: SecurityGroupSelectorTerm[];
  role?: string;
  instanceProfile?: string;
  userData?: string;
  tags?: Record<string, string>;
  kubelet?: KubeletConfiguration;
  blockDeviceMappings?: BlockDeviceMapping[];
  metadataOptions?: MetadataOptions;
  associatePublicIPAddress?: boolean;
  detailedMonitoring?: boolean;
  instanceStorePolicy?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface SubnetStatus {
  id: string;
  zone: string;
  zoneID?: string;
}

export interface SecurityGroupStatus {
  id: string;
  name?: string;
}

export interface AmiStatus {
  id: string;
  name?: string;
  deprecated?: boolean;
  requirements: NodeSelectorRequirement[];
}

export interface EC2NodeClassStatus {
  subnets?: SubnetStatus[];
  securityGroups?: SecurityGroupStatus[];
  amis?: AmiStatus[];
  instanceProfile?: string;
  conditions?: Condition[];
}

export interface EC2NodeClass {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta & { name: string; generation?: number };
  spec: EC2NodeClassSpec;
  status?: EC2NodeClassStatus;
}

export const EC2_NODE_CLASS_GROUP = 'karpenter.k8s.aws';
export const CONDITION_READY = 'Ready';

/** The Ready condition of a node class, or undefined. */
export function readyCondition(nodeClass: EC2NodeClass): Condition | undefined {
  return nodeClass.status?.conditions?.find(c => c.type === CONDITION_READY);
}

export function isReady(nodeClass: EC2NodeClass): boolean {
  return readyCondition(nodeClass)?.status === 'True';
}
