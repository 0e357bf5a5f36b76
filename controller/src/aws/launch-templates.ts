/**
 * Launch templates: one per node class × AMI × options (capacity type, labels, taints...), named
 * `karpenter.k8s.aws/<hash of the template data and tags>` so the same inputs always reuse the same template and a
 * change creates a new one. Created if missing, tagged as the node lifecycle policy requires.
 */
import { LaunchTemplateBlockDeviceMappingRequest, RequestLaunchTemplateData, Tag, VolumeType } from '@aws-sdk/client-ec2';
import { Ec2Api } from './api';
import { ClusterInfo } from './cluster-info';
import { BlockDeviceMapping, EC2NodeClass, MetadataOptions } from './ec2-node-class';
import { awsErrorCode, isAwsNotFound } from './errors';
import { hashOf } from './hash';
import { al2023UserData } from './user-data';
import { Taint } from '../core/kube-types';
import { parseResource } from '../core/resources';

export const LAUNCH_TEMPLATE_NAME_PREFIX = 'karpenter.k8s.aws/';
const GI = 2 ** 30;

export const DEFAULT_METADATA_OPTIONS: Required<MetadataOptions> = {
  httpEndpoint: 'enabled',
  httpProtocolIPv6: 'disabled',
  httpPutResponseHopLimit: 1,
  httpTokens: 'required',
};

/** AL2023's default root volume: 20 GiB gp3, encrypted. */
export const DEFAULT_BLOCK_DEVICE_MAPPINGS: BlockDeviceMapping[] = [
  { deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '20Gi', volumeType: 'gp3', encrypted: true } },
];

export function blockDeviceMappings(bdms: readonly BlockDeviceMapping[] | undefined): LaunchTemplateBlockDeviceMappingRequest[] {
  return (bdms && bdms.length > 0 ? bdms : DEFAULT_BLOCK_DEVICE_MAPPINGS).map(b => ({
    DeviceName: b.deviceName,
    Ebs: b.ebs ? {
      DeleteOnTermination: b.ebs.deleteOnTermination,
      Encrypted: b.ebs.encrypted,
      Iops: b.ebs.iops,
      KmsKeyId: b.ebs.kmsKeyID,
      SnapshotId: b.ebs.snapshotID,
      Throughput: b.ebs.throughput,
      VolumeSize: b.ebs.volumeSize ? Math.ceil(parseResource('ephemeral-storage', b.ebs.volumeSize) / GI) : undefined,
      VolumeType: b.ebs.volumeType as VolumeType | undefined,
    } : undefined,
  }));
}

export interface LaunchTemplateOptions {
  readonly clusterName: string;
  readonly cluster: ClusterInfo;
  readonly nodeClass: EC2NodeClass;
  readonly amiId: string;
  readonly instanceProfile: string;
  readonly securityGroupIds: readonly string[];
  /** Node labels (the NodeClaim's, with capacity type, nodepool and node class). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Tags of the template itself (the policy's request tags plus the node class tags). */
  readonly tags: Readonly<Record<string, string>>;
}

export function toTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** The launch template data and its deterministic name. */
export function launchTemplateInput(o: LaunchTemplateOptions): { name: string; data: RequestLaunchTemplateData } {
  const spec = o.nodeClass.spec;
  const userData = al2023UserData({
    clusterName: o.clusterName,
    apiServerEndpoint: o.cluster.endpoint,
    caBundle: o.cluster.caBundle,
    clusterCidr: o.cluster.serviceCidr,
    clusterDns: o.cluster.clusterDns,
    kubelet: spec.kubelet,
    taints: o.taints,
    labels: o.labels,
    customUserData: spec.userData,
    instanceStorePolicy: spec.instanceStorePolicy,
  });
  const md = { ...DEFAULT_METADATA_OPTIONS, ...spec.metadataOptions };
  const data: RequestLaunchTemplateData = {
    ImageId: o.amiId,
    UserData: Buffer.from(userData, 'utf8').toString('base64'),
    IamInstanceProfile: { Name: o.instanceProfile },
    BlockDeviceMappings: blockDeviceMappings(spec.blockDeviceMappings),
    MetadataOptions: {
      HttpEndpoint: md.httpEndpoint as 'enabled' | 'disabled',
      HttpProtocolIpv6: md.httpProtocolIPv6 as 'enabled' | 'disabled',
      HttpPutResponseHopLimit: md.httpPutResponseHopLimit,
      HttpTokens: md.httpTokens as 'required' | 'optional',
    },
    Monitoring: { Enabled: spec.detailedMonitoring ?? false },
    ...(spec.associatePublicIPAddress !== undefined
      ? { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: spec.associatePublicIPAddress, Groups: [...o.securityGroupIds] }] }
      : { SecurityGroupIds: [...o.securityGroupIds] }),
  };
  const name = `${LAUNCH_TEMPLATE_NAME_PREFIX}${hashOf({ data, tags: o.tags, nodeClass: o.nodeClass.metadata.name }).slice(0, 40)}`;
  return { name, data };
}

export class LaunchTemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LaunchTemplateError';
  }
}

/** Ensures launch templates exist; remembers the ones it saw. */
export class LaunchTemplateProvider {
  private readonly known = new Set<string>();

  constructor(private readonly ec2: Ec2Api) {}

  /** Returns the template name, creating it when EC2 does not have it. */
  async ensure(o: LaunchTemplateOptions): Promise<string> {
    const { name, data } = launchTemplateInput(o);
    if (this.known.has(name)) return name;
    try {
      try {
        const found = await this.ec2.describeLaunchTemplates({ LaunchTemplateNames: [name] });
        if ((found.LaunchTemplates ?? []).length > 0) {
          this.known.add(name);
          return name;
        }
      } catch (e) {
        if (!isAwsNotFound(e)) throw e;
      }
      try {
        await this.ec2.createLaunchTemplate({
          LaunchTemplateName: name,
          LaunchTemplateData: data,
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: toTags(o.tags) }],
        });
      } catch (e) {
        if (awsErrorCode(e) !== 'InvalidLaunchTemplateName.AlreadyExistsException') throw e;
      }
      this.known.add(name);
      return name;
    } catch (cause) {
      throw new LaunchTemplateError(`creating launch template ${name} for ec2nodeclass ${o.nodeClass.metadata.name} (AMI ${o.amiId})`, { cause });
    }
  }

  /** Forgets a template (e.g. CreateFleet said it no longer exists). */
  forget(name: string): void {
    this.known.delete(name);
  }
}
