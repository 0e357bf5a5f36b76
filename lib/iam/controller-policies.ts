import { CfnJson, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fail } from '../private/errors';
import {
  CLUSTER_OWNERSHIP_TAG_VALUE,
  clusterOwnershipTagKey,
  EC2_NODE_CLASS_TAG_KEY,
  EKS_CLUSTER_NAME_TAG_KEY,
  NODE_CLAIM_TAG_KEY,
  NODE_POOL_TAG_KEY,
  REGION_TAG_KEY,
} from '../shared/tags';

/** Properties of {@link ControllerPolicies}. */
export interface ControllerPoliciesProps {
  /**
   * Name of the EKS cluster the controller manages nodes for. May be a token, e.g. `cluster.clusterName`.
   * A literal name must be a valid EKS cluster name: 1 to 100 letters, digits, `-` and `_`, starting with a letter
   * or digit.
   *
   * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html#API_CreateCluster_RequestSyntax
   */
  readonly clusterName: string;

  /**
   * The roles the controller may pass to EC2 (`AllowPassingInstanceRole`): the Karpenter node role, plus the roles
   * of instance profiles named by EC2NodeClasses (`spec.instanceProfile`). At least one. More can be added later
   * with {@link ControllerPolicies.addPassableRole}.
   *
   * @see https://karpenter.sh/docs/reference/cloudformation/#allowpassinginstancerole
   */
  readonly nodeRoles: iam.IRole[];

  /**
   * The interruption queue the controller reads (`AllowInterruptionQueueActions`). Without it, the interruption
   * policy is not created.
   *
   * @default - no interruption policy
   * @see https://karpenter.sh/docs/reference/cloudformation/#interruptionpolicy
   */
  readonly interruptionQueue?: sqs.IQueue;
}

/** A condition block (`{ "<condition key>": value }`) for one condition operator. */
type ConditionBlock = { [conditionKey: string]: unknown };

/** The pattern AWS accepts for an EKS cluster name. */
const CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Values of `iam:PassedToService` for EC2, in the commercial and China partitions. */
const EC2_SERVICE_PRINCIPALS = ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'];

/** The EC2 API calls that create resources the controller must tag (`ec2:CreateAction`). */
const TAGGED_CREATE_ACTIONS = ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'];

/** The read-only EC2 calls of `AllowRegionalReadActions`. */
const REGIONAL_READ_ACTIONS = [
  'ec2:DescribeCapacityReservations',
  'ec2:DescribeImages',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstanceTypeOfferings',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribePlacementGroups',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSpotPriceHistory',
  'ec2:DescribeSubnets',
];

function resourceTag(tagKey: string): string {
  return `aws:ResourceTag/${tagKey}`;
}

function requestTag(tagKey: string): string {
  return `aws:RequestTag/${tagKey}`;
}

/**
 * The IAM permissions of the Karpenter controller: the upstream Karpenter 1.14 split into six managed policies,
 * statement for statement (same Sids, actions, resources and conditions), scoped to one cluster, region and account.
 *
 * - `nodeLifecyclePolicy` (NodeLifecyclePolicy): launch, tag and terminate instances and launch templates that carry
 *   `kubernetes.io/cluster/<name>=owned`, `eks:eks-cluster-name=<name>` and a `karpenter.sh/nodepool` tag.
 * - `iamIntegrationPolicy` (IAMIntegrationPolicy): pass the node roles to EC2; manage the instance profiles Karpenter
 *   creates for this cluster and region.
 * - `eksIntegrationPolicy` (EKSIntegrationPolicy): `eks:DescribeCluster` on this cluster only.
 * - `interruptionPolicy` (InterruptionPolicy): receive and delete interruption messages; only with a queue.
 * - `zonalShiftPolicy` (ZonalShiftPolicy): read the ARC zonal shift status of this cluster.
 * - `resourceDiscoveryPolicy` (ResourceDiscoveryPolicy): describe EC2 resources in this region, read the public
 *   SSM AMI parameters, prices and instance profiles.
 *
 * The policies have no physical names (CloudFormation generates them), so several clusters can share an account.
 * Condition keys that contain the cluster name (`aws:ResourceTag/kubernetes.io/cluster/<name>`) cannot hold a
 * CloudFormation reference: when the name is a token, those condition blocks are rendered through `CfnJson`
 * (one custom resource per distinct block); a literal name is written directly.
 *
 * @example
 * const policies = new ControllerPolicies(this, 'ControllerPolicies', {
 *   clusterName: cluster.clusterName,
 *   nodeRoles: [nodeRole],
 *   interruptionQueue: queue,
 * });
 * policies.attachTo(controllerRole);
 *
 * @throws ValidationError when `nodeRoles` is empty, or a literal `clusterName` is not a valid EKS cluster name.
 * @see https://karpenter.sh/docs/reference/cloudformation/
 */
export class ControllerPolicies extends Construct {
  /** NodeLifecyclePolicy: create, tag and delete the instances, fleets and launch templates of this cluster. */
  public readonly nodeLifecyclePolicy: iam.ManagedPolicy;

  /** IAMIntegrationPolicy: pass the node roles, manage the instance profiles of this cluster. */
  public readonly iamIntegrationPolicy: iam.ManagedPolicy;

  /** EKSIntegrationPolicy: discover the API server endpoint of this cluster. */
  public readonly eksIntegrationPolicy: iam.ManagedPolicy;

  /** InterruptionPolicy: consume the interruption queue. Only when `interruptionQueue` is given. */
  public readonly interruptionPolicy?: iam.ManagedPolicy;

  /** ZonalShiftPolicy: read the zonal shift status of this cluster. */
  public readonly zonalShiftPolicy: iam.ManagedPolicy;

  /** ResourceDiscoveryPolicy: describe EC2 resources, read AMI parameters, prices and instance profiles. */
  public readonly resourceDiscoveryPolicy: iam.ManagedPolicy;

  /** Every policy above that exists, in upstream order. */
  public readonly policies: iam.IManagedPolicy[];

  private readonly clusterName: string;
  private readonly partition: string;
  private readonly region: string;
  private readonly account: string;
  private readonly passingInstanceRole: iam.PolicyStatement;
  private readonly passableRoleArns = new Set<string>();
  private readonly clusterConditions = new Map<string, CfnJson>();

  constructor(scope: Construct, id: string, props: ControllerPoliciesProps) {
    super(scope, id);
    if (props.nodeRoles.length === 0) {
      fail(
        'ControllerPolicies: nodeRoles is empty ([]). Pass at least one role the controller may pass to EC2, ' +
          'e.g. the Karpenter node role: iam:PassRole needs a resource.',
        this,
      );
    }
    if (!Token.isUnresolved(props.clusterName) && !CLUSTER_NAME_PATTERN.test(props.clusterName)) {
      fail(
        `ControllerPolicies: clusterName "${props.clusterName}" is not a valid EKS cluster name. ` +
          'Use 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit, or pass cluster.clusterName.',
        this,
      );
    }

    const stack = Stack.of(this);
    this.clusterName = props.clusterName;
    this.partition = stack.partition;
    this.region = stack.region;
    this.account = stack.account;

    this.passingInstanceRole = new iam.PolicyStatement({
      sid: 'AllowPassingInstanceRole',
      actions: ['iam:PassRole'],
      conditions: { StringEquals: { 'iam:PassedToService': EC2_SERVICE_PRINCIPALS } },
    });
    props.nodeRoles.forEach((role) => this.addPassableRole(role));

    this.nodeLifecyclePolicy = this.managedPolicy('NodeLifecyclePolicy', 'node lifecycle', this.nodeLifecycleStatements());
    this.iamIntegrationPolicy = this.managedPolicy('IAMIntegrationPolicy', 'IAM integration', this.iamIntegrationStatements());
    this.eksIntegrationPolicy = this.managedPolicy('EKSIntegrationPolicy', 'EKS integration', this.eksIntegrationStatements());
    if (props.interruptionQueue) {
      this.interruptionPolicy = this.managedPolicy('InterruptionPolicy', 'interruption',
        this.interruptionStatements(props.interruptionQueue));
    }
    this.zonalShiftPolicy = this.managedPolicy('ZonalShiftPolicy', 'zonal shift', this.zonalShiftStatements());
    this.resourceDiscoveryPolicy = this.managedPolicy('ResourceDiscoveryPolicy', 'resource discovery',
      this.resourceDiscoveryStatements());

    this.policies = [
      this.nodeLifecyclePolicy,
      this.iamIntegrationPolicy,
      this.eksIntegrationPolicy,
      ...(this.interruptionPolicy ? [this.interruptionPolicy] : []),
      this.zonalShiftPolicy,
      this.resourceDiscoveryPolicy,
    ];
  }

  /**
   * Attaches every policy to a role (the controller role: Pod Identity or IRSA). For a role created in this app the
   * policies are added to its `ManagedPolicyArns`, so whatever depends on the role also waits for the policies; an
   * imported role is attached from the policy side (`Roles`).
   */
  public attachTo(role: iam.IRole): void {
    this.policies.forEach((policy) => role.addManagedPolicy(policy));
  }

  /**
   * Lets the controller pass one more role to EC2: adds its ARN to `AllowPassingInstanceRole`. For EC2NodeClasses
   * that name an instance profile of another role. A role already present is ignored. Call before synthesis.
   */
  public addPassableRole(role: iam.IRole): void {
    if (this.passableRoleArns.has(role.roleArn)) {
      return;
    }
    this.passableRoleArns.add(role.roleArn);
    this.passingInstanceRole.addResources(role.roleArn);
  }

  private managedPolicy(id: string, purpose: string, statements: iam.PolicyStatement[]): iam.ManagedPolicy {
    return new iam.ManagedPolicy(this, id, {
      description: `Karpenter controller ${purpose} permissions for EKS cluster ${this.clusterName}`,
      statements,
    });
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/#nodelifecyclepolicy */
  private nodeLifecycleStatements(): iam.PolicyStatement[] {
    const ownedByCluster = { [resourceTag(clusterOwnershipTagKey(this.clusterName))]: CLUSTER_OWNERSHIP_TAG_VALUE };
    const ownedByNodePool = { [resourceTag(NODE_POOL_TAG_KEY)]: '*' };
    const requestedForCluster = {
      [requestTag(clusterOwnershipTagKey(this.clusterName))]: CLUSTER_OWNERSHIP_TAG_VALUE,
      [requestTag(EKS_CLUSTER_NAME_TAG_KEY)]: this.clusterName,
    };
    const requestedForNodePool = { [requestTag(NODE_POOL_TAG_KEY)]: '*' };
    const taggedResources = ['fleet/*', 'instance/*', 'volume/*', 'network-interface/*', 'launch-template/*', 'spot-instances-request/*']
      .map((resource) => this.ec2Arn(resource));
    return [
      new iam.PolicyStatement({
        sid: 'AllowScopedEC2InstanceAccessActions',
        resources: [
          this.ec2Arn('image/*', ''),
          this.ec2Arn('snapshot/*', ''),
          this.ec2Arn('security-group/*'),
          this.ec2Arn('subnet/*'),
          this.ec2Arn('capacity-reservation/*'),
          this.ec2Arn('placement-group/*'),
        ],
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedEC2LaunchTemplateAccessActions',
        resources: [this.ec2Arn('launch-template/*')],
        actions: ['ec2:RunInstances', 'ec2:CreateFleet'],
        conditions: {
          StringEquals: this.clusterCondition('OwnedByClusterCondition', ownedByCluster),
          StringLike: ownedByNodePool,
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedEC2InstanceActionsWithTags',
        resources: taggedResources,
        actions: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
        conditions: {
          StringEquals: this.clusterCondition('RequestedForClusterCondition', requestedForCluster),
          StringLike: requestedForNodePool,
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedResourceCreationTagging',
        resources: taggedResources,
        actions: ['ec2:CreateTags'],
        conditions: {
          StringEquals: this.clusterCondition('CreationTaggingCondition', {
            ...requestedForCluster,
            'ec2:CreateAction': TAGGED_CREATE_ACTIONS,
          }),
          StringLike: requestedForNodePool,
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedResourceTagging',
        resources: [this.ec2Arn('instance/*')],
        actions: ['ec2:CreateTags'],
        conditions: {
          'StringEquals': this.clusterCondition('OwnedByClusterCondition', ownedByCluster),
          'StringLike': ownedByNodePool,
          'StringEqualsIfExists': { [requestTag(EKS_CLUSTER_NAME_TAG_KEY)]: this.clusterName },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [EKS_CLUSTER_NAME_TAG_KEY, NODE_CLAIM_TAG_KEY, 'Name'] },
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedDeletion',
        resources: [this.ec2Arn('instance/*'), this.ec2Arn('launch-template/*')],
        actions: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
        conditions: {
          StringEquals: this.clusterCondition('OwnedByClusterCondition', ownedByCluster),
          StringLike: ownedByNodePool,
        },
      }),
    ];
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/#iamintegrationpolicy */
  private iamIntegrationStatements(): iam.PolicyStatement[] {
    const instanceProfiles = `arn:${this.partition}:iam::${this.account}:instance-profile/*`;
    const requestedForCluster = {
      [requestTag(clusterOwnershipTagKey(this.clusterName))]: CLUSTER_OWNERSHIP_TAG_VALUE,
      [requestTag(EKS_CLUSTER_NAME_TAG_KEY)]: this.clusterName,
      [requestTag(REGION_TAG_KEY)]: this.region,
    };
    const ownedByCluster = {
      [resourceTag(clusterOwnershipTagKey(this.clusterName))]: CLUSTER_OWNERSHIP_TAG_VALUE,
      [resourceTag(REGION_TAG_KEY)]: this.region,
    };
    return [
      this.passingInstanceRole,
      new iam.PolicyStatement({
        sid: 'AllowScopedInstanceProfileCreationActions',
        resources: [instanceProfiles],
        actions: ['iam:CreateInstanceProfile'],
        conditions: {
          StringEquals: this.clusterCondition('InstanceProfileRequestedForClusterCondition', requestedForCluster),
          StringLike: { [requestTag(EC2_NODE_CLASS_TAG_KEY)]: '*' },
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedInstanceProfileTagActions',
        resources: [instanceProfiles],
        actions: ['iam:TagInstanceProfile'],
        conditions: {
          StringEquals: this.clusterCondition('InstanceProfileTaggingCondition', { ...ownedByCluster, ...requestedForCluster }),
          StringLike: { [resourceTag(EC2_NODE_CLASS_TAG_KEY)]: '*', [requestTag(EC2_NODE_CLASS_TAG_KEY)]: '*' },
        },
      }),
      new iam.PolicyStatement({
        sid: 'AllowScopedInstanceProfileActions',
        resources: [instanceProfiles],
        actions: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
        conditions: {
          StringEquals: this.clusterCondition('InstanceProfileOwnedByClusterCondition', ownedByCluster),
          StringLike: { [resourceTag(EC2_NODE_CLASS_TAG_KEY)]: '*' },
        },
      }),
    ];
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/#eksintegrationpolicy */
  private eksIntegrationStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'AllowAPIServerEndpointDiscovery',
        resources: [this.clusterArn()],
        actions: ['eks:DescribeCluster'],
      }),
    ];
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/#interruptionpolicy */
  private interruptionStatements(queue: sqs.IQueue): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'AllowInterruptionQueueActions',
        resources: [queue.queueArn],
        actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      }),
    ];
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/ */
  private zonalShiftStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'AllowZonalShiftStatusReadOnly',
        resources: ['*'],
        actions: ['arc-zonal-shift:GetManagedResource'],
        conditions: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': this.clusterArn() } },
      }),
    ];
  }

  /** @see https://karpenter.sh/docs/reference/cloudformation/#resourcediscoverypolicy */
  private resourceDiscoveryStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'AllowRegionalReadActions',
        resources: ['*'],
        actions: REGIONAL_READ_ACTIONS,
        conditions: { StringEquals: { 'aws:RequestedRegion': this.region } },
      }),
      new iam.PolicyStatement({
        sid: 'AllowSSMReadActions',
        resources: [`arn:${this.partition}:ssm:${this.region}::parameter/aws/service/*`],
        actions: ['ssm:GetParameter'],
      }),
      new iam.PolicyStatement({
        sid: 'AllowPricingReadActions',
        resources: ['*'],
        actions: ['pricing:GetProducts'],
      }),
      new iam.PolicyStatement({
        sid: 'AllowUnscopedInstanceProfileListAction',
        resources: ['*'],
        actions: ['iam:ListInstanceProfiles'],
      }),
      new iam.PolicyStatement({
        sid: 'AllowInstanceProfileReadActions',
        resources: [`arn:${this.partition}:iam::${this.account}:instance-profile/*`],
        actions: ['iam:GetInstanceProfile'],
      }),
    ];
  }

  /** `arn:<partition>:ec2:<region>:<account>:<resource>`; any account (`*`) unless told, as upstream. */
  private ec2Arn(resource: string, account: string = '*'): string {
    return `arn:${this.partition}:ec2:${this.region}:${account}:${resource}`;
  }

  private clusterArn(): string {
    return `arn:${this.partition}:eks:${this.region}:${this.account}:cluster/${this.clusterName}`;
  }

  /**
   * A condition block whose keys may contain the cluster name. With a literal name it is returned as is; with a
   * token, keys cannot hold a CloudFormation reference, so it becomes a `CfnJson` (created once per `id`: callers
   * use the same id only for the same block).
   */
  private clusterCondition(id: string, block: ConditionBlock): ConditionBlock | CfnJson {
    if (!Object.keys(block).some((conditionKey) => Token.isUnresolved(conditionKey))) {
      return block;
    }
    let condition = this.clusterConditions.get(id);
    if (!condition) {
      condition = new CfnJson(this, id, { value: block });
      this.clusterConditions.set(id, condition);
    }
    return condition;
  }
}
