/**
 * Whether a NodeClaim has drifted from its NodePool and EC2NodeClass (upstream's nodeclaim disruption drift
 * controller and the AWS provider's `IsDrifted`), as pure comparisons. The runtime sets the `Drifted` condition from
 * the answer; the drift method then replaces drifted nodes within budgets.
 */
import {
  NODECLASS_HASH_ANNOTATION, NODECLASS_HASH_VERSION, NODECLASS_HASH_VERSION_ANNOTATION, NODEPOOL_HASH_ANNOTATION,
  NODEPOOL_HASH_VERSION_ANNOTATION, nodeClassHash, nodePoolHash, NODEPOOL_HASH_VERSION,
} from './hash';
import { InstanceType } from '../../cloudprovider/instance-type';
import { NodeClaim, NodePool } from '../kube-types';
import { LABEL_INSTANCE_TYPE } from '../labels';
import { Requirements } from '../scheduling/requirements';

export type DriftReason = 'NodePoolDrifted' | 'RequirementsDrifted' | 'InstanceTypeNotFound' | 'NodeClassDrift' | 'AMIDrift' | 'SubnetDrift' | 'SecurityGroupDrift';

/** The EC2NodeClass fields drift compares (spec for the hash, status for the resolved AMIs, subnets and groups). */
export interface NodeClassForDrift {
  readonly metadata: { name: string; annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly status?: {
    amis?: Array<{ id: string }>;
    subnets?: Array<{ id: string; zone?: string }>;
    securityGroups?: Array<{ id: string }>;
  };
}

/** What the cloud says about the NodeClaim's instance. */
export interface InstanceFacts {
  readonly imageId?: string;
  readonly subnetId?: string;
  readonly securityGroupIds?: readonly string[];
}

/** Static drift: only compared when both hash versions are present and equal. */
export function staticDrift(nodePool: NodePool, nodeClaim: NodeClaim): DriftReason | undefined {
  const a = nodeClaim.metadata.annotations ?? {};
  const poolHash = nodePool.metadata.annotations?.[NODEPOOL_HASH_ANNOTATION] ?? nodePoolHash(nodePool);
  const poolVersion = nodePool.metadata.annotations?.[NODEPOOL_HASH_VERSION_ANNOTATION] ?? NODEPOOL_HASH_VERSION;
  const claimHash = a[NODEPOOL_HASH_ANNOTATION];
  const claimVersion = a[NODEPOOL_HASH_VERSION_ANNOTATION];
  if (claimHash === undefined || claimVersion === undefined) return undefined;
  if (claimVersion !== poolVersion) return undefined;
  return claimHash !== poolHash ? 'NodePoolDrifted' : undefined;
}

/** Every NodePool requirement must still be satisfied by the NodeClaim's labels. */
export function requirementsDrift(nodePool: NodePool, nodeClaim: NodeClaim): DriftReason | undefined {
  const poolReqs = Requirements.fromNodeSelectorRequirements(nodePool.spec.template.spec.requirements);
  const labels = nodeClaim.metadata.labels ?? {};
  for (const r of poolReqs.values()) {
    const v = labels[r.key];
    if (v === undefined) {
      // a label the NodeClaim lacks only satisfies negative requirements (NotIn, DoesNotExist)
      if (!r.isNegative()) return 'RequirementsDrifted';
      continue;
    }
    if (!r.has(v)) return 'RequirementsDrifted';
  }
  return undefined;
}

export function instanceTypeDrift(nodeClaim: NodeClaim, instanceTypes: readonly InstanceType[]): DriftReason | undefined {
  const name = nodeClaim.metadata.labels?.[LABEL_INSTANCE_TYPE];
  if (name === undefined) return undefined;
  return instanceTypes.some(it => it.name === name) ? undefined : 'InstanceTypeNotFound';
}

/** The AWS provider's drift: EC2NodeClass hash, then AMI, subnet and security groups against the resolved status. */
export function nodeClassDrift(nodeClaim: NodeClaim, nodeClass: NodeClassForDrift, instance: InstanceFacts = {}): DriftReason | undefined {
  const a = nodeClaim.metadata.annotations ?? {};
  const classHash = nodeClass.metadata.annotations?.[NODECLASS_HASH_ANNOTATION] ?? nodeClassHash(nodeClass.spec);
  const classVersion = nodeClass.metadata.annotations?.[NODECLASS_HASH_VERSION_ANNOTATION] ?? NODECLASS_HASH_VERSION;
  const stamped = a[NODECLASS_HASH_ANNOTATION];
  if (stamped !== undefined && a[NODECLASS_HASH_VERSION_ANNOTATION] === classVersion && stamped !== classHash) {
    return 'NodeClassDrift';
  }
  const image = instance.imageId ?? nodeClaim.status?.imageID;
  const amis = nodeClass.status?.amis;
  // no resolved AMIs is a not-ready EC2NodeClass, not drift
  if (image && amis && amis.length > 0 && !amis.some(x => x.id === image)) return 'AMIDrift';
  const subnets = nodeClass.status?.subnets;
  if (instance.subnetId && subnets && subnets.length > 0 && !subnets.some(s => s.id === instance.subnetId)) return 'SubnetDrift';
  const groups = nodeClass.status?.securityGroups;
  if (instance.securityGroupIds && groups && groups.length > 0) {
    const want = new Set(groups.map(g => g.id));
    const have = new Set(instance.securityGroupIds);
    if (want.size !== have.size || [...want].some(g => !have.has(g))) return 'SecurityGroupDrift';
  }
  return undefined;
}

export interface DriftInput {
  readonly nodeClaim: NodeClaim;
  readonly nodePool: NodePool;
  /** The NodePool's instance types: a NodeClaim whose type is gone has drifted. */
  readonly instanceTypes?: readonly InstanceType[];
  readonly nodeClass?: NodeClassForDrift;
  readonly instance?: InstanceFacts;
}

/** The first drift reason in upstream order (static, requirements, instance type, cloud provider), or undefined. */
export function detectDrift(input: DriftInput): DriftReason | undefined {
  return staticDrift(input.nodePool, input.nodeClaim)
    ?? requirementsDrift(input.nodePool, input.nodeClaim)
    ?? (input.instanceTypes ? instanceTypeDrift(input.nodeClaim, input.instanceTypes) : undefined)
    ?? (input.nodeClass ? nodeClassDrift(input.nodeClaim, input.nodeClass, input.instance) : undefined);
}
