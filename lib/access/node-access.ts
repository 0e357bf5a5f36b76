import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Properties of {@link NodeAccess}. */
export interface NodeAccessProps {
  /** The cluster the nodes join. */
  readonly cluster: eks.ICluster;
  /** The role of the nodes. */
  readonly nodeRole: iam.IRole;
}

/**
 * An `EC2_LINUX` access entry for the node role, so the nodes Karpenter launches can join the cluster
 * (EKS maps the role to `system:nodes` itself; no access policy is attached).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 * @see https://karpenter.sh/docs/getting-started/migrating-from-cas/#add-the-node-role-to-the-cluster
 */
export class NodeAccess extends Construct {
  /** The access entry. */
  public readonly accessEntry: eks.AccessEntry;

  constructor(scope: Construct, id: string, props: NodeAccessProps) {
    super(scope, id);
    this.accessEntry = new eks.AccessEntry(this, 'Resource', {
      cluster: props.cluster,
      principal: props.nodeRole.roleArn,
      accessEntryType: eks.AccessEntryType.EC2_LINUX,
      accessPolicies: [],
    });
  }
}
