import { CLUSTER, FakeAws, REGION, ZONES } from './fake-aws';
import { AwsCloudProvider, parseProviderID } from '../../../controller/src/aws/cloud-provider';
import { clusterDnsIp } from '../../../controller/src/aws/cluster-info';
import { EC2NodeClass } from '../../../controller/src/aws/ec2-node-class';
import { ec2ToInfo } from '../../../controller/src/aws/instance-type-provider';
import { instanceTypeLabels } from '../../../controller/src/aws/instance-types';
import { isInsufficientCapacityError, isNodeClaimNotFoundError, isNodeClassNotReadyError } from '../../../controller/src/cloudprovider/errors';
import { FakeClock } from '../../../controller/src/core/clock';
import { NodeClaim, NodePool } from '../../../controller/src/core/kube-types';
import { catalogJson } from '../helpers/reference';

let aws: FakeAws;
let clock: FakeClock;
let nodeClasses: Map<string, EC2NodeClass>;
let provider: AwsCloudProvider;
const errors: Error[] = [];

beforeEach(async () => {
  aws = new FakeAws();
  clock = new FakeClock('2026-11-21T00:00:00Z');
  nodeClasses = new Map();
  provider = new AwsCloudProvider({
    apis: aws.apis(), clusterName: CLUSTER, region: REGION, clock, getNodeClass: (n) => nodeClasses.get(n), onError: (e) => errors.push(e),
  });
  const nc: EC2NodeClass = {
    metadata: { name: 'default' },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      role: 'KarpenterNodeRole-demo',
      tags: { team: 'platform' },
    },
  };
  nc.status = await provider.nodeClassReconciler.reconcile(nc);
  nodeClasses.set('default', nc);
  aws.calls.length = 0;
});
afterEach(() => aws.restore());

const nodePool: NodePool = {
  metadata: { name: 'default-pool' },
  spec: { template: { metadata: { labels: { 'testing/cluster': 'unspecified' } }, spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } } } },
};

function nodeClaim(requirements: NodeClaim['spec']['requirements'], requests: Record<string, string> = { cpu: '1' }): NodeClaim {
  return {
    metadata: { name: 'default-pool-x7k2p', labels: { 'karpenter.sh/nodepool': 'default-pool', 'testing/cluster': 'unspecified' } },
    spec: {
      requirements,
      resources: { requests },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    },
  };
}

test('name, providerID parsing, cluster DNS', () => {
  expect(provider.name()).toBe('aws');
  expect(parseProviderID('aws:///us-west-2a/i-0abc')).toEqual({ zone: 'us-west-2a', instanceId: 'i-0abc' });
  expect(() => parseProviderID('kind://x')).toThrow('invalid AWS providerID');
  expect(clusterDnsIp('10.100.0.0/16')).toBe('10.100.0.10');
  expect(clusterDnsIp('172.20.0.0/16')).toBe('172.20.0.10');
  expect(clusterDnsIp('fd00:1234::/108')).toBe('fd00:1234::a');
});

test('EC2 facts give the labels of the docs for every fixture type (network bandwidth and pod-eni aside)', () => {
  const records = new Map(catalogJson().instanceTypes.map((r: any) => [r.name, r]));
  const mismatches: string[] = [];
  for (const it of aws.instanceTypes) {
    const labels = instanceTypeLabels(ec2ToInfo(it)!);
    const expected = (records.get(it.InstanceType) as any).labels as Record<string, string>;
    for (const [k, v] of Object.entries(expected)) {
      if (k === 'node.kubernetes.io/instance-type' || k === 'karpenter.k8s.aws/instance-network-bandwidth') continue;
      if (labels[k] !== v) mismatches.push(`${it.InstanceType} ${k}: ${labels[k]} != ${v}`);
    }
  }
  expect(mismatches).toEqual([]);
});

test('getInstanceTypes: zones of the node class subnets, prices from the Pricing API and spot history', async () => {
  const types = await provider.getInstanceTypes(nodePool);
  const m5 = types.find(t => t.name === 'm5.large')!;
  expect(m5.offerings.filter(o => o.capacityType === 'on-demand').map(o => o.price)).toEqual(expect.arrayContaining([0.096]));
  expect(m5.offerings.find(o => o.capacityType === 'spot' && o.zone === 'test-zone-1b')!.price).toBe(0.035);
  expect(new Set(types.flatMap(t => t.offerings.map(o => o.zone)))).toEqual(new Set(['test-zone-1a', 'test-zone-1b', 'test-zone-1c']));
  // inf2/trn1 (Neuron) have no Neuron AMI in this account: not offered; p5 (NVIDIA) boots the NVIDIA AMI
  expect(types.map(t => t.name)).not.toContain('inf2.xlarge');
  expect(types.map(t => t.name)).toContain('p5.48xlarge');
  expect(types.map(t => t.name)).toContain('c6g.large');
  // a type the Pricing API does not list is not offered once real prices are known
  expect(types.map(t => t.name)).not.toContain('m5.metal');
});

test('prices: refresh on the clock, keep the last good prices when the Pricing API fails', async () => {
  await provider.getInstanceTypes(nodePool);
  expect(aws.callsOf('GetProducts')).toHaveLength(1);
  await provider.getInstanceTypes(nodePool);
  expect(aws.callsOf('GetProducts')).toHaveLength(1);
  aws.pricingFails = true;
  aws.onDemandPrices['m5.large'] = 1;
  clock.step(12 * 3600 * 1000);
  const types = await provider.getInstanceTypes(nodePool);
  expect(aws.callsOf('GetProducts')).toHaveLength(2);
  expect(types.find(t => t.name === 'm5.large')!.offerings.find(o => o.capacityType === 'on-demand')!.price).toBe(0.096);
  expect(errors.map(e => e.message)).toContain('refreshing on-demand prices');
});

test('prices: with no Pricing API answer ever, the documented heuristic prices every type', async () => {
  aws.pricingFails = true;
  const types = await provider.getInstanceTypes(nodePool);
  expect(types.find(t => t.name === 'm5.metal')).toBeDefined();
  expect(types.find(t => t.name === 'm5.large')!.offerings.find(o => o.capacityType === 'on-demand')!.price).toBeCloseTo(0.05 * 2 + 0.005 * 8);
});

test('a node class that is not ready fails with NodeClassNotReadyError', async () => {
  nodeClasses.get('default')!.status!.conditions = [{ type: 'Ready', status: 'False', reason: 'SubnetsNotFound', message: 'no subnet matches' }];
  const e = await provider.getInstanceTypes(nodePool).catch(x => x);
  expect(isNodeClassNotReadyError(e)).toBe(true);
  expect(e.message).toBe('EC2NodeClass default is not ready: SubnetsNotFound: no subnet matches');
});

describe('create', () => {
  test('on-demand: a launch template, then CreateFleet instant lowest-price with overrides over types × zones and the required tags', async () => {
    const launched = await provider.create(nodeClaim([
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ]));
    const [lt] = aws.callsOf('CreateLaunchTemplate');
    expect(lt.LaunchTemplateName).toMatch(/^karpenter\.k8s\.aws\/[0-9a-f]{40}$/);
    expect(lt.LaunchTemplateData).toMatchObject({
      ImageId: 'ami-amd64',
      IamInstanceProfile: { Name: nodeClasses.get('default')!.status!.instanceProfile },
      SecurityGroupIds: ['sg-1'],
      MetadataOptions: { HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled', HttpPutResponseHopLimit: 1, HttpTokens: 'required' },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Encrypted: true } }],
    });
    const userData = Buffer.from(lt.LaunchTemplateData.UserData, 'base64').toString();
    expect(userData).toContain('--node-labels="karpenter.k8s.aws/ec2nodeclass=default,karpenter.sh/capacity-type=on-demand,karpenter.sh/do-not-sync-taints=true,karpenter.sh/nodepool=default-pool,testing/cluster=unspecified"');
    expect(userData).toContain('    apiServerEndpoint: https://test-cluster\n    certificateAuthority: Y2EtYnVuZGxlCg==\n    cidr: 10.100.0.0/16\n');
    expect(userData).toContain('      clusterDNS:\n      - 10.100.0.10\n');
    expect(lt.TagSpecifications).toEqual([{
      ResourceType: 'launch-template',
      Tags: expect.arrayContaining([
        { Key: 'kubernetes.io/cluster/demo', Value: 'owned' }, { Key: 'eks:eks-cluster-name', Value: 'demo' },
        { Key: 'karpenter.sh/nodepool', Value: 'default-pool' }, { Key: 'karpenter.k8s.aws/ec2nodeclass', Value: 'default' },
      ]),
    }]);

    const [fleet] = aws.callsOf('CreateFleet');
    expect(fleet.Type).toBe('instant');
    expect(fleet.OnDemandOptions).toEqual({ AllocationStrategy: 'lowest-price' });
    expect(fleet.SpotOptions).toBeUndefined();
    expect(fleet.TargetCapacitySpecification).toEqual({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' });
    expect(fleet.LaunchTemplateConfigs).toHaveLength(1);
    expect(fleet.LaunchTemplateConfigs[0].LaunchTemplateSpecification).toEqual({ LaunchTemplateName: lt.LaunchTemplateName, Version: '$Latest' });
    const overrides = fleet.LaunchTemplateConfigs[0].Overrides.map((o: any) => `${o.InstanceType} ${o.AvailabilityZone} ${o.SubnetId}`).sort();
    const expectedZones = (t: string) => aws.offerings.filter(o => o.InstanceType === t && ZONES.includes(o.Location!)).map(o => o.Location!);
    expect(overrides).toEqual([
      ...expectedZones('m5.large').map(z => `m5.large ${z} subnet-${z.slice(-1) === 'a' ? 1 : z.slice(-1) === 'b' ? 2 : 3}`),
      ...expectedZones('m5.xlarge').map(z => `m5.xlarge ${z} subnet-${z.slice(-1) === 'a' ? 1 : z.slice(-1) === 'b' ? 2 : 3}`),
    ].sort());
    const tags = Object.fromEntries(fleet.TagSpecifications[0].Tags.map((t: any) => [t.Key, t.Value]));
    expect(tags).toEqual({
      'team': 'platform',
      'kubernetes.io/cluster/demo': 'owned',
      'eks:eks-cluster-name': 'demo',
      'karpenter.sh/nodepool': 'default-pool',
      'karpenter.sh/nodeclaim': 'default-pool-x7k2p',
      'karpenter.k8s.aws/ec2nodeclass': 'default',
    });
    expect(fleet.TagSpecifications.map((t: any) => t.ResourceType)).toEqual(['instance', 'volume', 'fleet']);

    expect(launched.status!.providerID).toMatch(/^aws:\/\/\/test-zone-1[abc]\/i-[0-9]+$/);
    expect(launched.status!.imageID).toBe('ami-amd64');
    expect(launched.metadata.labels).toMatchObject({ 'karpenter.sh/capacity-type': 'on-demand', 'node.kubernetes.io/instance-type': 'm5.large', 'karpenter.k8s.aws/instance-family': 'm5' });
    expect(launched.status!.allocatable).toMatchObject({ cpu: '1930m', pods: '29' });

    // the same launch reuses the template
    await provider.create(nodeClaim([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }, { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }]));
    expect(aws.callsOf('CreateLaunchTemplate')).toHaveLength(1);
  });

  test('spot when allowed: price-capacity-optimized', async () => {
    const launched = await provider.create(nodeClaim([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }]));
    const [fleet] = aws.callsOf('CreateFleet');
    expect(fleet.SpotOptions).toEqual({ AllocationStrategy: 'price-capacity-optimized' });
    expect(fleet.TargetCapacitySpecification.DefaultTargetCapacityType).toBe('spot');
    expect(launched.metadata.labels!['karpenter.sh/capacity-type']).toBe('spot');
  });

  test('arm64 and GPU types boot their own AMIs: one launch template per AMI', async () => {
    await provider.create(nodeClaim([
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'c6g.large', 'p5.48xlarge'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ]));
    expect(aws.callsOf('CreateLaunchTemplate').map(i => i.LaunchTemplateData.ImageId).sort()).toEqual(['ami-amd64', 'ami-arm64', 'ami-nvidia']);
    expect(aws.callsOf('CreateFleet')[0].LaunchTemplateConfigs).toHaveLength(3);
  });

  test('insufficient capacity marks the offerings unavailable for 3 minutes; nothing launched is an InsufficientCapacityError', async () => {
    const reqs = [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ];
    aws.fleetErrorCodes = [{ code: 'InsufficientInstanceCapacity' }];
    const e = await provider.create(nodeClaim(reqs)).catch(x => x);
    expect(isInsufficientCapacityError(e)).toBe(true);
    expect(e.message).toBe('launching nodeclaim default-pool-x7k2p');
    const zones = aws.offerings.filter(o => o.InstanceType === 'm5.large' && ZONES.includes(o.Location!)).map(o => o.Location!);
    expect(provider.unavailableOfferings.list()).toEqual(zones.map(z => `on-demand:m5.large:${z}`).sort());
    const offered = async () => (await provider.getInstanceTypes(nodePool)).find(t => t.name === 'm5.large')!.offerings
      .filter(o => o.capacityType === 'on-demand' && o.available).length;
    expect(await offered()).toBe(0);
    // while unavailable, the next launch fails before calling EC2
    aws.fleetErrorCodes = undefined;
    expect(isInsufficientCapacityError(await provider.create(nodeClaim(reqs)).catch(x => x))).toBe(true);
    expect(aws.callsOf('CreateFleet')).toHaveLength(1);
    clock.step(3 * 60 * 1000 - 1);
    expect(await offered()).toBe(0);
    clock.step(1);
    expect(await offered()).toBe(zones.length);
    await expect(provider.create(nodeClaim(reqs))).resolves.toBeDefined();
  });

  test('a partial ICE still launches, and only the failing offering is marked', async () => {
    aws.fleetErrorCodes = [{ code: 'InsufficientInstanceCapacity', type: 'm5.large', zone: 'test-zone-1a' }];
    await provider.create(nodeClaim([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }, { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }]));
    expect(provider.unavailableOfferings.list()).toEqual(['on-demand:m5.large:test-zone-1a']);
  });

  test('requests that fit no type fail without calling EC2', async () => {
    const e = await provider.create(nodeClaim([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }], { cpu: '64' })).catch(x => x);
    expect(isInsufficientCapacityError(e)).toBe(true);
    expect(aws.callsOf('CreateFleet')).toHaveLength(0);
  });
});

describe('get, list, delete', () => {
  test('a launched instance is listed and got by providerID, deleted once, then not found', async () => {
    const launched = await provider.create(nodeClaim([{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }]));
    const id = launched.status!.providerID!;
    const got = await provider.get(id);
    expect(got.metadata.name).toBe('default-pool-x7k2p');
    expect(got.metadata.labels).toMatchObject({ 'karpenter.sh/nodepool': 'default-pool', 'karpenter.sh/capacity-type': 'spot', 'node.kubernetes.io/instance-type': 'm5.large' });
    expect((await provider.list()).map(n => n.status!.providerID)).toEqual([id]);
    expect(aws.callsOf('DescribeInstances').at(-1).Filters).toContainEqual({ Name: 'tag:kubernetes.io/cluster/demo', Values: ['owned'] });
    await provider.delete(launched);
    expect(aws.callsOf('TerminateInstances')).toEqual([{ InstanceIds: [parseProviderID(id).instanceId] }]);
    expect(isNodeClaimNotFoundError(await provider.get(id).catch(x => x))).toBe(true);
    aws.instances.get(parseProviderID(id).instanceId)!.State = { Name: 'terminated' };
    expect(isNodeClaimNotFoundError(await provider.delete(launched).catch(x => x))).toBe(true);
  });

  test('an unknown instance is NodeClaimNotFoundError', async () => {
    const nc = nodeClaim([]);
    nc.status = { providerID: 'aws:///test-zone-1a/i-99999999' };
    expect(isNodeClaimNotFoundError(await provider.delete(nc).catch(x => x))).toBe(true);
    expect(isNodeClaimNotFoundError(await provider.get('aws:///test-zone-1a/i-99999999').catch(x => x))).toBe(true);
  });

  test('isDrifted adds nothing to the core comparisons (AMI, subnet and groups come from the recorded instance facts)', async () => {
    await expect(provider.isDrifted(nodeClaim([]))).resolves.toBeUndefined();
  });
});
