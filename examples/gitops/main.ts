/**
 * GitOps: the getting-started NodePool and EC2NodeClass as plain YAML, written by a cdk8s app (no AWS CDK stack).
 * Commit the output (`examples/gitops/dist/`) to the repository Flux or Argo CD syncs.
 *
 *   npx ts-node examples/gitops/main.ts
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Ec2NodeClass, NodeClassReference, NodePool, SecurityGroupSelectorTerm, SubnetSelectorTerm } from '../../lib/manifests';
import { GETTING_STARTED_NODE_CLASS, GETTING_STARTED_NODE_POOL } from '../getting-started';

/** The cluster whose discovery-tagged subnets and security groups the nodes use. */
const CLUSTER_NAME = 'my-cluster';

/** One chart with the EC2NodeClass and the NodePool that uses it. */
export class KarpenterNodesChart extends Chart {
  public readonly nodeClass: Ec2NodeClass;
  public readonly nodePool: NodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.nodeClass = new Ec2NodeClass(this, 'NodeClass', {
      ...GETTING_STARTED_NODE_CLASS,
      metadata: { name: 'default' },
      role: `KarpenterNodeRole-${CLUSTER_NAME}`,
      subnetSelectorTerms: [SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': CLUSTER_NAME })],
      securityGroupSelectorTerms: [SecurityGroupSelectorTerm.tags({ 'karpenter.sh/discovery': CLUSTER_NAME })],
    });

    this.nodePool = new NodePool(this, 'NodePool', {
      ...GETTING_STARTED_NODE_POOL,
      metadata: { name: 'default' },
      nodeClass: NodeClassReference.fromEc2NodeClass(this.nodeClass),
    });
  }
}

/** The app; `outdir` defaults to `$CDK8S_OUTDIR`, else `examples/gitops/dist`. */
export function buildApp(outdir: string = process.env.CDK8S_OUTDIR ?? path.join(__dirname, 'dist')): App {
  const app = new App({ outdir });
  new KarpenterNodesChart(app, 'karpenter-nodes');
  return app;
}

if (require.main === module) {
  const app = buildApp();
  app.synth();
  console.log(`wrote ${path.join(app.outdir, 'karpenter-nodes.k8s.yaml')}`);
}
