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
   * A Fargate profile that selects the controller's namespace and pods. EKS Pod Identity is not available on
   * Fargate: use IRSA (`identityType: eks.IdentityType.IRSA`).
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html#pod-id-considerations
   */
  public static fargate(): ControllerPlacement {
    return new ControllerPlacement(true, {});
  }

  private constructor(
    /** Whether the controller runs on Fargate. */
    public readonly onFargate: boolean,
    /** Node labels the controller's nodes must carry (beyond `kubernetes.io/os: linux`). */
    public readonly nodeSelectorLabels: Record<string, string>,
  ) {}
}
