import * as fs from 'fs';
import * as path from 'path';
import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';

/** Where the upstream reference data lives (never copied into the project). */
export const SHARED_REFERENCE = path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'karpenter');

/** The feature flags of the example app (`cdk.json`), so tests synthesize as the main job does. */
export function appContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
}

/** A fresh app (with the example's feature flags) and an env-agnostic stack. */
export function testStack(props: StackProps = {}): Stack {
  const app = new App({ context: appContext() });
  return new Stack(app, 'TestStack', props);
}

/**
 * An aws-eks-v2 cluster the way the example builds one: a managed node group for system pods, no Auto Mode.
 * Synthesizing it copies the kubectl layer: share the stack between assertions.
 */
export function testCluster(stack: Stack, props: Partial<eks.ClusterProps> = {}): eks.Cluster {
  return new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.V1_35,
    kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer') },
    defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 1,
    ...props,
  });
}
