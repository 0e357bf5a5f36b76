import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ControllerPlacement, Karpenter, KarpenterController, KarpenterProps } from '../lib';
import { testCluster, testStack } from './helpers/fixtures';
import { logicalIdOf } from './helpers/resolve-template';

function environment(props: Partial<KarpenterProps> = {}, build?: (stack: Stack) => Partial<KarpenterProps>) {
  const stack = testStack();
  const cluster = testCluster(stack);
  const karpenter = new Karpenter(stack, 'Karpenter', { cluster, ...props, ...build?.(stack) });
  return { stack, cluster, karpenter, template: Template.fromStack(stack) };
}

function helmValues(template: Template, stack: Stack, chart = 'karpenter'): string {
  const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')) as any[];
  return JSON.stringify(stack.resolve(charts.find((c) => c.Properties.Chart === chart).Properties.Values));
}

test('IRSA: the controller role is trusted by the cluster OIDC provider, no Pod Identity association', () => {
  const { template } = environment({ identityType: eks.IdentityType.IRSA });
  template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
  const roles = Object.values(template.findResources('AWS::IAM::Role')) as any[];
  const federated = roles.filter((role) => role.Properties.AssumeRolePolicyDocument.Statement
    .some((s: any) => s.Action === 'sts:AssumeRoleWithWebIdentity'));
  expect(federated).toHaveLength(1);
  expect(JSON.stringify(federated[0].Properties.AssumeRolePolicyDocument)).toContain('Federated');
});

test('interruption handling off: no queue, no rules, no interruption policy, an empty queue setting', () => {
  const { template, karpenter, stack } = environment({ interruptionHandling: false, controller: KarpenterController.helmChart() });
  template.resourceCountIs('AWS::SQS::Queue', 0);
  template.resourceCountIs('AWS::Events::Rule', 0);
  expect(karpenter.interruptionQueue).toBeUndefined();
  expect(karpenter.interruptionRules).toEqual([]);
  expect(karpenter.controllerPolicies.interruptionPolicy).toBeUndefined();
  expect(helmValues(template, stack)).toContain('\\"interruptionQueue\\":\\"\\"');
});

test('a queue you bring gets the rules and the read permissions, and no queue is created', () => {
  const { template, karpenter } = environment({}, (stack) => ({ interruptionQueue: new sqs.Queue(stack, 'MyQueue') }));
  template.resourceCountIs('AWS::SQS::Queue', 1);
  template.resourceCountIs('AWS::Events::Rule', 5);
  expect(karpenter.interruptionQueue!.node.id).toBe('MyQueue');
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    PolicyDocument: { Statement: [{ Sid: 'AllowInterruptionQueueActions', Resource: { 'Fn::GetAtt': [logicalIdOf(karpenter.interruptionQueue!), 'Arn'] } }] },
  });
});

test('a customer managed key encrypts the queue and EventBridge may use it', () => {
  const { template, stack } = environment({}, (s) => ({ interruptionQueueEncryptionKey: new kms.Key(s, 'QueueKey') }));
  const keyId = logicalIdOf(stack.node.findChild('QueueKey'));
  template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  const key = template.findResources('AWS::KMS::Key')[keyId];
  const eventsStatements = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
  expect(eventsStatements.flatMap((s: any) => [s.Action].flat())).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
});

test('a node role you bring is used as it is, passed and granted access', () => {
  const { template, karpenter, stack } = environment({}, (s) => ({
    nodeRole: new iam.Role(s, 'MyNodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
  }));
  expect(karpenter.nodeRole.node.id).toBe('MyNodeRole');
  const roleArn = { 'Fn::GetAtt': [logicalIdOf(stack.node.findChild('MyNodeRole')), 'Arn'] };
  template.hasResourceProperties('AWS::EKS::AccessEntry', { Type: 'EC2_LINUX', PrincipalArn: roleArn });
  const myRole = template.findResources('AWS::IAM::Role')[logicalIdOf(stack.node.findChild('MyNodeRole'))];
  expect(myRole.Properties.ManagedPolicyArns).toBeUndefined();
  const passRole = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
  expect(passRole).toContain(JSON.stringify(roleArn));
});

test('additional node roles may be passed too, and an instance profile can be created', () => {
  const { template, stack } = environment({ createInstanceProfile: true }, (s) => ({
    additionalNodeRoles: [iam.Role.fromRoleArn(s, 'GpuRole', 'arn:aws:iam::111122223333:role/gpu-nodes')],
  }));
  template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as any[];
  const passRole = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => s.Sid === 'AllowPassingInstanceRole');
  expect(stack.resolve(passRole.Resource)).toEqual(expect.arrayContaining(['arn:aws:iam::111122223333:role/gpu-nodes']));
  expect(passRole.Resource).toHaveLength(2);
});

test('extra node policies are added to the created role', () => {
  const { template, karpenter } = environment({
    nodeRoleManagedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEBSCSIDriverPolicy')],
  });
  const role = template.findResources('AWS::IAM::Role')[logicalIdOf(karpenter.nodeRole)];
  expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('AmazonEBSCSIDriverPolicy');
  expect(role.Properties.ManagedPolicyArns).toHaveLength(5);
});

test('discovery tags can be turned off, or pointed at other subnets and security groups', () => {
  const off = environment({ discoveryTags: false });
  off.template.resourceCountIs('Custom::KarpenterDiscoveryTags', 0);
  expect(off.karpenter.discoveryTags).toBeUndefined();

  const selected = environment({ discoverySubnets: { subnetType: ec2.SubnetType.PUBLIC } }, (s) => ({
    discoverySecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'NodesSg', 'sg-0123456789abcdef0')],
  }));
  const tagged = JSON.stringify(selected.stack.resolve(selected.karpenter.discoveryTags!.taggedByCustomResource));
  for (const subnet of selected.cluster.vpc.publicSubnets) {
    expect(tagged).toContain(JSON.stringify(selected.stack.resolve(subnet.subnetId)));
  }
  for (const subnet of selected.cluster.vpc.privateSubnets) {
    expect(tagged).not.toContain(JSON.stringify(selected.stack.resolve(subnet.subnetId)));
  }
  expect(tagged).toContain('sg-0123456789abcdef0');
});

test('subnets of this app are tagged by CloudFormation when the cluster name is a literal', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Imported', {
    clusterName: 'literal-cluster',
    vpc,
    clusterSecurityGroupId: 'sg-0aaaaaaaaaaaaaaaa',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:kubectl',
      role: iam.Role.fromRoleArn(stack, 'KubectlRole', 'arn:aws:iam::111122223333:role/kubectl'),
    }),
  });
  const karpenter = new Karpenter(stack, 'Karpenter', { cluster, controller: KarpenterController.helmChart() });
  const template = Template.fromStack(stack);
  for (const subnet of vpc.privateSubnets) {
    const resource = template.findResources('AWS::EC2::Subnet')[logicalIdOf(subnet)];
    expect(resource.Properties.Tags).toContainEqual({ Key: 'karpenter.sh/discovery', Value: 'literal-cluster' });
  }
  expect(karpenter.discoveryTags!.taggedByCustomResource).toEqual(['sg-0aaaaaaaaaaaaaaaa']);
});

test('the node access entry can be turned off', () => {
  const { template, karpenter } = environment({ nodeAccessEntry: false });
  expect(karpenter.nodeAccess).toBeUndefined();
  expect(Object.values(template.findResources('AWS::EKS::AccessEntry')).filter((e: any) => e.Properties.Type === 'EC2_LINUX')).toEqual([]);
});

test('a node selector placement and user values reach the chart, user values winning', () => {
  const { template, stack } = environment({
    namespace: 'karpenter',
    serviceAccountName: 'karpenter-controller',
    placement: ControllerPlacement.nodeSelector({ role: 'system' }),
    controller: KarpenterController.helmChart({ version: '1.14.0', values: { replicas: 1, logLevel: 'debug', settings: { batchMaxDuration: '15s' } } }),
  });
  const values = helmValues(template, stack);
  expect(values).toContain('\\"nodeSelector\\":{\\"kubernetes.io/os\\":\\"linux\\",\\"role\\":\\"system\\"}');
  expect(values).toContain('\\"replicas\\":1');
  expect(values).toContain('\\"batchMaxDuration\\":\\"15s\\"');
  expect(values).toContain('\\"serviceAccount\\":{\\"create\\":false,\\"name\\":\\"karpenter-controller\\"}');
  template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'karpenter', ServiceAccount: 'karpenter-controller' });
  template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'karpenter', Version: '1.14.0', Namespace: 'karpenter' });
});

test('Fargate placement with IRSA leaves the node affinity to the Fargate profile', () => {
  const { template, stack } = environment({
    placement: ControllerPlacement.fargate(), identityType: eks.IdentityType.IRSA, controller: KarpenterController.helmChart(),
  });
  expect(helmValues(template, stack)).not.toContain('affinity');
});

test('the controller may decrypt a queue encrypted with a customer managed key', () => {
  const { template, stack, karpenter } = environment({}, (s) => ({ interruptionQueueEncryptionKey: new kms.Key(s, 'QueueKey') }));
  const keyArn = { 'Fn::GetAtt': [logicalIdOf(stack.node.findChild('QueueKey')), 'Arn'] };
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  const controllerPolicy = policies.find((p) =>
    JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(karpenter.controllerRole) }]));
  expect(controllerPolicy.Properties.PolicyDocument.Statement).toContainEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn });
});

test('with a customer managed key, sends stay scoped to the rules and EventBridge gets no unconditional key grant', () => {
  const { template, stack } = environment({ controller: KarpenterController.helmChart() }, (s) => ({ interruptionQueueEncryptionKey: new kms.Key(s, 'QueueKey') }));
  const queuePolicy = Object.values(template.findResources('AWS::SQS::QueuePolicy'))[0] as any;
  const sends = queuePolicy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
  expect(sends).toHaveLength(5);
  for (const send of sends) {
    expect(send.Action).toBe('sqs:SendMessage');
    expect(send.Condition.ArnEquals['aws:SourceArn']).toBeDefined();
  }
  const key = template.findResources('AWS::KMS::Key')[logicalIdOf(stack.node.findChild('QueueKey'))];
  const unconditional = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com' && !s.Condition);
  expect(unconditional).toEqual([]);
});
