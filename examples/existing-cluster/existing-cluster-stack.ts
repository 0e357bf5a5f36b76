import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ControllerPlacement, Karpenter } from '../../lib';
import { GETTING_STARTED_NODE_CLASS, GETTING_STARTED_NODE_POOL } from '../getting-started';

/** What is known of the existing cluster and VPC (from `aws eks describe-cluster` and the kubectl provider's stack). */
export interface ExistingClusterStackProps extends StackProps {
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
  /** `resourcesVpcConfig.clusterSecurityGroupId` of the cluster. */
  readonly clusterSecurityGroupId: string;
  /** The VPC of the cluster. */
  readonly vpcId: string;
  /** Availability zones of the private subnets, in the same order. */
  readonly availabilityZones: string[];
  /** Private subnets the nodes are launched in (they get the `karpenter.sh/discovery` tag). */
  readonly privateSubnetIds: string[];
  /** ARN of the kubectl provider's function (the `ServiceToken` of the cluster stack's kubectl provider). */
  readonly kubectlServiceToken: string;
  /** ARN of the role the kubectl provider uses (it must have cluster admin access). */
  readonly kubectlRoleArn: string;
  /** Name of the managed node group the controller runs on. */
  readonly systemNodegroupName: string;
}

/**
 * Karpenter added to a cluster and VPC that exist already (created by another stack, eksctl or the console): the
 * cluster is imported by name with its kubectl provider, the VPC and subnets by their IDs, without any lookup, so
 * `cdk synth` stays offline. The subnets and the cluster security group are tagged for discovery through a custom
 * resource (and untagged when the stack is deleted); the controller runs on the cluster's system node group.
 * The cluster needs the EKS Pod Identity agent add-on (or pass `identityType: eks.IdentityType.IRSA` and the
 * cluster's `openIdConnectProvider`).
 */
export class ExistingClusterStack extends Stack {
  public readonly cluster: eks.ICluster;
  public readonly karpenter: Karpenter;

  constructor(scope: Construct, id: string, props: ExistingClusterStackProps) {
    super(scope, id, props);

    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: props.vpcId,
      availabilityZones: props.availabilityZones,
      privateSubnetIds: props.privateSubnetIds,
    });
    this.cluster = eks.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: props.clusterName,
      vpc,
      clusterSecurityGroupId: props.clusterSecurityGroupId,
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(this, 'KubectlProvider', {
        serviceToken: props.kubectlServiceToken,
        role: iam.Role.fromRoleArn(this, 'KubectlRole', props.kubectlRoleArn),
      }),
    });

    this.karpenter = new Karpenter(this, 'Karpenter', {
      cluster: this.cluster,
      placement: ControllerPlacement.nodeSelector({ 'eks.amazonaws.com/nodegroup': props.systemNodegroupName }),
    });
    this.karpenter.addEc2NodeClass('default', GETTING_STARTED_NODE_CLASS);
    this.karpenter.addNodePool('default', GETTING_STARTED_NODE_POOL);
  }
}
