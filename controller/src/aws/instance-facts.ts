/**
 * The instance facts drift compares with the EC2NodeClass status (upstream's AWS `IsDrifted` reads them with
 * DescribeInstances on every check): the subnet and the security groups of the NodeClaim's instance. The AWS
 * provider records them on the NodeClaim as annotations when it launches (the CreateFleet override's subnet, the
 * launch template's groups) and whenever it describes the instance (`get`, `list`, adoption), so the per-NodeClaim
 * drift check feeds `detectDrift` without an EC2 call per check. The AMI is `status.imageID`.
 */
import { InstanceFacts } from '../core/disruption/drift-detection';
import { NodeClaim } from '../core/kube-types';

export const ANNOTATION_INSTANCE_SUBNET_ID = 'karpenter.k8s.aws/instance-subnet-id';
/** Comma-separated, sorted. */
export const ANNOTATION_INSTANCE_SECURITY_GROUP_IDS = 'karpenter.k8s.aws/instance-security-group-ids';

/** The annotations recording an instance's subnet and security groups (only the facts known). */
export function instanceFactAnnotations(subnetId: string | undefined, securityGroupIds: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (subnetId) out[ANNOTATION_INSTANCE_SUBNET_ID] = subnetId;
  const groups = [...new Set((securityGroupIds ?? []).filter(g => g))].sort();
  if (groups.length > 0) out[ANNOTATION_INSTANCE_SECURITY_GROUP_IDS] = groups.join(',');
  return out;
}

/** The facts recorded on a NodeClaim (fields absent when not recorded: that drift is then not checked). */
export function instanceFactsOf(nodeClaim: NodeClaim): InstanceFacts {
  const a = nodeClaim.metadata.annotations ?? {};
  const groups = a[ANNOTATION_INSTANCE_SECURITY_GROUP_IDS];
  return {
    ...(nodeClaim.status?.imageID ? { imageId: nodeClaim.status.imageID } : {}),
    ...(a[ANNOTATION_INSTANCE_SUBNET_ID] ? { subnetId: a[ANNOTATION_INSTANCE_SUBNET_ID] } : {}),
    ...(groups ? { securityGroupIds: groups.split(',').filter(g => g) } : {}),
  };
}

/** True when both the subnet and the security groups are recorded. */
export function hasInstanceFacts(nodeClaim: NodeClaim): boolean {
  const a = nodeClaim.metadata.annotations ?? {};
  return Boolean(a[ANNOTATION_INSTANCE_SUBNET_ID] && a[ANNOTATION_INSTANCE_SECURITY_GROUP_IDS]);
}
