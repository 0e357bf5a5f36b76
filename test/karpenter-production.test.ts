import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ControllerPlacement, Karpenter, KarpenterProps } from '../lib';
import { appContext } from './helpers/fixtures';
import { logicalIdOf } from './helpers/resolve-template';

/** An imported cluster (nothing of it synthesized), as a user adding Karpenter to what they have would write it. */
function importedCluster(stack: Stack, name: string, extra: Partial<eks.ClusterAttributes> = {}): eks.ICluster {
  return eks.Cluster.fromClusterAttributes(stack, `${name}Cluster`, {
    clusterName: name,
    clusterSecurityGroupId: `sg-0${name.padEnd(16, '0').slice(0, 16)}`,
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, `${name}Kubectl`, {
      serviceToken: `arn:aws:lambda:us-east-1:111122223333:function:${name}-kubectl`,
      role: iam.Role.fromRoleArn(stack, `${name}KubectlRole`, `arn:aws:iam::111122223333:role/${name}-kubectl`),
    }),
    ...extra,
  });
}

function environment(props: Partial<KarpenterProps> = {}, name = 'blue') {
  const app = new App({ context: appContext() });
  const stack = new Stack(app, 'Stack');
  const karpenter = new Karpenter(stack, 'Karpenter', {
    cluster: importedCluster(stack, name), discoverySubnets: { subnets: [] }, ...props,
  });
  return { stack, karpenter, template: Template.fromStack(stack) };
}

describe('two Karpenter environments in one app and account', () => {
  const app = new App({ context: appContext() });
  const stacks = ['blue', 'green'].map((name) => {
    const stack = new Stack(app, `Karpenter-${name}`);
    const karpenter = new Karpenter(stack, 'Karpenter', { cluster: importedCluster(stack, name), discoverySubnets: { subnets: [] } });
    karpenter.addEc2NodeClass('default');
    karpenter.addNodePool('default');
    return stack;
  });
  // Both in one stack too (two clusters of one platform stack).
  const shared = new Stack(app, 'Platform');
  for (const name of ['one', 'two']) {
    new Karpenter(shared, `Karpenter-${name}`, { cluster: importedCluster(shared, name), discoverySubnets: { subnets: [] } });
  }
  const templates = stacks.map((stack) => Template.fromStack(stack).toJSON());
  const sharedTemplate = Template.fromStack(shared).toJSON();

  const PHYSICAL_NAME = /^(QueueName|RoleName|FunctionName|ManagedPolicyName|LogGroupName|InstanceProfileName|RuleName|FargateProfileName|Name)$/;
  function physicalNames(template: any): string[] {
    const names: string[] = [];
    for (const resource of Object.values(template.Resources) as any[]) {
      for (const [key, value] of Object.entries(resource.Properties ?? {})) {
        if (PHYSICAL_NAME.test(key)) names.push(`${resource.Type}.${key}=${JSON.stringify(value)}`);
      }
    }
    return names;
  }

  test('no resource has a physical name, so nothing collides', () => {
    for (const template of [...templates, sharedTemplate]) {
      expect(physicalNames(template)).toEqual([]);
    }
  });

  test('no output or export names collide', () => {
    const exports = [...templates, sharedTemplate].flatMap((t: any) => Object.values(t.Outputs ?? {}))
      .map((output: any) => JSON.stringify(output.Export?.Name)).filter((name) => name !== undefined);
    expect(new Set(exports).size).toBe(exports.length);
  });

  test('each environment has its own queue, rules, cleanup and discovery tags, scoped to its own cluster', () => {
    for (const template of templates) {
      const t = Template.fromJSON(template);
      t.resourceCountIs('AWS::SQS::Queue', 1);
      t.resourceCountIs('AWS::Events::Rule', 5);
      t.resourceCountIs('Custom::KarpenterNodeCleanup', 1);
    }
    const shared2 = Template.fromJSON(sharedTemplate);
    shared2.resourceCountIs('AWS::SQS::Queue', 2);
    shared2.resourceCountIs('Custom::KarpenterNodeCleanup', 2);
    shared2.resourceCountIs('Custom::KarpenterDiscoveryTags', 2);
    const values = Object.values(shared2.findResources('Custom::KarpenterNodeCleanup')).map((r: any) => r.Properties.ClusterName);
    expect(values.sort()).toEqual(['one', 'two']);
  });
});

describe('options', () => {
  test('the EC2 Spot service-linked role is off by default, and retained when created', () => {
    environment().template.resourceCountIs('AWS::IAM::ServiceLinkedRole', 0);
    const { template, karpenter } = environment({ createSpotServiceLinkedRole: true });
    template.hasResource('AWS::IAM::ServiceLinkedRole', {
      Properties: { AWSServiceName: 'spot.amazonaws.com' },
      DeletionPolicy: 'Retain',
    });
    expect(karpenter.spotServiceLinkedRole).toBeDefined();
  });

  test('a customer managed key gets a key policy statement for EventBridge, scoped to this account\'s rules', () => {
    const app = new App({ context: appContext() });
    const stack = new Stack(app, 'Stack');
    const key = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
    new Karpenter(stack, 'Karpenter', { cluster: importedCluster(stack, 'blue'), discoverySubnets: { subnets: [] }, interruptionQueueEncryptionKey: key });
    const policy = Template.fromStack(stack).findResources('AWS::KMS::Key')[logicalIdOf(key)].Properties.KeyPolicy;
    const statement = policy.Statement.find((s: any) => s.Sid === 'AllowEventBridgeToSendInterruptionEvents');
    expect(statement).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(statement.Condition.ArnLike['aws:SourceArn'])).toContain(':rule/*');
  });

  test('the cleanup drain timeout reaches the custom resource', () => {
    environment({ cleanupDrainTimeout: Duration.minutes(2) }).template
      .hasResourceProperties('Custom::KarpenterNodeCleanup', { DrainSeconds: 120 });
  });

  test('Fargate on an imported cluster: a profile in the given subnets, IRSA through the given OIDC provider', () => {
    const app = new App({ context: appContext() });
    const stack = new Stack(app, 'Stack');
    const oidc = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE');
    const cluster = importedCluster(stack, 'blue', { openIdConnectProvider: oidc });
    const subnets = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'].map((subnetId, i) => ec2.Subnet.fromSubnetId(stack, `S${i}`, subnetId));
    const karpenter = new Karpenter(stack, 'Karpenter', {
      cluster,
      discoverySubnets: { subnets },
      placement: ControllerPlacement.fargate({ subnets: { subnets }, podLabels: { app: 'karpenter' } }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::FargateProfile', {
      ClusterName: 'blue', Subnets: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'], Selectors: [{ Namespace: 'kube-system', Labels: [{ Key: 'app', Value: 'karpenter' }] }],
    });
    expect(karpenter.fargateProfile).toBeDefined();
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
  });

  test('Fargate with createProfile: false creates no profile', () => {
    const app = new App({ context: appContext() });
    const stack = new Stack(app, 'Stack');
    const oidc = iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE');
    new Karpenter(stack, 'Karpenter', {
      cluster: importedCluster(stack, 'blue', { openIdConnectProvider: oidc }),
      discoverySubnets: { subnets: [] },
      placement: ControllerPlacement.fargate({ createProfile: false }),
    });
    Template.fromStack(stack).resourceCountIs('AWS::EKS::FargateProfile', 0);
  });
});
