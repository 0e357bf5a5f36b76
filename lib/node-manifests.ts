import { Annotations, Lazy } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Ec2NodeClass, Ec2NodeClassOptions } from './manifests/ec2-node-class';
import { NodeClassReference } from './manifests/node-class-reference';
import { NodePool, NodePoolOptions } from './manifests/node-pool';
import { SecurityGroupSelectorTerm, SubnetSelectorTerm } from './manifests/selector-terms';
import { ManifestWarnings } from './manifests/warnings';
import { fail } from './private/errors';
import { DISCOVERY_TAG_KEY } from './shared/tags';

/** Options of {@link Karpenter.addEc2NodeClass}: an EC2NodeClass whose environment-specific fields have defaults. */
export interface KarpenterEc2NodeClassOptions extends Ec2NodeClassOptions {
  /**
   * Name of an instance profile to launch nodes with, instead of the environment's node role. Its role must be
   * passable by the controller (`additionalNodeRoles`) and have an access entry.
   *
   * @default - the environment's node role (`spec.role`)
   */
  readonly instanceProfile?: string;

  /**
   * Subnets to launch nodes in.
   *
   * @default - subnets tagged `karpenter.sh/discovery: <cluster name>`
   */
  readonly subnetSelectorTerms?: SubnetSelectorTerm[];

  /**
   * Security groups of the nodes.
   *
   * @default - security groups tagged `karpenter.sh/discovery: <cluster name>`
   */
  readonly securityGroupSelectorTerms?: SecurityGroupSelectorTerm[];
}

/** Options of {@link Karpenter.addNodePool}. */
export interface KarpenterNodePoolOptions extends NodePoolOptions {
  /**
   * The node class of the NodePool's nodes.
   *
   * @default - the first EC2NodeClass added with `addEc2NodeClass`
   */
  readonly nodeClass?: NodeClassReference;
}

/** What the node manifests need from the environment. */
export interface NodeManifestsProps {
  readonly cluster: eks.ICluster;
  readonly clusterName: string;
  /** Name of the node role (EC2NodeClass `spec.role`). */
  readonly nodeRoleName: string;
  /** What every manifest is applied after (the CRDs and the controller) and deleted before. */
  readonly dependencies: IConstruct[];
}

/**
 * The NodePools and EC2NodeClasses of a Karpenter environment: cdk8s objects, each applied to the cluster as its own
 * manifest, rendered at synth so that anything added after construction is included. Manifests are applied after
 * the CRDs and the controller and deleted before them, NodePools before the EC2NodeClasses they use, so that the
 * controller is still running to drain and terminate nodes when they go.
 */
export class NodeManifests extends Construct {
  private readonly chart: cdk8s.Chart;
  private readonly manifests = new Map<cdk8s.ApiObject, eks.KubernetesManifest>();
  private readonly nodeClasses: Ec2NodeClass[] = [];

  constructor(scope: Construct, id: string, private readonly props: NodeManifestsProps) {
    super(scope, id);
    this.chart = new cdk8s.Chart(new cdk8s.App({ outdir: undefined }), 'karpenter');
    ManifestWarnings.setHandler(this.chart, {
      warn: (_scope, warningId, message) => Annotations.of(this).addWarningV2(warningId, message),
    });
  }

  /** Adds an EC2NodeClass named `id` (unless `metadata.name` says otherwise). */
  public addEc2NodeClass(id: string, options: KarpenterEc2NodeClassOptions = {}): Ec2NodeClass {
    const discovery = { [DISCOVERY_TAG_KEY]: this.props.clusterName };
    const nodeClass = new Ec2NodeClass(this.chart, `EC2NodeClass-${id}`, {
      ...options,
      metadata: { name: id, ...options.metadata },
      role: options.instanceProfile ? undefined : this.props.nodeRoleName,
      subnetSelectorTerms: options.subnetSelectorTerms ?? [SubnetSelectorTerm.tags(discovery)],
      securityGroupSelectorTerms: options.securityGroupSelectorTerms ?? [SecurityGroupSelectorTerm.tags(discovery)],
    });
    this.nodeClasses.push(nodeClass);
    this.apply(`EC2NodeClass-${id}`, nodeClass);
    return nodeClass;
  }

  /** Adds a NodePool named `id` (unless `metadata.name` says otherwise). */
  public addNodePool(id: string, options: KarpenterNodePoolOptions = {}): NodePool {
    const defaultNodeClass = this.nodeClasses[0];
    if (!options.nodeClass && !defaultNodeClass) {
      fail(`Karpenter.addNodePool("${id}"): nodeClass is not set and no EC2NodeClass was added yet. Call ` +
        'addEc2NodeClass() first, or pass nodeClass: NodeClassReference.fromName("<name>").', this);
    }
    const nodePool = new NodePool(this.chart, `NodePool-${id}`, {
      ...options,
      metadata: { name: id, ...options.metadata },
      nodeClass: options.nodeClass ?? NodeClassReference.fromEc2NodeClass(defaultNodeClass!),
    });
    const manifest = this.apply(`NodePool-${id}`, nodePool);
    const nodeClassManifest = nodePool.nodeClass.nodeClass && this.manifests.get(nodePool.nodeClass.nodeClass);
    if (nodeClassManifest) {
      manifest.node.addDependency(nodeClassManifest);
    }
    return nodePool;
  }

  private apply(id: string, object: cdk8s.ApiObject): eks.KubernetesManifest {
    const manifest = new eks.KubernetesManifest(this, id, {
      cluster: this.props.cluster,
      manifest: [Lazy.any({ produce: () => object.toJson() })],
      overwrite: true,
    });
    manifest.node.addDependency(...this.props.dependencies);
    this.manifests.set(object, manifest);
    return manifest;
  }
}
