/**
 * The AWS CloudProvider: launches NodeClaims with CreateFleet (instant), terminates, lists and gets instances by the
 * cluster's tags, and lists instance types per NodePool and EC2NodeClass. Every AWS call goes through the narrow
 * interfaces of `api.ts`; time comes from the injected clock.
 */
import {
  CreateFleetCommandInput, FleetLaunchTemplateConfigRequest, FleetLaunchTemplateOverridesRequest, Instance,
} from '@aws-sdk/client-ec2';
import { AwsApis } from './api';
import { ClusterInfo, describeClusterInfo } from './cluster-info';
import { EC2_NODE_CLASS_GROUP, EC2NodeClass, isReady, readyCondition } from './ec2-node-class';
import { awsErrorCode, isAwsNotFound, UNFULFILLABLE_CAPACITY_CODES } from './errors';
import { instanceFactAnnotations } from './instance-facts';
import { TAG_CLUSTER_PREFIX, TAG_EC2_NODE_CLASS, TAG_EKS_CLUSTER_NAME, TAG_NODE_CLAIM, TAG_NODE_POOL } from './instance-profiles';
import { InstanceTypeProvider } from './instance-type-provider';
import { instanceTypeLabels } from './instance-types';
import { LaunchTemplateProvider, toTags } from './launch-templates';
import { EC2NodeClassReconciler } from './node-class-reconciler';
import { PricingProvider } from './pricing';
import { UnavailableOfferingsCache } from './unavailable-offerings';
import { InsufficientCapacityError, NodeClaimNotFoundError, NodeClassNotReadyError } from '../cloudprovider/errors';
import { InstanceType } from '../cloudprovider/instance-type';
import { CloudProvider } from '../cloudprovider/types';
import { Clock } from '../core/clock';
import { NodeClaim, NodeClassReference, NodePool } from '../core/kube-types';
import {
  CAPACITY_TYPE_ON_DEMAND, CAPACITY_TYPE_SPOT, LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_REGION, LABEL_ZONE,
} from '../core/labels';
import { fits, formatResources, parseResources } from '../core/resources';
import { Requirements } from '../core/scheduling/requirements';

/** Upstream's cap on the instance types of one CreateFleet request. */
export const MAX_INSTANCE_TYPES = 60;
export const LABEL_DO_NOT_SYNC_TAINTS = 'karpenter.sh/do-not-sync-taints';
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

export interface AwsCloudProviderOptions {
  /** The AWS APIs (`sdkApis(region)` in production, fakes or mocked SDK clients in tests). */
  readonly apis: AwsApis;
  readonly clusterName: string;
  readonly region: string;
  readonly clock: Clock;
  /** Looks an EC2NodeClass up by name (the informer cache); its `status` must have been reconciled (Ready). */
  readonly getNodeClass: (name: string) => Promise<EC2NodeClass | undefined> | EC2NodeClass | undefined;
  /** Cluster facts; read with eks:DescribeCluster (once) when absent. */
  readonly clusterInfo?: ClusterInfo;
  /** Overrides the endpoint from DescribeCluster (the CLUSTER_ENDPOINT setting). */
  readonly clusterEndpoint?: string;
  /** @default 0.075 */
  readonly vmMemoryOverheadPercent?: number;
  /** Non-fatal problems (price refresh failures). */
  readonly onError?: (error: Error) => void;
}

/** `aws:///us-west-2a/i-0123` -> { zone, instanceId }. */
export function parseProviderID(providerID: string): { zone: string; instanceId: string } {
  const m = /^aws:\/\/\/([^/]*)\/(i-[0-9a-z]+)$/.exec(providerID);
  if (!m) throw new NodeClaimNotFoundError(`invalid AWS providerID "${providerID}": expected aws:///<zone>/<instance-id>`);
  return { zone: m[1], instanceId: m[2] };
}

function tagMap(tags: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export class AwsCloudProvider implements CloudProvider {
  readonly unavailableOfferings: UnavailableOfferingsCache;
  readonly pricing: PricingProvider;
  readonly instanceTypes: InstanceTypeProvider;
  readonly launchTemplates: LaunchTemplateProvider;
  /** For the Kubernetes side: computes EC2NodeClass status (subnets, security groups, AMIs, instance profile, Ready). */
  readonly nodeClassReconciler: EC2NodeClassReconciler;
  private clusterInfoCache: ClusterInfo | undefined;

  constructor(private readonly opts: AwsCloudProviderOptions) {
    this.clusterInfoCache = opts.clusterInfo;
    this.unavailableOfferings = new UnavailableOfferingsCache(opts.clock);
    this.pricing = new PricingProvider({
      pricing: opts.apis.pricing, ec2: opts.apis.ec2, region: opts.region, clock: opts.clock, onError: opts.onError,
    });
    this.instanceTypes = new InstanceTypeProvider({
      ec2: opts.apis.ec2,
      pricing: this.pricing,
      unavailable: this.unavailableOfferings,
      clock: opts.clock,
      vmMemoryOverheadPercent: opts.vmMemoryOverheadPercent,
    });
    this.launchTemplates = new LaunchTemplateProvider(opts.apis.ec2);
    this.nodeClassReconciler = new EC2NodeClassReconciler({
      ec2: opts.apis.ec2,
      ssm: opts.apis.ssm,
      iam: opts.apis.iam,
      clusterName: opts.clusterName,
      region: opts.region,
      clock: opts.clock,
      kubernetesVersion: async () => (await this.clusterInfo()).version,
    });
  }

  name(): string {
    return 'aws';
  }

  /** Cluster facts (DescribeCluster once, then cached). */
  async clusterInfo(): Promise<ClusterInfo> {
    if (!this.clusterInfoCache) {
      const info = await describeClusterInfo(this.opts.apis.eks, this.opts.clusterName);
      this.clusterInfoCache = this.opts.clusterEndpoint ? { ...info, endpoint: this.opts.clusterEndpoint } : info;
    }
    return this.clusterInfoCache;
  }

  /** Refreshes instance types and prices when stale (call periodically; reads are lazy too). */
  async refresh(): Promise<void> {
    await this.instanceTypes.refreshIfStale();
    await this.pricing.refreshIfStale();
  }

  private async readyNodeClass(ref: NodeClassReference | undefined, owner: string): Promise<EC2NodeClass> {
    if (!ref || (ref.group && ref.group !== EC2_NODE_CLASS_GROUP)) {
      throw new NodeClassNotReadyError(`${owner} has no EC2NodeClass reference (nodeClassRef ${JSON.stringify(ref ?? null)})`);
    }
    const nodeClass = await this.opts.getNodeClass(ref.name);
    if (!nodeClass) throw new NodeClassNotReadyError(`EC2NodeClass ${ref.name} of ${owner} not found`);
    if (!isReady(nodeClass)) {
      const c = readyCondition(nodeClass);
      throw new NodeClassNotReadyError(`EC2NodeClass ${ref.name} is not ready${c?.reason ? `: ${c.reason}` : ''}${c?.message ? `: ${c.message}` : ''}`);
    }
    return nodeClass;
  }

  async getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]> {
    const nodeClass = await this.readyNodeClass(nodePool.spec.template.spec.nodeClassRef, `nodepool ${nodePool.metadata.name}`);
    return this.instanceTypes.list(nodeClass);
  }

  async create(nodeClaim: NodeClaim): Promise<NodeClaim> {
    const name = nodeClaim.metadata.name ?? nodeClaim.metadata.generateName ?? '';
    try {
      return await this.launch(nodeClaim, name);
    } catch (cause) {
      throw new Error(`launching nodeclaim ${name}`, { cause });
    }
  }

  private async launch(nodeClaim: NodeClaim, name: string): Promise<NodeClaim> {
    const nodeClass = await this.readyNodeClass(nodeClaim.spec.nodeClassRef, `nodeclaim ${name}`);
    // a crash between CreateFleet and the status write leaves an instance tagged with this NodeClaim: adopt it
    const existing = nodeClaim.metadata.name ? await this.findLaunched(nodeClaim.metadata.name) : undefined;
    if (existing) return this.adopt(nodeClaim, nodeClass, existing);
    const nodePool = nodeClaim.metadata.labels?.[LABEL_NODEPOOL] ?? '';
    const reqs = Requirements.fromNodeSelectorRequirements(nodeClaim.spec.requirements);
    const requests = parseResources(nodeClaim.spec.resources?.requests);
    const candidates = (await this.instanceTypes.list(nodeClass)).filter(it =>
      reqs.get(LABEL_INSTANCE_TYPE).has(it.name) && it.requirements.intersects(reqs) === undefined && fits(requests, it.allocatable) &&
      it.compatibleOfferings(reqs).length > 0);
    if (candidates.length === 0) {
      throw new InsufficientCapacityError(`no instance type satisfies the requirements and requests of nodeclaim ${name} with an available offering`);
    }
    const allowsSpot = reqs.get(LABEL_CAPACITY_TYPE).has(CAPACITY_TYPE_SPOT);
    const capacityType = allowsSpot && candidates.some(it => it.compatibleOfferings(reqs).some(o => o.capacityType === CAPACITY_TYPE_SPOT))
      ? CAPACITY_TYPE_SPOT : CAPACITY_TYPE_ON_DEMAND;
    const cheapest = (it: InstanceType) => Math.min(...it.compatibleOfferings(reqs).filter(o => o.capacityType === capacityType).map(o => o.price));
    const types = candidates.filter(it => Number.isFinite(cheapest(it)))
      .sort((a, b) => cheapest(a) - cheapest(b) || a.name.localeCompare(b.name)).slice(0, MAX_INSTANCE_TYPES);
    if (types.length === 0) throw new InsufficientCapacityError(`no ${capacityType} offering for nodeclaim ${name}`);

    const cluster = await this.clusterInfo();
    const baseTags: Record<string, string> = {
      ...nodeClass.spec.tags,
      [`${TAG_CLUSTER_PREFIX}${this.opts.clusterName}`]: 'owned',
      [TAG_EKS_CLUSTER_NAME]: this.opts.clusterName,
      [TAG_NODE_POOL]: nodePool,
      [TAG_EC2_NODE_CLASS]: nodeClass.metadata.name,
    };
    const labels: Record<string, string> = {
      ...nodeClaim.metadata.labels,
      [TAG_EC2_NODE_CLASS]: nodeClass.metadata.name,
      [LABEL_CAPACITY_TYPE]: capacityType,
      [LABEL_DO_NOT_SYNC_TAINTS]: 'true',
      ...(nodePool ? { [LABEL_NODEPOOL]: nodePool } : {}),
    };
    const subnetByZone = new Map<string, string>();
    for (const s of nodeClass.status?.subnets ?? []) if (!subnetByZone.has(s.zone)) subnetByZone.set(s.zone, s.id);

    // one launch template per AMI: each type boots the newest AMI whose requirements it satisfies
    const byAmi = new Map<string, InstanceType[]>();
    for (const it of types) {
      const ami = (nodeClass.status?.amis ?? [])
        .find(a => it.requirements.compatible(Requirements.fromNodeSelectorRequirements(a.requirements)) === undefined);
      if (!ami) continue;
      if (!byAmi.has(ami.id)) byAmi.set(ami.id, []);
      byAmi.get(ami.id)!.push(it);
    }
    const configs: FleetLaunchTemplateConfigRequest[] = [];
    const zoneReqs = reqs.get(LABEL_ZONE);
    for (const [amiId, its] of byAmi) {
      const ltName = await this.launchTemplates.ensure({
        clusterName: this.opts.clusterName,
        cluster,
        nodeClass,
        amiId,
        instanceProfile: nodeClass.status?.instanceProfile ?? '',
        securityGroupIds: (nodeClass.status?.securityGroups ?? []).map(g => g.id),
        labels,
        taints: [...nodeClaim.spec.taints ?? [], ...nodeClaim.spec.startupTaints ?? []],
        tags: baseTags,
      });
      const overrides: FleetLaunchTemplateOverridesRequest[] = [];
      for (const it of its) {
        for (const o of it.offerings) {
          if (!o.available || o.capacityType !== capacityType || !zoneReqs.has(o.zone)) continue;
          const subnet = subnetByZone.get(o.zone);
          if (subnet) overrides.push({ InstanceType: it.name as FleetLaunchTemplateOverridesRequest['InstanceType'], SubnetId: subnet, AvailabilityZone: o.zone });
        }
      }
      if (overrides.length > 0) configs.push({ LaunchTemplateSpecification: { LaunchTemplateName: ltName, Version: '$Latest' }, Overrides: overrides });
    }
    if (configs.length === 0) throw new InsufficientCapacityError(`no subnet or AMI fits the offerings of nodeclaim ${name}`);

    const instanceTags = toTags({ ...baseTags, [TAG_NODE_CLAIM]: name });
    const input: CreateFleetCommandInput = {
      Type: 'instant',
      LaunchTemplateConfigs: configs,
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: capacityType === CAPACITY_TYPE_SPOT ? 'spot' : 'on-demand' },
      ...(capacityType === CAPACITY_TYPE_SPOT
        ? { SpotOptions: { AllocationStrategy: 'price-capacity-optimized' } }
        : { OnDemandOptions: { AllocationStrategy: 'lowest-price' } }),
      TagSpecifications: (['instance', 'volume', 'fleet'] as const).map(ResourceType => ({ ResourceType, Tags: instanceTags })),
    };
    const out = await this.opts.apis.ec2.createFleet(input);
    const ice: string[] = [];
    const other: string[] = [];
    for (const e of out.Errors ?? []) {
      const ov = e.LaunchTemplateAndOverrides?.Overrides;
      const it = ov?.InstanceType;
      const zone = ov?.AvailabilityZone ?? [...subnetByZone].find(([, id]) => id === ov?.SubnetId)?.[0];
      if (e.ErrorCode && UNFULFILLABLE_CAPACITY_CODES.has(e.ErrorCode) && it && zone) {
        this.unavailableOfferings.markUnavailable(it, zone, capacityType);
        ice.push(`${e.ErrorCode} ${it} ${zone}`);
      } else if (e.ErrorCode === 'InvalidLaunchTemplateName.NotFoundException' || e.ErrorCode === 'InvalidLaunchTemplateId.NotFound') {
        const lt = e.LaunchTemplateAndOverrides?.LaunchTemplateSpecification?.LaunchTemplateName;
        if (lt) this.launchTemplates.forget(lt);
        other.push(`${e.ErrorCode}: ${e.ErrorMessage ?? ''}`);
      } else {
        other.push(`${e.ErrorCode ?? 'Error'}: ${e.ErrorMessage ?? ''}`);
      }
    }
    const launched = out.Instances?.find(i => (i.InstanceIds ?? []).length > 0);
    if (!launched) {
      const detail = [...ice, ...other].join('; ') || 'CreateFleet returned no instance and no error';
      if (other.length === 0) throw new InsufficientCapacityError(`insufficient capacity for nodeclaim ${name}: ${detail}`);
      throw new Error(`CreateFleet launched nothing for nodeclaim ${name}: ${detail}`);
    }
    const instanceId = launched.InstanceIds![0];
    const itName = launched.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? types[0].name;
    const zone = launched.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone ??
      [...subnetByZone].find(([, id]) => id === launched.LaunchTemplateAndOverrides?.Overrides?.SubnetId)?.[0] ?? '';
    const it = types.find(t => t.name === itName) ?? types[0];
    const amiId = [...byAmi].find(([, its]) => its.includes(it))?.[0];
    // the subnet of the override that launched, the groups of its launch template: what drift compares
    const subnetId = launched.LaunchTemplateAndOverrides?.Overrides?.SubnetId ?? subnetByZone.get(zone);
    const securityGroupIds = (nodeClass.status?.securityGroups ?? []).map(g => g.id);
    return {
      ...nodeClaim,
      metadata: {
        ...nodeClaim.metadata,
        annotations: { ...nodeClaim.metadata.annotations, ...instanceFactAnnotations(subnetId, securityGroupIds) },
        labels: {
          ...nodeClaim.metadata.labels,
          ...it.labels,
          [LABEL_ZONE]: zone,
          [LABEL_REGION]: this.opts.region,
          [LABEL_CAPACITY_TYPE]: capacityType,
        },
      },
      status: {
        ...nodeClaim.status,
        providerID: `aws:///${zone}/${instanceId}`,
        ...(amiId ? { imageID: amiId } : {}),
        capacity: formatResources(it.capacity),
        allocatable: formatResources(it.allocatable),
      },
    };
  }

  /**
   * The live instance of this cluster already launched for a NodeClaim (tagged `karpenter.sh/nodeclaim=<name>`), if
   * any: the oldest, should there be several.
   */
  async findLaunched(nodeClaimName: string): Promise<Instance | undefined> {
    let out;
    try {
      out = await this.opts.apis.ec2.describeInstances({
        Filters: [
          { Name: `tag:${TAG_CLUSTER_PREFIX}${this.opts.clusterName}`, Values: ['owned'] },
          { Name: `tag:${TAG_NODE_CLAIM}`, Values: [nodeClaimName] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      });
    } catch (cause) {
      throw new Error(`looking up an instance already launched for nodeclaim ${nodeClaimName}`, { cause });
    }
    const found = (out.Reservations ?? []).flatMap(r => r.Instances ?? [])
      .filter(i => i.InstanceId && tagMap(i.Tags)[TAG_NODE_CLAIM] === nodeClaimName);
    found.sort((a, b) => new Date(a.LaunchTime ?? 0).getTime() - new Date(b.LaunchTime ?? 0).getTime() ||
      (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''));
    return found[0];
  }

  /** The NodeClaim launched as `instance` (the same shape `launch` returns). */
  private async adopt(nodeClaim: NodeClaim, nodeClass: EC2NodeClass, instance: Instance): Promise<NodeClaim> {
    const it = (await this.instanceTypes.list(nodeClass)).find(t => t.name === instance.InstanceType);
    const described = this.toNodeClaim(instance);
    return {
      ...nodeClaim,
      metadata: {
        ...nodeClaim.metadata,
        annotations: { ...nodeClaim.metadata.annotations, ...described.metadata.annotations },
        labels: { ...nodeClaim.metadata.labels, ...it?.labels, ...described.metadata.labels },
      },
      status: {
        ...nodeClaim.status,
        ...described.status,
        ...(it ? { capacity: formatResources(it.capacity), allocatable: formatResources(it.allocatable) } : {}),
      },
    };
  }

  async delete(nodeClaim: NodeClaim): Promise<void> {
    const providerID = nodeClaim.status?.providerID;
    if (!providerID) throw new NodeClaimNotFoundError(`nodeclaim ${nodeClaim.metadata.name ?? ''} has no providerID`);
    const { instanceId } = parseProviderID(providerID);
    const instance = await this.describeInstance(instanceId);
    if (!instance || instance.State?.Name === 'terminated') throw new NodeClaimNotFoundError(`instance ${instanceId} not found`);
    if (instance.State?.Name === 'shutting-down') return;
    try {
      await this.opts.apis.ec2.terminateInstances({ InstanceIds: [instanceId] });
    } catch (cause) {
      if (isAwsNotFound(cause)) throw new NodeClaimNotFoundError(`instance ${instanceId} not found`, { cause });
      throw new Error(`terminating instance ${instanceId} of nodeclaim ${nodeClaim.metadata.name ?? ''}`, { cause });
    }
  }

  private async describeInstance(instanceId: string): Promise<Instance | undefined> {
    try {
      const out = await this.opts.apis.ec2.describeInstances({
        InstanceIds: [instanceId],
        Filters: [{ Name: `tag:${TAG_CLUSTER_PREFIX}${this.opts.clusterName}`, Values: ['owned'] }, { Name: 'tag-key', Values: [TAG_NODE_POOL] }],
      });
      return out.Reservations?.flatMap(r => r.Instances ?? []).find(i => i.InstanceId === instanceId);
    } catch (cause) {
      if (awsErrorCode(cause) === 'InvalidInstanceID.NotFound' || isAwsNotFound(cause)) return undefined;
      throw new Error(`describing instance ${instanceId}`, { cause });
    }
  }

  async get(providerID: string): Promise<NodeClaim> {
    const { instanceId } = parseProviderID(providerID);
    const instance = await this.describeInstance(instanceId);
    if (!instance || instance.State?.Name === 'terminated' || instance.State?.Name === 'shutting-down') {
      throw new NodeClaimNotFoundError(`instance ${instanceId} not found`);
    }
    return this.toNodeClaim(instance);
  }

  async list(): Promise<NodeClaim[]> {
    const out: NodeClaim[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.opts.apis.ec2.describeInstances({
          Filters: [
            { Name: `tag:${TAG_CLUSTER_PREFIX}${this.opts.clusterName}`, Values: ['owned'] },
            { Name: 'tag-key', Values: [TAG_NODE_POOL] },
            { Name: 'instance-state-name', Values: LIVE_STATES.filter(s => s !== 'shutting-down') },
          ],
          NextToken: token,
        });
        for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) out.push(this.toNodeClaim(i));
        token = page.NextToken;
      } while (token);
    } catch (cause) {
      throw new Error(`listing instances of cluster ${this.opts.clusterName}`, { cause });
    }
    return out;
  }

  private toNodeClaim(i: Instance): NodeClaim {
    const tags = tagMap(i.Tags);
    const zone = i.Placement?.AvailabilityZone ?? '';
    const info = i.InstanceType ? this.instanceTypes.info(i.InstanceType) : undefined;
    return {
      metadata: {
        ...(tags[TAG_NODE_CLAIM] ? { name: tags[TAG_NODE_CLAIM] } : {}),
        annotations: instanceFactAnnotations(i.SubnetId, (i.SecurityGroups ?? []).map(g => g.GroupId ?? '')),
        labels: {
          ...(info ? instanceTypeLabels(info) : {}),
          ...(i.InstanceType ? { [LABEL_INSTANCE_TYPE]: i.InstanceType } : {}),
          [LABEL_ZONE]: zone,
          [LABEL_REGION]: this.opts.region,
          [LABEL_CAPACITY_TYPE]: i.InstanceLifecycle === 'spot' ? CAPACITY_TYPE_SPOT : CAPACITY_TYPE_ON_DEMAND,
          ...(tags[TAG_NODE_POOL] ? { [LABEL_NODEPOOL]: tags[TAG_NODE_POOL] } : {}),
        },
        ...(i.LaunchTime ? { creationTimestamp: new Date(i.LaunchTime).toISOString() } : {}),
      },
      spec: { requirements: [] },
      status: { providerID: `aws:///${zone}/${i.InstanceId}`, ...(i.ImageId ? { imageID: i.ImageId } : {}) },
    };
  }

  /**
   * Nothing beyond the core's comparisons: AMI, subnet and security-group drift are decided by `detectDrift` from
   * `status.imageID` and the instance facts this provider records on the NodeClaim (`instance-facts.ts`).
   */
  async isDrifted(_nodeClaim: NodeClaim): Promise<string | undefined> {
    return undefined;
  }
}
