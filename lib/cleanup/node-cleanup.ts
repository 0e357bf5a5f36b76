import { Aws, CfnJson, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { cleanUpKarpenterNodes, handler } from './node-cleanup-handler';
import { fail } from '../private/errors';
import { InlineHandlerFunction, respond } from '../private/inline-function';
import {
  CLUSTER_OWNERSHIP_TAG_VALUE, clusterOwnershipTagKey, EC2_NODE_CLASS_TAG_KEY, NODE_POOL_TAG_KEY, REGION_TAG_KEY,
} from '../shared/tags';

/** Properties of {@link NodeCleanup}. */
export interface NodeCleanupProps {
  /** Name of the cluster whose nodes, launch templates and instance profiles are removed (may be a token). */
  readonly clusterName: string;

  /**
   * How long the whole cleanup may take: the Lambda timeout, at most 15 minutes. CloudFormation waits one more
   * minute for the answer.
   *
   * @default Duration.minutes(14)
   */
  readonly timeout?: Duration;

  /**
   * How long to wait for the controller to drain and terminate the nodes by itself (after the NodePools are deleted)
   * before terminating what is left. Must be shorter than `timeout`.
   *
   * @default Duration.minutes(5)
   * @see https://karpenter.sh/docs/concepts/disruption/#termination-controller
   */
  readonly drainTimeout?: Duration;
}

/**
 * Leaves nothing behind when the stack is deleted: a custom resource whose delete (run after the NodePools and
 * EC2NodeClasses are deleted and before the controller is uninstalled) waits for the controller to drain, then
 * terminates any instance still tagged `kubernetes.io/cluster/<name>=owned` and `karpenter.sh/nodepool`, deletes the
 * launch templates and the instance profiles the controller created, so that the node role, the subnets and the
 * VPC can be deleted. It fails the deletion, naming what refused to go, if anything is left at its deadline.
 *
 * Its permissions are those of the upstream controller policy for the same resources (terminate and delete only
 * what carries this cluster's ownership tag), plus the describe and list calls needed to find them.
 *
 * @throws ValidationError when `timeout` is over 15 minutes or `drainTimeout` is not shorter than `timeout`.
 */
export class NodeCleanup extends Construct {
  /** The custom resource. */
  public readonly customResource: CustomResource;
  /** The role of the cleanup function. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: NodeCleanupProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(14);
    const drainTimeout = props.drainTimeout ?? Duration.minutes(5);
    if (timeout.toSeconds() > 900 || timeout.toSeconds() < 60) {
      fail(`NodeCleanup: timeout is ${timeout.toSeconds()} seconds; a Lambda function runs 60 to 900 seconds. ` +
        'Use a timeout between Duration.minutes(1) and Duration.minutes(15).', this);
    }
    if (drainTimeout.toSeconds() >= timeout.toSeconds() - 30) {
      fail(`NodeCleanup: drainTimeout (${drainTimeout.toSeconds()} s) leaves no time to terminate what is left within ` +
        `timeout (${timeout.toSeconds()} s). Make drainTimeout at least 30 seconds shorter than timeout.`, this);
    }

    const stack = Stack.of(this);
    const cleaner = new InlineHandlerFunction(this, 'Handler', {
      description: 'Removes the nodes, launch templates and instance profiles Karpenter created, on stack deletion',
      functions: [respond, cleanUpKarpenterNodes, handler],
      timeout,
    });
    this.role = cleaner.role;

    const ownerKey = clusterOwnershipTagKey(props.clusterName);
    const ownedBy = (extra: Record<string, string>): Record<string, unknown> => {
      const block = { [`aws:ResourceTag/${ownerKey}`]: CLUSTER_OWNERSHIP_TAG_VALUE, ...extra };
      // A condition key holding a token must go through CfnJson.
      return Token.isUnresolved(props.clusterName) ? new CfnJson(this, `Condition${Object.keys(extra).length}`, { value: block }) as any : block;
    };
    const region = { 'aws:RequestedRegion': Aws.REGION };
    const policy = [
      new iam.PolicyStatement({
        sid: 'FindNodesAndLaunchTemplates',
        actions: ['ec2:DescribeInstances', 'ec2:DescribeLaunchTemplates'],
        resources: ['*'],
        conditions: { StringEquals: region },
      }),
      new iam.PolicyStatement({
        sid: 'TerminateThisClustersNodes',
        actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        resources: ['instance', 'launch-template'].map((resource) =>
          stack.formatArn({ service: 'ec2', account: '*', resource, resourceName: '*' })),
        conditions: {
          StringEquals: ownedBy({}),
          StringLike: { [`aws:ResourceTag/${NODE_POOL_TAG_KEY}`]: '*' },
        },
      }),
      new iam.PolicyStatement({
        sid: 'FindInstanceProfiles',
        actions: ['iam:ListInstanceProfiles', 'iam:GetInstanceProfile'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'instance-profile', resourceName: '*' })],
      }),
      new iam.PolicyStatement({
        sid: 'DeleteThisClustersInstanceProfiles',
        actions: ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
        resources: [stack.formatArn({ service: 'iam', region: '', resource: 'instance-profile', resourceName: '*' })],
        conditions: {
          StringEquals: ownedBy({ [`aws:ResourceTag/${REGION_TAG_KEY}`]: Aws.REGION }),
          StringLike: { [`aws:ResourceTag/${EC2_NODE_CLASS_TAG_KEY}`]: '*' },
        },
      }),
    ];
    for (const statement of policy) {
      cleaner.role.addToPrincipalPolicy(statement);
    }

    this.customResource = new CustomResource(this, 'Resource', {
      resourceType: 'Custom::KarpenterNodeCleanup',
      serviceToken: cleaner.function.functionArn,
      serviceTimeout: timeout.plus(Duration.minutes(1)),
      properties: {
        ClusterName: props.clusterName,
        Region: Aws.REGION,
        DrainSeconds: drainTimeout.toSeconds(),
      },
    });
    // The function and its permissions must outlive the resource: they do the work when it is deleted.
    this.customResource.node.addDependency(cleaner);
  }
}
