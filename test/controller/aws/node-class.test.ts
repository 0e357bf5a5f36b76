import { CLUSTER, FakeAws, REGION } from './fake-aws';
import { al2023AliasQueries } from '../../../controller/src/aws/amis';
import { EC2NodeClass } from '../../../controller/src/aws/ec2-node-class';
import { instanceProfileName } from '../../../controller/src/aws/instance-profiles';
import { reconcileNodeClass } from '../../../controller/src/aws/node-class-reconciler';
import { FakeClock } from '../../../controller/src/core/clock';

let aws: FakeAws;
beforeEach(() => { aws = new FakeAws(); });
afterEach(() => aws.restore());

function nodeClass(spec: Partial<EC2NodeClass['spec']> = {}): EC2NodeClass {
  return {
    metadata: { name: 'default', generation: 3 },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      role: 'KarpenterNodeRole-demo',
      ...spec,
    },
  };
}

const reconcile = (nc: EC2NodeClass, clock = new FakeClock('2026-11-21T00:00:00Z')) => {
  const apis = aws.apis();
  return reconcileNodeClass(nc, {
    ec2: apis.ec2, ssm: apis.ssm, iam: apis.iam, clusterName: CLUSTER, region: REGION, clock, kubernetesVersion: async () => '1.35',
  });
};

const ready = (status: Awaited<ReturnType<typeof reconcile>>) => status.conditions!.find(c => c.type === 'Ready')!;

test('a node class that resolves is Ready with subnets, security groups, AMIs and an instance profile', async () => {
  const status = await reconcile(nodeClass());
  expect(ready(status)).toMatchObject({ status: 'True', reason: 'Ready', observedGeneration: 3, lastTransitionTime: '2026-11-21T00:00:00.000Z' });
  expect(status.subnets).toEqual([
    { id: 'subnet-3', zone: 'test-zone-1c', zoneID: 'tz-az3' },
    { id: 'subnet-2', zone: 'test-zone-1b', zoneID: 'tz-az2' },
    { id: 'subnet-1', zone: 'test-zone-1a', zoneID: 'tz-az1' },
  ]);
  expect(status.securityGroups).toEqual([{ id: 'sg-1', name: 'nodes' }]);
  expect(status.amis!.map(a => a.id).sort()).toEqual(['ami-amd64', 'ami-arm64', 'ami-nvidia']);
  expect(status.amis!.find(a => a.id === 'ami-arm64')!.requirements).toContainEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] });
  expect(status.amis!.find(a => a.id === 'ami-nvidia')!.requirements).toContainEqual({ key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] });
  expect(status.instanceProfile).toBe(instanceProfileName(CLUSTER, REGION, 'default'));
});

test('no subnet matches: not Ready, with a reason a person can act on', async () => {
  const status = await reconcile(nodeClass({ subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'other' } }] }));
  expect(ready(status)).toMatchObject({
    status: 'False',
    reason: 'SubnetsNotFound',
    message: 'no subnet matches subnetSelectorTerms [{"tags":{"karpenter.sh/discovery":"other"}}]: tag the subnets or fix the terms',
  });
  expect(status.conditions!.find(c => c.type === 'SubnetsReady')!.status).toBe('False');
  expect(status.conditions!.find(c => c.type === 'SecurityGroupsReady')!.status).toBe('True');
});

test.each([
  ['a wildcard tag value', [{ tags: { Name: 'private-*' } }], ['subnet-3', 'subnet-2', 'subnet-1']],
  ['a * value (any value of the key)', [{ tags: { 'karpenter.sh/discovery': '*' } }], ['subnet-3', 'subnet-2', 'subnet-1']],
  ['an id', [{ id: 'subnet-2' }], ['subnet-2']],
  ['terms ORed, tags ANDed', [{ id: 'subnet-1' }, { tags: { 'Name': 'private-test-zone-1b', 'karpenter.sh/discovery': CLUSTER } }], ['subnet-2', 'subnet-1']],
  ['tags that match nothing together', [{ tags: { 'Name': 'private-test-zone-1b', 'karpenter.sh/discovery': 'x' } }], []],
])('subnet selector with %s', async (_, terms, ids) => {
  const status = await reconcile(nodeClass({ subnetSelectorTerms: terms }));
  expect(status.subnets!.map(s => s.id)).toEqual(ids);
});

test('security groups by name and id', async () => {
  const status = await reconcile(nodeClass({ securityGroupSelectorTerms: [{ name: 'other' }, { id: 'sg-1' }] }));
  expect(status.securityGroups!.map(g => g.id)).toEqual(['sg-1', 'sg-2']);
  const none = await reconcile(nodeClass({ securityGroupSelectorTerms: [{ tags: { team: 'y' } }] }));
  expect(ready(none)).toMatchObject({ status: 'False', reason: 'SecurityGroupsNotFound' });
});

test('AMI alias resolution reads the SSM public parameters of the cluster version', async () => {
  await reconcile(nodeClass());
  const names = aws.callsOf('GetParameter').map(i => i.Name);
  expect(names).toEqual(al2023AliasQueries('1.35', 'latest').map(q => q.parameter));
  expect(names).toContain('/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id');
  expect(names).toContain('/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/arm64/standard/recommended/image_id');
});

test('a pinned alias reads the versioned parameter', async () => {
  const status = await reconcile(nodeClass({ amiSelectorTerms: [{ alias: 'al2023@v20261001' }] }));
  expect(aws.callsOf('GetParameter').map(i => i.Name)).toContain(
    '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20261001/image_id');
  expect(status.amis!.map(a => a.id)).toEqual(['ami-custom']);
});

test('AMIs by id, by name and owner, by tags; an unknown AMI is not Ready', async () => {
  expect((await reconcile(nodeClass({ amiSelectorTerms: [{ id: 'ami-custom' }] }))).amis!.map(a => a.id)).toEqual(['ami-custom']);
  expect((await reconcile(nodeClass({ amiSelectorTerms: [{ name: 'my-*', owner: '123' }] }))).amis!.map(a => a.id)).toEqual(['ami-custom']);
  expect((await reconcile(nodeClass({ amiSelectorTerms: [{ tags: { team: 'ml' } }] }))).amis!.map(a => a.id)).toEqual(['ami-custom']);
  const none = await reconcile(nodeClass({ amiSelectorTerms: [{ name: 'nope' }] }));
  expect(ready(none)).toMatchObject({ status: 'False', reason: 'AMINotFound', message: 'no AMI matches amiSelectorTerms [{"name":"nope"}]' });
});

test('an unsupported alias family says what to do', async () => {
  const status = await reconcile(nodeClass({ amiSelectorTerms: [{ alias: 'bottlerocket@latest' }] }));
  expect(ready(status)).toMatchObject({ status: 'False', reason: 'AMIFamilyNotSupported' });
  expect(ready(status).message).toContain('only al2023@<version>');
});

test('the instance profile is created with the tags the controller policy requires, then holds the role', async () => {
  const status = await reconcile(nodeClass({ role: 'arn:aws:iam::111122223333:role/KarpenterNodeRole-demo' }));
  const name = status.instanceProfile!;
  expect(name).toMatch(/^demo_[0-9]+$/);
  expect(aws.callsOf('CreateInstanceProfile')).toEqual([{
    InstanceProfileName: name,
    Tags: [
      { Key: 'kubernetes.io/cluster/demo', Value: 'owned' },
      { Key: 'eks:eks-cluster-name', Value: 'demo' },
      { Key: 'topology.kubernetes.io/region', Value: REGION },
      { Key: 'karpenter.k8s.aws/ec2nodeclass', Value: 'default' },
    ],
  }]);
  expect(aws.callsOf('AddRoleToInstanceProfile')).toEqual([{ InstanceProfileName: name, RoleName: 'KarpenterNodeRole-demo' }]);
  // a second reconcile changes nothing; a new role replaces the old one
  await reconcile(nodeClass());
  expect(aws.callsOf('CreateInstanceProfile')).toHaveLength(1);
  expect(aws.callsOf('AddRoleToInstanceProfile')).toHaveLength(1);
  await reconcile(nodeClass({ role: 'other-role' }));
  expect(aws.callsOf('RemoveRoleFromInstanceProfile')).toEqual([{ InstanceProfileName: name, RoleName: 'KarpenterNodeRole-demo' }]);
  expect(aws.instanceProfiles.get(name)!.Roles!.map(r => r.RoleName)).toEqual(['other-role']);
});

test('the instance profile name is stable and distinct per cluster, region and node class', () => {
  expect(instanceProfileName('demo', 'us-east-1', 'default')).toBe(instanceProfileName('demo', 'us-east-1', 'default'));
  expect(new Set([
    instanceProfileName('demo', 'us-east-1', 'default'), instanceProfileName('demo', 'us-west-2', 'default'),
    instanceProfileName('demo', 'us-east-1', 'gpu'), instanceProfileName('prod', 'us-east-1', 'default'),
  ]).size).toBe(4);
});

test('a named instance profile that does not exist is not Ready', async () => {
  const status = await reconcile(nodeClass({ role: undefined, instanceProfile: 'missing' }));
  expect(ready(status)).toMatchObject({ status: 'False', reason: 'InstanceProfileNotReady' });
  expect(ready(status).message).toContain('instance profile missing not found');
});

test('lastTransitionTime moves only when a condition changes status', async () => {
  const clock = new FakeClock('2026-11-21T00:00:00Z');
  const nc = nodeClass();
  nc.status = await reconcile(nc, clock);
  clock.step(60_000);
  const again = await reconcile(nc, clock);
  expect(ready(again).lastTransitionTime).toBe('2026-11-21T00:00:00.000Z');
  nc.status = again;
  nc.spec.subnetSelectorTerms = [{ id: 'subnet-none' }];
  const broken = await reconcile(nc, clock);
  expect(ready(broken)).toMatchObject({ status: 'False', lastTransitionTime: '2026-11-21T00:01:00.000Z' });
});
