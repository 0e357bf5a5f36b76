import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KarpenterEnvironmentStack } from './karpenter-environment-stack';
import { acknowledgeExampleFindings } from './nag-acknowledgements';

const app = new App();
const stack = new KarpenterEnvironmentStack(app, 'KarpenterEnvironment', {
  clusterName: app.node.tryGetContext('clusterName') ?? 'karpenter-demo',
  description: 'A complete Karpenter environment on Amazon EKS (karpenter-cdk example)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
acknowledgeExampleFindings(stack);
app.synth();
