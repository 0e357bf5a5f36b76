/**
 * Tag and label keys shared by the constructs and the controller.
 *
 * @see https://karpenter.sh/docs/reference/cloudformation/
 */

/** Tag on subnets and security groups that EC2NodeClass selector terms find. Value: the cluster name. */
export const DISCOVERY_TAG_KEY = 'karpenter.sh/discovery';

/** Tag on every instance, launch template and instance profile the controller creates: `kubernetes.io/cluster/<name>=owned`. */
export function clusterOwnershipTagKey(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}

/** Value of the cluster ownership tag. */
export const CLUSTER_OWNERSHIP_TAG_VALUE = 'owned';

/** Tag with the EKS cluster name, required on launch by the controller policy. */
export const EKS_CLUSTER_NAME_TAG_KEY = 'eks:eks-cluster-name';

/** Tag and label with the NodePool that owns an instance. */
export const NODE_POOL_TAG_KEY = 'karpenter.sh/nodepool';

/** Tag with the NodeClaim that owns an instance. */
export const NODE_CLAIM_TAG_KEY = 'karpenter.sh/nodeclaim';

/** Tag with the EC2NodeClass that owns an instance profile or launch template. */
export const EC2_NODE_CLASS_TAG_KEY = 'karpenter.k8s.aws/ec2nodeclass';

/** Tag with the region of an instance profile. */
export const REGION_TAG_KEY = 'topology.kubernetes.io/region';
