import { InsufficientCapacityError } from '../../../controller/src/cloudprovider/errors';
import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { fakeInstanceType } from '../../../controller/src/cloudprovider/fake/instance-types';
import { NodeClaimLifecycle } from '../../../controller/src/core/lifecycle/nodeclaim-lifecycle';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNode, ClusterNodeClaim } from '../../../controller/src/core/state/objects';
import { KubeWriter, MemoryEventRecorder, MergePatch } from '../../../controller/src/core/state/ports';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';

function merge(t: any, p: any): any {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
  const out = { ...(t ?? {}) };
  for (const [k, v] of Object.entries(p)) out[k] = v === null ? undefined : merge(out[k], v);
  return out;
}

/** Applies writes to the ClusterState directly (as if the watch delivered them at once). */
class StateWriter implements KubeWriter {
  deleted: string[] = [];
  constructor(private readonly cluster: ClusterState, private readonly clock: FakeTimers) {}
  async createNodeClaim(): Promise<ClusterNodeClaim> { throw new Error('unused'); }
  async patchNodeClaim(name: string, patch: MergePatch): Promise<ClusterNodeClaim> {
    const next = merge(this.cluster.nodeClaims.get(name), patch);
    delete next.metadata.resourceVersion;
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) this.cluster.deleteNodeClaim(next);
    else this.cluster.upsertNodeClaim(next);
    return next;
  }
  async patchNodeClaimStatus(name: string, status: any): Promise<ClusterNodeClaim> {
    return this.patchNodeClaim(name, { status });
  }
  async deleteNodeClaim(name: string): Promise<void> {
    this.deleted.push(name);
    const nc = this.cluster.nodeClaims.get(name);
    if (nc) this.cluster.upsertNodeClaim({ ...nc, metadata: { ...nc.metadata, deletionTimestamp: this.clock.now().toISOString() } });
  }
  async patchNode(name: string, patch: MergePatch): Promise<ClusterNode> {
    const next = merge(this.cluster.nodes.get(name), patch);
    delete next.metadata.resourceVersion;
    this.cluster.upsertNode(next);
    return next;
  }
  async deleteNode(name: string): Promise<void> {
    const n = this.cluster.nodes.get(name);
    if (n) this.cluster.deleteNode(n);
  }
  async evictPod(): Promise<boolean> { return true; }
}

function setup() {
  const clock = new FakeTimers('2026-01-01T00:00:00Z');
  const cluster = new ClusterState();
  const writer = new StateWriter(cluster, clock);
  const cloud = new FakeCloudProvider([fakeInstanceType({ name: 'm', cpu: 4, memoryGi: 16, extra: { 'example.com/gpu': 1 } })]);
  const events = new MemoryEventRecorder();
  const logger = new MemoryLogger();
  const lifecycle = new NodeClaimLifecycle({ cluster, cloudProvider: cloud, writer, events, logger, clock, pollMs: 1000 });
  cluster.upsertNodeClaim({
    metadata: { name: 'default-abcde', uid: 'u1', creationTimestamp: clock.now().toISOString(), labels: { 'karpenter.sh/nodepool': 'default' } },
    spec: {
      requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m'] }, { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }],
      startupTaints: [{ key: 'agent', effect: 'NoSchedule' }],
    },
  });
  return { clock, cluster, writer, cloud, events, logger, lifecycle };
}

const cond = (nc: ClusterNodeClaim | undefined, type: string) => nc?.status?.conditions?.find(c => c.type === type);

describe('NodeClaim lifecycle', () => {
  test('Launched -> Registered -> Initialized, with upstream reasons on the way', async () => {
    const { cluster, lifecycle, cloud, logger } = setup();
    expect(await lifecycle.reconcile('default-abcde')).toEqual({ requeueAfterMs: 1000 });
    let nc = cluster.nodeClaims.get('default-abcde')!;
    expect(nc.metadata.finalizers).toEqual(['karpenter.sh/termination']);
    expect(cond(nc, 'Launched')).toMatchObject({ status: 'True' });
    expect(cond(nc, 'Registered')).toMatchObject({ status: 'Unknown', reason: 'NodeNotFound' });
    expect(cond(nc, 'Ready')).toMatchObject({ status: 'Unknown' });
    expect(nc.status?.providerID).toMatch(/^fake:\/\//);
    await lifecycle.reconcile('default-abcde');
    expect(cloud.createCalls).toHaveLength(1);

    cluster.upsertNode({
      metadata: { name: 'n1', labels: {} },
      spec: { providerID: nc.status!.providerID, taints: [{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }, { key: 'agent', effect: 'NoSchedule' }] },
      status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await lifecycle.reconcile('default-abcde');
    nc = cluster.nodeClaims.get('default-abcde')!;
    expect(cond(nc, 'Registered')).toMatchObject({ status: 'True' });
    expect(cond(nc, 'Initialized')).toMatchObject({ status: 'Unknown', reason: 'StartupTaintsExist' });
    const node = cluster.nodes.get('n1')!;
    expect(node.metadata.finalizers).toEqual(['karpenter.sh/termination']);
    expect(node.spec?.taints).toEqual([{ key: 'agent', effect: 'NoSchedule' }]);
    expect(node.metadata.labels).toMatchObject({ 'karpenter.sh/registered': 'true', 'karpenter.sh/nodepool': 'default' });

    cluster.upsertNode({ ...node, spec: { ...node.spec, taints: [] } });
    await lifecycle.reconcile('default-abcde');
    expect(cond(cluster.nodeClaims.get('default-abcde'), 'Initialized')).toMatchObject({ status: 'Unknown', reason: 'ResourceNotRegistered' });

    const n2 = cluster.nodes.get('n1')!;
    cluster.upsertNode({ ...n2, status: { ...n2.status, allocatable: { ...n2.status!.allocatable, 'example.com/gpu': '1' } } });
    expect(await lifecycle.reconcile('default-abcde')).toEqual({});
    nc = cluster.nodeClaims.get('default-abcde')!;
    expect(cond(nc, 'Initialized')).toMatchObject({ status: 'True' });
    expect(cond(nc, 'Ready')).toMatchObject({ status: 'True' });
    expect(cluster.nodes.get('n1')!.metadata.labels!['karpenter.sh/initialized']).toBe('true');
    expect(logger.messages().filter(m => m.endsWith('nodeclaim'))).toEqual(['launched nodeclaim', 'registered nodeclaim', 'initialized nodeclaim']);
  });

  test('insufficient capacity deletes the NodeClaim with an event', async () => {
    const { lifecycle, cloud, writer, events } = setup();
    cloud.nextCreateError = new InsufficientCapacityError('no capacity for m');
    await lifecycle.reconcile('default-abcde');
    expect(writer.deleted).toEqual(['default-abcde']);
    expect(events.reasons()).toContain('InsufficientCapacityError');
  });

  test('a launch failure is a False Launched condition and a retry', async () => {
    const { lifecycle, cloud, cluster } = setup();
    cloud.nextCreateError = new Error('throttled');
    expect(await lifecycle.reconcile('default-abcde')).toEqual({ requeueAfterMs: 1000 });
    expect(cond(cluster.nodeClaims.get('default-abcde'), 'Launched')).toMatchObject({ status: 'False', reason: 'LaunchFailed', message: 'throttled' });
    await lifecycle.reconcile('default-abcde');
    expect(cond(cluster.nodeClaims.get('default-abcde'), 'Launched')).toMatchObject({ status: 'True' });
  });

  test('liveness: not registered within 15 minutes of launch -> deleted; then instance terminated and finalizer removed', async () => {
    const { lifecycle, clock, writer, cluster, cloud, logger } = setup();
    await lifecycle.reconcile('default-abcde');
    await clock.advance(14 * 60_000);
    await lifecycle.reconcile('default-abcde');
    expect(writer.deleted).toEqual([]);
    await clock.advance(61_000 + 60_000);
    await lifecycle.reconcile('default-abcde');
    expect(writer.deleted).toEqual(['default-abcde']);
    expect(logger.messages()).toContain('deleting nodeclaim, registration timed out');
    // finalization: terminate (poll until NotFound), then drop the finalizer
    expect(await lifecycle.reconcile('default-abcde')).toEqual({ requeueAfterMs: 1000 });
    expect(cloud.created.size).toBe(0);
    expect(await lifecycle.reconcile('default-abcde')).toEqual({});
    expect(cluster.nodeClaims.get('default-abcde')).toBeUndefined();
    expect(logger.messages()).toContain('deleted nodeclaim');
  });

  test('liveness: not launched within 5 minutes -> deleted', async () => {
    const { lifecycle, clock, writer, cloud } = setup();
    cloud.nextCreateError = new Error('throttled');
    await lifecycle.reconcile('default-abcde');
    await clock.advance(5 * 60_000 + 1000);
    await lifecycle.reconcile('default-abcde');
    expect(writer.deleted).toEqual(['default-abcde']);
  });
});
