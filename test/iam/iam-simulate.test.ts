import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ControllerPolicies } from '../../lib/iam/controller-policies';
import { PolicyDocument, resolveManagedPolicies } from '../helpers/resolve-template';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const CLUSTER_NAME = 'demo';
const CONTROLLER_ROLE = `arn:aws:iam::${ACCOUNT}:role/karpenter-controller`;
const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/KarpenterNodeRole-demo`;
const EXTRA_NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/gpu-nodes`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:demo`;

/** Request tags Karpenter puts on everything it launches for NodePool `default` of cluster `demo`. */
const LAUNCH_TAGS = {
  'aws:RequestTag/kubernetes.io/cluster/demo': 'owned',
  'aws:RequestTag/eks:eks-cluster-name': 'demo',
  'aws:RequestTag/karpenter.sh/nodepool': 'default',
  'aws:TagKeys': ['kubernetes.io/cluster/demo', 'eks:eks-cluster-name', 'karpenter.sh/nodepool'],
};

/** Resource tags of an instance Karpenter launched for this cluster. */
const OWN_INSTANCE = {
  'aws:ResourceTag/kubernetes.io/cluster/demo': 'owned',
  'aws:ResourceTag/karpenter.sh/nodepool': 'default',
};

/** Resource tags of an instance another cluster's Karpenter launched. */
const OTHER_CLUSTER_INSTANCE = {
  'aws:ResourceTag/kubernetes.io/cluster/other': 'owned',
  'aws:ResourceTag/karpenter.sh/nodepool': 'default',
};

const INSTANCE_PROFILE_TAGS = {
  'aws:RequestTag/kubernetes.io/cluster/demo': 'owned',
  'aws:RequestTag/eks:eks-cluster-name': 'demo',
  'aws:RequestTag/topology.kubernetes.io/region': REGION,
  'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': 'default',
};

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

interface Case {
  readonly name: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: { [conditionKey: string]: string | string[] };
  readonly expected: Decision;
}

const ec2 = (region: string, resource: string) => `arn:aws:ec2:${region}:${ACCOUNT}:${resource}`;

const CASES: Case[] = [
  // launching
  { name: 'CreateFleet of a fleet with the cluster and nodepool request tags', action: 'ec2:CreateFleet', resource: ec2(REGION, 'fleet/fleet-1'), context: LAUNCH_TAGS, expected: 'Allowed' },
  { name: 'CreateFleet of an instance with the cluster and nodepool request tags', action: 'ec2:CreateFleet', resource: ec2(REGION, 'instance/i-1'), context: LAUNCH_TAGS, expected: 'Allowed' },
  { name: 'CreateFleet without request tags', action: 'ec2:CreateFleet', resource: ec2(REGION, 'fleet/fleet-1'), expected: 'ImplicitlyDenied' },
  {
    name: 'CreateFleet without the nodepool request tag',
    action: 'ec2:CreateFleet',
    resource: ec2(REGION, 'fleet/fleet-1'),
    context: { 'aws:RequestTag/kubernetes.io/cluster/demo': 'owned', 'aws:RequestTag/eks:eks-cluster-name': 'demo' },
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'CreateFleet tagged for another cluster',
    action: 'ec2:CreateFleet',
    resource: ec2(REGION, 'fleet/fleet-1'),
    context: {
      'aws:RequestTag/kubernetes.io/cluster/other': 'owned',
      'aws:RequestTag/eks:eks-cluster-name': 'other',
      'aws:RequestTag/karpenter.sh/nodepool': 'default',
    },
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'CreateFleet in another region',
    action: 'ec2:CreateFleet',
    resource: ec2('us-west-2', 'fleet/fleet-1'),
    context: { ...LAUNCH_TAGS, 'aws:RequestedRegion': 'us-west-2' },
    expected: 'ImplicitlyDenied',
  },
  { name: 'CreateFleet with an image of this region', action: 'ec2:CreateFleet', resource: `arn:aws:ec2:${REGION}::image/ami-1`, expected: 'Allowed' },
  { name: 'CreateFleet with an image of another region', action: 'ec2:CreateFleet', resource: 'arn:aws:ec2:us-west-2::image/ami-1', expected: 'ImplicitlyDenied' },
  {
    name: 'RunInstances from a launch template of this cluster',
    action: 'ec2:RunInstances',
    resource: ec2(REGION, 'launch-template/lt-1'),
    context: OWN_INSTANCE,
    expected: 'Allowed',
  },
  {
    name: 'RunInstances from a launch template of another cluster',
    action: 'ec2:RunInstances',
    resource: ec2(REGION, 'launch-template/lt-1'),
    context: OTHER_CLUSTER_INSTANCE,
    expected: 'ImplicitlyDenied',
  },
  // tagging
  {
    name: 'CreateTags on launch by CreateFleet',
    action: 'ec2:CreateTags',
    resource: ec2(REGION, 'instance/i-1'),
    context: { ...LAUNCH_TAGS, 'ec2:CreateAction': 'CreateFleet' },
    expected: 'Allowed',
  },
  {
    name: 'CreateTags Name and nodeclaim on an instance of this cluster',
    action: 'ec2:CreateTags',
    resource: ec2(REGION, 'instance/i-1'),
    context: { ...OWN_INSTANCE, 'aws:TagKeys': ['Name', 'karpenter.sh/nodeclaim'] },
    expected: 'Allowed',
  },
  {
    name: 'CreateTags of the nodepool tag on an instance of this cluster',
    action: 'ec2:CreateTags',
    resource: ec2(REGION, 'instance/i-1'),
    context: { ...OWN_INSTANCE, 'aws:TagKeys': ['karpenter.sh/nodepool'] },
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'CreateTags Name on an instance of another cluster',
    action: 'ec2:CreateTags',
    resource: ec2(REGION, 'instance/i-1'),
    context: { ...OTHER_CLUSTER_INSTANCE, 'aws:TagKeys': ['Name'] },
    expected: 'ImplicitlyDenied',
  },
  // deleting
  { name: 'TerminateInstances on an instance of this cluster', action: 'ec2:TerminateInstances', resource: ec2(REGION, 'instance/i-1'), context: OWN_INSTANCE, expected: 'Allowed' },
  {
    name: 'TerminateInstances on an instance of another cluster',
    action: 'ec2:TerminateInstances',
    resource: ec2(REGION, 'instance/i-1'),
    context: OTHER_CLUSTER_INSTANCE,
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'TerminateInstances on an instance of this cluster that Karpenter did not launch',
    action: 'ec2:TerminateInstances',
    resource: ec2(REGION, 'instance/i-1'),
    context: { 'aws:ResourceTag/kubernetes.io/cluster/demo': 'owned' },
    expected: 'ImplicitlyDenied',
  },
  // passing roles
  { name: 'PassRole of the node role to EC2', action: 'iam:PassRole', resource: NODE_ROLE, context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, expected: 'Allowed' },
  {
    name: 'PassRole of a node role added later to EC2',
    action: 'iam:PassRole',
    resource: EXTRA_NODE_ROLE,
    context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    expected: 'Allowed',
  },
  {
    name: 'PassRole of another role to EC2',
    action: 'iam:PassRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/admin`,
    context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    expected: 'ImplicitlyDenied',
  },
  {
    name: 'PassRole of the node role to Lambda',
    action: 'iam:PassRole',
    resource: NODE_ROLE,
    context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    expected: 'ImplicitlyDenied',
  },
  // instance profiles
  {
    name: 'CreateInstanceProfile tagged for this cluster and region',
    action: 'iam:CreateInstanceProfile',
    resource: `arn:aws:iam::${ACCOUNT}:instance-profile/demo_123`,
    context: INSTANCE_PROFILE_TAGS,
    expected: 'Allowed',
  },
  {
    name: 'CreateInstanceProfile tagged for another region',
    action: 'iam:CreateInstanceProfile',
    resource: `arn:aws:iam::${ACCOUNT}:instance-profile/demo_123`,
    context: { ...INSTANCE_PROFILE_TAGS, 'aws:RequestTag/topology.kubernetes.io/region': 'us-west-2' },
    expected: 'ImplicitlyDenied',
  },
  // the cluster, the queue and discovery
  { name: 'DescribeCluster of this cluster', action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/demo`, expected: 'Allowed' },
  { name: 'DescribeCluster of another cluster', action: 'eks:DescribeCluster', resource: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/other`, expected: 'ImplicitlyDenied' },
  { name: 'ReceiveMessage from the interruption queue', action: 'sqs:ReceiveMessage', resource: QUEUE, expected: 'Allowed' },
  { name: 'ReceiveMessage from another queue', action: 'sqs:ReceiveMessage', resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:other`, expected: 'ImplicitlyDenied' },
  { name: 'DescribeInstances in this region', action: 'ec2:DescribeInstances', resource: '*', context: { 'aws:RequestedRegion': REGION }, expected: 'Allowed' },
  { name: 'DescribeInstances in another region', action: 'ec2:DescribeInstances', resource: '*', context: { 'aws:RequestedRegion': 'us-west-2' }, expected: 'ImplicitlyDenied' },
  // Reading a public parameter (`arn:aws:ssm:<region>::parameter/aws/service/...`, no account) cannot be simulated:
  // iam-simulate only knows the SSM parameter ARN with an account. The parity test covers AllowSSMReadActions.
  { name: 'GetParameter of a private parameter', action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/db/password`, expected: 'ImplicitlyDenied' },
];

/** The controller policies of cluster `demo`, resolved; the cluster name is a literal or a CloudFormation parameter. */
function controllerPolicyDocuments(clusterName: 'literal' | 'parameter'): PolicyDocument[] {
  const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: REGION } });
  const name = clusterName === 'literal' ? CLUSTER_NAME : new CfnParameter(stack, 'ClusterName', { type: 'String' }).valueAsString;
  const policies = new ControllerPolicies(stack, 'ControllerPolicies', {
    clusterName: name,
    nodeRoles: [iam.Role.fromRoleArn(stack, 'NodeRole', NODE_ROLE)],
    interruptionQueue: sqs.Queue.fromQueueArn(stack, 'Queue', QUEUE),
  });
  policies.addPassableRole(iam.Role.fromRoleArn(stack, 'ExtraNodeRole', EXTRA_NODE_ROLE));
  return resolveManagedPolicies(stack, policies.policies, { parameters: { ClusterName: CLUSTER_NAME } });
}

/** Simulates one request of the controller role; fails on invalid input or a context key the action does not use. */
async function simulate(documents: PolicyDocument[], request: Case): Promise<Decision> {
  const simulation: Simulation = {
    identityPolicies: documents.map((policy, index) => ({ name: `policy-${index}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: CONTROLLER_ROLE,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT },
      contextVariables: { 'aws:RequestedRegion': REGION, ...request.context },
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`invalid simulation: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType === 'single') {
    expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  }
  return result.overallResult as Decision;
}

describe.each(['literal', 'parameter'] as const)('the controller policies with a %s cluster name', (clusterName) => {
  let documents: PolicyDocument[];
  beforeAll(() => {
    documents = controllerPolicyDocuments(clusterName);
  });

  test.each(CASES)('$name: $expected', async (request) => {
    await expect(simulate(documents, request)).resolves.toBe(request.expected);
  });
});
