/**
 * A small in-memory AWS account behind `aws-sdk-client-mock`: the real SDK clients and the provider's adapters run,
 * the mocks answer from this state, and every call is recorded (service, command, input, region) for the IAM test.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ec2 from '@aws-sdk/client-ec2';
import * as eks from '@aws-sdk/client-eks';
import * as iam from '@aws-sdk/client-iam';
import * as pricing from '@aws-sdk/client-pricing';
import * as ssm from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsApis, ec2Api, eksApi, iamApi, pricingApi, ssmApi } from '../../../controller/src/aws/api';
import { SHARED_REFERENCE } from '../helpers/reference';

export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';
export const CLUSTER = 'demo';

export interface RecordedCall {
  readonly service: 'ec2' | 'ssm' | 'pricing' | 'eks' | 'iam';
  readonly command: string;
  readonly input: any;
  readonly region: string;
  /** Tags of the instance profile the call acts on, as they were when the call was made. */
  readonly profileTags?: Record<string, string>;
}

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, Code: name });
}

const fixture = JSON.parse(fs.readFileSync(path.join(SHARED_REFERENCE, 'describe-instance-types.fixture.json'), 'utf8'));

/** Zones of the fixture offerings are test-zone-1a/b/c. */
export const ZONES = ['test-zone-1a', 'test-zone-1b', 'test-zone-1c'];

export class FakeAws {
  readonly calls: RecordedCall[] = [];
  subnets: ec2.Subnet[] = ZONES.map((z, i) => ({
    SubnetId: `subnet-${i + 1}`,
    AvailabilityZone: z,
    AvailabilityZoneId: `tz-az${i + 1}`,
    AvailableIpAddressCount: 100 * (i + 1),
    State: 'available',
    Tags: [{ Key: 'karpenter.sh/discovery', Value: CLUSTER }, { Key: 'Name', Value: `private-${z}` }],
  }));
  securityGroups: ec2.SecurityGroup[] = [
    { GroupId: 'sg-1', GroupName: 'nodes', Tags: [{ Key: 'karpenter.sh/discovery', Value: CLUSTER }] },
    { GroupId: 'sg-2', GroupName: 'other', Tags: [{ Key: 'team', Value: 'x' }] },
  ];
  images: ec2.Image[] = [
    { ImageId: 'ami-amd64', Name: 'amazon-eks-node-al2023-x86_64-standard-1.35-v20261101', Architecture: 'x86_64', CreationDate: '2026-11-01T00:00:00Z' },
    { ImageId: 'ami-arm64', Name: 'amazon-eks-node-al2023-arm64-standard-1.35-v20261101', Architecture: 'arm64', CreationDate: '2026-11-01T00:00:00Z' },
    { ImageId: 'ami-nvidia', Name: 'amazon-eks-node-al2023-x86_64-nvidia-1.35-v20261101', Architecture: 'x86_64', CreationDate: '2026-11-01T00:00:00Z' },
    { ImageId: 'ami-custom', Name: 'my-custom-ami', Architecture: 'x86_64', CreationDate: '2026-10-01T00:00:00Z', OwnerId: '123', Tags: [{ Key: 'team', Value: 'ml' }] },
  ];
  parameters: Record<string, string> = {
    '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id': 'ami-amd64',
    '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/arm64/standard/recommended/image_id': 'ami-arm64',
    '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/nvidia/recommended/image_id': 'ami-nvidia',
    '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20261001/image_id': 'ami-custom',
  };
  instanceTypes: ec2.InstanceTypeInfo[] = fixture.DescribeInstanceTypesOutput.InstanceTypes;
  offerings: ec2.InstanceTypeOffering[] = fixture.DescribeInstanceTypeOfferingsOutput.InstanceTypeOfferings;
  onDemandPrices: Record<string, number> = { 'm5.large': 0.096, 'm5.xlarge': 0.192, 'c6g.large': 0.068, 't3.large': 0.0832, 't4g.small': 0.0168, 'p5.48xlarge': 55.04 };
  spotPrices: Array<{ type: string; zone: string; price: number }> = [
    { type: 'm5.large', zone: 'test-zone-1a', price: 0.04 }, { type: 'm5.large', zone: 'test-zone-1b', price: 0.035 },
  ];
  instanceProfiles = new Map<string, iam.InstanceProfile>();
  launchTemplates = new Map<string, { id: string; tags: Record<string, string>; data: ec2.RequestLaunchTemplateData }>();
  instances = new Map<string, ec2.Instance>();
  /** CreateFleet errors to return (per call); when it returns errors for every override, nothing launches. */
  fleetErrorCodes: Array<{ code: string; type?: string; zone?: string }> | undefined;
  pricingFails = false;
  private counter = 0;

  readonly ec2Mock = mockClient(ec2.EC2Client);
  readonly ssmMock = mockClient(ssm.SSMClient);
  readonly pricingMock = mockClient(pricing.PricingClient);
  readonly eksMock = mockClient(eks.EKSClient);
  readonly iamMock = mockClient(iam.IAMClient);

  constructor() {
    const rec = (service: RecordedCall['service'], command: string, input: any) => {
      const profile = input?.InstanceProfileName ? this.instanceProfiles.get(input.InstanceProfileName) : undefined;
      this.calls.push({ service, command, input, region: REGION, ...(profile ? { profileTags: tagsOf(profile.Tags) } : {}) });
    };
    const on = <I, O>(m: any, service: RecordedCall['service'], cmd: any, fn: (input: I) => O | Promise<O>) =>
      m.on(cmd).callsFake(async (input: I) => {
        rec(service, cmd.name.replace(/Command$/, ''), input);
        return fn(input);
      });
    on(this.ec2Mock, 'ec2', ec2.DescribeSubnetsCommand, (i: ec2.DescribeSubnetsCommandInput) => ({ Subnets: this.subnets.filter(s => matches(s.SubnetId, s.Tags, i.Filters, { 'subnet-id': s.SubnetId })) }));
    on(this.ec2Mock, 'ec2', ec2.DescribeSecurityGroupsCommand, (i: ec2.DescribeSecurityGroupsCommandInput) => ({
      SecurityGroups: this.securityGroups.filter(g => matches(g.GroupId, g.Tags, i.Filters, { 'group-id': g.GroupId, 'group-name': g.GroupName })),
    }));
    on(this.ec2Mock, 'ec2', ec2.DescribeImagesCommand, (i: ec2.DescribeImagesCommandInput) => ({
      Images: this.images.filter(im => (!i.ImageIds || i.ImageIds.includes(im.ImageId!)) && (!i.Owners || i.Owners.includes(im.OwnerId!)) &&
        matches(im.ImageId, im.Tags, i.Filters, { name: im.Name })),
    }));
    on(this.ec2Mock, 'ec2', ec2.DescribeInstanceTypesCommand, () => ({ InstanceTypes: this.instanceTypes }));
    on(this.ec2Mock, 'ec2', ec2.DescribeInstanceTypeOfferingsCommand, () => ({ InstanceTypeOfferings: this.offerings }));
    on(this.ec2Mock, 'ec2', ec2.DescribeSpotPriceHistoryCommand, () => ({
      SpotPriceHistory: this.spotPrices.map(p => ({ InstanceType: p.type as ec2._InstanceType, AvailabilityZone: p.zone, SpotPrice: String(p.price), Timestamp: new Date('2026-01-01T00:00:00Z') })),
    }));
    on(this.ec2Mock, 'ec2', ec2.DescribeLaunchTemplatesCommand, (i: ec2.DescribeLaunchTemplatesCommandInput) => {
      const found = (i.LaunchTemplateNames ?? []).filter(n => this.launchTemplates.has(n));
      if (found.length === 0) throw awsError('InvalidLaunchTemplateName.NotFoundException');
      return { LaunchTemplates: found.map(n => ({ LaunchTemplateName: n, LaunchTemplateId: this.launchTemplates.get(n)!.id })) };
    });
    on(this.ec2Mock, 'ec2', ec2.CreateLaunchTemplateCommand, (i: ec2.CreateLaunchTemplateCommandInput) => {
      const id = `lt-${++this.counter}`;
      this.launchTemplates.set(i.LaunchTemplateName!, { id, tags: tagsOf(i.TagSpecifications?.[0]?.Tags), data: i.LaunchTemplateData! });
      return { LaunchTemplate: { LaunchTemplateId: id, LaunchTemplateName: i.LaunchTemplateName } };
    });
    on(this.ec2Mock, 'ec2', ec2.DeleteLaunchTemplateCommand, () => ({}));
    on(this.ec2Mock, 'ec2', ec2.CreateFleetCommand, (i: ec2.CreateFleetCommandInput) => this.createFleet(i));
    on(this.ec2Mock, 'ec2', ec2.DescribeInstancesCommand, (i: ec2.DescribeInstancesCommandInput) => {
      const all = [...this.instances.values()].filter(x => !i.InstanceIds || i.InstanceIds.includes(x.InstanceId!));
      if (i.InstanceIds && all.length === 0) throw awsError('InvalidInstanceID.NotFound');
      return { Reservations: [{ Instances: all.filter(x => matches(x.InstanceId, x.Tags, i.Filters, { 'instance-state-name': x.State?.Name })) }] };
    });
    on(this.ec2Mock, 'ec2', ec2.TerminateInstancesCommand, (i: ec2.TerminateInstancesCommandInput) => {
      for (const id of i.InstanceIds ?? []) {
        const x = this.instances.get(id);
        if (!x) throw awsError('InvalidInstanceID.NotFound');
        x.State = { Name: 'shutting-down' };
      }
      return { TerminatingInstances: [] };
    });
    on(this.ssmMock, 'ssm', ssm.GetParameterCommand, (i: ssm.GetParameterCommandInput) => {
      const v = this.parameters[i.Name!];
      if (!v) throw awsError('ParameterNotFound');
      return { Parameter: { Name: i.Name, Value: v } };
    });
    on(this.pricingMock, 'pricing', pricing.GetProductsCommand, () => {
      if (this.pricingFails) throw awsError('ThrottlingException');
      return {
        PriceList: Object.entries(this.onDemandPrices).map(([t, p]) => JSON.stringify({
          product: { attributes: { instanceType: t } },
          terms: { OnDemand: { X: { priceDimensions: { Y: { pricePerUnit: { USD: String(p) } } } } } },
        })),
      };
    });
    on(this.eksMock, 'eks', eks.DescribeClusterCommand, (i: eks.DescribeClusterCommandInput) => ({
      cluster: {
        name: i.name,
        endpoint: 'https://test-cluster',
        version: '1.35',
        status: 'ACTIVE',
        certificateAuthority: { data: Buffer.from('ca-bundle\n').toString('base64') },
        kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
      },
    }));
    on(this.iamMock, 'iam', iam.GetInstanceProfileCommand, (i: iam.GetInstanceProfileCommandInput) => {
      const p = this.instanceProfiles.get(i.InstanceProfileName!);
      if (!p) throw awsError('NoSuchEntityException');
      return { InstanceProfile: p };
    });
    on(this.iamMock, 'iam', iam.CreateInstanceProfileCommand, (i: iam.CreateInstanceProfileCommandInput) => {
      const p: iam.InstanceProfile = {
        InstanceProfileName: i.InstanceProfileName,
        InstanceProfileId: 'AIPA1',
        Path: '/',
        Roles: [],
        Tags: i.Tags,
        Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${i.InstanceProfileName}`,
        CreateDate: new Date(0),
      };
      this.instanceProfiles.set(i.InstanceProfileName!, p);
      return { InstanceProfile: p };
    });
    on(this.iamMock, 'iam', iam.TagInstanceProfileCommand, (i: iam.TagInstanceProfileCommandInput) => {
      const p = this.instanceProfiles.get(i.InstanceProfileName!)!;
      p.Tags = [...(p.Tags ?? []).filter(t => !i.Tags!.some(n => n.Key === t.Key)), ...i.Tags!];
      return {};
    });
    on(this.iamMock, 'iam', iam.AddRoleToInstanceProfileCommand, (i: iam.AddRoleToInstanceProfileCommandInput) => {
      this.instanceProfiles.get(i.InstanceProfileName!)!.Roles = [{ RoleName: i.RoleName } as iam.Role];
      return {};
    });
    on(this.iamMock, 'iam', iam.RemoveRoleFromInstanceProfileCommand, (i: iam.RemoveRoleFromInstanceProfileCommandInput) => {
      const p = this.instanceProfiles.get(i.InstanceProfileName!)!;
      p.Roles = (p.Roles ?? []).filter(r => r.RoleName !== i.RoleName);
      return {};
    });
  }

  /** The provider's APIs: the real adapters over SDK clients whose transport is mocked. */
  apis(): AwsApis {
    const region = REGION;
    const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
    return {
      ec2: ec2Api(new ec2.EC2Client({ region, credentials })),
      ssm: ssmApi(new ssm.SSMClient({ region, credentials })),
      pricing: pricingApi(new pricing.PricingClient({ region, credentials })),
      eks: eksApi(new eks.EKSClient({ region, credentials })),
      iam: iamApi(new iam.IAMClient({ region, credentials })),
    };
  }

  restore(): void {
    for (const m of [this.ec2Mock, this.ssmMock, this.pricingMock, this.eksMock, this.iamMock]) m.restore();
  }

  callsOf(command: string): any[] {
    return this.calls.filter(c => c.command === command).map(c => c.input);
  }

  private createFleet(i: ec2.CreateFleetCommandInput): ec2.CreateFleetCommandOutput {
    const overrides = (i.LaunchTemplateConfigs ?? []).flatMap(c => (c.Overrides ?? []).map(o => ({ c, o })));
    const errors: ec2.CreateFleetError[] = [];
    const failing = (type?: string, zone?: string) => (this.fleetErrorCodes ?? [])
      .find(e => (!e.type || e.type === type) && (!e.zone || e.zone === zone));
    for (const { c, o } of overrides) {
      const f = failing(o.InstanceType, o.AvailabilityZone);
      if (f) {
        errors.push({
          ErrorCode: f.code,
          ErrorMessage: 'no capacity',
          Lifecycle: 'on-demand',
          LaunchTemplateAndOverrides: {
            LaunchTemplateSpecification: { LaunchTemplateName: c.LaunchTemplateSpecification?.LaunchTemplateName },
            Overrides: { InstanceType: o.InstanceType, AvailabilityZone: o.AvailabilityZone, SubnetId: o.SubnetId },
          },
        });
      }
    }
    const ok = overrides.find(({ o }) => !failing(o.InstanceType, o.AvailabilityZone));
    if (!ok) return { $metadata: {}, Errors: errors, Instances: [] };
    const id = `i-${String(++this.counter).padStart(8, '0')}`;
    const spot = i.TargetCapacitySpecification?.DefaultTargetCapacityType === 'spot';
    this.instances.set(id, {
      InstanceId: id,
      InstanceType: ok.o.InstanceType,
      Placement: { AvailabilityZone: ok.o.AvailabilityZone },
      State: { Name: 'running' },
      ImageId: this.launchTemplates.get(ok.c.LaunchTemplateSpecification!.LaunchTemplateName!)?.data.ImageId,
      SubnetId: ok.o.SubnetId,
      SecurityGroups: (this.launchTemplates.get(ok.c.LaunchTemplateSpecification!.LaunchTemplateName!)?.data.SecurityGroupIds ?? [])
        .map(GroupId => ({ GroupId, GroupName: this.securityGroups.find(g => g.GroupId === GroupId)?.GroupName })),
      InstanceLifecycle: spot ? 'spot' : undefined,
      Tags: i.TagSpecifications?.find(t => t.ResourceType === 'instance')?.Tags,
      LaunchTime: new Date('2026-01-01T00:00:00Z'),
    });
    return {
      $metadata: {},
      FleetId: 'fleet-1',
      Errors: errors,
      Instances: [{ InstanceIds: [id], InstanceType: ok.o.InstanceType, Lifecycle: spot ? 'spot' : 'on-demand', LaunchTemplateAndOverrides: { LaunchTemplateSpecification: ok.c.LaunchTemplateSpecification, Overrides: ok.o } }],
    };
  }
}

function tagsOf(tags: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map(t => [t.Key!, t.Value ?? '']));
}

/** EC2 filter semantics: every filter must match; `tag:<k>` and `tag-key`; values may use `*`. */
function matches(
  _id: string | undefined, tags: ec2.Tag[] | undefined, filters: ec2.Filter[] | undefined, fields: Record<string, string | undefined>,
): boolean {
  const t = tagsOf(tags);
  const like = (pattern: string, v: string | undefined) => v !== undefined && new RegExp(`^${pattern.split('*').map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(v);
  return (filters ?? []).every(f => {
    const values = f.Values ?? [];
    if (f.Name === 'tag-key') return values.some(v => Object.keys(t).some(k => like(v, k)));
    if (f.Name?.startsWith('tag:')) return values.some(v => like(v, t[f.Name!.slice(4)]));
    if (f.Name! in fields) return values.some(v => like(v, fields[f.Name!]));
    return true;
  });
}
