import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingClusterStack } from './existing-cluster-stack';

/**
 * `npx cdk synth --app "npx ts-node --transpile-only examples/existing-cluster/main.ts"`, with the values of your
 * cluster as context (`-c clusterName=... -c vpcId=...`); the defaults below are placeholders for a review synth.
 */
const app = new App();
const context = (key: string, fallback: string): string => app.node.tryGetContext(key) ?? fallback;
new ExistingClusterStack(app, 'KarpenterOnExistingCluster', {
  clusterName: context('clusterName', 'existing-cluster'),
  clusterSecurityGroupId: context('clusterSecurityGroupId', 'sg-0123456789abcdef0'),
  vpcId: context('vpcId', 'vpc-0123456789abcdef0'),
  availabilityZones: context('availabilityZones', 'us-east-1a,us-east-1b').split(','),
  privateSubnetIds: context('privateSubnetIds', 'subnet-0123456789abcdef0,subnet-0fedcba9876543210').split(','),
  kubectlServiceToken: context('kubectlServiceToken', 'arn:aws:lambda:us-east-1:111122223333:function:kubectl-provider'),
  kubectlRoleArn: context('kubectlRoleArn', 'arn:aws:iam::111122223333:role/kubectl-provider'),
  systemNodegroupName: context('systemNodegroupName', 'system'),
  description: 'Karpenter on an existing EKS cluster and VPC (karpenter-cdk example)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
