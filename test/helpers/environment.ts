import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { appContext } from './fixtures';
import { KarpenterEnvironmentStack } from '../../examples/environment/karpenter-environment-stack';

/** The example environment (the main job), synthesized once per test file. */
export function exampleEnvironment(): { stack: KarpenterEnvironmentStack; template: Template } {
  const app = new App({ context: appContext() });
  const stack = new KarpenterEnvironmentStack(app, 'KarpenterEnvironment', { clusterName: 'karpenter-demo' });
  return { stack, template: Template.fromStack(stack) };
}
