import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KarpenterEnvironmentStack } from '../../examples/environment/karpenter-environment-stack';
import { acknowledgeExampleFindings } from '../../examples/environment/nag-acknowledgements';
import { appContext } from '../helpers/fixtures';

function exampleApp(acknowledge: boolean): { app: App; stack: KarpenterEnvironmentStack } {
  const app = new App({ context: appContext() });
  const stack = new KarpenterEnvironmentStack(app, 'KarpenterEnvironment', { clusterName: 'karpenter-demo' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (acknowledge) {
    acknowledgeExampleFindings(stack);
  }
  return { app, stack };
}

function synthError(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

test('cdk-nag AwsSolutions: the example has no unacknowledged finding', () => {
  expect(synthError(exampleApp(true).app)).toBe('');
});

test('cdk-nag AwsSolutions: the library acknowledges the findings on its own resources, and only those', () => {
  const message = synthError(exampleApp(false).app);
  const flaggedPaths = [...message.matchAll(/^\s+(KarpenterEnvironment\/\S+)/gm)].map((match) => match[1]);
  // Without the example's acknowledgements, the cluster's own findings show up...
  expect(flaggedPaths).toEqual(expect.arrayContaining(['KarpenterEnvironment/Cluster/Role/Resource']));
  // ...but none of Karpenter's.
  expect(flaggedPaths.filter((path) => path.startsWith('KarpenterEnvironment/Karpenter/'))).toEqual([]);
});

test('every acknowledgement carries a reason', () => {
  const { stack } = exampleApp(true);
  const acknowledgements = stack.node.findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
  expect(acknowledgements.length).toBeGreaterThan(10);
  const withoutRealReason = acknowledgements.filter(([, reason]) => String(reason).split(/\s+/).length < 8);
  expect(withoutRealReason).toEqual([]);
});

test('the app turns the built-in template validation into errors', () => {
  expect(appContext()['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  const app = new App({ context: appContext() });
  const stack = new Stack(app, 'Invalid');
  new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue', properties: { MessageRetentionPeriod: 'a long time' } });
  expect(synthError(app)).not.toBe('');
});
