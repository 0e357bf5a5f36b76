import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { ControllerPlacement, Karpenter, KarpenterController } from '../../lib';
import { GETTING_STARTED_NODE_CLASS, GETTING_STARTED_NODE_POOL } from '../getting-started';

/** Props of the Fargate example. */
export interface FargateEnvironmentStackProps extends StackProps {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
}

/**
 * A cluster without any node group: the Karpenter controller runs on Fargate (a profile for its pods, created by the
 * construct; IRSA, since Pod Identity is not available on Fargate) and everything else, CoreDNS included, on nodes
 * Karpenter launches.
 */
export class FargateEnvironmentStack extends Stack {
  public readonly cluster: eks.Cluster;
  public readonly karpenter: Karpenter;

  constructor(scope: Construct, id: string, props: FargateEnvironmentStackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      version: eks.KubernetesVersion.V1_35,
      kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer') },
      vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
    });

    this.karpenter = new Karpenter(this, 'Karpenter', {
      cluster: this.cluster,
      // Creates the Fargate profile (kube-system, app.kubernetes.io/name=karpenter); the identity is IRSA.
      placement: ControllerPlacement.fargate(),
      // CoreDNS runs on Karpenter's nodes, which do not exist yet: resolve through the VPC resolver.
      controller: KarpenterController.helmChart({ values: { dnsPolicy: 'Default' } }),
    });
    this.karpenter.addEc2NodeClass('default', GETTING_STARTED_NODE_CLASS);
    this.karpenter.addNodePool('default', GETTING_STARTED_NODE_POOL);
  }
}
