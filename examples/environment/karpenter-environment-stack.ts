import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { Ec2NodeClass, Karpenter, NodePool } from '../../lib';
import { GETTING_STARTED_NODE_CLASS, GETTING_STARTED_NODE_POOL } from '../getting-started';

/** Props of the example environment. */
export interface KarpenterEnvironmentStackProps extends StackProps {
  /** Name of the EKS cluster (also the value of the `karpenter.sh/discovery` tags). */
  readonly clusterName: string;
}

/**
 * A complete Karpenter environment: a VPC, an EKS 1.35 cluster with a small managed node group for system pods
 * and the controller, and the Karpenter construct.
 */
export class KarpenterEnvironmentStack extends Stack {
  public readonly cluster: eks.Cluster;
  public readonly karpenter: Karpenter;
  public readonly nodeClass: Ec2NodeClass;
  public readonly nodePool: NodePool;

  constructor(scope: Construct, id: string, props: KarpenterEnvironmentStackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 3,
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      version: eks.KubernetesVersion.V1_35,
      kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer') },
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      // Karpenter manages the workload capacity; a small managed node group runs system pods and the controller.
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
    });
    this.cluster.addNodegroupCapacity('System', {
      nodegroupName: 'system',
      instanceTypes: [new ec2.InstanceType('m5.large')],
      minSize: 2,
      desiredSize: 2,
      maxSize: 3,
      labels: { role: 'system' },
    });

    this.karpenter = new Karpenter(this, 'Karpenter', { cluster: this.cluster });

    // The getting-started guide's EC2NodeClass and NodePool, applied after the CRDs and the controller.
    this.nodeClass = this.karpenter.addEc2NodeClass('default', GETTING_STARTED_NODE_CLASS);
    this.nodePool = this.karpenter.addNodePool('default', GETTING_STARTED_NODE_POOL);
  }
}
