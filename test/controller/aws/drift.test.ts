/**
 * Subnet and security-group drift with the AWS provider: the instance's subnet and groups are recorded on the
 * NodeClaim (CreateFleet at launch, DescribeInstances on get), and the per-NodeClaim disruption controller sets
 * `Drifted` when the EC2NodeClass status no longer contains them.
 */
import { CLUSTER, FakeAws, REGION } from './fake-aws';
import { AwsCloudProvider, parseProviderID } from '../../../controller/src/aws/cloud-provider';
import { EC2NodeClass } from '../../../controller/src/aws/ec2-node-class';
import {
  ANNOTATION_INSTANCE_SECURITY_GROUP_IDS, ANNOTATION_INSTANCE_SUBNET_ID, instanceFactAnnotations, instanceFactsOf,
} from '../../../controller/src/aws/instance-facts';
import { FakeClock } from '../../../controller/src/core/clock';
import { NodeClassForDrift } from '../../../controller/src/core/disruption/drift-detection';
import { NodeClaim } from '../../../controller/src/core/kube-types';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNode, ClusterNodeClaim, ClusterNodePool } from '../../../controller/src/core/state/objects';
import { KubeWriter, MemoryEventRecorder, MergePatch } from '../../../controller/src/core/state/ports';
import { NodeClaimDisruption } from '../../../controller/src/disruption/nodeclaim-disruption';
import { MemoryLogger } from '../../../controller/src/observability/logger';

let aws: FakeAws;
let clock: FakeClock;
let nodeClass: EC2NodeClass;
let provider: AwsCloudProvider;

beforeEach(async () => {
  aws = new FakeAws();
  clock = new FakeClock('2026-11-21T00:00:00Z');
  provider = new AwsCloudProvider({ apis: aws.apis(), clusterName: CLUSTER, region: REGION, clock, getNodeClass: () => nodeClass });
  nodeClass = {
    metadata: { name: 'default' },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      role: 'KarpenterNodeRole-demo',
    },
  };
  nodeClass.status = await provider.nodeClassReconciler.reconcile(nodeClass);
  aws.calls.length = 0;
});
afterEach(() => aws.restore());

function claim(name = 'default-x7k2p', zone = 'test-zone-1b'): NodeClaim {
  return {
    metadata: { name, labels: { 'karpenter.sh/nodepool': 'default' } },
    spec: {
      requirements: [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] },
      ],
      resources: { requests: { cpu: '1' } },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    },
  };
}

describe('instance facts on the NodeClaim', () => {
  test('create records the subnet of the launching override and the launch template groups; get reads them from DescribeInstances', async () => {
    const launched = await provider.create(claim());
    expect(launched.metadata.annotations).toEqual({
      [ANNOTATION_INSTANCE_SUBNET_ID]: 'subnet-2',
      [ANNOTATION_INSTANCE_SECURITY_GROUP_IDS]: 'sg-1',
    });
    const got = await provider.get(launched.status!.providerID!);
    expect(got.metadata.annotations).toEqual(launched.metadata.annotations);
    expect(aws.callsOf('DescribeInstances').at(-1).InstanceIds).toEqual([parseProviderID(launched.status!.providerID!).instanceId]);
    // several groups, recorded sorted
    aws.instances.get(parseProviderID(launched.status!.providerID!).instanceId)!.SecurityGroups = [{ GroupId: 'sg-2' }, { GroupId: 'sg-1' }];
    expect((await provider.get(launched.status!.providerID!)).metadata.annotations?.[ANNOTATION_INSTANCE_SECURITY_GROUP_IDS]).toBe('sg-1,sg-2');
    expect(instanceFactsOf(await provider.get(launched.status!.providerID!))).toEqual({
      imageId: 'ami-amd64', subnetId: 'subnet-2', securityGroupIds: ['sg-1', 'sg-2'],
    });
  });

  test('adoption of an instance already launched for the NodeClaim records its facts', async () => {
    const first = await provider.create(claim());
    const again = await provider.create(claim());
    expect(again.status!.providerID).toBe(first.status!.providerID);
    expect(again.metadata.annotations).toEqual(first.metadata.annotations);
  });

  test('annotations only for known facts', () => {
    expect(instanceFactAnnotations(undefined, [])).toEqual({});
    expect(instanceFactsOf({ metadata: {}, spec: { requirements: [] } })).toEqual({});
  });
});

function merge(t: any, p: any): any {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
  const out = { ...(t ?? {}) };
  for (const [k, v] of Object.entries(p)) out[k] = v === null ? undefined : merge(out[k], v);
  return out;
}

class StateWriter implements Partial<KubeWriter> {
  readonly patches: Array<{ name: string; patch: MergePatch }> = [];
  constructor(private readonly cluster: ClusterState) {}
  async patchNodeClaim(name: string, patch: MergePatch): Promise<ClusterNodeClaim> {
    this.patches.push({ name, patch });
    const next = merge(this.cluster.nodeClaims.get(name), patch);
    this.cluster.upsertNodeClaim(next);
    return next;
  }
  async patchNodeClaimStatus(name: string, status: any): Promise<ClusterNodeClaim> {
    return this.patchNodeClaim(name, { status });
  }
  async patchNode(): Promise<ClusterNode> { throw new Error('unused'); }
}

describe('Drifted from the EC2NodeClass status (NodeClaim disruption controller)', () => {
  async function setup(recorded = true) {
    const cluster = new ClusterState();
    const writer = new StateWriter(cluster);
    const pool: ClusterNodePool = {
      metadata: { name: 'default' },
      spec: { template: { spec: { requirements: [], nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } } } },
    };
    cluster.upsertNodePool(pool);
    const launched = await provider.create(claim());
    cluster.upsertNodeClaim({
      ...launched,
      metadata: {
        ...launched.metadata,
        name: 'default-x7k2p',
        annotations: recorded ? launched.metadata.annotations : {},
      },
      status: { ...launched.status, conditions: [{ type: 'Launched', status: 'True', reason: 'Launched' }] },
    } as ClusterNodeClaim);
    const controller = new NodeClaimDisruption({
      cluster,
      cloudProvider: provider,
      writer: writer as unknown as KubeWriter,
      events: new MemoryEventRecorder(),
      logger: new MemoryLogger(),
      clock,
      nodeClass: () => nodeClass as unknown as NodeClassForDrift,
    });
    const drifted = async () => {
      await controller.reconcile('default-x7k2p');
      return cluster.nodeClaims.get('default-x7k2p')!.status!.conditions!.find(c => c.type === 'Drifted');
    };
    aws.calls.length = 0;
    return { cluster, writer, drifted };
  }

  test('subnet no longer selected: SubnetDrift; selected again: not drifted', async () => {
    const { drifted } = await setup();
    expect(await drifted()).toBeUndefined();
    expect(aws.callsOf('DescribeInstances')).toHaveLength(0); // the facts are on the NodeClaim
    const subnets = nodeClass.status!.subnets!;
    nodeClass.status!.subnets = subnets.filter(s => s.id !== 'subnet-2');
    expect(await drifted()).toMatchObject({ status: 'True', reason: 'SubnetDrift' });
    nodeClass.status!.subnets = subnets;
    expect(await drifted()).toBeUndefined();
  });

  test('security groups changed (one added, or replaced): SecurityGroupDrift', async () => {
    const { drifted } = await setup();
    nodeClass.status!.securityGroups = [{ id: 'sg-1', name: 'nodes' }, { id: 'sg-2', name: 'other' }];
    expect(await drifted()).toMatchObject({ status: 'True', reason: 'SecurityGroupDrift' });
    nodeClass.status!.securityGroups = [{ id: 'sg-2', name: 'other' }];
    expect(await drifted()).toMatchObject({ status: 'True', reason: 'SecurityGroupDrift' });
    nodeClass.status!.securityGroups = [{ id: 'sg-1', name: 'nodes' }];
    expect(await drifted()).toBeUndefined();
  });

  test('an EC2NodeClass status without subnets or groups (not resolved) is not drift', async () => {
    const { drifted } = await setup();
    nodeClass.status!.subnets = [];
    nodeClass.status!.securityGroups = [];
    expect(await drifted()).toBeUndefined();
  });

  test('a NodeClaim launched before the facts were recorded gets them from DescribeInstances once, then drifts', async () => {
    const { cluster, writer, drifted } = await setup(false);
    nodeClass.status!.subnets = nodeClass.status!.subnets!.filter(s => s.id !== 'subnet-2');
    expect(await drifted()).toMatchObject({ status: 'True', reason: 'SubnetDrift' });
    expect(aws.callsOf('DescribeInstances')).toHaveLength(1);
    expect(writer.patches.map(p => p.patch)).toContainEqual({
      metadata: { annotations: { [ANNOTATION_INSTANCE_SUBNET_ID]: 'subnet-2', [ANNOTATION_INSTANCE_SECURITY_GROUP_IDS]: 'sg-1' } },
    });
    expect(cluster.nodeClaims.get('default-x7k2p')!.metadata.annotations).toMatchObject({ [ANNOTATION_INSTANCE_SUBNET_ID]: 'subnet-2' });
    await drifted();
    expect(aws.callsOf('DescribeInstances')).toHaveLength(1);
  });

  test('the instance is gone: no facts, no drift from them, described once', async () => {
    const { cluster, drifted } = await setup(false);
    const id = parseProviderID(cluster.nodeClaims.get('default-x7k2p')!.status!.providerID!).instanceId;
    aws.instances.get(id)!.State = { Name: 'terminated' };
    nodeClass.status!.subnets = [];
    expect(await drifted()).toBeUndefined();
    expect(await drifted()).toBeUndefined();
    expect(aws.callsOf('DescribeInstances')).toHaveLength(1);
  });
});
