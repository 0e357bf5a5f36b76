import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FargateEnvironmentStack } from './fargate-stack';
import { acknowledgeExampleFindings } from '../environment/nag-acknowledgements';

/** `npx cdk synth --app "npx ts-node --transpile-only examples/fargate/main.ts"` */
const app = new App();
const stack = new FargateEnvironmentStack(app, 'KarpenterOnFargate', {
  clusterName: app.node.tryGetContext('clusterName') ?? 'karpenter-fargate',
  description: 'Karpenter on Fargate, everything else on Karpenter nodes (karpenter-cdk example)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
acknowledgeExampleFindings(stack);
app.synth();
