import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';

/** Options of {@link ControllerPlacement.fargate}. */
export interface FargatePlacementOptions {
  /**
   * Create the Fargate profile that selects the controller's pods (their namespace and `podLabels`), with its pod
   * execution role. Turn off when a profile of yours already selects them.
   *
   * @default true
   * @see https://docs.aws.amazon.com/eks/latest/userguide/fargate-profile.html
   */
  readonly createProfile?: boolean;

  /**
   * Labels of the controller pods the created profile selects, besides their namespace.
   *
   * @default { 'app.kubernetes.io/name': 'karpenter' } - the label the upstream chart puts on its pods
   */
  readonly podLabels?: Record<string, string>;

  /**
   * Private subnets of the created profile (Fargate runs pods only in private subnets).
   *
   * @default - the private subnets of the cluster's VPC
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * Pod execution role of the created profile.
   *
   * @default - a role trusted by `eks-fargate-pods.amazonaws.com` for this cluster's profiles, with
   * AmazonEKSFargatePodExecutionRolePolicy
   */
  readonly podExecutionRole?: iam.IRole;
}

/**
 * Where the controller pods run. Karpenter must never run on capacity it manages: a consolidation could
 * remove the node the controller itself runs on.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#4-install-karpenter
 */
export class ControllerPlacement {
  /**
   * Any Linux node that no NodePool manages (node affinity `karpenter.sh/nodepool DoesNotExist`), e.g. the
   * cluster's managed node group. The chart's default.
   */
  public static unmanagedNodes(): ControllerPlacement {
    return new ControllerPlacement(false, {});
  }

  /**
   * Unmanaged nodes that also carry these labels, e.g. `{ 'eks.amazonaws.com/nodegroup': 'system' }` to pin
   * the controller to one managed node group.
   *
   * @param labels node labels (key to value) the nodes must carry.
   */
  public static nodeSelector(labels: Record<string, string>): ControllerPlacement {
    return new ControllerPlacement(false, { ...labels });
  }

  /**
   * A Fargate profile that selects the controller's namespace and pods, created by the `Karpenter` construct
   * unless `createProfile` is false. EKS Pod Identity is not available on Fargate: the controller gets its
   * credentials through IRSA (the default identity with this placement; the cluster needs an OIDC provider).
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html#pod-id-considerations
   */
  public static fargate(options: FargatePlacementOptions = {}): ControllerPlacement {
    return new ControllerPlacement(true, {}, { ...options });
  }

  private constructor(
    /** Whether the controller runs on Fargate. */
    public readonly onFargate: boolean,
    /** Node labels the controller's nodes must carry (beyond `kubernetes.io/os: linux`). */
    public readonly nodeSelectorLabels: Record<string, string>,
    /** The Fargate options, when `onFargate`. */
    public readonly fargateOptions?: FargatePlacementOptions,
  ) {}
}
