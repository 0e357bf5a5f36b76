import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeExampleFindings } from '../../examples/environment/nag-acknowledgements';
import { ExistingClusterStack, ExistingClusterStackProps } from '../../examples/existing-cluster/existing-cluster-stack';
import { FargateEnvironmentStack } from '../../examples/fargate/fargate-stack';
import { appContext } from '../helpers/fixtures';
import { logicalIdOf } from '../helpers/resolve-template';

const EXISTING: ExistingClusterStackProps = {
  clusterName: 'existing-cluster',
  clusterSecurityGroupId: 'sg-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  kubectlServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:kubectl-provider',
  kubectlRoleArn: 'arn:aws:iam::111122223333:role/kubectl-provider',
  systemNodegroupName: 'system',
};

function synthError(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

function withNag(build: (app: App) => Stack): App {
  const app = new App({ context: appContext() });
  const stack = build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeExampleFindings(stack);
  return app;
}

describe('existing cluster and VPC', () => {
  const app = new App({ context: appContext() });
  const stack = new ExistingClusterStack(app, 'KarpenterOnExistingCluster', EXISTING);
  const template = Template.fromStack(stack);

  test('creates no cluster, VPC or subnet: everything of the cluster is imported', () => {
    for (const type of ['AWS::EKS::Cluster', 'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EKS::Nodegroup']) {
      template.resourceCountIs(type, 0);
    }
  });

  test('manifests and charts go through the existing kubectl provider', () => {
    const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')) as any[];
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.every((chart) => chart.Properties.ServiceToken === EXISTING.kubectlServiceToken)).toBe(true);
    expect(charts.every((chart) => chart.Properties.ClusterName === 'existing-cluster')).toBe(true);
  });

  test('the existing subnets and the cluster security group are tagged through the custom resource', () => {
    template.hasResourceProperties('Custom::KarpenterDiscoveryTags', {
      TagValue: 'existing-cluster',
      Resources: [...EXISTING.privateSubnetIds, EXISTING.clusterSecurityGroupId],
    });
  });

  test('the controller runs on the system node group, and Pod Identity is associated with the cluster by name', () => {
    // The controller's Deployment (bundled engine, the default) selects the system node group.
    const manifests = JSON.stringify(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(manifests).toMatch(/\\"kind\\":\\"Deployment\\"/);
    expect(manifests).toContain('{\\"key\\":\\"eks.amazonaws.com/nodegroup\\",\\"operator\\":\\"In\\",\\"values\\":[\\"system\\"]}');
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ClusterName: 'existing-cluster' });
    template.resourceCountIs('AWS::EKS::Addon', 0);
  });

  test('the clean-destroy custom resource is there', () => {
    template.hasResourceProperties('Custom::KarpenterNodeCleanup', { ClusterName: 'existing-cluster' });
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(synthError(withNag((a) => new ExistingClusterStack(a, 'KarpenterOnExistingCluster', EXISTING)))).toBe('');
  });
});

describe('Fargate', () => {
  const app = new App({ context: appContext() });
  const stack = new FargateEnvironmentStack(app, 'KarpenterOnFargate', { clusterName: 'karpenter-fargate' });
  const template = Template.fromStack(stack);

  test('a Fargate profile selects the controller pods in their namespace, in private subnets', () => {
    template.hasResourceProperties('AWS::EKS::FargateProfile', {
      ClusterName: { Ref: logicalIdOf(stack.cluster) },
      Selectors: [{ Namespace: 'kube-system', Labels: [{ Key: 'app.kubernetes.io/name', Value: 'karpenter' }] }],
      Subnets: stack.cluster.vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId)),
    });
  });

  test('the pod execution role is trusted only for this cluster\'s Fargate profiles', () => {
    const profile = Object.values(template.findResources('AWS::EKS::FargateProfile'))[0] as any;
    const roleId = profile.Properties.PodExecutionRoleArn['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId];
    const [statement] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statement.Principal).toEqual({ Service: 'eks-fargate-pods.amazonaws.com' });
    expect(JSON.stringify(statement.Condition.ArnLike['aws:SourceArn'])).toContain(':fargateprofile/');
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('AmazonEKSFargatePodExecutionRolePolicy');
  });

  test('the controller uses IRSA (no Pod Identity), and its chart waits for the profile', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    const controllerRole = template.findResources('AWS::IAM::Role')[logicalIdOf(stack.karpenter.controllerRole)];
    expect(JSON.stringify(controllerRole.Properties.AssumeRolePolicyDocument)).toContain('sts:AssumeRoleWithWebIdentity');
    const chart = template.findResources('Custom::AWSCDK-EKS-HelmChart')[logicalIdOf(stack.karpenter.controllerResource)];
    expect(chart.DependsOn).toContain(logicalIdOf(stack.karpenter.fargateProfile!));
    expect(JSON.stringify(chart.Properties.Values)).not.toContain('affinity');
  });

  test('no node group exists', () => {
    template.resourceCountIs('AWS::EKS::Nodegroup', 0);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(synthError(withNag((a) => new FargateEnvironmentStack(a, 'KarpenterOnFargate', { clusterName: 'karpenter-fargate' })))).toBe('');
  });
});
