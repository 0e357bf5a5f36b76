import * as ec2sdk from '@aws-sdk/client-ec2';
import * as iamsdk from '@aws-sdk/client-iam';
import { CfnParameter, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { Karpenter } from '../../lib';
import { NodeCleanup } from '../../lib/cleanup/node-cleanup';
import { cleanUpKarpenterNodes, NodeCleanupAws } from '../../lib/cleanup/node-cleanup-handler';
import { testStack } from '../helpers/fixtures';
import { cfnEvent, inlineCodeOf, loadInlineHandler } from '../helpers/inline-handler';
import { cfnLogicalIds, logicalIdOf } from '../helpers/resolve-template';

const ec2Mock = mockClient(ec2sdk.EC2Client);
const iamMock = mockClient(iamsdk.IAMClient);
beforeEach(() => {
  ec2Mock.reset();
  iamMock.reset();
  ec2Mock.on(ec2sdk.DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2Mock.on(ec2sdk.DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [] });
  iamMock.on(iamsdk.ListInstanceProfilesCommand).resolves({ InstanceProfiles: [] });
});

const PROPERTIES = { ClusterName: 'demo', Region: 'us-east-1', DrainSeconds: '300', PollSeconds: '10' };

/** The real SDK clients (mocked) with a fake clock that advances when the handler sleeps. */
function fakeAws(): NodeCleanupAws & { clock: { now: number }; logs: string[] } {
  const clock = { now: 0 };
  const logs: string[] = [];
  return {
    ec2: new ec2sdk.EC2Client({ region: 'us-east-1' }),
    iam: new iamsdk.IAMClient({ region: 'us-east-1' }),
    ec2Commands: ec2sdk as any,
    iamCommands: iamsdk as any,
    now: () => clock.now,
    sleep: async (ms) => { clock.now += ms; },
    log: (message) => logs.push(message),
    clock,
    logs,
  };
}

function instances(...list: [string, string][]): ec2sdk.DescribeInstancesCommandOutput {
  const described = list.map(([id, state]) => ({ InstanceId: id, State: { Name: state as ec2sdk.InstanceStateName } }));
  return { $metadata: {}, Reservations: [{ Instances: described }] };
}

function profile(name: string, tags: Record<string, string>, roles = ['KarpenterNodeRole']): iamsdk.GetInstanceProfileCommandOutput {
  return {
    $metadata: {},
    InstanceProfile: {
      InstanceProfileName: name,
      InstanceProfileId: 'AIPA',
      Arn: `arn:aws:iam::111122223333:instance-profile/${name}`,
      Path: '/',
      CreateDate: new Date(),
      Roles: roles.map((RoleName) => ({ RoleName, Arn: '', Path: '/', RoleId: '', CreateDate: new Date() })),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    },
  };
}

const OURS = { 'kubernetes.io/cluster/demo': 'owned', 'topology.kubernetes.io/region': 'us-east-1', 'karpenter.k8s.aws/ec2nodeclass': 'default' };

describe('handler logic', () => {
  test('nothing left: no termination, no deletion, no failure', async () => {
    const report = await cleanUpKarpenterNodes(fakeAws(), PROPERTIES, 600_000);
    expect(report).toEqual({ drained: true, terminatedInstances: [], deletedLaunchTemplates: [], deletedInstanceProfiles: [], failures: [] });
    expect(ec2Mock.commandCalls(ec2sdk.TerminateInstancesCommand)).toHaveLength(0);
  });

  test('finds only this cluster\'s Karpenter nodes (ownership tag, NodePool tag, live states)', async () => {
    await cleanUpKarpenterNodes(fakeAws(), PROPERTIES, 600_000);
    expect(ec2Mock.commandCalls(ec2sdk.DescribeInstancesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'tag:kubernetes.io/cluster/demo', Values: ['owned'] },
      { Name: 'tag-key', Values: ['karpenter.sh/nodepool'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
    ]);
    expect(ec2Mock.commandCalls(ec2sdk.DescribeLaunchTemplatesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'tag:kubernetes.io/cluster/demo', Values: ['owned'] },
      { Name: 'tag-key', Values: ['karpenter.sh/nodepool'] },
    ]);
  });

  test('waits for the controller to drain, and terminates nothing when it does', async () => {
    ec2Mock.on(ec2sdk.DescribeInstancesCommand)
      .resolvesOnce(instances(['i-1', 'running'], ['i-2', 'running']))
      .resolvesOnce(instances(['i-1', 'shutting-down'], ['i-2', 'running']))
      .resolvesOnce(instances(['i-1', 'shutting-down']))
      .resolves({ Reservations: [] });
    const aws = fakeAws();
    const report = await cleanUpKarpenterNodes(aws, PROPERTIES, 600_000);
    expect(report.drained).toBe(true);
    expect(report.terminatedInstances).toEqual([]);
    expect(ec2Mock.commandCalls(ec2sdk.TerminateInstancesCommand)).toHaveLength(0);
    expect(aws.clock.now).toBe(20_000);
  });

  test('after the drain timeout, terminates what is left and waits until it is gone', async () => {
    let terminated = false;
    ec2Mock.on(ec2sdk.DescribeInstancesCommand).callsFake(() => (terminated
      ? { Reservations: [] }
      : instances(['i-stuck', 'running'], ['i-going', 'shutting-down'])));
    ec2Mock.on(ec2sdk.TerminateInstancesCommand).callsFake(() => { terminated = true; return {}; });
    const aws = fakeAws();
    const report = await cleanUpKarpenterNodes(aws, { ...PROPERTIES, DrainSeconds: '60' }, 600_000);
    expect(report.drained).toBe(false);
    expect(report.terminatedInstances).toEqual(['i-stuck']);
    expect(ec2Mock.commandCalls(ec2sdk.TerminateInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-stuck'] });
    expect(report.failures).toEqual([]);
    expect(aws.clock.now).toBeGreaterThanOrEqual(50_000);
    expect(aws.clock.now).toBeLessThanOrEqual(60_000);
  });

  test('deletes this cluster\'s launch templates', async () => {
    ec2Mock.on(ec2sdk.DescribeLaunchTemplatesCommand)
      .resolvesOnce({ LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'karpenter.k8s.aws/1' }], NextToken: 'n' })
      .resolvesOnce({ LaunchTemplates: [{ LaunchTemplateId: 'lt-2', LaunchTemplateName: 'karpenter.k8s.aws/2' }] });
    const report = await cleanUpKarpenterNodes(fakeAws(), PROPERTIES, 600_000);
    expect(report.deletedLaunchTemplates).toEqual(['lt-1', 'lt-2']);
  });

  test('deletes only the instance profiles tagged for this cluster, region and an EC2NodeClass, after removing their role', async () => {
    iamMock.on(iamsdk.ListInstanceProfilesCommand)
      .resolvesOnce({
        InstanceProfiles: [
          { InstanceProfileName: 'demo_123', Path: '/', Arn: '', InstanceProfileId: '', CreateDate: new Date(), Roles: [] },
          { InstanceProfileName: 'unrelated', Path: '/', Arn: '', InstanceProfileId: '', CreateDate: new Date(), Roles: [] },
        ],
        IsTruncated: true,
        Marker: 'm',
      })
      .resolvesOnce({
        InstanceProfiles: [
          { InstanceProfileName: 'demo_456', Path: '/', Arn: '', InstanceProfileId: '', CreateDate: new Date(), Roles: [] },
          { InstanceProfileName: 'other_1', Path: '/karpenter/us-east-1/other/uid/', Arn: '', InstanceProfileId: '', CreateDate: new Date(), Roles: [] },
        ],
        IsTruncated: false,
      });
    iamMock.on(iamsdk.GetInstanceProfileCommand, { InstanceProfileName: 'demo_123' }).resolves(profile('demo_123', OURS));
    iamMock.on(iamsdk.GetInstanceProfileCommand, { InstanceProfileName: 'demo_456' })
      .resolves(profile('demo_456', { ...OURS, 'topology.kubernetes.io/region': 'eu-west-1' }));
    iamMock.on(iamsdk.GetInstanceProfileCommand, { InstanceProfileName: 'other_1' })
      .resolves(profile('other_1', { 'kubernetes.io/cluster/other': 'owned', 'topology.kubernetes.io/region': 'us-east-1', 'karpenter.k8s.aws/ec2nodeclass': 'x' }));
    const report = await cleanUpKarpenterNodes(fakeAws(), PROPERTIES, 600_000);
    expect(iamMock.commandCalls(iamsdk.GetInstanceProfileCommand).map((call) => call.args[0].input.InstanceProfileName)).toEqual(['demo_123', 'demo_456', 'other_1']);
    expect(iamMock.commandCalls(iamsdk.RemoveRoleFromInstanceProfileCommand).map((call) => call.args[0].input))
      .toEqual([{ InstanceProfileName: 'demo_123', RoleName: 'KarpenterNodeRole' }]);
    expect(report.deletedInstanceProfiles).toEqual(['demo_123']);
  });

  test('names what refused to go, bounded by the deadline', async () => {
    ec2Mock.on(ec2sdk.DescribeInstancesCommand).resolves(instances(['i-1', 'running']));
    ec2Mock.on(ec2sdk.TerminateInstancesCommand).rejects(Object.assign(new Error('protected'), { name: 'OperationNotPermitted' }));
    ec2Mock.on(ec2sdk.DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'lt' }] });
    ec2Mock.on(ec2sdk.DeleteLaunchTemplateCommand).rejects(Object.assign(new Error('in use'), { name: 'UnauthorizedOperation' }));
    const aws = fakeAws();
    const report = await cleanUpKarpenterNodes(aws, { ...PROPERTIES, DrainSeconds: '30' }, 120_000);
    expect(aws.clock.now).toBeLessThanOrEqual(120_000);
    expect(report.failures).toEqual([
      'instances i-1: TerminateInstances failed: OperationNotPermitted: protected',
      'instances still not terminated: i-1 (running)',
      'launch template lt-1 (lt): UnauthorizedOperation: in use',
    ]);
  });
});

describe('in a Karpenter environment', () => {
  const stack = testStack();
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'existing',
    clusterSecurityGroupId: 'sg-0123456789abcdef0',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:kubectl',
      role: iam.Role.fromRoleArn(stack, 'KubectlRole', 'arn:aws:iam::111122223333:role/kubectl'),
    }),
  });
  const karpenter = new Karpenter(stack, 'Karpenter', {
    cluster, discoverySubnets: { subnets: [] }, cleanupDrainTimeout: Duration.minutes(3),
  });
  const nodeClass = karpenter.addEc2NodeClass('default');
  const nodePool = karpenter.addNodePool('default');
  const template = Template.fromStack(stack);
  const cleanupId = logicalIdOf(karpenter.nodeCleanup!.customResource);
  const resources = template.toJSON().Resources;
  const manifestOf = (object: unknown) => Object.entries(resources).find(([, r]: [string, any]) =>
    r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && JSON.stringify(stack.resolve(r.Properties.Manifest)).includes(`"name\\":\\"${(object as any).name}\\"`)
    && JSON.stringify(stack.resolve(r.Properties.Manifest)).includes((object as any).kind))!;

  test('the custom resource carries the cluster, region and drain timeout, bounded by the function timeout', () => {
    expect(resources[cleanupId].Type).toBe('Custom::KarpenterNodeCleanup');
    expect(resources[cleanupId].Properties).toMatchObject({ ClusterName: 'existing', Region: { Ref: 'AWS::Region' }, DrainSeconds: 180, ServiceTimeout: '900' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match_startsWith('Removes the nodes'), Timeout: 840, Runtime: 'nodejs24.x',
    });
  });

  test('deletion order: NodePools and EC2NodeClasses, then the cleanup, then the controller, node role and access entry', () => {
    const dependsOn: string[] = resources[cleanupId].DependsOn;
    expect(dependsOn).toEqual(expect.arrayContaining([
      ...cfnLogicalIds(karpenter.controllerResource), ...cfnLogicalIds(karpenter.crdResource), logicalIdOf(karpenter.nodeRole),
    ]));
    expect(dependsOn.some((id) => id.startsWith('KarpenterNodeAccess'))).toBe(true);
    for (const object of [nodePool, nodeClass]) {
      const [, manifest] = manifestOf(object) as [string, any];
      expect(manifest.DependsOn).toContain(cleanupId);
    }
  });

  test('terminating and deleting is scoped as the upstream controller policy; finding is read-only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const statements = policies.flatMap((p) => stack.resolve(p.Properties.PolicyDocument.Statement));
    const bySid = (sid: string) => statements.find((s: any) => s.Sid === sid);
    expect(bySid('TerminateThisClustersNodes')).toMatchObject({
      Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      Condition: {
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/existing': 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      },
    });
    expect(bySid('DeleteThisClustersInstanceProfiles')).toMatchObject({
      Action: ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      Condition: {
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/existing': 'owned', 'aws:ResourceTag/topology.kubernetes.io/region': { Ref: 'AWS::Region' } },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    });
    expect(bySid('FindNodesAndLaunchTemplates')).toMatchObject({
      Action: ['ec2:DescribeInstances', 'ec2:DescribeLaunchTemplates'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } },
    });
    expect(bySid('FindInstanceProfiles').Action).toEqual(['iam:ListInstanceProfiles', 'iam:GetInstanceProfile']);
  });

  test('a cluster name known only at deploy time goes through CfnJson in the condition keys', () => {
    const tokenStack = testStack();
    const clusterName = new CfnParameter(tokenStack, 'ClusterName').valueAsString;
    new NodeCleanup(tokenStack, 'Cleanup', { clusterName });
    const t = Template.fromStack(tokenStack);
    expect(Object.keys(t.findResources('Custom::AWSCDKCfnJson')).length).toBe(2);
  });

  test('can be turned off', () => {
    const other = testStack();
    const imported = eks.Cluster.fromClusterAttributes(other, 'Cluster', {
      clusterName: 'x',
      clusterSecurityGroupId: 'sg-1',
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(other, 'Kubectl', { serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:k' }),
    });
    const k = new Karpenter(other, 'Karpenter', { cluster: imported, discoverySubnets: { subnets: [] }, cleanupOnDelete: false });
    expect(k.nodeCleanup).toBeUndefined();
    Template.fromStack(other).resourceCountIs('Custom::KarpenterNodeCleanup', 0);
  });

  describe('the inline code, as deployed', () => {
    const code = inlineCodeOf(template, 'Removes the nodes');

    test('create and update do nothing and answer SUCCESS', async () => {
      const { handler, responses } = loadInlineHandler(code);
      await handler(cfnEvent('Create', PROPERTIES));
      await handler(cfnEvent('Update', PROPERTIES, { PhysicalResourceId: 'karpenter-node-cleanup-demo' }));
      expect(ec2Mock.calls()).toHaveLength(0);
      expect(responses.map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([
        ['SUCCESS', 'karpenter-node-cleanup-demo'], ['SUCCESS', 'karpenter-node-cleanup-demo'],
      ]);
    });

    test('delete cleans up and answers SUCCESS', async () => {
      ec2Mock.on(ec2sdk.DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'x' }] });
      const { handler, responses } = loadInlineHandler(code);
      await handler(cfnEvent('Delete', PROPERTIES, { PhysicalResourceId: 'karpenter-node-cleanup-demo' }), { getRemainingTimeInMillis: () => 60_000 });
      expect(ec2Mock.commandCalls(ec2sdk.DeleteLaunchTemplateCommand)).toHaveLength(1);
      expect(responses[0].body.Status).toBe('SUCCESS');
    });

    test('delete answers FAILED naming what refused to go', async () => {
      ec2Mock.on(ec2sdk.DescribeInstancesCommand).resolves(instances(['i-1', 'shutting-down']));
      const { handler, responses } = loadInlineHandler(code);
      // 30 s left for the answer, so the deadline is now: no waiting.
      await handler(cfnEvent('Delete', PROPERTIES, { PhysicalResourceId: 'p' }), { getRemainingTimeInMillis: () => 30_000 });
      expect(responses[0].body).toMatchObject({
        Status: 'FAILED',
        Reason: 'Karpenter node cleanup: resources of cluster demo refused to go: instances still not terminated: ' +
          'i-1 (shutting-down). Remove them (or let the controller finish draining), then delete the stack again.',
      });
    });
  });
});

function Match_startsWith(prefix: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Match } = require('aws-cdk-lib/assertions');
  return Match.stringLikeRegexp(`^${prefix}`);
}
