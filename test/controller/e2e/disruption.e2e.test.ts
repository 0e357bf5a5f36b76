/**
 * Disruption end to end through the real composition root (`startController`) against the in-process fake API
 * server, with the fake cloud provider and accelerated timers (poll 200 ms, validation 300 ms). A tiny "cluster" plays
 * the kubelet (a Ready Node for every launched NodeClaim), the kube-scheduler (binds pending pods to initialized,
 * untainted nodes with room) and a ReplicaSet (a replicated pod that is evicted comes back pending).
 */
import { FAST, nodePool, pendingPod, testSettings, waitFor } from './helpers';
import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { fakeInstanceType } from '../../../controller/src/cloudprovider/fake/instance-types';
import { startController, RunningController } from '../../../controller/src/main';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { FakeApiServer, R } from '../helpers/fake-apiserver';

jest.setTimeout(60_000);

type Obj = Record<string, any>;

const TUNING = { ...FAST, disruptionPollMs: 200, validationPeriodMs: 300, replacementPollMs: 100, driftPollMs: 500 };

function pool(disruption: Record<string, unknown>, template: Record<string, string> = { team: 'e2e' }): Obj {
  const np: Obj = nodePool('default', { disruption });
  np.spec.template.metadata.labels = template;
  delete np.spec.template.spec.startupTaints;
  return np;
}

function cpuOf(q: string | undefined): number {
  if (!q) return 0;
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** Kubelet + kube-scheduler + ReplicaSet, polling the fake API server. */
class MiniCluster {
  private timer: NodeJS.Timeout | undefined;
  private nodes = 0;
  private replicas = 0;
  private readonly replicated = new Map<string, Obj>();

  constructor(private readonly server: FakeApiServer) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), 25);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A pod the "ReplicaSet" recreates (pending, new name) when it is evicted. */
  replicate(name: string, requests: Record<string, string>): void {
    this.replicated.set(name, pendingPod(name, requests));
    this.server.create(R.pods, { ...pendingPod(name, requests), metadata: { name, namespace: 'default', labels: { app: 'web' } } });
  }

  private tick(): void {
    const s = this.server;
    try {
      // kubelet: register a Ready node for every launched NodeClaim
      const nodes = s.list(R.nodes);
      for (const nc of s.list(R.nodeClaims)) {
        const providerID = nc.status?.providerID;
        if (!providerID || nc.metadata.deletionTimestamp || nodes.some(n => n.spec?.providerID === providerID)) continue;
        const name = `node-${++this.nodes}`;
        s.create(R.nodes, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels: { 'kubernetes.io/hostname': name, ...nc.metadata.labels } },
          spec: { providerID, taints: [{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }] },
          status: { capacity: nc.status.capacity, allocatable: nc.status.allocatable, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
        });
      }
      // ReplicaSet: evicted replicated pods come back pending
      const pods = s.list(R.pods);
      for (const [name, template] of [...this.replicated]) {
        if (pods.some(p => p.metadata.name === name)) continue;
        this.replicated.delete(name);
        const next = `web-r${++this.replicas}`;
        this.replicated.set(next, template);
        s.create(R.pods, { ...template, metadata: { name: next, namespace: 'default', labels: { app: 'web' } } });
      }
      // kube-scheduler: bind pending pods to initialized, schedulable nodes with room (cpu only)
      for (const p of s.list(R.pods)) {
        if (p.spec.nodeName || p.metadata.deletionTimestamp) continue;
        const want = cpuOf(p.spec.containers[0]?.resources?.requests?.cpu);
        const all = s.list(R.pods);
        const target = s.list(R.nodes).find(n => !n.metadata.deletionTimestamp
          && n.metadata.labels?.['karpenter.sh/initialized'] === 'true'
          && !(n.spec.taints ?? []).some((t: Obj) => t.effect !== 'PreferNoSchedule')
          && cpuOf(n.status.allocatable?.cpu) - all.filter(x => x.spec.nodeName === n.metadata.name)
            .reduce((sum, x) => sum + cpuOf(x.spec.containers[0]?.resources?.requests?.cpu), 0) >= want);
        if (!target) continue;
        s.update(R.pods, p.metadata.name, 'default', o => {
          o.spec.nodeName = target.metadata.name;
          o.status = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] };
        });
      }
    } catch {
      // an object changed under us: the next tick retries
    }
  }
}

interface Env {
  server: FakeApiServer;
  cloud: FakeCloudProvider;
  logger: MemoryLogger;
  controller: RunningController;
  cluster: MiniCluster;
}

let env: Env | undefined;

async function setup(np: Obj): Promise<Env> {
  const server = new FakeApiServer();
  await server.start();
  server.create(R.nodePools, np);
  server.create(R.ec2NodeClasses, { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: {} });
  const cloud = new FakeCloudProvider([
    fakeInstanceType({ name: 'small', cpu: 2, memoryGi: 4 }),
    fakeInstanceType({ name: 'large', cpu: 8, memoryGi: 32 }),
  ]);
  const logger = new MemoryLogger();
  const controller = await startController({
    settings: testSettings(),
    kubeServer: server.url,
    cloudProvider: cloud,
    logger,
    host: '127.0.0.1',
    defaultMetrics: false,
    identity: 'e2e-disruption',
    tuning: TUNING,
    onLeadershipLost: () => undefined,
  });
  const cluster = new MiniCluster(server);
  cluster.start();
  env = { server, cloud, logger, controller, cluster };
  await waitFor('leadership', () => controller.operator.isLeader() && controller.operator.synced());
  return env;
}

afterEach(async () => {
  if (!env) return;
  env.cluster.stop();
  await env.controller.stop();
  await env.server.stop();
  env = undefined;
});

const cond = (o: Obj | undefined, type: string) => o?.status?.conditions?.find((c: Obj) => c.type === type);
const nodeOf = (e: Env, nc: Obj) => e.server.list(R.nodes).find(n => n.spec?.providerID === nc.status?.providerID);

/** A pending pod, the NodeClaim launched for it, its Node initialized and the pod bound there. */
async function provision(e: Env, name: string, requests: Record<string, string>, replicated = false): Promise<Obj> {
  const before = new Set(e.server.list(R.nodeClaims).map(n => n.metadata.name));
  if (replicated) e.cluster.replicate(name, requests);
  else e.server.create(R.pods, pendingPod(name, requests));
  const nc = await waitFor(`a nodeclaim for ${name}`, () => e.server.list(R.nodeClaims).find(n => !before.has(n.metadata.name)));
  await waitFor(`${name} bound`, () => e.server.get(R.pods, name, 'default')?.spec.nodeName);
  return waitFor('initialized', () => {
    const c = e.server.get(R.nodeClaims, nc.metadata.name);
    return cond(c, 'Initialized')?.status === 'True' ? c : undefined;
  });
}

async function metricsText(e: Env): Promise<string> {
  return (await fetch(`http://127.0.0.1:${e.controller.metricsPort}/metrics`)).text();
}

function disrupting(e: Env): Obj[] {
  return e.logger.entries.filter(x => x.message === 'disrupting node(s)').map(x => x.fields);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('disruption end to end (fake cloud provider)', () => {
  test('an empty node is removed after consolidateAfter', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '2s' }));
    const nc = await provision(e, 'web-1', { cpu: '1', memory: '1Gi' });
    const node = nodeOf(e, nc)!;
    e.server.remove(R.pods, 'web-1', 'default');
    const emptiedAt = Date.now();
    const deleting = await waitFor('nodeclaim deletion', () => e.server.get(R.nodeClaims, nc.metadata.name)?.metadata.deletionTimestamp ?? !e.server.get(R.nodeClaims, nc.metadata.name), 15_000);
    if (typeof deleting === 'string') expect(new Date(deleting).getTime() - emptiedAt).toBeGreaterThanOrEqual(2_000 - 5);
    await waitFor('nodeclaim gone', () => !e.server.get(R.nodeClaims, nc.metadata.name), 15_000);
    expect(e.server.get(R.nodes, node.metadata.name)).toBeUndefined();
    expect(e.cloud.created.size).toBe(0);
    expect(disrupting(e)).toEqual([expect.objectContaining({
      'reason': 'empty', 'decision': 'delete', 'disrupted-node-count': 1, 'replacement-node-count': 0, 'savings-per-hour': 0.6,
    })]);
    const m = await metricsText(e);
    expect(m).toContain('karpenter_nodeclaims_disrupted_total{reason="empty",nodepool="default",capacity_type="on-demand"} 1');
    expect(m).toContain('karpenter_voluntary_disruption_decisions_total{decision="delete",reason="empty",consolidation_type="empty"} 1');
    expect(m).toMatch(/karpenter_nodepools_allowed_disruptions\{nodepool="default",reason="empty"\} \d/);
    expect(m).toMatch(/karpenter_voluntary_disruption_eligible_nodes\{reason="empty"\} \d/);
    expect(e.logger.entries.filter(x => x.level === 'ERROR')).toEqual([]);
  });

  test('an underutilized node is replaced by a cheaper one, which is initialized before the old one goes', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1s' }));
    const large = await provision(e, 'big', { cpu: '6', memory: '1Gi' });
    expect(large.metadata.labels['node.kubernetes.io/instance-type']).toBe('large');
    e.cluster.replicate('web', { cpu: '1', memory: '1Gi' });
    await waitFor('web bound to the large node', () => e.server.get(R.pods, 'web', 'default')?.spec.nodeName === nodeOf(e, large)?.metadata.name);
    e.server.remove(R.pods, 'big', 'default');

    await waitFor('large nodeclaim gone', () => !e.server.get(R.nodeClaims, large.metadata.name), 20_000);
    const remaining = await waitFor('one initialized small nodeclaim', () => {
      const l = e.server.list(R.nodeClaims);
      return l.length === 1 && cond(l[0], 'Initialized')?.status === 'True' ? l : undefined;
    });
    expect(remaining[0].metadata.labels['node.kubernetes.io/instance-type']).toBe('small');
    expect(remaining[0].metadata.annotations['karpenter.sh/nodepool-hash-version']).toBe('kcdk-v1');
    await waitFor('the evicted replica rescheduled on the replacement', () => e.server.list(R.pods).find(p => p.spec.nodeName === nodeOf(e, remaining[0])?.metadata.name));

    const [cmd] = disrupting(e);
    expect(cmd).toMatchObject({ 'reason': 'underutilized', 'decision': 'replace', 'disrupted-node-count': 1, 'replacement-node-count': 1 });
    expect(cmd['savings-per-hour']).toBeCloseTo(4.0 - 0.6, 4);
    // the replacement was initialized before the candidate was deleted
    const reqs = e.server.requests;
    const replacementName = remaining[0].metadata.name;
    const initialized = reqs.findIndex(r => r.method === 'PATCH' && r.path.endsWith(`/nodeclaims/${replacementName}/status`)
      && (r.body as Obj)?.status?.conditions?.some((c: Obj) => c.type === 'Initialized' && c.status === 'True'));
    const deleted = reqs.findIndex(r => r.method === 'DELETE' && r.path.endsWith(`/nodeclaims/${large.metadata.name}`));
    expect(initialized).toBeGreaterThan(-1);
    expect(deleted).toBeGreaterThan(initialized);
    // the candidate was tainted karpenter.sh/disrupted:NoSchedule before anything else
    const tainted = reqs.findIndex(r => r.method === 'PATCH' && r.path.includes('/nodes/')
      && JSON.stringify(r.body).includes('"karpenter.sh/disrupted"'));
    expect(tainted).toBeGreaterThan(-1);
    expect(tainted).toBeLessThan(deleted);
    const m = await metricsText(e);
    expect(m).toContain('karpenter_nodeclaims_created_total{reason="underutilized",nodepool="default",min_values_relaxed="false"} 1');
    expect(m).toContain('karpenter_nodeclaims_disrupted_total{reason="underutilized",nodepool="default",capacity_type="on-demand"} 1');
    expect(m).toMatch(/karpenter_voluntary_disruption_decisions_total\{decision="replace",reason="underutilized",consolidation_type="(single|multi)"\} 1/);
    expect(e.logger.entries.filter(x => x.level === 'ERROR')).toEqual([]);
  });

  test('a budget of 0 blocks disruption; raising it lets the empty node go', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmpty', consolidateAfter: '1s', budgets: [{ nodes: '0' }] }));
    const nc = await provision(e, 'web-1', { cpu: '1', memory: '1Gi' });
    e.server.remove(R.pods, 'web-1', 'default');
    await waitFor('Consolidatable', () => cond(e.server.get(R.nodeClaims, nc.metadata.name), 'Consolidatable')?.status === 'True', 10_000);
    await sleep(1_500); // several decision rounds
    expect(e.server.get(R.nodeClaims, nc.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
    expect(disrupting(e)).toEqual([]);
    expect(await metricsText(e)).toContain('karpenter_nodepools_allowed_disruptions{nodepool="default",reason="empty"} 0');

    e.server.update(R.nodePools, 'default', undefined, o => { o.spec.disruption.budgets = [{ nodes: '1' }]; });
    await waitFor('nodeclaim gone', () => !e.server.get(R.nodeClaims, nc.metadata.name), 15_000);
    expect(disrupting(e)).toEqual([expect.objectContaining({ reason: 'empty', decision: 'delete' })]);
  });

  test('upstream-stamped NodeClaims are re-stamped, not drifted; a stale NodePool hash is drifted and replaced', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmpty', consolidateAfter: 'Never' }));
    const nc = await provision(e, 'web', { cpu: '1', memory: '1Gi' }, true);
    const ourHash = nc.metadata.annotations['karpenter.sh/nodepool-hash'];
    expect(nc.metadata.annotations['karpenter.sh/nodepool-hash-version']).toBe('kcdk-v1');

    // as if upstream Karpenter had launched it: another hash function and version
    e.server.update(R.nodeClaims, nc.metadata.name, undefined, o => {
      o.metadata.annotations = { ...o.metadata.annotations, 'karpenter.sh/nodepool-hash': '123456789', 'karpenter.sh/nodepool-hash-version': 'v3' };
    });
    await waitFor('re-stamped', () => e.server.get(R.nodeClaims, nc.metadata.name)?.metadata.annotations['karpenter.sh/nodepool-hash-version'] === 'kcdk-v1');
    await sleep(700);
    const restamped = e.server.get(R.nodeClaims, nc.metadata.name)!;
    expect(restamped.metadata.annotations['karpenter.sh/nodepool-hash']).toBe(ourHash);
    expect(cond(restamped, 'Drifted')).toBeUndefined();
    expect(restamped.metadata.deletionTimestamp).toBeUndefined();

    // the NodePool template changes: the NodeClaim's hash is stale
    e.server.update(R.nodePools, 'default', undefined, o => { o.spec.template.metadata.labels = { team: 'e2e-v2' }; });
    const drifted = await waitFor('Drifted', () => cond(e.server.get(R.nodeClaims, nc.metadata.name), 'Drifted'), 10_000);
    expect(drifted).toMatchObject({ status: 'True', reason: 'NodePoolDrifted' });
    await waitFor('drifted nodeclaim gone', () => !e.server.get(R.nodeClaims, nc.metadata.name), 20_000);
    const [replacement] = await waitFor('an initialized replacement', () => {
      const l = e.server.list(R.nodeClaims);
      return l.length === 1 && cond(l[0], 'Initialized')?.status === 'True' ? l : undefined;
    });
    expect(replacement.metadata.labels.team).toBe('e2e-v2');
    expect(replacement.metadata.annotations['karpenter.sh/nodepool-hash']).not.toBe(ourHash);
    expect(cond(replacement, 'Drifted')).toBeUndefined();
    expect(disrupting(e)).toEqual([expect.objectContaining({ 'reason': 'drifted', 'decision': 'replace', 'replacement-node-count': 1 })]);
    const m = await metricsText(e);
    expect(m).toContain('karpenter_nodeclaims_disrupted_total{reason="drifted",nodepool="default",capacity_type="on-demand"} 1');
    expect(m).toContain('karpenter_nodeclaims_created_total{reason="drifted",nodepool="default",min_values_relaxed="false"} 1');
  });

  test('a do-not-disrupt pod blocks consolidation until the annotation goes', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1s' }));
    const large = await provision(e, 'big', { cpu: '6', memory: '1Gi' });
    const node = nodeOf(e, large)!;
    e.server.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'guard', namespace: 'default', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
      spec: { nodeName: node.metadata.name, containers: [{ name: 'app', image: 'pause', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
      status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] },
    });
    e.server.remove(R.pods, 'big', 'default');
    await waitFor('Consolidatable', () => cond(e.server.get(R.nodeClaims, large.metadata.name), 'Consolidatable')?.status === 'True', 10_000);
    await sleep(1_500);
    expect(e.server.get(R.nodeClaims, large.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
    expect(disrupting(e)).toEqual([]);
    expect(e.server.list(R.nodeClaims)).toHaveLength(1);

    e.server.update(R.pods, 'guard', 'default', o => { delete o.metadata.annotations; });
    await waitFor('large nodeclaim gone', () => !e.server.get(R.nodeClaims, large.metadata.name), 20_000);
    expect(disrupting(e)).toEqual([expect.objectContaining({ reason: 'underutilized' })]);
  });

  test('drain evicts in the four upstream groups and retries a PDB 429 with backoff', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmpty', consolidateAfter: 'Never' }));
    const nc = await provision(e, 'app', { cpu: '1', memory: '1Gi' });
    const node = nodeOf(e, nc)!;
    const bound = (name: string, extra: { ownerDaemonSet?: boolean; critical?: boolean; tolerant?: boolean }) => e.server.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        ...(extra.ownerDaemonSet ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: `ds-${name}`, controller: true }] } : {}),
      },
      spec: {
        nodeName: node.metadata.name,
        containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '10m' } } }],
        ...(extra.critical ? { priorityClassName: 'system-cluster-critical' } : {}),
        ...(extra.tolerant ? { tolerations: [{ key: 'karpenter.sh/disrupted', operator: 'Exists' }] } : {}),
      },
      status: { phase: 'Running' },
    });
    bound('cni', { ownerDaemonSet: true, critical: true });
    bound('dns', { critical: true });
    bound('agent', { ownerDaemonSet: true });
    bound('tolerant', { tolerant: true });
    e.server.blockEvictions.add('default/app');
    await sleep(200); // the informer sees the pods

    e.server.remove(R.nodeClaims, nc.metadata.name);
    const evictions = () => e.server.requests.filter(r => r.method === 'POST' && r.path.endsWith('/eviction')).map(r => r.path.split('/')[6]);
    await waitFor('two refused evictions of app', () => evictions().filter(p => p === 'app').length >= 2, 10_000);
    expect(evictions().every(p => p === 'app')).toBe(true);
    e.server.blockEvictions.delete('default/app');

    await waitFor('nodeclaim gone', () => !e.server.get(R.nodeClaims, nc.metadata.name), 20_000);
    expect(e.server.get(R.nodes, node.metadata.name)).toBeUndefined();
    const order = evictions();
    const last = (p: string) => order.lastIndexOf(p);
    const first = (p: string) => order.indexOf(p);
    expect([...new Set(order)]).toEqual(['app', 'agent', 'dns', 'cni']);
    expect(last('app')).toBeLessThan(first('agent'));
    expect(last('agent')).toBeLessThan(first('dns'));
    expect(last('dns')).toBeLessThan(first('cni'));
    expect(order).not.toContain('tolerant');
    // Drained, VolumesDetached and InstanceTerminating were written on the NodeClaim
    const statusWrites = e.server.requests.filter(r => r.method === 'PATCH' && r.path.endsWith(`/nodeclaims/${nc.metadata.name}/status`))
      .flatMap(r => ((r.body as Obj)?.status?.conditions ?? []) as Obj[]);
    for (const type of ['Drained', 'VolumesDetached', 'InstanceTerminating']) {
      expect(statusWrites).toContainEqual(expect.objectContaining({ type, status: 'True' }));
    }
    const m = await metricsText(e);
    expect(m).toMatch(/karpenter_pods_eviction_requests_total\{code="429"\} [2-9]/);
    expect(m).toContain('karpenter_pods_eviction_requests_total{code="200"} 4');
    expect(e.cloud.created.size).toBe(0);
  });

  test('a disrupted taint left by the previous leader\'s command is removed by the new leader', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmpty', consolidateAfter: 'Never' }));
    const nc = await provision(e, 'web', { cpu: '1', memory: '1Gi' });
    const node = nodeOf(e, nc)!;
    // as if the previous leader had tainted it for a command and died before replacing or untainting it
    e.server.update(R.nodes, node.metadata.name, undefined, o => {
      o.spec.taints = [...(o.spec.taints ?? []), { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }];
    });
    await waitFor('taint removed', () => !(e.server.get(R.nodes, node.metadata.name)?.spec.taints ?? [])
      .some((t: Obj) => t.key === 'karpenter.sh/disrupted'), 10_000);
    // The server applies the patch before the controller logs it: wait for the log line too.
    await waitFor('taint removal logged', () => e.logger.entries.some(x => x.message === 'removed orphaned disruption taint'), 10_000);
    expect(e.server.get(R.nodeClaims, nc.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
    expect(e.logger.entries.filter(x => x.level === 'ERROR')).toEqual([]);
  });

  test('the instance is terminated only after the VolumeAttachments of drained pods are gone', async () => {
    const e = await setup(pool({ consolidationPolicy: 'WhenEmpty', consolidateAfter: 'Never' }));
    const nc = await provision(e, 'app', { cpu: '1', memory: '1Gi' });
    const node = nodeOf(e, nc)!;
    const PVCS = 'core/v1/persistentvolumeclaims';
    const VAS = 'storage.k8s.io/v1/volumeattachments';
    e.server.create(PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv-data' } });
    e.server.create(PVCS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'ds-data', namespace: 'default' }, spec: { volumeName: 'pv-ds' } });
    e.server.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        nodeName: node.metadata.name,
        containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '10m' } } }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      },
      status: { phase: 'Running' },
    });
    e.server.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'csi-node', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'csi', uid: 'ds-csi', controller: true }] },
      spec: {
        nodeName: node.metadata.name,
        containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu: '10m' } } }],
        tolerations: [{ operator: 'Exists' }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'ds-data' } }],
      },
      status: { phase: 'Running' },
    });
    const attachment = (name: string, pv: string) => ({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'VolumeAttachment',
      metadata: { name },
      spec: { attacher: 'ebs.csi.aws.com', nodeName: node.metadata.name, source: { persistentVolumeName: pv } },
      status: { attached: true },
    });
    e.server.create(VAS, attachment('csi-data', 'pv-data'));
    e.server.create(VAS, attachment('csi-ds', 'pv-ds'));
    const op = e.controller.operator;
    await waitFor('the informers see the pods, claims and attachments', () => op.volumes.attachmentsOnNode(node.metadata.name).length === 2
      && op.volumes.volumeOfClaim('default/ds-data') === 'pv-ds' && op.cluster.podsOnNode(node.metadata.name).length === 3);

    e.server.remove(R.nodeClaims, nc.metadata.name);
    await waitFor('VolumesDetached=False', () => {
      const c = cond(e.server.get(R.nodeClaims, nc.metadata.name), 'VolumesDetached');
      return c?.status === 'False' && c.reason === 'AwaitingVolumeDetachment';
    }, 10_000);
    expect(cond(e.server.get(R.nodeClaims, nc.metadata.name), 'Drained')?.status).toBe('True');
    await sleep(500);
    // still waiting: the instance is not terminated while the drained pod's volume is attached
    expect(e.cloud.created.size).toBe(1);
    expect(cond(e.server.get(R.nodeClaims, nc.metadata.name), 'InstanceTerminating')).toBeUndefined();
    expect(e.server.list(R.events).some(ev => ev.reason === 'AwaitingVolumeDetachment' && ev.message.includes('csi-data') && !ev.message.includes('csi-ds'))).toBe(true);

    // the CSI driver detaches the volume; the tolerant DaemonSet pod's attachment does not hold the node
    e.server.remove(VAS, 'csi-data');
    await waitFor('nodeclaim gone', () => !e.server.get(R.nodeClaims, nc.metadata.name), 20_000);
    expect(e.cloud.created.size).toBe(0);
    expect(e.server.get(R.nodes, node.metadata.name)).toBeUndefined();
    const statusWrites = e.server.requests.filter(r => r.method === 'PATCH' && r.path.endsWith(`/nodeclaims/${nc.metadata.name}/status`))
      .flatMap(r => ((r.body as Obj)?.status?.conditions ?? []) as Obj[]);
    expect(statusWrites).toContainEqual(expect.objectContaining({ type: 'VolumesDetached', status: 'True' }));
  });
});
