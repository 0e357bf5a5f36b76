import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { fakeInstanceType } from '../../../controller/src/cloudprovider/fake/instance-types';
import { Batcher, retryDelayMs } from '../../../controller/src/core/provisioning/batcher';
import { ignoredReason } from '../../../controller/src/core/provisioning/pending';
import { isProvisioningError, Provisioner } from '../../../controller/src/core/provisioning/provisioner';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNodeClaim, ClusterPod } from '../../../controller/src/core/state/objects';
import { KubeWriter, MemoryEventRecorder } from '../../../controller/src/core/state/ports';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { loadSettings } from '../../../controller/src/settings';

const unschedulable = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] };
function pod(name: string, extra: Partial<ClusterPod> = {}, cpu = '1'): ClusterPod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }] },
    status: unschedulable,
    ...extra,
  } as ClusterPod;
}

describe('pending pod detection', () => {
  test.each([
    ['provisionable', pod('a'), undefined],
    ['bound', pod('b', { spec: { nodeName: 'n1', containers: [] } }), 'bound'],
    ['not yet marked by the kube-scheduler', pod('c', { status: { phase: 'Pending' } }), 'not marked unschedulable'],
    ['scheduling gated', pod('d', { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }), 'not marked unschedulable'],
    ['terminating', pod('e', { metadata: { name: 'e', deletionTimestamp: '2026-01-01T00:00:00Z' } }), 'terminating'],
    ['daemonset', pod('f', { metadata: { name: 'f', ownerReferences: [{ kind: 'DaemonSet', name: 'ds' }] } }), 'owned by a DaemonSet'],
    ['mirror', pod('g', { metadata: { name: 'g', annotations: { 'kubernetes.io/config.mirror': 'x' } } }), 'mirror pod'],
    ['terminal', pod('h', { status: { ...unschedulable, phase: 'Failed' } }), 'terminal'],
  ])('%s', (_, p, reason) => {
    expect(ignoredReason(p)).toBe(reason);
  });
});

describe('Batcher', () => {
  test('closes after the idle duration, or the max duration under a steady stream', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const b = new Batcher({ idleMs: 1000, maxMs: 10_000, timers, run: async () => { runs++; } });
    b.trigger();
    await timers.advance(999);
    expect(runs).toBe(0);
    await timers.advance(1);
    expect(runs).toBe(1);
    for (let i = 0; i < 12; i++) {
      b.trigger();
      await timers.advance(900);
    }
    expect(runs).toBe(2); // the max duration closed the window at 10 s
  });

  test('never overlaps runs', async () => {
    const timers = new FakeTimers();
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const b = new Batcher({
      idleMs: 10,
      maxMs: 100,
      timers,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>(r => { release = r; });
        active--;
      },
    });
    b.trigger();
    await timers.advance(10);
    b.trigger();
    await timers.advance(200);
    expect(maxActive).toBe(1);
    release();
    await timers.advance(0);
    release();
    await b.idleWait();
    expect(b.runs).toBe(2);
  });
});

describe('Batcher retries failed runs with bounded exponential backoff', () => {
  test('delays: 1 s doubling to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(n => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(retryDelayMs(0)).toBe(0);
  });

  test('a failing run is retried without any new trigger, at 1 s, 2 s, 4 s ... 30 s; a success resets the backoff', async () => {
    const timers = new FakeTimers();
    const at: number[] = [];
    let failing = 8;
    const errors: unknown[] = [];
    const b = new Batcher({
      idleMs: 10,
      maxMs: 100,
      timers,
      run: async () => {
        at.push(timers.nowMs());
        if (failing-- > 0) throw new Error('503');
      },
      onError: e => errors.push(e),
    });
    const t0 = timers.nowMs();
    b.trigger();
    for (let i = 0; i < 200; i++) await timers.advance(1000);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(at[0] - t0).toBe(10);
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(errors).toHaveLength(8);
    expect(b.failures).toBe(0); // the 9th run succeeded: no more retries
    expect(at).toHaveLength(9);

    // after the reset, the next failure starts again at 1 s
    failing = 1;
    b.trigger();
    for (let i = 0; i < 5; i++) await timers.advance(1000);
    expect(at.slice(9).map(t => t - at[9])).toEqual([0, 1000]);
  });

  test('a trigger during the backoff runs early and supersedes the retry; stop cancels it', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const b = new Batcher({ idleMs: 10, maxMs: 100, timers, run: async () => { runs++; throw new Error('503'); }, retryBaseMs: 1000 });
    b.trigger();
    await timers.advance(10);
    expect(runs).toBe(1);
    await timers.advance(500);
    b.trigger(); // a pod event
    await timers.advance(10);
    expect(runs).toBe(2);
    // the retry is now 2 s after the second failure (not 1 s after the first)
    await timers.advance(1999);
    expect(runs).toBe(2);
    await timers.advance(1);
    expect(runs).toBe(3);
    b.stop();
    await timers.advance(60_000);
    expect(runs).toBe(3);
  });
});

class FailingOnceWriter implements Partial<KubeWriter> {
  created: ClusterNodeClaim[] = [];
  failures = 1;
  async createNodeClaim(nc: ClusterNodeClaim): Promise<ClusterNodeClaim> {
    if (this.failures-- > 0) throw Object.assign(new Error('the server is currently unable to handle the request'), { statusCode: 503 });
    const out = { ...nc, metadata: { ...nc.metadata, name: `${nc.metadata.generateName}${this.created.length}`, uid: `nc-${this.created.length}` } } as ClusterNodeClaim;
    this.created.push(out);
    return out;
  }
}

class FakeWriter implements Partial<KubeWriter> {
  created: ClusterNodeClaim[] = [];
  async createNodeClaim(nc: ClusterNodeClaim): Promise<ClusterNodeClaim> {
    const out = { ...nc, metadata: { ...nc.metadata, name: `${nc.metadata.generateName}${this.created.length}`, uid: `nc-${this.created.length}` } } as ClusterNodeClaim;
    this.created.push(out);
    return out;
  }
}

describe('Provisioner', () => {
  function setup() {
    const cluster = new ClusterState();
    cluster.upsertNodePool({
      metadata: { name: 'default', uid: 'np-uid' },
      spec: { template: { metadata: { labels: { team: 'a' } }, spec: { requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }], taints: [{ key: 'dedicated', value: 'a', effect: 'NoSchedule' }] } } },
    });
    const writer = new FakeWriter();
    const events = new MemoryEventRecorder();
    const logger = new MemoryLogger();
    const cloud = new FakeCloudProvider([fakeInstanceType({ name: 'm', cpu: 4, memoryGi: 16 })]);
    const p = new Provisioner({ cluster, cloudProvider: cloud, writer: writer as unknown as KubeWriter, events, logger, clock: new FakeTimers() });
    return { cluster, writer, events, logger, p };
  }
  const tolerating = (name: string, cpu = '1') => pod(name, { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }], containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }] } });

  test('creates NodeClaims with generateName, owner reference, hash annotations, taints and requests', async () => {
    const { cluster, writer, events, logger, p } = setup();
    cluster.upsertPod(tolerating('a'));
    cluster.upsertPod(tolerating('b'));
    const r = await p.provision();
    expect(r.created).toHaveLength(1);
    const nc = writer.created[0];
    expect(nc.metadata.generateName).toBe('default-');
    expect(nc.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'NodePool', name: 'default', uid: 'np-uid' })]);
    expect(nc.metadata.annotations).toMatchObject({ 'karpenter.sh/nodepool-hash': expect.stringMatching(/^\d+$/), 'karpenter.sh/nodepool-hash-version': 'kcdk-v1' });
    expect(nc.metadata.labels).toMatchObject({ 'karpenter.sh/nodepool': 'default', 'team': 'a' });
    expect(nc.spec.taints).toEqual([{ key: 'dedicated', value: 'a', effect: 'NoSchedule' }]);
    expect(nc.spec.resources?.requests).toMatchObject({ cpu: '2', memory: '2Gi', pods: '2' });
    expect(events.reasons()).toEqual(['Nominated', 'Nominated']);
    expect(logger.messages()).toEqual(expect.arrayContaining(['found provisionable pod(s)', 'created nodeclaim']));
  });

  test('a NodeClaim in flight absorbs the pods of the next batch (no duplicate)', async () => {
    const { cluster, writer, p } = setup();
    cluster.upsertPod(tolerating('a'));
    await p.provision();
    cluster.upsertNodeClaim(writer.created[0]);
    await p.provision();
    expect(writer.created).toHaveLength(1);
  });

  test('unschedulable and malformed pods get FailedScheduling events; the rest still provision', async () => {
    const { cluster, writer, events, p } = setup();
    cluster.upsertPod(pod('untolerated'));
    cluster.upsertPod(tolerating('bad', 'lots'));
    cluster.upsertPod(tolerating('good'));
    await p.provision();
    expect(writer.created).toHaveLength(1);
    const failed = events.events.filter(e => e.reason === 'FailedScheduling').map(e => e.object.name).sort();
    expect(failed).toEqual(['bad', 'untolerated']);
  });

  test('a refused NodeClaim create finishes the round, then throws a ProvisioningError (retried by the batcher)', async () => {
    const { cluster } = setup();
    cluster.upsertNodePool({
      metadata: { name: 'other', uid: 'np2-uid' },
      spec: { template: { metadata: {}, spec: { requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] } } },
    });
    const writer = new FailingOnceWriter();
    const events = new MemoryEventRecorder();
    const cloud = new FakeCloudProvider([fakeInstanceType({ name: 'm', cpu: 4, memoryGi: 16 })]);
    const logger = new MemoryLogger();
    const p = new Provisioner({ cluster, cloudProvider: cloud, writer: writer as unknown as KubeWriter, events, logger, clock: new FakeTimers() });
    const onlyDefault = { nodeSelector: { team: 'a' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] };
    cluster.upsertPod(pod('a', { spec: { ...onlyDefault, containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } }));
    cluster.upsertPod(pod('b')); // only other (untolerated taint on default)
    const err = await p.provision().then(() => undefined, e => e);
    expect(isProvisioningError(err)).toBe(true);
    expect(err.message).toMatch(/^provisioning round failed: creating nodeclaim for nodepool (default|other): /);
    expect(err.result.created).toHaveLength(1);
    expect(writer.created).toHaveLength(1);
    expect(events.reasons()).toContain('FailedScheduling');
    // the retry creates only what is missing
    cluster.upsertNodeClaim(writer.created[0]);
    const r = await p.provision();
    expect(r.created).toHaveLength(1);
    expect(writer.created.map(nc => nc.metadata.generateName).sort()).toEqual(['default-', 'other-']);
  });

  test('does nothing before the cluster state has synced', async () => {
    const { cluster, writer } = setup();
    cluster.upsertPod(tolerating('a'));
    const p = new Provisioner({
      cluster,
      cloudProvider: new FakeCloudProvider([]),
      writer: writer as unknown as KubeWriter,
      events: new MemoryEventRecorder(),
      logger: new MemoryLogger(),
      clock: new FakeTimers(),
      synced: () => false,
    });
    expect((await p.provision()).skipped).toBe('cluster state not synced');
  });
});

describe('settings', () => {
  test('defaults', () => {
    const s = loadSettings({ CLUSTER_NAME: 'c' });
    expect(s).toMatchObject({ batchIdleDurationMs: 1000, batchMaxDurationMs: 10_000, metricsPort: 8080, healthProbePort: 8081, vmMemoryOverheadPercent: 0.075, logLevel: 'info' });
  });

  test('every problem is reported with the variable, the value and the fix', () => {
    expect(() => loadSettings({ BATCH_IDLE_DURATION: '1 second', METRICS_PORT: '80800', LOG_LEVEL: 'loud', FEATURE_GATES: 'SpotToSpot=true' })).toThrow(
      'invalid controller settings:\n'
      + '  - CLUSTER_NAME is required: set it to the name of the EKS cluster (the chart sets settings.clusterName)\n'
      + '  - BATCH_IDLE_DURATION="1 second" is not a positive duration: use a Go duration such as "1s", "500ms" or "1m30s"\n'
      + '  - LOG_LEVEL="loud" is not a log level: use one of debug, info, warn, error\n'
      + '  - FEATURE_GATES="SpotToSpot=true" names an unknown gate "SpotToSpot": known gates are ReservedCapacity, SpotToSpotConsolidation, NodeRepair, NodeOverlay, StaticCapacity\n'
      + '  - METRICS_PORT="80800" is not a TCP port: use an integer from 1 to 65535 (0 picks a free port)',
    );
  });

  test('durations in Go syntax', () => {
    expect(loadSettings({ CLUSTER_NAME: 'c', BATCH_IDLE_DURATION: '500ms', BATCH_MAX_DURATION: '1m30s' })).toMatchObject({ batchIdleDurationMs: 500, batchMaxDurationMs: 90_000 });
  });
});
