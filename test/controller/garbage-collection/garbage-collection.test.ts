/**
 * Garbage collection against the AWS provider over mocked SDK clients (`../aws/fake-aws.ts`): orphan instances,
 * NodeClaims without instance, launch templates and instance profiles of deleted EC2NodeClasses, and the ownership
 * guard (resources of another cluster, or untagged, are never touched). Also the idempotent launch across a crash
 * between CreateFleet and the status write.
 */
import * as ec2 from '@aws-sdk/client-ec2';
import { withGarbageCollectionCalls } from './gc-fake-aws';
import { AwsCloudProvider } from '../../../controller/src/aws/cloud-provider';
import { EC2NodeClass } from '../../../controller/src/aws/ec2-node-class';
import { instanceProfileName } from '../../../controller/src/aws/instance-profiles';
import { FakeClock } from '../../../controller/src/core/clock';
import { NodeClaim } from '../../../controller/src/core/kube-types';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNodeClaim } from '../../../controller/src/core/state/objects';
import { AwsResourceGarbageCollector } from '../../../controller/src/garbage-collection/aws-resource-garbage-collector';
import { GarbageCollectionController } from '../../../controller/src/garbage-collection/garbage-collection-controller';
import { InstanceGarbageCollector } from '../../../controller/src/garbage-collection/instance-garbage-collector';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { CLUSTER, FakeAws, REGION } from '../aws/fake-aws';

const NOW = '2026-11-21T00:10:00Z';

function nodeClass(name: string): EC2NodeClass {
  return {
    metadata: { name },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
      role: 'KarpenterNodeRole-demo',
    },
  };
}

function claim(name: string, nodeClassName = 'default'): NodeClaim {
  return {
    metadata: { name, labels: { 'karpenter.sh/nodepool': 'default' } },
    spec: {
      requirements: [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ],
      resources: { requests: { cpu: '1' } },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
    },
  };
}

function stored(nc: NodeClaim, launchedAt = '2026-11-21T00:00:00Z'): ClusterNodeClaim {
  return {
    ...nc,
    metadata: { ...nc.metadata, name: nc.metadata.name! },
    status: { ...nc.status, conditions: [{ type: 'Launched', status: 'True', reason: 'Launched', lastTransitionTime: launchedAt }] },
  };
}

class World {
  readonly aws = withGarbageCollectionCalls(new FakeAws());
  readonly clock = new FakeClock(NOW);
  readonly nodeClasses = new Map<string, EC2NodeClass>();
  readonly provider = this.newProvider();
  readonly cluster = new ClusterState();
  readonly logger = new MemoryLogger();
  readonly deletedNodes: string[] = [];
  readonly deletedNodeClaims: string[] = [];
  readonly instances = new InstanceGarbageCollector({
    cloudProvider: this.provider,
    cluster: this.cluster,
    writer: { deleteNode: async n => { this.deletedNodes.push(n); }, deleteNodeClaim: async n => { this.deletedNodeClaims.push(n); } },
    logger: this.logger,
    clock: this.clock,
  });

  newProvider(): AwsCloudProvider {
    const getNodeClass = (n: string) => this.nodeClasses.get(n);
    return new AwsCloudProvider({ apis: this.aws.apis(), clusterName: CLUSTER, region: REGION, clock: this.clock, getNodeClass });
  }

  async addNodeClass(name: string): Promise<void> {
    const nc = nodeClass(name);
    nc.status = await this.provider.nodeClassReconciler.reconcile(nc);
    this.nodeClasses.set(name, nc);
  }

  resources(existing: string[]): AwsResourceGarbageCollector {
    const apis = this.aws.apis();
    return new AwsResourceGarbageCollector({
      ec2: apis.ec2,
      iam: apis.iam,
      clusterName: CLUSTER,
      region: REGION,
      logger: this.logger,
      nodeClassNames: async () => new Set(existing),
      onLaunchTemplateDeleted: n => this.provider.launchTemplates.forget(n),
    });
  }

  instanceId(nc: NodeClaim): string {
    return nc.status!.providerID!.split('/').pop()!;
  }

  foreignInstance(id: string, tags: Record<string, string>): void {
    this.aws.instances.set(id, {
      InstanceId: id,
      InstanceType: 'm5.large',
      Placement: { AvailabilityZone: 'test-zone-1a' },
      State: { Name: 'running' },
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      LaunchTime: new Date('2026-01-01T00:00:00Z'),
    });
  }
}

let w: World;
beforeEach(async () => {
  w = new World();
  await w.addNodeClass('default');
});
afterEach(() => w.aws.restore());

describe('instances and NodeClaims', () => {
  test('an instance of this cluster with no NodeClaim, older than 30 s, is terminated and its Node deleted', async () => {
    const owned = await w.provider.create(claim('default-owned'));
    const orphan = await w.provider.create(claim('default-orphan'));
    w.cluster.upsertNodeClaim(stored(owned));
    w.cluster.upsertNode({ metadata: { name: 'ip-orphan' }, spec: { providerID: orphan.status!.providerID } });
    const result = await w.instances.run();
    expect(result.instancesTerminated).toEqual([orphan.status!.providerID]);
    expect(result.nodesDeleted).toEqual(['ip-orphan']);
    expect(w.aws.callsOf('TerminateInstances')).toEqual([{ InstanceIds: [w.instanceId(orphan)] }]);
    expect(w.aws.instances.get(w.instanceId(owned))!.State!.Name).toBe('running');
    expect(w.logger.messages()).toContain('garbage collecting instance with no nodeclaim');
  });

  test('a young instance (under 30 s) is left alone until it is old enough', async () => {
    const orphan = await w.provider.create(claim('default-orphan'));
    w.aws.instances.get(w.instanceId(orphan))!.LaunchTime = new Date(w.clock.now().getTime() - 10_000);
    expect((await w.instances.run()).instancesTerminated).toEqual([]);
    w.clock.step(21_000);
    expect((await w.instances.run()).instancesTerminated).toEqual([orphan.status!.providerID]);
  });

  test('never touches instances without this cluster\'s ownership tags', async () => {
    w.foreignInstance('i-0000000000other', { 'kubernetes.io/cluster/other': 'owned', 'karpenter.sh/nodepool': 'default' });
    w.foreignInstance('i-0000000untagged', {});
    w.foreignInstance('i-0000000shared00', { 'kubernetes.io/cluster/demo': 'shared', 'karpenter.sh/nodepool': 'default' });
    w.foreignInstance('i-000000nonodepool', { 'kubernetes.io/cluster/demo': 'owned' }); // e.g. a managed node group
    const result = await w.instances.run();
    expect(result.instancesTerminated).toEqual([]);
    expect(w.aws.callsOf('TerminateInstances')).toEqual([]);
  });

  test('an instance whose NodeClaim has not written its providerID yet (crash after CreateFleet) is not collected', async () => {
    const launched = await w.provider.create(claim('default-crash'));
    w.cluster.upsertNodeClaim({ ...stored(claim('default-crash')), status: {} });
    expect((await w.instances.run()).instancesTerminated).toEqual([]);
    expect(w.aws.instances.get(w.instanceId(launched))!.State!.Name).toBe('running');
  });

  test('a launched NodeClaim whose instance is gone is deleted; a recent launch is given time', async () => {
    const gone = await w.provider.create(claim('default-gone'));
    w.aws.instances.get(w.instanceId(gone))!.State = { Name: 'terminated' };
    w.cluster.upsertNodeClaim(stored(gone));
    w.cluster.upsertNodeClaim(stored({ ...claim('default-recent'), status: { providerID: 'aws:///test-zone-1a/i-0000000000recent' } }, '2026-11-21T00:09:55Z'));
    w.cluster.upsertNodeClaim({ ...stored(claim('default-pending')), status: {} });
    const result = await w.instances.run();
    expect(result.nodeClaimsDeleted).toEqual(['default-gone']);
    expect(w.deletedNodeClaims).toEqual(['default-gone']);
  });
});

describe('launch templates and instance profiles', () => {
  test('those of a deleted EC2NodeClass are removed; in-use profiles wait; foreign ones are never touched', async () => {
    await w.addNodeClass('old');
    const old = await w.provider.create(claim('old-1', 'old'));
    await w.provider.create(claim('default-1'));
    const oldProfile = instanceProfileName(CLUSTER, REGION, 'old');
    const defaultProfile = instanceProfileName(CLUSTER, REGION, 'default');
    const oldTemplates = [...w.aws.launchTemplates].filter(([, lt]) => lt.tags['karpenter.k8s.aws/ec2nodeclass'] === 'old').map(([n]) => n);
    expect(oldTemplates).toHaveLength(1);
    const oldIds = oldTemplates.map(n => w.aws.launchTemplates.get(n)!.id);
    // foreign resources: another cluster's template, an untagged one, profiles of another cluster / region / user
    w.aws.launchTemplates.set('karpenter.k8s.aws/other', { id: 'lt-other', tags: { 'kubernetes.io/cluster/other': 'owned', 'karpenter.sh/nodepool': 'x', 'karpenter.k8s.aws/ec2nodeclass': 'old' }, data: {} });
    w.aws.launchTemplates.set('karpenter.k8s.aws/untagged', { id: 'lt-untagged', tags: {}, data: {} });
    w.aws.launchTemplates.set('my-template', { id: 'lt-mine', tags: { 'kubernetes.io/cluster/demo': 'owned', 'karpenter.sh/nodepool': 'x', 'karpenter.k8s.aws/ec2nodeclass': 'old' }, data: {} });
    const profile = (name: string, tags: Record<string, string>) => w.aws.instanceProfiles.set(name, {
      InstanceProfileName: name,
      InstanceProfileId: 'AIPA9',
      Path: '/',
      Arn: `arn:aws:iam::111122223333:instance-profile/${name}`,
      CreateDate: new Date(0),
      Roles: [],
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
    profile(instanceProfileName('other', REGION, 'old'), { 'kubernetes.io/cluster/other': 'owned', 'topology.kubernetes.io/region': REGION, 'karpenter.k8s.aws/ec2nodeclass': 'old' });
    profile(`${CLUSTER}_user-made`, { 'kubernetes.io/cluster/demo': 'owned', 'topology.kubernetes.io/region': REGION, 'karpenter.k8s.aws/ec2nodeclass': 'gone' });
    profile(instanceProfileName(CLUSTER, 'eu-west-1', 'gone'), { 'kubernetes.io/cluster/demo': 'owned', 'topology.kubernetes.io/region': 'eu-west-1', 'karpenter.k8s.aws/ec2nodeclass': 'gone' });
    profile(instanceProfileName(CLUSTER, REGION, 'untagged'), {});

    // 'old' is deleted while its instance still runs: the template goes, the profile waits
    let result = await w.resources(['default']).run();
    expect(result.launchTemplatesDeleted).toEqual(oldTemplates);
    expect(result.instanceProfilesDeleted).toEqual([]);
    w.aws.instances.get(w.instanceId(old))!.State = { Name: 'terminated' };
    result = await w.resources(['default']).run();
    expect(result).toEqual({ launchTemplatesDeleted: [], instanceProfilesDeleted: [oldProfile] });
    expect(w.aws.instanceProfiles.has(oldProfile)).toBe(false);
    expect(w.aws.callsOf('RemoveRoleFromInstanceProfile').at(-1)).toEqual({ InstanceProfileName: oldProfile, RoleName: 'KarpenterNodeRole-demo' });

    expect(w.aws.instanceProfiles.has(defaultProfile)).toBe(true);
    expect([...w.aws.launchTemplates.keys()].filter(n => n.startsWith('karpenter.k8s.aws/') && !['karpenter.k8s.aws/other', 'karpenter.k8s.aws/untagged'].includes(n))).toHaveLength(1);
    for (const n of ['karpenter.k8s.aws/other', 'karpenter.k8s.aws/untagged', 'my-template']) expect(w.aws.launchTemplates.has(n)).toBe(true);
    expect(w.aws.instanceProfiles.size).toBe(5);
    expect(w.aws.callsOf('DeleteLaunchTemplate')).toEqual([{ LaunchTemplateId: oldIds[0] }]);
    expect(w.aws.callsOf('DeleteInstanceProfile')).toEqual([{ InstanceProfileName: oldProfile }]);
    expect(w.aws.callsOf('TerminateInstances')).toEqual([]);
  });

  test('a deleted template is forgotten: a recreated EC2NodeClass creates it again', async () => {
    await w.provider.create(claim('default-1'));
    expect((await w.resources([]).run()).launchTemplatesDeleted).toHaveLength(1);
    await w.provider.create(claim('default-2'));
    expect(w.aws.callsOf('CreateLaunchTemplate')).toHaveLength(2);
  });
});

describe('the periodic controller', () => {
  test('runs only while active, every period; errors are logged and retried next period', async () => {
    const timers = new FakeTimers(NOW);
    let active = false;
    let failNext = true;
    const runs: number[] = [];
    const gc = new GarbageCollectionController({
      instances: {
        run: async () => {
          runs.push(timers.nowMs());
          if (failNext) {
            failNext = false;
            throw new Error('boom');
          }
          return { instancesTerminated: [], nodesDeleted: [], nodeClaimsDeleted: [] };
        },
      } as unknown as InstanceGarbageCollector,
      timers,
      logger: w.logger,
      active: () => active,
      periodMs: 10_000,
    });
    gc.start();
    await timers.advance(30_000);
    expect(runs).toEqual([]);
    active = true;
    await timers.advance(20_000);
    expect(runs).toHaveLength(2);
    expect(w.logger.messages()).toContain('failed garbage collecting instances');
    await gc.stop();
    await timers.advance(60_000);
    expect(runs).toHaveLength(2);
  });
});

describe('idempotent launch', () => {
  test('a crash between CreateFleet and the status write: the next launch adopts the tagged instance', async () => {
    const first = await w.provider.create(claim('default-x7k2p'));
    // the controller restarts: a new provider, no launch cache, the NodeClaim without status
    const restarted = w.newProvider();
    const again = await restarted.create(claim('default-x7k2p'));
    expect(w.aws.callsOf('CreateFleet')).toHaveLength(1);
    expect(again.status!.providerID).toBe(first.status!.providerID);
    expect(again.status!.capacity).toEqual(first.status!.capacity);
    expect(again.status!.allocatable).toEqual(first.status!.allocatable);
    expect(again.metadata.labels).toMatchObject({
      'node.kubernetes.io/instance-type': 'm5.large',
      'karpenter.sh/capacity-type': 'on-demand',
      'karpenter.sh/nodepool': 'default',
      'topology.kubernetes.io/zone': first.metadata.labels!['topology.kubernetes.io/zone'],
    });
    const lookup = w.aws.callsOf('DescribeInstances').at(-1);
    expect(lookup.Filters).toEqual(expect.arrayContaining([
      { Name: 'tag:kubernetes.io/cluster/demo', Values: ['owned'] }, { Name: 'tag:karpenter.sh/nodeclaim', Values: ['default-x7k2p'] },
    ]));
  });

  test('a terminated instance of the same name is not adopted: a new one is launched', async () => {
    const first = await w.provider.create(claim('default-x7k2p'));
    w.aws.instances.get(w.instanceId(first))!.State = { Name: 'terminated' };
    const again = await w.provider.create(claim('default-x7k2p'));
    expect(w.aws.callsOf('CreateFleet')).toHaveLength(2);
    expect(again.status!.providerID).not.toBe(first.status!.providerID);
  });

  test('an instance of another cluster with the same NodeClaim name is not adopted', async () => {
    w.foreignInstance('i-0000000000other', { 'kubernetes.io/cluster/other': 'owned', 'karpenter.sh/nodeclaim': 'default-x7k2p' });
    const launched = await w.provider.create(claim('default-x7k2p'));
    expect(launched.status!.providerID).not.toContain('i-0000000000other');
    expect(w.aws.callsOf('CreateFleet')).toHaveLength(1);
  });
});

test('the SDK command names used exist (a typo would only show at run time)', () => {
  expect(ec2.DeleteLaunchTemplateCommand.name).toBe('DeleteLaunchTemplateCommand');
});
