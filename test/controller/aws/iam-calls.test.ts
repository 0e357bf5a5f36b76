/**
 * Every AWS call the AWS provider makes in a full scenario (node class reconcile, instance types and prices, launches
 * on-demand and spot, an insufficient-capacity launch, get, list, terminate) is turned into the IAM requests AWS
 * authorizes for it (action, resource ARN, request and resource tags, region) and simulated against the synthesized
 * controller policies with @cloud-copilot/iam-simulate. A call the policies would deny fails this test.
 */
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, CLUSTER, FakeAws, RecordedCall, REGION } from './fake-aws';
import { decide, deniedRequests, IamRequest, iamRequests, NODE_ROLE_NAME, OTHER_NODE_ROLE_NAME, policyDocuments } from './iam-check';
import { AwsCloudProvider } from '../../../controller/src/aws/cloud-provider';
import { EC2NodeClass } from '../../../controller/src/aws/ec2-node-class';
import { FakeClock } from '../../../controller/src/core/clock';
import { NodeClaim } from '../../../controller/src/core/kube-types';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { AwsResourceGarbageCollector } from '../../../controller/src/garbage-collection/aws-resource-garbage-collector';
import { InstanceGarbageCollector } from '../../../controller/src/garbage-collection/instance-garbage-collector';
import { InterruptionController } from '../../../controller/src/interruption/interruption-controller';
import { sqsApi } from '../../../controller/src/interruption/sqs-api';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { PolicyDocument } from '../../helpers/resolve-template';
import { withGarbageCollectionCalls } from '../garbage-collection/gc-fake-aws';

/** Runs the scenario and returns the recorded calls and the fake account they ran against. */
async function scenario(): Promise<FakeAws> {
  const aws = new FakeAws();
  const clock = new FakeClock('2026-11-21T00:00:00Z');
  const nodeClasses = new Map<string, EC2NodeClass>();
  const provider = new AwsCloudProvider({ apis: aws.apis(), clusterName: CLUSTER, region: REGION, clock, getNodeClass: n => nodeClasses.get(n) });
  const nc: EC2NodeClass = {
    metadata: { name: 'default' },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      role: OTHER_NODE_ROLE_NAME,
      tags: { team: 'platform' },
    },
  };
  nc.status = await provider.nodeClassReconciler.reconcile(nc);
  // the role changes: remove the old one, add the new one
  nc.spec.role = NODE_ROLE_NAME;
  // a profile that lost a tag gets it back
  const profile = aws.instanceProfiles.get(nc.status.instanceProfile!)!;
  profile.Tags = profile.Tags!.filter(t => t.Key !== 'eks:eks-cluster-name');
  nc.status = await provider.nodeClassReconciler.reconcile(nc);
  nodeClasses.set('default', nc);
  const claim = (capacityType: string, types: string[]): NodeClaim => ({
    metadata: { name: `default-${capacityType}`, labels: { 'karpenter.sh/nodepool': 'default' } },
    spec: {
      requirements: [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: types },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: [capacityType] },
      ],
      resources: { requests: { cpu: '1' } },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    },
  });
  await provider.getInstanceTypes({ metadata: { name: 'default' }, spec: { template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } } } } });
  const onDemand = await provider.create(claim('on-demand', ['m5.large', 'c6g.large', 'p5.48xlarge']));
  await provider.create(claim('spot', ['m5.large']));
  aws.fleetErrorCodes = [{ code: 'InsufficientInstanceCapacity' }];
  await provider.create(claim('on-demand', ['m5.xlarge'])).catch(() => undefined);
  aws.fleetErrorCodes = undefined;
  await provider.get(onDemand.status!.providerID!);
  await provider.list();
  await provider.delete(onDemand);
  return aws;
}

let aws: FakeAws;
let documents: PolicyDocument[];
let requests: IamRequest[];
beforeAll(async () => {
  documents = policyDocuments();
  aws = await scenario();
  requests = aws.calls.flatMap(c => iamRequests(c, aws));
});
afterAll(() => aws.restore());

test('the scenario exercises every call the provider makes', () => {
  expect(new Set(aws.calls.map(c => `${c.service}:${c.command}`))).toEqual(new Set([
    'eks:DescribeCluster', 'ssm:GetParameter',
    'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypes', 'ec2:DescribeInstanceTypeOfferings',
    'ec2:DescribeSpotPriceHistory', 'pricing:GetProducts', 'ec2:DescribeLaunchTemplates', 'ec2:CreateLaunchTemplate', 'ec2:CreateFleet',
    'ec2:DescribeInstances', 'ec2:TerminateInstances',
    'iam:GetInstanceProfile', 'iam:CreateInstanceProfile', 'iam:TagInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
  ]));
  expect(aws.calls.every(c => c.region === REGION)).toBe(true);
});

test('every IAM request of every call is allowed by the controller policies', async () => {
  const { checked, denied } = await deniedRequests(documents, aws.calls, aws);
  expect(denied).toEqual([]);
  expect(checked).toBeGreaterThan(30);
});

test.each([
  ['CreateFleet without the nodepool request tag', 'ec2:CreateFleet', (r: IamRequest) => {
    const { 'aws:RequestTag/karpenter.sh/nodepool': _, ...context } = r.context;
    void _;
    return { ...r, context };
  }],
  ['TerminateInstances of an instance of another cluster', 'ec2:TerminateInstances', (r: IamRequest) => ({
    ...r, context: { 'aws:RequestedRegion': REGION, 'aws:ResourceTag/kubernetes.io/cluster/other': 'owned', 'aws:ResourceTag/karpenter.sh/nodepool': 'default' },
  })],
  ['CreateInstanceProfile tagged for another region', 'iam:CreateInstanceProfile', (r: IamRequest) => ({
    ...r, context: { ...r.context, 'aws:RequestTag/topology.kubernetes.io/region': 'eu-west-1' },
  })],
  ['a public SSM parameter of another region', 'ssm:GetParameter', (r: IamRequest) => ({ ...r, resource: r.resource.replace(REGION, 'eu-west-1') })],
])('the check bites: %s is denied', async (_, action, mutate) => {
  const request = requests.find(r => r.action === action && (action !== 'ec2:CreateFleet' || r.resource.includes(':instance/')))!;
  expect(await decide(documents, request)).toBe('Allowed');
  expect(await decide(documents, mutate(request))).not.toBe('Allowed');
});

/*
 * Garbage collection and interruption (issue 7): the calls they add (DeleteLaunchTemplate, ListInstanceProfiles,
 * DeleteInstanceProfile, SQS GetQueueUrl / ReceiveMessage / DeleteMessage) are checked against the policies too.
 */
describe('garbage collection and interruption calls', () => {
  const gcAccount = `arn:aws:iam::${ACCOUNT}`;
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:demo`;
  const tags = (t: Array<{ Key?: string; Value?: string }> | undefined) => Object.fromEntries((t ?? []).map(x => [x.Key!, x.Value ?? '']));
  const resourceTagContext = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  let gcAws: FakeAws;
  let gcRequests: IamRequest[];
  let sqsCalls: string[];

  /** The IAM requests of the new calls; the others as iam-check.ts maps them. */
  function requestsOf(call: RecordedCall, ltTags: Map<string, Record<string, string>>): IamRequest[] {
    const ctx = { 'aws:RequestedRegion': call.region };
    const i = call.input;
    switch (`${call.service}:${call.command}`) {
      case 'ec2:DeleteLaunchTemplate':
        return [{ call: 'ec2:DeleteLaunchTemplate', action: 'ec2:DeleteLaunchTemplate', resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:launch-template/${i.LaunchTemplateId}`, context: { ...ctx, ...resourceTagContext(ltTags.get(i.LaunchTemplateId) ?? {}) } }];
      case 'iam:ListInstanceProfiles':
        return [{ call: 'iam:ListInstanceProfiles', action: 'iam:ListInstanceProfiles', resource: '*', context: ctx }];
      case 'iam:DeleteInstanceProfile':
        return [{ call: 'iam:DeleteInstanceProfile', action: 'iam:DeleteInstanceProfile', resource: `${gcAccount}:instance-profile/${i.InstanceProfileName}`, context: { ...ctx, ...resourceTagContext(call.profileTags ?? {}) } }];
      default:
        return iamRequests(call, gcAws);
    }
  }

  beforeAll(async () => {
    gcAws = withGarbageCollectionCalls(new FakeAws());
    const clock = new FakeClock('2026-11-21T00:00:00Z');
    const nodeClasses = new Map<string, EC2NodeClass>();
    const provider = new AwsCloudProvider({ apis: gcAws.apis(), clusterName: CLUSTER, region: REGION, clock, getNodeClass: n => nodeClasses.get(n) });
    const nc: EC2NodeClass = {
      metadata: { name: 'old' },
      spec: {
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
        role: NODE_ROLE_NAME,
      },
    };
    nc.status = await provider.nodeClassReconciler.reconcile(nc);
    nodeClasses.set('old', nc);
    const claim: NodeClaim = {
      metadata: { name: 'old-1', labels: { 'karpenter.sh/nodepool': 'default' } },
      spec: {
        requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }, { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }],
        resources: { requests: { cpu: '1' } },
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'old' },
      },
    };
    const launched = await provider.create(claim);
    const ltTags = new Map([...gcAws.launchTemplates.values()].map(lt => [lt.id, lt.tags]));
    // the launch calls are mapped while their launch template exists (CreateFleet's mapping reads it)
    gcRequests = gcAws.calls.flatMap(c => requestsOf(c, ltTags));
    const launchCalls = gcAws.calls.length;
    const cluster = new ClusterState();
    // the instance is an orphan (no NodeClaim), then the EC2NodeClass is deleted
    await new InstanceGarbageCollector({
      cloudProvider: provider,
      cluster,
      writer: { deleteNode: async () => undefined, deleteNodeClaim: async () => undefined },
      logger: new MemoryLogger(),
      clock,
    }).run();
    gcAws.instances.get(launched.status!.providerID!.split('/').pop()!)!.State = { Name: 'terminated' };
    const apis = gcAws.apis();
    const deleted = await new AwsResourceGarbageCollector({
      ec2: apis.ec2, iam: apis.iam, clusterName: CLUSTER, region: REGION, logger: new MemoryLogger(), nodeClassNames: async () => new Set<string>(),
    }).run();
    expect(deleted.launchTemplatesDeleted).toHaveLength(1);
    expect(deleted.instanceProfilesDeleted).toHaveLength(1);
    expect(tags(undefined)).toEqual({});
    gcRequests.push(...gcAws.calls.slice(launchCalls).flatMap(c => requestsOf(c, ltTags)));

    // the interruption controller's SQS calls, through the real adapter over a mocked client
    const sqsMock = mockClient(SQSClient);
    sqsCalls = [];
    sqsMock.on(GetQueueUrlCommand).callsFake(async () => { sqsCalls.push('GetQueueUrl'); return { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/demo` }; });
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => { sqsCalls.push('ReceiveMessage'); return { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'r-1', Body: '{}' }] }; });
    sqsMock.on(DeleteMessageCommand).callsFake(async () => { sqsCalls.push('DeleteMessage'); return {}; });
    const controller = new InterruptionController({
      sqs: sqsApi(new SQSClient({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } })),
      queueName: 'demo',
      cluster,
      writer: { deleteNodeClaim: async () => undefined },
      events: { publish: () => undefined },
      logger: new MemoryLogger(),
      timers: new FakeTimers(),
      active: () => true,
    });
    await controller.pollOnce();
    sqsMock.restore();
    for (const c of new Set(sqsCalls)) gcRequests.push({ call: `sqs:${c}`, action: `sqs:${c}`, resource: queueArn, context: { 'aws:RequestedRegion': REGION } });
  });
  afterAll(() => gcAws.restore());

  test('the scenario exercises every call garbage collection and interruption add', () => {
    const calls = new Set(gcAws.calls.map(c => `${c.service}:${c.command}`));
    for (const c of ['ec2:DescribeLaunchTemplates', 'ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances', 'iam:ListInstanceProfiles', 'iam:GetInstanceProfile',
      'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile']) expect(calls).toContain(c);
    expect(sqsCalls).toEqual(['GetQueueUrl', 'ReceiveMessage', 'DeleteMessage']);
  });

  test('every IAM request of those calls is allowed by the controller policies', async () => {
    const denied: string[] = [];
    for (const r of gcRequests) {
      const decision = await decide(documents, r);
      if (decision !== 'Allowed') denied.push(`${r.call} -> ${r.action} on ${r.resource} ${JSON.stringify(r.context)}: ${decision}`);
    }
    expect(denied).toEqual([]);
  });

  test.each([
    ['DeleteLaunchTemplate of another cluster\'s template', 'ec2:DeleteLaunchTemplate', (r: IamRequest) => ({
      ...r, context: { 'aws:RequestedRegion': REGION, 'aws:ResourceTag/kubernetes.io/cluster/other': 'owned', 'aws:ResourceTag/karpenter.sh/nodepool': 'x' },
    })],
    ['DeleteInstanceProfile of another region\'s profile', 'iam:DeleteInstanceProfile', (r: IamRequest) => ({
      ...r, context: { ...r.context, 'aws:ResourceTag/topology.kubernetes.io/region': 'eu-west-1' },
    })],
    ['ReceiveMessage on another queue', 'sqs:ReceiveMessage', (r: IamRequest) => ({ ...r, resource: r.resource.replace(':demo', ':other') })],
  ])('the check bites: %s is denied', async (_, action, mutate) => {
    const request = gcRequests.find(r => r.action === action)!;
    expect(await decide(documents, request)).toBe('Allowed');
    expect(await decide(documents, mutate(request))).not.toBe('Allowed');
  });
});
