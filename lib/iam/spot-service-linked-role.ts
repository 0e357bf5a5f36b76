import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The EC2 Spot service-linked role (`AWSServiceRoleForEC2Spot`, for `spot.amazonaws.com`), which an account needs
 * before its first Spot launch. It is account-wide: create it in one stack of the account only, and only if the
 * account does not have it yet (CloudFormation fails when it exists). It is retained when the stack is deleted,
 * since other workloads of the account launch Spot instances with it too.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#3-create-a-cluster
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html
 */
export class SpotServiceLinkedRole extends Construct {
  /** The service name the role is linked to. */
  public static readonly SERVICE_NAME = 'spot.amazonaws.com';

  /** The role. */
  public readonly resource: iam.CfnServiceLinkedRole;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.resource = new iam.CfnServiceLinkedRole(this, 'Resource', {
      awsServiceName: SpotServiceLinkedRole.SERVICE_NAME,
    });
    this.resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
