import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NodeAccess } from './access/node-access';
import { NodeCleanup } from './cleanup/node-cleanup';
import { DiscoveryTags } from './discovery/discovery-tags';
import { ControllerEngineBinding, KarpenterController } from './engine/controller-engine';
import { ControllerPlacement } from './engine/controller-placement';
import { ControllerPolicies } from './iam/controller-policies';
import { NODE_ROLE_MANAGED_POLICY_NAMES, NodeRole } from './iam/node-role';
import { SpotServiceLinkedRole } from './iam/spot-service-linked-role';
import { InterruptionQueue } from './interruption/interruption-queue';
import { InterruptionRules } from './interruption/interruption-rules';
import { Ec2NodeClass } from './manifests/ec2-node-class';
import { NodePool } from './manifests/node-pool';
import { KarpenterEc2NodeClassOptions, KarpenterNodePoolOptions, NodeManifests } from './node-manifests';
import { acknowledge, acknowledgeAwsManagedPolicies, acknowledgeWildcardPermissions } from './private/acknowledgements';
import { fail } from './private/errors';
import { defaultIdentityType, validateKarpenterProps } from './private/validate-karpenter-props';

function isManagedPolicy(policy: iam.IManagedPolicy): policy is iam.ManagedPolicy {
  return policy instanceof iam.ManagedPolicy;
}

/** Properties of {@link Karpenter}. */
export interface KarpenterProps {
  /** The EKS cluster (aws-eks-v2), created in this app or imported. */
  readonly cluster: eks.ICluster;

  /**
   * The engine that runs Karpenter in the cluster.
   *
   * @default KarpenterController.bundled() - the TypeScript controller in this package (CRDs from karpenter-crd 1.14.1)
   */
  readonly controller?: KarpenterController;

  /**
   * Namespace of the controller (an RFC 1123 label).
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;

  /**
   * Name of the controller's service account (an RFC 1123 subdomain), created by the stack.
   *
   * @default 'karpenter'
   */
  readonly serviceAccountName?: string;

  /**
   * How the controller gets AWS credentials: EKS Pod Identity (the agent add-on is added to a cluster of this app
   * once; an imported cluster must have it already) or IAM Roles for Service Accounts (the cluster's OIDC provider
   * is used; an imported cluster must be given `openIdConnectProvider`).
   *
   * @default - eks.IdentityType.POD_IDENTITY, or eks.IdentityType.IRSA with `ControllerPlacement.fargate()`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
   */
  readonly identityType?: eks.IdentityType;

  /**
   * Where the controller pods run; never on capacity Karpenter manages.
   *
   * @default ControllerPlacement.unmanagedNodes()
   */
  readonly placement?: ControllerPlacement;

  /**
   * Bring your own node role. It must be trusted by EC2 and carry the node policies.
   *
   * @default - a role with AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, AmazonEC2ContainerRegistryPullOnly
   * and AmazonSSMManagedInstanceCore
   */
  readonly nodeRole?: iam.IRole;

  /**
   * Extra managed policies for the created node role. Cannot be combined with `nodeRole`.
   *
   * @default - none
   */
  readonly nodeRoleManagedPolicies?: iam.IManagedPolicy[];

  /**
   * Create an instance profile for the node role, for EC2NodeClasses that name `instanceProfile`.
   *
   * @default false
   */
  readonly createInstanceProfile?: boolean;

  /**
   * Other roles the controller may pass to EC2 (`iam:PassRole`), for EC2NodeClasses with their own role or
   * instance profile.
   *
   * @default - only the node role
   */
  readonly additionalNodeRoles?: iam.IRole[];

  /**
   * Handle Spot interruptions, rebalance recommendations, scheduled maintenance and instance state changes
   * through an SQS queue fed by EventBridge rules.
   *
   * @default true
   * @see https://karpenter.sh/docs/concepts/disruption/#interruption
   */
  readonly interruptionHandling?: boolean;

  /**
   * Use this queue instead of creating one (the rules are still created and target it).
   * Requires `interruptionHandling`.
   *
   * @default - a queue is created
   */
  readonly interruptionQueue?: sqs.IQueue;

  /**
   * Customer managed KMS key for the created queue.
   *
   * @default - SSE-SQS
   */
  readonly interruptionQueueEncryptionKey?: kms.IKey;

  /**
   * Tag subnets and security groups with `karpenter.sh/discovery=<cluster name>`.
   *
   * @default true
   */
  readonly discoveryTags?: boolean;

  /**
   * Subnets to tag for discovery. Subnets of an existing VPC (imported, not owned by this stack) are tagged through
   * a custom resource and untagged when the stack is deleted or they are removed from the selection. For a
   * cluster imported without `vpc`, give the subnets themselves: `{ subnets: [...] }`.
   *
   * @default - the private subnets of the cluster's VPC
   */
  readonly discoverySubnets?: ec2.SubnetSelection;

  /**
   * Security groups to tag for discovery, besides the cluster security group EKS created (known for a cluster
   * of this app, or one imported with `clusterSecurityGroupId`).
   *
   * @default - none
   */
  readonly discoverySecurityGroups?: ec2.ISecurityGroup[];

  /**
   * Leave nothing behind when the stack is deleted: after the NodePools are deleted and before the controller is
   * uninstalled, a custom resource waits for the controller to drain, then terminates the instances still tagged
   * for this cluster and deletes the launch templates and instance profiles the controller created, so the node
   * role, subnets and VPC can be deleted. Fails the deletion, naming what refused to go, if anything is left.
   *
   * @default true
   */
  readonly cleanupOnDelete?: boolean;

  /**
   * How long the cleanup waits for the controller to drain the nodes before terminating what is left (the whole
   * cleanup is bounded by 14 minutes).
   *
   * @default Duration.minutes(5)
   */
  readonly cleanupDrainTimeout?: Duration;

  /**
   * Create the EC2 Spot service-linked role (`AWSServiceRoleForEC2Spot`), needed once per account before the first
   * Spot launch. It is account-wide: create it in one stack only, and only if the account does not have it yet.
   * Retained when the stack is deleted.
   *
   * @default false
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html
   */
  readonly createSpotServiceLinkedRole?: boolean;

  /**
   * Create the `EC2_LINUX` access entry for the node role. Turn off when the role already has one (for
   * example the role of a managed node group).
   *
   * @default true
   */
  readonly nodeAccessEntry?: boolean;
}

/**
 * A complete Karpenter environment on an EKS cluster: node role (and instance profile), the controller's IAM
 * policies and identity, the interruption queue and its EventBridge rules, discovery tags, the node access
 * entry and the controller itself.
 *
 * @throws ValidationError for an invalid namespace or service account name, Pod Identity with a Fargate
 * placement, a queue given with interruption handling off, or a node role given together with node policies.
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
export class Karpenter extends Construct {
  /** The cluster. */
  public readonly cluster: eks.ICluster;
  /** Name of the cluster. */
  public readonly clusterName: string;
  /** The role of the nodes Karpenter launches. */
  public readonly nodeRole: iam.IRole;
  /** The instance profile of the node role, when `createInstanceProfile` is set. */
  public readonly instanceProfile?: iam.IInstanceProfile;
  /** The controller's IAM managed policies. */
  public readonly controllerPolicies: ControllerPolicies;
  /** The role the controller runs as. */
  public readonly controllerRole: iam.IRole;
  /** The interruption queue, unless interruption handling is off. */
  public readonly interruptionQueue?: sqs.IQueue;
  /** The EventBridge rules feeding the queue (empty when interruption handling is off). */
  public readonly interruptionRules: events.IRule[];
  /** Namespace of the controller. */
  public readonly namespace: string;
  /** Name of the controller's service account. */
  public readonly serviceAccountName: string;
  /** The controller's service account. */
  public readonly serviceAccount: eks.ServiceAccount;
  /** The discovery tags, unless turned off. */
  public readonly discoveryTags?: DiscoveryTags;
  /** The node access entry, unless turned off. */
  public readonly nodeAccess?: NodeAccess;
  /** The cleanup run on stack deletion, unless turned off. */
  public readonly nodeCleanup?: NodeCleanup;
  /** The Fargate profile of the controller, when the construct created one. */
  public readonly fargateProfile?: eks.CfnFargateProfile;
  /** The EC2 Spot service-linked role, when `createSpotServiceLinkedRole` is set. */
  public readonly spotServiceLinkedRole?: SpotServiceLinkedRole;

  private readonly engine: ControllerEngineBinding;
  private readonly nodeManifests: NodeManifests;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    validateKarpenterProps(this, props);
    const placement = props.placement ?? ControllerPlacement.unmanagedNodes();
    const identityType = props.identityType ?? defaultIdentityType(placement);

    this.cluster = props.cluster;
    this.clusterName = props.cluster.clusterName;
    this.namespace = props.namespace ?? 'kube-system';
    this.serviceAccountName = props.serviceAccountName ?? 'karpenter';

    const nodeRole = new NodeRole(this, 'NodeRole', {
      role: props.nodeRole,
      additionalManagedPolicies: props.nodeRoleManagedPolicies,
      createInstanceProfile: props.createInstanceProfile,
    });
    this.nodeRole = nodeRole.role;
    this.instanceProfile = nodeRole.instanceProfile;

    if (props.interruptionHandling ?? true) {
      this.interruptionQueue = props.interruptionQueue
        ?? new InterruptionQueue(this, 'InterruptionQueue', { encryptionKey: props.interruptionQueueEncryptionKey }).queue;
      this.interruptionRules = new InterruptionRules(this, 'InterruptionRules', { queue: this.interruptionQueue }).rules;
    } else {
      this.interruptionRules = [];
    }

    this.serviceAccount = new eks.ServiceAccount(this, 'ServiceAccount', {
      cluster: this.cluster,
      name: this.serviceAccountName,
      namespace: this.namespace,
      identityType,
    });
    this.controllerRole = this.serviceAccount.role;

    this.controllerPolicies = new ControllerPolicies(this, 'ControllerPolicies', {
      clusterName: this.clusterName,
      nodeRoles: [this.nodeRole, ...(props.additionalNodeRoles ?? [])],
      interruptionQueue: this.interruptionQueue,
    });
    this.controllerPolicies.attachTo(this.controllerRole);
    // Reading from a queue encrypted with a customer managed key needs the key too (upstream's policy assumes SSE-SQS).
    this.interruptionQueue?.encryptionMasterKey?.grantDecrypt(this.controllerRole);

    if (props.discoveryTags ?? true) {
      this.discoveryTags = new DiscoveryTags(this, 'DiscoveryTags', {
        clusterName: this.clusterName,
        subnets: this.discoverySubnets(props),
        securityGroupIds: this.discoverySecurityGroupIds(props),
      });
    }

    if (props.nodeAccessEntry ?? true) {
      this.nodeAccess = new NodeAccess(this, 'NodeAccess', { cluster: this.cluster, nodeRole: this.nodeRole });
    }

    if (props.createSpotServiceLinkedRole) {
      this.spotServiceLinkedRole = new SpotServiceLinkedRole(this, 'SpotServiceLinkedRole');
    }

    if (placement.onFargate && (placement.fargateOptions?.createProfile ?? true)) {
      this.fargateProfile = this.createFargateProfile(placement);
    }

    const controller = props.controller ?? KarpenterController.bundled();
    this.engine = controller._bind(this, {
      cluster: this.cluster,
      clusterName: this.clusterName,
      namespace: this.namespace,
      serviceAccountName: this.serviceAccountName,
      serviceAccount: this.serviceAccount,
      interruptionQueueName: this.interruptionQueue?.queueName,
      placement,
    });
    // The controller needs its permissions before it starts reconciling.
    this.engine.controller.node.addDependency(this.controllerPolicies);
    if (this.fargateProfile) {
      // Pods are scheduled on Fargate only if the profile exists when they are created.
      this.engine.controller.node.addDependency(this.fargateProfile);
    }

    if (props.cleanupOnDelete ?? true) {
      this.nodeCleanup = new NodeCleanup(this, 'Cleanup', {
        clusterName: this.clusterName,
        drainTimeout: props.cleanupDrainTimeout,
      });
      // Deleted before the controller (which drains the nodes) and before the node role, its access entry and
      // the Spot role (instance profiles hold the node role); after the NodePools (see the manifests below).
      this.nodeCleanup.node.addDependency(this.engine.crds, this.engine.controller, nodeRole);
      if (this.nodeAccess) {
        this.nodeCleanup.node.addDependency(this.nodeAccess);
      }
      if (this.spotServiceLinkedRole) {
        this.nodeCleanup.node.addDependency(this.spotServiceLinkedRole);
      }
    }

    this.nodeManifests = new NodeManifests(this, 'Manifests', {
      cluster: this.cluster,
      clusterName: this.clusterName,
      nodeRoleName: this.nodeRole.roleName,
      // NodePools and EC2NodeClasses are deleted first, then the cleanup runs, then the controller goes.
      dependencies: [this.engine.crds, this.engine.controller, ...(this.nodeCleanup ? [this.nodeCleanup] : [])],
    });

    this.acknowledgeNagFindings(props, nodeRole);
  }

  /**
   * Adds an EC2NodeClass (`karpenter.k8s.aws/v1`) named `id`, applied to the cluster after the CRDs and the
   * controller. `role` defaults to the environment's node role and the subnet and security group selectors to the
   * `karpenter.sh/discovery` tag. Values can still be added to the returned object (`addTag`, ...) until synthesis.
   *
   * @throws ValidationError when the options break the EC2NodeClass schema or its rules.
   * @see https://karpenter.sh/docs/concepts/nodeclasses/
   */
  public addEc2NodeClass(id: string, options: KarpenterEc2NodeClassOptions = {}): Ec2NodeClass {
    return this.nodeManifests.addEc2NodeClass(id, options);
  }

  /**
   * Adds a NodePool (`karpenter.sh/v1`) named `id`, applied after the CRDs, the controller and its EC2NodeClass,
   * and deleted before them (so the controller drains and terminates its nodes). `nodeClass` defaults to the first
   * EC2NodeClass added. Values can still be added to the returned object (`addRequirement`, ...) until synthesis.
   *
   * @throws ValidationError when the options break the NodePool schema or its rules, or no node class is known.
   * @see https://karpenter.sh/docs/concepts/nodepools/
   */
  public addNodePool(id: string, options: KarpenterNodePoolOptions = {}): NodePool {
    return this.nodeManifests.addNodePool(id, options);
  }

  /** The construct that installs the controller (the Helm release, or the bundled engine's manifests). */
  public get controllerResource(): Construct {
    return this.engine.controller;
  }

  /** The construct that installs the CRDs. */
  public get crdResource(): Construct {
    return this.engine.crds;
  }

  /** The subnets to tag: those selected, else the private subnets of the cluster's VPC. */
  private discoverySubnets(props: KarpenterProps): ec2.ISubnet[] {
    if (props.discoverySubnets?.subnets) {
      return props.discoverySubnets.subnets;
    }
    const vpc = this.clusterVpc();
    if (!vpc) {
      fail(
        'Karpenter: the cluster was imported without vpc, so the subnets to tag for discovery are unknown. Pass vpc ' +
          'to eks.Cluster.fromClusterAttributes (e.g. ec2.Vpc.fromVpcAttributes), or discoverySubnets: { subnets: [...] }, ' +
          'or set discoveryTags: false if the subnets are tagged already.',
        this,
      );
    }
    return props.discoverySubnets ? vpc.selectSubnets(props.discoverySubnets).subnets : vpc.privateSubnets;
  }

  /** The security groups to tag: the cluster security group (when known) and those given. */
  private discoverySecurityGroupIds(props: KarpenterProps): string[] {
    const given = (props.discoverySecurityGroups ?? []).map((securityGroup) => securityGroup.securityGroupId);
    let clusterSecurityGroupId: string | undefined;
    try {
      clusterSecurityGroupId = this.cluster.clusterSecurityGroupId;
    } catch {
      clusterSecurityGroupId = undefined;
    }
    if (!clusterSecurityGroupId && given.length === 0) {
      fail(
        'Karpenter: the cluster was imported without clusterSecurityGroupId and no discoverySecurityGroups were given, ' +
          'so no security group would carry the discovery tag and nodes could not reach the control plane. Pass ' +
          'clusterSecurityGroupId to eks.Cluster.fromClusterAttributes (aws eks describe-cluster: ' +
          'resourcesVpcConfig.clusterSecurityGroupId), or discoverySecurityGroups, or set discoveryTags: false.',
        this,
      );
    }
    return [...(clusterSecurityGroupId ? [clusterSecurityGroupId] : []), ...given];
  }

  /** The cluster's VPC, or undefined for a cluster imported without one. */
  private clusterVpc(): ec2.IVpc | undefined {
    try {
      return this.cluster.vpc;
    } catch {
      return undefined;
    }
  }

  /**
   * The Fargate profile of the controller: its namespace and pod labels, in private subnets, with a pod execution
   * role trusted only for this cluster's profiles.
   */
  private createFargateProfile(placement: ControllerPlacement): eks.CfnFargateProfile {
    const options = placement.fargateOptions ?? {};
    let subnets: ec2.ISubnet[];
    if (options.subnets?.subnets) {
      subnets = options.subnets.subnets;
    } else {
      const vpc = this.clusterVpc();
      if (!vpc) {
        fail(
          'Karpenter: ControllerPlacement.fargate() creates a Fargate profile, but the cluster was imported without ' +
            'vpc, so its private subnets are unknown. Pass vpc to eks.Cluster.fromClusterAttributes, or ' +
            'ControllerPlacement.fargate({ subnets: { subnets: [...] } }), or createProfile: false with a profile of yours.',
          this,
        );
      }
      subnets = options.subnets ? vpc.selectSubnets(options.subnets).subnets : vpc.privateSubnets;
    }
    const podExecutionRole = options.podExecutionRole ?? new iam.Role(this, 'FargatePodExecutionRole', {
      description: 'Pod execution role of the Karpenter controller on Fargate',
      assumedBy: new iam.ServicePrincipal('eks-fargate-pods.amazonaws.com', {
        conditions: {
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'eks', resource: 'fargateprofile', resourceName: `${this.clusterName}/*`,
            }),
          },
        },
      }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSFargatePodExecutionRolePolicy')],
    });
    const profile = new eks.CfnFargateProfile(this, 'FargateProfile', {
      clusterName: this.clusterName,
      podExecutionRoleArn: podExecutionRole.roleArn,
      subnets: subnets.map((subnet) => subnet.subnetId),
      selectors: [{
        namespace: this.namespace,
        labels: Object.entries(options.podLabels ?? { 'app.kubernetes.io/name': 'karpenter' }).map(([key, value]) => ({ key, value })),
      }],
    });
    if (!options.podExecutionRole) {
      profile.node.addDependency(podExecutionRole);
    }
    return profile;
  }

  /**
   * Acknowledges the cdk-nag AwsSolutions findings on the resources this construct creates, each with its reason,
   * so users who run cdk-nag see only findings on their own resources.
   */
  private acknowledgeNagFindings(props: KarpenterProps, nodeRole: NodeRole): void {
    if (!props.nodeRole) {
      acknowledgeAwsManagedPolicies(nodeRole, NODE_ROLE_MANAGED_POLICY_NAMES, 'EKS nodes need these AWS managed ' +
          'policies (worker node, VPC CNI, ECR pull, SSM), as the EKS and Karpenter docs prescribe.');
    }
    acknowledgeWildcardPermissions(this.controllerPolicies.policies.filter(isManagedPolicy), 'The upstream Karpenter ' +
        'controller policy, statement for statement: wildcards cover instances, launch templates and instance profiles ' +
        'that do not exist yet and are scoped by region and by the cluster ownership and NodePool tag conditions; ' +
        'Describe, pricing and public SSM parameter reads cannot be scoped further.');
    acknowledge(
      {
        scope: props.interruptionQueue ? undefined : this.interruptionQueue,
        id: 'AwsSolutions-SQS3',
        reason: 'Interruption events are only actionable for minutes (retention 300 s, as upstream); the controller ' +
            'deletes every message it reads, malformed ones included, so a dead-letter queue would only collect stale events.',
      },
      {
        scope: this.discoveryTags?.customResource ? this.discoveryTags : undefined,
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*]',
        reason: 'Untagging resources dropped from the discovery list (their IDs are no longer known): only the ' +
            'karpenter.sh/discovery tag, only on subnets whose tag names this cluster.',
      },
      {
        scope: this.discoveryTags?.customResource ? this.discoveryTags : undefined,
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
        reason: 'Untagging resources dropped from the discovery list (their IDs are no longer known): only the ' +
            'karpenter.sh/discovery tag, only on security groups whose tag names this cluster.',
      },
      {
        scope: this.nodeCleanup,
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'DescribeInstances and DescribeLaunchTemplates cannot be scoped to resources; limited to this region ' +
            'with aws:RequestedRegion.',
      },
      {
        scope: this.nodeCleanup,
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:*:instance/*]',
        reason: 'Nodes launched by the controller are not known to the stack: terminating them is scoped by the ' +
            'cluster ownership and NodePool tags, as in the upstream controller policy.',
      },
      {
        scope: this.nodeCleanup,
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:*:launch-template/*]',
        reason: 'Launch templates created by the controller are not known to the stack: deleting them is scoped by ' +
            'the cluster ownership and NodePool tags, as in the upstream controller policy.',
      },
      {
        scope: this.nodeCleanup,
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/*]',
        reason: 'Instance profiles created by the controller are not known to the stack: listing them cannot be ' +
            'scoped, deleting them is scoped by the cluster ownership, region and EC2NodeClass tags, as upstream.',
      },
      {
        scope: this.node.tryFindChild('FargatePodExecutionRole'),
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy]',
        reason: 'A Fargate pod execution role needs AmazonEKSFargatePodExecutionRolePolicy (EKS documentation) to pull ' +
            'images; its trust is limited to this cluster\'s Fargate profiles.',
      },
    );
  }
}
