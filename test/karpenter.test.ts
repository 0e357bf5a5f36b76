import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { exampleEnvironment } from './helpers/environment';
import { testCluster, testStack } from './helpers/fixtures';
import { logicalIdOf } from './helpers/resolve-template';
import { KarpenterEnvironmentStack } from '../examples/environment/karpenter-environment-stack';
import { INTERRUPTION_EVENT_KINDS, Karpenter, KarpenterController } from '../lib';

let stack: KarpenterEnvironmentStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = exampleEnvironment());
});

function resourcesOfType(type: string): Record<string, any> {
  return template.findResources(type);
}

describe('node role', () => {
  test('is trusted by ec2.<URL suffix> and carries the four node policies', () => {
    const nodeRoleId = logicalIdOf(stack.karpenter.nodeRole);
    const role = resourcesOfType('AWS::IAM::Role')[nodeRoleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: { 'Fn::Join': ['', ['ec2.', { Ref: 'AWS::URLSuffix' }]] } },
    }]);
    const policyNames = role.Properties.ManagedPolicyArns.map((arn: any) => arn['Fn::Join'][1][2].replace(':iam::aws:policy/', ''));
    expect(policyNames.sort()).toEqual(
      ['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonSSMManagedInstanceCore'],
    );
  });

  test('has an EC2_LINUX access entry and no instance profile by default', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      Type: 'EC2_LINUX',
      AccessPolicies: [],
      PrincipalArn: { 'Fn::GetAtt': [logicalIdOf(stack.karpenter.nodeRole), 'Arn'] },
    });
    template.resourceCountIs('AWS::IAM::InstanceProfile', 0);
  });
});

describe('controller identity', () => {
  test('the controller role is trusted by EKS Pod Identity with AssumeRole and TagSession', () => {
    const role = resourcesOfType('AWS::IAM::Role')[logicalIdOf(stack.karpenter.controllerRole)];
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    const podsStatements = statements.filter((s: any) => s.Principal?.Service === 'pods.eks.amazonaws.com');
    const actions = new Set(podsStatements.flatMap((s: any) => [s.Action].flat()));
    expect([...actions].sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(statements.filter((s: any) => s.Principal?.Service !== 'pods.eks.amazonaws.com')).toEqual([]);
  });

  test('is associated with kube-system/karpenter, and the agent add-on exists once', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'karpenter',
      RoleArn: { 'Fn::GetAtt': [logicalIdOf(stack.karpenter.controllerRole), 'Arn'] },
    });
    const addons = Object.values(resourcesOfType('AWS::EKS::Addon')).filter((a: any) => a.Properties.AddonName === 'eks-pod-identity-agent');
    expect(addons).toHaveLength(1);
  });

  test('the controller role carries all six controller policies', () => {
    const role = resourcesOfType('AWS::IAM::Role')[logicalIdOf(stack.karpenter.controllerRole)];
    const attached = role.Properties.ManagedPolicyArns.map((arn: any) => arn.Ref).sort();
    const created = stack.karpenter.controllerPolicies.policies
      .map((policy) => logicalIdOf(policy as iam.ManagedPolicy)).sort();
    expect(created).toHaveLength(6);
    expect(attached).toEqual(created);
  });

  test('the service account manifest is created by the stack', () => {
    const manifests = Object.values(resourcesOfType('Custom::AWSCDK-EKS-KubernetesResource'))
      .map((r: any) => JSON.stringify(r.Properties.Manifest));
    expect(manifests.some((m) => m.includes('\\"kind\\":\\"ServiceAccount\\"') && m.includes('\\"name\\":\\"karpenter\\"'))).toBe(true);
  });
});

describe('interruption queue', () => {
  test('keeps messages 300 s, SSE-SQS encrypted', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 300, SqsManagedSseEnabled: true });
    const queue = Object.values(resourcesOfType('AWS::SQS::Queue'))[0] as any;
    expect(queue.Properties.QueueName).toBeUndefined();
  });

  test('denies requests without TLS and lets each rule (and only the rules) send', () => {
    const queueId = logicalIdOf(stack.karpenter.interruptionQueue!);
    const policy = Object.values(resourcesOfType('AWS::SQS::QueuePolicy'))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Action: 'sqs:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
    });
    const sends = statements.filter((s: any) => s.Effect === 'Allow');
    expect(sends).toHaveLength(INTERRUPTION_EVENT_KINDS.length);
    for (const send of sends) {
      expect(send.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect([send.Action].flat()).toContain('sqs:SendMessage');
      expect(send.Condition.ArnEquals['aws:SourceArn']['Fn::GetAtt'][0]).toMatch(/^KarpenterInterruptionRules/);
    }
  });

  test.each(INTERRUPTION_EVENT_KINDS.map((kind) => [kind.detailType, kind]))('a rule forwards %s to the queue', (_name, kind) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': [kind.source], 'detail-type': [kind.detailType] },
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.karpenter.interruptionQueue!), 'Arn'] } }],
    });
  });

  test('exactly five rules exist', () => {
    template.resourceCountIs('AWS::Events::Rule', 5);
    expect(stack.karpenter.interruptionRules).toHaveLength(5);
  });
});

describe('discovery tags', () => {
  test('tag the private subnets and the cluster security group through one custom resource', () => {
    const [tagger] = Object.values(resourcesOfType('Custom::KarpenterDiscoveryTags')) as any[];
    const listed = JSON.stringify(tagger.Properties.Resources);
    for (const subnet of stack.cluster.vpc.privateSubnets) {
      expect(listed).toContain(JSON.stringify(stack.resolve(subnet.subnetId)));
    }
    for (const subnet of stack.cluster.vpc.publicSubnets) {
      expect(listed).not.toContain(JSON.stringify(stack.resolve(subnet.subnetId)));
    }
    expect(listed).toContain('ClusterSecurityGroupId');
    expect(tagger.Properties.TagKey).toBe('karpenter.sh/discovery');
    expect(tagger.Properties.TagValue).toEqual({ Ref: logicalIdOf(stack.cluster) });
  });

  test('the tagging permission is scoped to exactly those resources', () => {
    const policies = Object.values(resourcesOfType('AWS::IAM::Policy')) as any[];
    const tagging = policies.map((p) => p.Properties.PolicyDocument.Statement).flat()
      .filter((s: any) => [s.Action].flat().includes('ec2:CreateTags'));
    expect(tagging).toHaveLength(1);
    const resources = tagging[0].Resource.map((r: any) => JSON.stringify(r));
    expect(resources).toHaveLength(stack.cluster.vpc.privateSubnets.length + 1);
    expect(resources.every((r: string) => r.includes(':subnet/') || r.includes(':security-group/'))).toBe(true);
    expect(resources).not.toContain('"*"');
  });
});

describe('controller engine (Helm)', () => {
  let helmStack: Stack;
  let helm: Karpenter;
  let helmTemplate: Template;
  beforeAll(() => {
    helmStack = testStack();
    helm = new Karpenter(helmStack, 'Karpenter', { cluster: testCluster(helmStack), controller: KarpenterController.helmChart() });
    helmTemplate = Template.fromStack(helmStack);
  });

  function chart(name: string): any {
    return Object.values(helmTemplate.findResources('Custom::AWSCDK-EKS-HelmChart')).find((c: any) => c.Properties.Chart === name);
  }

  test('installs karpenter-crd and karpenter 1.14.1 from the upstream OCI registry into kube-system', () => {
    expect(chart('karpenter-crd').Properties).toMatchObject({
      Repository: 'oci://public.ecr.aws/karpenter/karpenter-crd', Version: '1.14.1', Namespace: 'kube-system',
    });
    expect(chart('karpenter').Properties).toMatchObject({
      Repository: 'oci://public.ecr.aws/karpenter/karpenter', Version: '1.14.1', Namespace: 'kube-system', SkipCrds: true,
    });
  });

  test('the controller chart comes after the CRDs, its service account and its permissions', () => {
    const dependsOn: string[] = chart('karpenter').DependsOn;
    expect(dependsOn).toContain(logicalIdOf(helm.crdResource));
    expect(dependsOn).toContain(logicalIdOf(helm.controllerRole));
    for (const policy of helm.controllerPolicies.policies) {
      expect(dependsOn).toContain(logicalIdOf(policy as iam.ManagedPolicy));
    }
    expect(dependsOn.some((id) => id.startsWith('KarpenterServiceAccountmanifest'))).toBe(true);
  });

  test('values carry the cluster name, the queue name, the service account and the placement', () => {
    const values = helmStack.resolve(chart('karpenter').Properties.Values);
    const rendered = JSON.stringify(values);
    expect(rendered).toContain('\\"clusterName\\":\\"",{"Ref":"ClusterEB0386A7"}');
    expect(rendered).toContain(`\\"interruptionQueue\\":\\"",{"Fn::GetAtt":["${logicalIdOf(helm.interruptionQueue!)}","QueueName"]}`);
    expect(rendered).toContain('\\"serviceAccount\\":{\\"create\\":false,\\"name\\":\\"karpenter\\"}');
    expect(rendered).toContain('{\\"key\\":\\"karpenter.sh/nodepool\\",\\"operator\\":\\"DoesNotExist\\"}');
  });
});

test('public attributes for composition', () => {
  const karpenter = stack.karpenter;
  expect(karpenter.namespace).toBe('kube-system');
  expect(karpenter.serviceAccountName).toBe('karpenter');
  expect(karpenter.serviceAccount.serviceAccountName).toBe('karpenter');
  expect(karpenter.nodeRole).toBeDefined();
  expect(karpenter.controllerRole).toBe(karpenter.serviceAccount.role);
  expect(karpenter.interruptionQueue).toBeDefined();
  expect(karpenter.clusterName).toBe(stack.cluster.clusterName);
});

test('the example defines the system node group the controller runs on', () => {
  template.hasResourceProperties('AWS::EKS::Nodegroup', Match.objectLike({ Labels: { role: 'system' } }));
  template.hasResourceProperties('AWS::EKS::Cluster', Match.objectLike({ Version: '1.35' }));
});
