import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

const LAMBDA_LOGS = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const LAMBDA_VPC = 'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

function managedPolicies(scope: IConstruct | undefined, names: string[], reason: string): void {
  if (scope) {
    for (const name of names) {
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM4[Policy::${name}]`, reason });
    }
  }
}

/**
 * cdk-nag AwsSolutions findings on the example's own resources (the cluster aws-eks-v2 builds), each with the
 * reason it stays. Findings on Karpenter's resources are acknowledged by the library itself.
 */
export function acknowledgeExampleFindings(stack: Stack): void {
  const cluster = stack.node.findChild('Cluster');
  managedPolicies(cluster.node.tryFindChild('Role'), ['arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy'],
    'The EKS service role must carry AmazonEKSClusterPolicy (EKS documentation); aws-eks-v2 attaches it.');
  managedPolicies(cluster.node.tryFindChild('NodegroupSystem'), [
    'arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    'arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy',
    'arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  ], 'Managed node group nodes need the EKS worker, VPC CNI and ECR read policies (EKS documentation).');

  const kubectlProvider = cluster.node.tryFindChild('KubectlProvider');
  if (kubectlProvider) {
    const reason = 'The kubectl provider of aws-eks-v2 (Lambda functions in the VPC) uses the AWS managed Lambda ' +
      'logging and VPC access policies and ECR read access to pull Helm charts; not ours to change.';
    managedPolicies(kubectlProvider, [LAMBDA_LOGS, LAMBDA_VPC, 'arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'], reason);
    const ecrPublicCondition = kubectlProvider.node.findAll().find((child) => child.node.id === 'HasEcrPublic');
    const ecrPublicConditionId = ecrPublicCondition ? stack.getLogicalId(ecrPublicCondition as CfnElement) : '';
    Validations.of(kubectlProvider).acknowledge({
      id: `AwsSolutions-IAM4[Policy::{"Fn::If":["${ecrPublicConditionId}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`,
      reason,
    });
    Validations.of(kubectlProvider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'aws-eks-v2 picks the kubectl handler runtime (a Python version its layer supports); not ours to change.',
    });
    const handler = kubectlProvider.node.findChild('Handler').node.defaultChild as CfnElement;
    Validations.of(kubectlProvider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(handler)}.Arn>:*]`,
      reason: 'The custom resource framework of aws-cdk-lib may invoke every version of its own handler function.',
    });
  }
}
