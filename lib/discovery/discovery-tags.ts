import { Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DISCOVERY_TAG_KEY } from '../shared/tags';

/** Properties of {@link DiscoveryTags}. */
export interface DiscoveryTagsProps {
  /** Value of the tag: the cluster name (may be a token). */
  readonly clusterName: string;
  /** Subnets to tag. */
  readonly subnets: ec2.ISubnet[];
  /** IDs of the security groups to tag (e.g. the EKS-created cluster security group; may be tokens). */
  readonly securityGroupIds: string[];
}

/**
 * Tags subnets and security groups with `karpenter.sh/discovery=<cluster name>` so that EC2NodeClass selector
 * terms find them.
 *
 * Subnets defined in this CDK app are tagged by CloudFormation when the cluster name is a literal. Everything
 * else (the security group EKS creates, subnets of an imported VPC, or any subnet when the cluster name is only
 * known at deploy time, since a `Ref` to the cluster on a subnet tag would be a dependency cycle) is tagged by a
 * custom resource that calls `ec2:CreateTags` on create and update and `ec2:DeleteTags` on delete, with
 * permissions scoped to exactly those resources.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#4-install-karpenter
 */
export class DiscoveryTags extends Construct {
  /** The custom resource tagging what CloudFormation cannot, if any. */
  public readonly customResource?: cr.AwsCustomResource;

  /** IDs of the resources tagged by the custom resource. */
  public readonly taggedByCustomResource: string[];

  constructor(scope: Construct, id: string, props: DiscoveryTagsProps) {
    super(scope, id);
    const literalName = !Token.isUnresolved(props.clusterName);
    const viaCustomResource: { id: string; arn: string }[] = [];
    const stack = Stack.of(this);

    for (const subnet of props.subnets) {
      if (literalName && ec2.Subnet.isVpcSubnet(subnet)) {
        Tags.of(subnet).add(DISCOVERY_TAG_KEY, props.clusterName);
      } else {
        viaCustomResource.push({
          id: subnet.subnetId,
          arn: stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnet.subnetId }),
        });
      }
    }
    for (const securityGroupId of props.securityGroupIds) {
      viaCustomResource.push({
        id: securityGroupId,
        arn: stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: securityGroupId }),
      });
    }

    this.taggedByCustomResource = viaCustomResource.map((resource) => resource.id);
    if (viaCustomResource.length === 0) {
      return;
    }

    const resources = viaCustomResource.map((resource) => resource.id);
    const tags = [{ Key: DISCOVERY_TAG_KEY, Value: props.clusterName }];
    const createTags: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'createTags',
      parameters: { Resources: resources, Tags: tags },
      physicalResourceId: cr.PhysicalResourceId.of(`${DISCOVERY_TAG_KEY}`),
    };
    this.customResource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::KarpenterDiscoveryTags',
      onCreate: createTags,
      onUpdate: createTags,
      onDelete: { service: 'EC2', action: 'deleteTags', parameters: { Resources: resources, Tags: tags } },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
          resources: viaCustomResource.map((resource) => resource.arn),
        }),
      ]),
      installLatestAwsSdk: false,
    });
  }
}
