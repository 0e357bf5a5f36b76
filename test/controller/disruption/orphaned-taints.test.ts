import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { Taint } from '../../../controller/src/core/kube-types';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNode, ClusterNodeClaim } from '../../../controller/src/core/state/objects';
import { KubeWriter, MemoryEventRecorder, MergePatch } from '../../../controller/src/core/state/ports';
import { DisruptionController } from '../../../controller/src/disruption/disruption-controller';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { Metrics } from '../../../controller/src/observability/metrics';

const DISRUPTED = { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' as const };
const OTHER = { key: 'example.com/dedicated', value: 'gpu', effect: 'NoSchedule' as const };

class NodeWriter implements Partial<KubeWriter> {
  readonly patched: string[] = [];
  failNext = false;
  constructor(private readonly cluster: ClusterState) {}
  async patchNode(name: string, patch: MergePatch): Promise<ClusterNode> {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('conflict'), { statusCode: 409 });
    }
    this.patched.push(name);
    const cur = this.cluster.nodes.get(name)!;
    const p = patch as { spec?: { taints?: Taint[] } };
    return { ...cur, spec: { ...cur.spec, ...(p.spec?.taints ? { taints: p.spec.taints } : {}) } };
  }
}

function setup() {
  const timers = new FakeTimers('2026-01-01T00:00:00Z');
  const cluster = new ClusterState();
  const writer = new NodeWriter(cluster);
  const logger = new MemoryLogger();
  const controller = new DisruptionController({
    cluster,
    cloudProvider: new FakeCloudProvider([]),
    writer: writer as unknown as KubeWriter,
    events: new MemoryEventRecorder(),
    logger,
    timers,
    metrics: new Metrics({ defaultMetrics: false }),
    active: () => true,
  });
  const node = (name: string, taints: Taint[], deleting = false) => {
    cluster.upsertNode({
      metadata: { name, labels: { 'karpenter.sh/nodepool': 'default' }, ...(deleting ? { deletionTimestamp: timers.now().toISOString() } : {}) },
      spec: { providerID: `fake:///zone-a/${name}`, taints },
    });
  };
  const nodeClaim = (name: string, nodeName: string, deleting = false) => {
    cluster.upsertNodeClaim({
      metadata: { name, labels: { 'karpenter.sh/nodepool': 'default' }, ...(deleting ? { deletionTimestamp: timers.now().toISOString() } : {}) },
      spec: { requirements: [] },
      status: { providerID: `fake:///zone-a/${nodeName}`, nodeName },
    } as ClusterNodeClaim);
  };
  const taints = (name: string) => cluster.nodes.get(name)?.spec?.taints ?? [];
  return { timers, cluster, writer, logger, controller, node, nodeClaim, taints };
}

describe('orphaned karpenter.sh/disrupted taints (a leader change mid-command)', () => {
  test('removed from nodes no running command disrupts; kept on nodes being disrupted or deleted', async () => {
    const { cluster, writer, logger, controller, node, nodeClaim, taints } = setup();
    node('orphan', [OTHER, DISRUPTED]); // tainted by the previous leader's command
    nodeClaim('nc-orphan', 'orphan');
    node('in-flight', [DISRUPTED]); // a command of this replica is replacing it
    nodeClaim('nc-in-flight', 'in-flight');
    cluster.markForDeletion('in-flight');
    node('terminating', [DISRUPTED], true); // node termination tainted it
    node('claim-deleting', [DISRUPTED]); // the command deleted its NodeClaim; termination follows
    nodeClaim('nc-claim-deleting', 'claim-deleting', true);
    node('untainted', [OTHER]);
    node('prefer', [{ key: 'karpenter.sh/disrupted', effect: 'PreferNoSchedule' }]);

    await controller.reconcile();
    expect(writer.patched).toEqual(['orphan']);
    expect(taints('orphan')).toEqual([OTHER]);
    expect(taints('in-flight')).toEqual([DISRUPTED]);
    expect(taints('terminating')).toEqual([DISRUPTED]);
    expect(taints('claim-deleting')).toEqual([DISRUPTED]);
    expect(taints('prefer')).toHaveLength(1);
    expect(logger.entries.filter(e => e.message === 'removed orphaned disruption taint').map(e => e.fields.Node)).toEqual([{ name: 'orphan' }]);

    // the command gives up (untaint + unmark): nothing left to clean; a later round does nothing
    cluster.upsertNode({ ...cluster.nodes.get('in-flight')!, spec: { ...cluster.nodes.get('in-flight')!.spec, taints: [] } });
    cluster.unmarkForDeletion('in-flight');
    await controller.reconcile();
    expect(writer.patched).toEqual(['orphan']);
  });

  test('a failed patch is retried on the next round', async () => {
    const { writer, controller, node, taints } = setup();
    node('orphan', [DISRUPTED]);
    writer.failNext = true;
    await controller.reconcile();
    expect(taints('orphan')).toEqual([DISRUPTED]);
    await controller.reconcile();
    expect(taints('orphan')).toEqual([]);
  });

  test('not while inactive (not leader, or informers not synced)', async () => {
    const { cluster, writer, timers } = setup();
    const controller = new DisruptionController({
      cluster,
      cloudProvider: new FakeCloudProvider([]),
      writer: writer as unknown as KubeWriter,
      events: new MemoryEventRecorder(),
      logger: new MemoryLogger(),
      timers,
      metrics: new Metrics({ defaultMetrics: false }),
      active: () => false,
    });
    cluster.upsertNode({ metadata: { name: 'orphan' }, spec: { taints: [DISRUPTED] } });
    await controller.reconcile();
    expect(writer.patched).toEqual([]);
  });
});
