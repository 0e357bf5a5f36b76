/**
 * The EC2NodeClass reconciler: resolves subnets, security groups, AMIs and the instance profile of a node class and
 * returns its `status` with the `SubnetsReady`, `SecurityGroupsReady`, `AMIsReady`, `InstanceProfileReady` and
 * `Ready` conditions. Reasons and messages say what did not match and what to change. The caller (the Kubernetes
 * side) writes the status subresource; this module never talks to Kubernetes.
 */
import { Filter, SecurityGroup, Subnet } from '@aws-sdk/client-ec2';
import { AmiSelectorError, resolveAmis } from './amis';
import { Ec2Api, IamApi, SsmApi } from './api';
import {
  AmiStatus, Condition, CONDITION_READY, EC2NodeClass, EC2NodeClassStatus, SecurityGroupStatus, SelectorTerm, SecurityGroupSelectorTerm, SubnetStatus,
} from './ec2-node-class';
import { messageOf } from './errors';
import { checkInstanceProfile, ensureInstanceProfile } from './instance-profiles';
import { Clock } from '../core/clock';

export interface NodeClassReconcilerOptions {
  readonly ec2: Ec2Api;
  readonly ssm: SsmApi;
  readonly iam: IamApi;
  readonly clusterName: string;
  readonly region: string;
  readonly clock: Clock;
  /** The cluster's Kubernetes version (`1.35`), for AMI aliases. */
  readonly kubernetesVersion: () => Promise<string>;
}

/** The EC2 filters of one selector term (tags with `*` values match any value of the key; other values may hold `*`). */
export function selectorFilters(term: SelectorTerm & { name?: string }, idFilter: string, nameFilter?: string): Filter[] {
  const filters: Filter[] = [];
  if (term.id) filters.push({ Name: idFilter, Values: [term.id] });
  if (term.name && nameFilter) filters.push({ Name: nameFilter, Values: [term.name] });
  for (const [k, v] of Object.entries(term.tags ?? {})) {
    filters.push(v === '*' ? { Name: 'tag-key', Values: [k] } : { Name: `tag:${k}`, Values: [v] });
  }
  return filters;
}

/** Subnets matching any term, most free IPs first (the launch picks one per zone in that order). */
export async function resolveSubnets(ec2: Ec2Api, terms: readonly SelectorTerm[]): Promise<SubnetStatus[]> {
  const found = new Map<string, Subnet>();
  for (const term of terms) {
    const filters = selectorFilters(term, 'subnet-id');
    if (filters.length === 0) continue;
    let token: string | undefined;
    do {
      const page = await ec2.describeSubnets({ Filters: filters, NextToken: token });
      for (const s of page.Subnets ?? []) if (s.SubnetId && s.State !== 'failed') found.set(s.SubnetId, s);
      token = page.NextToken;
    } while (token);
  }
  return [...found.values()]
    .sort((a, b) => (b.AvailableIpAddressCount ?? 0) - (a.AvailableIpAddressCount ?? 0) || a.SubnetId!.localeCompare(b.SubnetId!))
    .map(s => ({ id: s.SubnetId!, zone: s.AvailabilityZone ?? '', ...(s.AvailabilityZoneId ? { zoneID: s.AvailabilityZoneId } : {}) }));
}

export async function resolveSecurityGroups(ec2: Ec2Api, terms: readonly SecurityGroupSelectorTerm[]): Promise<SecurityGroupStatus[]> {
  const found = new Map<string, SecurityGroup>();
  for (const term of terms) {
    const filters = selectorFilters(term, 'group-id', 'group-name');
    if (filters.length === 0) continue;
    let token: string | undefined;
    do {
      const page = await ec2.describeSecurityGroups({ Filters: filters, NextToken: token });
      for (const g of page.SecurityGroups ?? []) if (g.GroupId) found.set(g.GroupId, g);
      token = page.NextToken;
    } while (token);
  }
  return [...found.values()]
    .sort((a, b) => a.GroupId!.localeCompare(b.GroupId!))
    .map(g => ({ id: g.GroupId!, ...(g.GroupName ? { name: g.GroupName } : {}) }));
}

interface Check {
  readonly type: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly message: string;
}

/** Sets conditions, keeping lastTransitionTime when the status did not change. */
function conditions(previous: readonly Condition[] | undefined, checks: readonly Check[], now: string, generation?: number): Condition[] {
  const failed = checks.find(c => !c.ok);
  const all: Check[] = [...checks, failed
    ? { type: CONDITION_READY, ok: false, reason: failed.reason, message: failed.message }
    : { type: CONDITION_READY, ok: true, reason: CONDITION_READY, message: '' }];
  return all.map(c => {
    const status = c.ok ? 'True' : 'False';
    const prev = previous?.find(p => p.type === c.type);
    return {
      type: c.type,
      status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: prev?.status === status ? prev.lastTransitionTime ?? now : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
}

/** Reconciles one node class: returns its new status (never throws for a selector or AWS problem: it reports it). */
export async function reconcileNodeClass(nodeClass: EC2NodeClass, opts: NodeClassReconcilerOptions): Promise<EC2NodeClassStatus> {
  const spec = nodeClass.spec;
  const checks: Check[] = [];
  const status: EC2NodeClassStatus = {};

  const subnetTerms = spec.subnetSelectorTerms ?? [];
  try {
    status.subnets = await resolveSubnets(opts.ec2, subnetTerms);
    checks.push(status.subnets.length > 0
      ? { type: 'SubnetsReady', ok: true, reason: 'SubnetsReady', message: '' }
      : {
        type: 'SubnetsReady',
        ok: false,
        reason: 'SubnetsNotFound',
        message: `no subnet matches subnetSelectorTerms ${JSON.stringify(subnetTerms)}: tag the subnets or fix the terms`,
      });
  } catch (e) {
    checks.push({ type: 'SubnetsReady', ok: false, reason: 'SubnetsNotFound', message: `describing subnets: ${messageOf(e)}` });
  }

  const sgTerms = spec.securityGroupSelectorTerms ?? [];
  try {
    status.securityGroups = await resolveSecurityGroups(opts.ec2, sgTerms);
    checks.push(status.securityGroups.length > 0
      ? { type: 'SecurityGroupsReady', ok: true, reason: 'SecurityGroupsReady', message: '' }
      : {
        type: 'SecurityGroupsReady',
        ok: false,
        reason: 'SecurityGroupsNotFound',
        message: `no security group matches securityGroupSelectorTerms ${JSON.stringify(sgTerms)}: tag the security groups or fix the terms`,
      });
  } catch (e) {
    checks.push({ type: 'SecurityGroupsReady', ok: false, reason: 'SecurityGroupsNotFound', message: `describing security groups: ${messageOf(e)}` });
  }

  const amiTerms = spec.amiSelectorTerms ?? [];
  try {
    const needsVersion = amiTerms.some(t => t.alias);
    const version = needsVersion ? await opts.kubernetesVersion() : '';
    const amis: AmiStatus[] = await resolveAmis(opts.ec2, opts.ssm, amiTerms, version);
    status.amis = amis;
    checks.push(amis.length > 0
      ? { type: 'AMIsReady', ok: true, reason: 'AMIsReady', message: '' }
      : {
        type: 'AMIsReady',
        ok: false,
        reason: 'AMINotFound',
        message: `no AMI matches amiSelectorTerms ${JSON.stringify(amiTerms)}${needsVersion ? ` (Kubernetes ${version})` : ''}`,
      });
  } catch (e) {
    checks.push({
      type: 'AMIsReady',
      ok: false,
      reason: e instanceof AmiSelectorError ? 'AMIFamilyNotSupported' : 'AMINotFound',
      message: e instanceof AmiSelectorError ? e.message : `resolving amiSelectorTerms: ${messageOf(e)}${e instanceof Error && e.cause ? `: ${messageOf(e.cause)}` : ''}`,
    });
  }

  try {
    if (spec.instanceProfile) {
      status.instanceProfile = await checkInstanceProfile(opts.iam, spec.instanceProfile);
    } else if (spec.role) {
      status.instanceProfile = await ensureInstanceProfile(opts.iam, {
        clusterName: opts.clusterName, region: opts.region, nodeClassName: nodeClass.metadata.name, role: spec.role,
      });
    } else {
      throw new Error('spec.role or spec.instanceProfile is required');
    }
    checks.push({ type: 'InstanceProfileReady', ok: true, reason: 'InstanceProfileReady', message: '' });
  } catch (e) {
    const cause = e instanceof Error && e.cause ? `: ${messageOf(e.cause)}` : '';
    checks.push({ type: 'InstanceProfileReady', ok: false, reason: 'InstanceProfileNotReady', message: `${messageOf(e)}${cause}` });
  }

  status.conditions = conditions(nodeClass.status?.conditions, checks, opts.clock.now().toISOString(), nodeClass.metadata.generation);
  return status;
}

/** A reconciler object for the Kubernetes side: `reconcile(nodeClass)` returns the status to write. */
export class EC2NodeClassReconciler {
  constructor(private readonly opts: NodeClassReconcilerOptions) {}

  reconcile(nodeClass: EC2NodeClass): Promise<EC2NodeClassStatus> {
    return reconcileNodeClass(nodeClass, this.opts);
  }
}
