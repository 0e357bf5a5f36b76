import { CustomResource, Duration, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { handler, reconcileDiscoveryTags } from './discovery-tags-handler';
import { InlineHandlerFunction, respond } from '../private/inline-function';
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
 * else (the security group EKS creates, subnets and security groups of an existing VPC, or any subnet when the
 * cluster name is only known at deploy time, since a `Ref` to the cluster on a subnet tag would be a dependency
 * cycle) is tagged by a custom resource backed by a small Lambda function: `ec2:CreateTags` on create,
 * `ec2:DeleteTags` on the resources dropped from the list on update, `ec2:DeleteTags` on delete. It is idempotent,
 * skips resources that no longer exist when untagging, and never removes a tag whose value is another cluster's.
 * Its permissions: `CreateTags` on exactly those resources and only for the discovery tag; `DeleteTags` only of the
 * discovery tag, only on subnets and security groups whose tag names this cluster.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#4-install-karpenter
 */
export class DiscoveryTags extends Construct {
  /** The custom resource tagging what CloudFormation cannot, if any. */
  public readonly customResource?: CustomResource;

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

    const tagger = new InlineHandlerFunction(this, 'Handler', {
      description: `Tags subnets and security groups with ${DISCOVERY_TAG_KEY} for Karpenter`,
      functions: [respond, reconcileDiscoveryTags, handler],
      timeout: Duration.minutes(2),
    });
    const onlyTheDiscoveryTag = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [DISCOVERY_TAG_KEY] } };
    tagger.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagTheseResources',
      actions: ['ec2:CreateTags'],
      resources: viaCustomResource.map((resource) => resource.arn),
      conditions: {
        ...onlyTheDiscoveryTag,
        StringEquals: { [`aws:RequestTag/${DISCOVERY_TAG_KEY}`]: props.clusterName },
      },
    }));
    // Untagging on update covers resources dropped from the list, whose ARNs are no longer known: scope it by the
    // tag itself (only this cluster's discovery tag, only on subnets and security groups of this account and region).
    tagger.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'UntagThisClustersResources',
      actions: ['ec2:DeleteTags'],
      resources: ['subnet', 'security-group'].map((resource) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' })),
      conditions: {
        ...onlyTheDiscoveryTag,
        StringEquals: { [`aws:ResourceTag/${DISCOVERY_TAG_KEY}`]: props.clusterName },
      },
    }));

    this.customResource = new CustomResource(this, 'Resource', {
      resourceType: 'Custom::KarpenterDiscoveryTags',
      serviceToken: tagger.function.functionArn,
      serviceTimeout: Duration.minutes(3),
      properties: {
        TagKey: DISCOVERY_TAG_KEY,
        TagValue: props.clusterName,
        Resources: this.taggedByCustomResource,
      },
    });
    // The permissions must outlive the resource, so that it can untag on delete.
    this.customResource.node.addDependency(tagger);
  }
}
