/**
 * Instance profiles for EC2NodeClass `role`: one per node class, named `<cluster>_<hash(region + nodeclass)>` (stable
 * across restarts and distinct per cluster and region), tagged as the controller policy requires, holding the role.
 */
import { IamApi } from './api';
import { isAwsNotFound } from './errors';
import { fnv1a64 } from './hash';

export const TAG_CLUSTER_PREFIX = 'kubernetes.io/cluster/';
export const TAG_EKS_CLUSTER_NAME = 'eks:eks-cluster-name';
export const TAG_REGION = 'topology.kubernetes.io/region';
export const TAG_EC2_NODE_CLASS = 'karpenter.k8s.aws/ec2nodeclass';
export const TAG_NODE_POOL = 'karpenter.sh/nodepool';
export const TAG_NODE_CLAIM = 'karpenter.sh/nodeclaim';

/** The instance profile name Karpenter uses for a node class. */
export function instanceProfileName(clusterName: string, region: string, nodeClassName: string): string {
  return `${clusterName}_${BigInt(`0x${fnv1a64(`${region}${nodeClassName}`)}`).toString()}`;
}

/** The tags the IAM integration policy requires on instance profiles the controller creates. */
export function instanceProfileTags(clusterName: string, region: string, nodeClassName: string): Record<string, string> {
  return {
    [`${TAG_CLUSTER_PREFIX}${clusterName}`]: 'owned',
    [TAG_EKS_CLUSTER_NAME]: clusterName,
    [TAG_REGION]: region,
    [TAG_EC2_NODE_CLASS]: nodeClassName,
  };
}

/** `KarpenterNodeRole-demo` or `arn:aws:iam::1:role/path/KarpenterNodeRole-demo` -> `KarpenterNodeRole-demo`. */
export function roleName(role: string): string {
  const slash = role.lastIndexOf('/');
  return slash >= 0 ? role.slice(slash + 1) : role;
}

export class InstanceProfileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InstanceProfileError';
  }
}

/**
 * Makes sure the instance profile of the node class exists, is tagged, and holds `role` (and only it). Returns its name.
 */
export async function ensureInstanceProfile(iam: IamApi, opts: {
  clusterName: string; region: string; nodeClassName: string; role: string;
}): Promise<string> {
  const name = instanceProfileName(opts.clusterName, opts.region, opts.nodeClassName);
  const tags = instanceProfileTags(opts.clusterName, opts.region, opts.nodeClassName);
  const wanted = roleName(opts.role);
  try {
    let profile;
    try {
      profile = (await iam.getInstanceProfile({ InstanceProfileName: name })).InstanceProfile;
    } catch (e) {
      if (!isAwsNotFound(e)) throw e;
    }
    if (!profile) {
      profile = (await iam.createInstanceProfile({
        InstanceProfileName: name,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      })).InstanceProfile;
    } else {
      const have = new Map((profile.Tags ?? []).map(t => [t.Key, t.Value]));
      // the policy (AllowScopedInstanceProfileTagActions) wants every required tag in the request: send them all
      if (Object.entries(tags).some(([k, v]) => have.get(k) !== v)) {
        await iam.tagInstanceProfile({ InstanceProfileName: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
      }
    }
    const roles = (profile?.Roles ?? []).map(r => r.RoleName ?? '');
    if (roles.length === 1 && roles[0] === wanted) return name;
    for (const r of roles) await iam.removeRoleFromInstanceProfile({ InstanceProfileName: name, RoleName: r });
    await iam.addRoleToInstanceProfile({ InstanceProfileName: name, RoleName: wanted });
    return name;
  } catch (cause) {
    throw new InstanceProfileError(`ensuring instance profile ${name} with role ${wanted} for ec2nodeclass ${opts.nodeClassName}`, { cause });
  }
}

/** Checks that a user-named instance profile exists. */
export async function checkInstanceProfile(iam: IamApi, name: string): Promise<string> {
  try {
    await iam.getInstanceProfile({ InstanceProfileName: name });
    return name;
  } catch (cause) {
    throw new InstanceProfileError(`instance profile ${name} not found`, { cause });
  }
}
