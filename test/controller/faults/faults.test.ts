/**
 * Fault tolerance through the real composition root (`startController`): client-node against the fake API server,
 * the AWS provider over mocked SDK clients (`../aws/fake-aws.ts`), the interruption queue in memory. Each fault is
 * injected, the controller left to converge, then the invariants are checked; the table of faults and invariant
 * results is printed at the end (and kept in the report).
 */
import * as fs from 'fs';
import * as path from 'path';
import { AwsApis } from '../../../controller/src/aws/api';
import { startController, RunningController } from '../../../controller/src/main';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { SHARED_REFERENCE } from '../../helpers/fixtures';
import { CLUSTER, FakeAws, REGION, awsError } from '../aws/fake-aws';
import { FAST, kubeletNode, nodePool, pendingPod, testSettings, waitFor } from '../e2e/helpers';
import { withGarbageCollectionCalls } from '../garbage-collection/gc-fake-aws';
import { FakeApiServer, R, RecordedRequest } from '../helpers/fake-apiserver';
import { FakeSqs } from '../interruption-runtime/fake-sqs';

jest.setTimeout(120_000);

const GC = { garbageCollectionPeriodMs: 300, gracePeriodMs: 600, resourceGarbageCollectionPeriodMs: 60_000 };
const ec2NodeClass = {
  apiVersion: 'karpenter.k8s.aws/v1',
  kind: 'EC2NodeClass',
  metadata: { name: 'default' },
  spec: {
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
    securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
    role: 'KarpenterNodeRole-demo',
  },
};
const CPU_LIMIT = 64;

interface Row { fault: string; orphans: string; limits: string; scheduled: string; budgets: string; messages: string }
const rows: Row[] = [];

class World {
  readonly server = new FakeApiServer();
  readonly aws = withGarbageCollectionCalls(new FakeAws());
  readonly sqs = new FakeSqs(() => Date.now(), ms => new Promise(r => setTimeout(r, Math.min(ms, 200)).unref()));
  readonly logger = new MemoryLogger();
  readonly controllers: RunningController[] = [];
  /** Calls to fail: method name -> remaining failures and the error code. */
  readonly ec2Faults = new Map<string, { remaining: number; code: string }>();
  readonly ec2Attempts = new Map<string, number>();
  pods: string[] = [];

  apis(): AwsApis {
    const base = this.aws.apis();
    const ec2 = Object.fromEntries(Object.entries(base.ec2).map(([k, fn]) => [k, async (input: unknown) => {
      this.ec2Attempts.set(k, (this.ec2Attempts.get(k) ?? 0) + 1);
      const f = this.ec2Faults.get(k);
      if (f && f.remaining > 0) {
        f.remaining--;
        throw awsError(f.code);
      }
      return (fn as (i: unknown) => Promise<unknown>)(input);
    }])) as unknown as AwsApis['ec2'];
    return { ...base, ec2 };
  }

  async start(): Promise<void> {
    await this.server.start();
    this.server.create(R.nodePools, { ...nodePool('default', { limits: { cpu: String(CPU_LIMIT) } }), metadata: { name: 'default' } });
    this.server.create(R.ec2NodeClasses, ec2NodeClass);
  }

  async controller(identity: string): Promise<RunningController> {
    const c = await startController({
      settings: testSettings({ clusterName: CLUSTER, awsRegion: REGION, interruptionQueue: 'demo' }),
      kubeServer: this.server.url,
      awsApis: this.apis(),
      logger: this.logger,
      host: '127.0.0.1',
      defaultMetrics: false,
      identity,
      tuning: FAST,
      onLeadershipLost: () => undefined,
      resilience: { sqs: this.sqs, tuning: GC },
    });
    this.controllers.push(c);
    return c;
  }

  async leader(c: RunningController): Promise<void> {
    await waitFor('leadership and sync', () => c.operator.isLeader() && c.operator.synced(), 15_000);
  }

  pod(name: string): void {
    this.pods.push(name);
    this.server.create(R.pods, pendingPod(name));
  }

  launched(): any[] {
    return this.server.list(R.nodeClaims).filter(nc => nc.status?.providerID);
  }

  liveInstances(): any[] {
    return [...this.aws.instances.values()].filter(i => ['pending', 'running'].includes(i.State?.Name ?? ''));
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) await c.stop();
    await this.server.stop();
    this.aws.restore();
  }

  /** The PDB column: budgets enforced by the fake API server, never broken by an eviction or a pod DELETE. */
  budgets(): string {
    const { allowed, refused } = this.server.pdbEvictions;
    const pdbs = this.server.list(R.pdbs).length;
    const deletes = this.server.requests.filter(r => r.method === 'DELETE' && /\/pods\/[^/]+$/.test(r.path)).length;
    if (this.server.pdbViolations.length > 0) return `FAIL (${this.server.pdbViolations.length} violation(s))`;
    if (pdbs === 0) return `n/a (no PDB; ${deletes} pod DELETE)`;
    return `ok (${pdbs} PDB, 0 violations; evictions ${allowed} allowed, ${refused} refused 429)`;
  }

  /** Checks the invariants after a fault; returns a table row. */
  async invariants(fault: string, extra: { messages?: string; budgets?: string; scheduled?: string } = {}): Promise<Row> {
    // every pod gets capacity (one launched NodeClaim at least, enough cpu for all pods)
    if (extra.scheduled === undefined) await waitFor('capacity for every pod', () => this.launched().length >= Math.min(1, this.pods.length), 20_000);
    // no instance outlives a GC period (plus the grace) without a NodeClaim
    await new Promise(r => setTimeout(r, GC.gracePeriodMs + 2 * GC.garbageCollectionPeriodMs + 200));
    const claimed = new Set(this.server.list(R.nodeClaims).map(nc => nc.status?.providerID?.split('/').pop()).filter(Boolean));
    const names = new Set(this.server.list(R.nodeClaims).map(nc => nc.metadata.name));
    const orphans = this.liveInstances().filter(i => !claimed.has(i.InstanceId) &&
      !names.has((i.Tags ?? []).find((t: any) => t.Key === 'karpenter.sh/nodeclaim')?.Value));
    const cpu = this.launched().reduce((s, nc) => s + Number(String(nc.status.capacity?.cpu ?? '0').replace(/m$/, '')) / (String(nc.status.capacity?.cpu).endsWith('m') ? 1000 : 1), 0);
    const row: Row = {
      fault,
      orphans: orphans.length === 0 ? 'ok' : `FAIL (${orphans.length})`,
      limits: cpu <= CPU_LIMIT ? `ok (${cpu}/${CPU_LIMIT} cpu)` : `FAIL (${cpu})`,
      scheduled: extra.scheduled ?? (this.pods.length === 0 ? 'n/a' : this.launched().length > 0 ? `ok (${this.pods.length} pods, ${this.launched().length} nodeclaims)` : 'FAIL'),
      budgets: extra.budgets ?? this.budgets(),
      messages: extra.messages ?? (this.sqs.depth === 0 ? 'ok (queue empty)' : `FAIL (${this.sqs.depth} left)`),
    };
    rows.push(row);
    expect(orphans).toEqual([]);
    expect(cpu).toBeLessThanOrEqual(CPU_LIMIT);
    expect(this.server.pdbViolations).toEqual([]);
    expect(this.sqs.depth).toBe(0);
    return row;
  }
}

let w: World;
beforeEach(async () => {
  w = new World();
  await w.start();
});
afterEach(async () => {
  if (process.env.FAULTS_DEBUG) process.stdout.write(`${w.logger.entries.map(e => `${e.level} ${e.message} ${JSON.stringify(e.fields).slice(0, 300)}`).join('\n')}\n`);
  await w.stop();
});
afterAll(() => {
  const header = ['fault', 'orphan instances', 'NodePool limits', 'pods scheduled', 'PDB / budgets', 'messages'];
  const lines = [header, ...rows.map(r => [r.fault, r.orphans, r.limits, r.scheduled, r.budgets, r.messages])];
  const widths = header.map((_, i) => Math.max(...lines.map(l => l[i].length)));
  const text = lines.map(l => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);
  text.splice(1, 0, `|${widths.map(n => '-'.repeat(n + 2)).join('|')}|`);
  process.stdout.write(`\nfaults and invariants\n${text.join('\n')}\n`);
});

test('EC2 throttling (RequestLimitExceeded) on CreateFleet: bounded retries with backoff, then launched', async () => {
  w.ec2Faults.set('createFleet', { remaining: 3, code: 'RequestLimitExceeded' });
  await w.leader(await w.controller('a'));
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  expect(w.ec2Attempts.get('createFleet')).toBe(4); // 3 throttled + 1, within the bound of 5
  expect(w.logger.messages().filter(m => m === 'aws call throttled, retrying')).toHaveLength(3);
  expect(w.liveInstances()).toHaveLength(1);
  await w.invariants('EC2 throttling (3x RequestLimitExceeded)');
});

test('insufficient-capacity storm: the cheapest offerings fail everywhere, launches fall back to others', async () => {
  w.aws.fleetErrorCodes = [{ code: 'InsufficientInstanceCapacity', type: 't3.large' }, { code: 'InsufficientInstanceCapacity', type: 'm5.large' }];
  await w.leader(await w.controller('a'));
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  const type = w.launched()[0].metadata.labels['node.kubernetes.io/instance-type'];
  expect(['t3.large', 'm5.large']).not.toContain(type);
  await w.invariants('insufficient-capacity storm');
});

test('CreateFleet partial failure: errors for one zone, an instance in another', async () => {
  w.aws.fleetErrorCodes = [{ code: 'InsufficientInstanceCapacity', zone: 'test-zone-1a' }];
  const c = await w.controller('a');
  await w.leader(c);
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  expect(w.launched()[0].metadata.labels['topology.kubernetes.io/zone']).not.toBe('test-zone-1a');
  expect(w.liveInstances()).toHaveLength(1);
  await w.invariants('CreateFleet partial failure');
});

test('watch disconnects and 410 Gone: the informers relist, new pods are seen', async () => {
  await w.leader(await w.controller('a'));
  w.server.compact();
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  await w.invariants('watch disconnect + 410 Gone');
});

test('API server 5xx on NodeClaim writes: retried, one instance', async () => {
  for (let i = 0; i < 3; i++) w.server.failures.push({ match: r => r.method === 'PATCH' && r.path.includes('/nodeclaims/'), status: 500 });
  // (a 5xx on the NodeClaim POST: the provisioning round's own backoff, tested below)
  await w.leader(await w.controller('a'));
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  expect(w.liveInstances()).toHaveLength(1);
  await w.invariants('API server 5xx (3x NodeClaim PATCH 500)');
});

test('controller restart mid-launch (crash between CreateFleet and the status write): the instance is adopted', async () => {
  for (let i = 0; i < 1000; i++) w.server.failures.push({ match: r => r.method === 'PATCH' && r.path.endsWith('/status') && r.path.includes('/nodeclaims/'), status: 500 });
  const a = await w.controller('a');
  await w.leader(a);
  w.pod('web-1');
  await waitFor('CreateFleet', () => w.aws.callsOf('CreateFleet').length === 1, 20_000);
  await a.stop();
  w.server.failures.length = 0;
  const b = await w.controller('b');
  await waitFor('launched', () => w.launched().length === 1, 30_000);
  expect(w.aws.callsOf('CreateFleet')).toHaveLength(1);
  expect(w.liveInstances()).toHaveLength(1);
  expect(b.operator.isLeader()).toBe(true);
  await w.invariants('restart mid-launch (crash before status write)');
});

test('leader failover between two replicas: the standby takes over, nothing launched twice', async () => {
  const a = await w.controller('a');
  await w.leader(a);
  const b = await w.controller('b');
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 20_000);
  expect(b.operator.isLeader()).toBe(false);
  await a.stop();
  await w.leader(b);
  w.pod('web-2');
  await waitFor('capacity for web-2', () => w.aws.callsOf('CreateFleet').length >= 1 && w.launched().length >= 1, 20_000);
  expect(w.liveInstances().length).toBe(w.launched().length);
  await w.invariants('leader failover (a stops, b leads)');
});

test('an instance of this cluster without NodeClaim is collected within one GC period', async () => {
  await w.leader(await w.controller('a'));
  w.aws.instances.set('i-00000000orphan', {
    InstanceId: 'i-00000000orphan',
    InstanceType: 'm5.large',
    Placement: { AvailabilityZone: 'test-zone-1a' },
    State: { Name: 'running' },
    Tags: [{ Key: 'kubernetes.io/cluster/demo', Value: 'owned' }, { Key: 'karpenter.sh/nodepool', Value: 'default' }],
    LaunchTime: new Date(),
  });
  w.aws.instances.set('i-00000000foreign', {
    InstanceId: 'i-00000000foreign',
    InstanceType: 'm5.large',
    Placement: { AvailabilityZone: 'test-zone-1a' },
    State: { Name: 'running' },
    Tags: [{ Key: 'kubernetes.io/cluster/other', Value: 'owned' }, { Key: 'karpenter.sh/nodepool', Value: 'default' }],
    LaunchTime: new Date(),
  });
  const start = Date.now();
  await waitFor('orphan terminated', () => w.aws.instances.get('i-00000000orphan')!.State!.Name !== 'running', 10_000);
  expect(Date.now() - start).toBeLessThan(GC.gracePeriodMs + 2 * GC.garbageCollectionPeriodMs + 1_000);
  w.aws.instances.delete('i-00000000foreign'); // untouched, and not ours to count
  await w.invariants('orphan instance (and a foreign one left alone)');
});

test('SQS unavailable for a while, then a Spot interruption: handled once, nothing lost', async () => {
  const c = await w.controller('a');
  await w.leader(c);
  w.pod('web-1');
  const nc = await waitFor('launched', () => w.launched()[0], 20_000);
  const instanceId = nc.status.providerID.split('/').pop();
  w.sqs.failWith = awsError('ServiceUnavailable');
  const message = fs.readFileSync(path.join(SHARED_REFERENCE, 'events', 'spot-interruption-warning.json'), 'utf8').replace(/i-0123456789abcdef0/g, instanceId);
  w.sqs.send(message);
  w.sqs.send(message); // a duplicate delivery
  await new Promise(r => setTimeout(r, 1_500));
  expect(w.server.get(R.nodeClaims, nc.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
  w.sqs.failWith = undefined;
  await waitFor('nodeclaim deleted', () => !w.server.get(R.nodeClaims, nc.metadata.name) || w.server.get(R.nodeClaims, nc.metadata.name)?.metadata.deletionTimestamp, 15_000);
  await waitFor('queue drained', () => w.sqs.depth === 0, 15_000);
  const deletes = w.server.requests.filter(r => r.method === 'DELETE' && r.path.endsWith(`/nodeclaims/${nc.metadata.name}`));
  const interruption = c.resilience.interruption!;
  expect(interruption.stats.nodeClaimsDeleted).toBe(1);
  expect(interruption.stats.duplicates).toBe(1);
  await w.invariants('SQS unavailable 1.5 s + duplicate Spot warning', {
    messages: `ok (2 received, ${deletes.length} NodeClaim DELETE, 1 duplicate ignored, queue empty)`,
  });
});

const nodeClaimCreate = (r: RecordedRequest) => r.method === 'POST' && /\/nodeclaims$/.test(r.path);

test('API server 503 on NodeClaim create: the provisioning round is retried with backoff, no pod event needed', async () => {
  for (let i = 0; i < 3; i++) w.server.failures.push({ match: nodeClaimCreate, status: 503 });
  await w.leader(await w.controller('a'));
  w.pod('web-1');
  await waitFor('launched', () => w.launched().length === 1, 30_000);
  const posts = w.server.requests.filter(nodeClaimCreate);
  expect(posts).toHaveLength(4); // 3 refused + 1
  // retried by the batcher's backoff (1 s, 2 s, 4 s), not by an informer resync (60 s here) or a new pod event
  const gaps = posts.slice(1).map((r, i) => r.at! - posts[i].at!);
  expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
  expect(gaps[1]).toBeGreaterThanOrEqual(2_000);
  expect(gaps[2]).toBeGreaterThanOrEqual(4_000);
  expect(gaps.every(g => g < 10_000)).toBe(true);
  expect(w.logger.messages().filter(m => m === 'provisioning failed')).toHaveLength(3);
  expect(w.server.list(R.nodeClaims)).toHaveLength(1);
  expect(w.liveInstances()).toHaveLength(1);
  await w.invariants('API server 503 (3x NodeClaim POST 503)', {
    scheduled: `ok (1 pod, 1 nodeclaim; retried after ${gaps.map(g => `${(g / 1000).toFixed(1)}s`).join(', ')})`,
  });
});

test('controller restart mid-drain with a PDB refusing evictions: the new leader resumes, the PDB holds, one termination', async () => {
  const STATIC = 'static-1';
  const runningPod = (name: string, node: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: 'rs-uid', controller: true }] },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'pause', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] },
    status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] },
  });
  // a node Karpenter does not manage, where the rest of the workload runs
  w.server.create(R.nodes, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: STATIC, labels: { 'kubernetes.io/hostname': STATIC } },
    spec: { taints: [{ key: 'example.com/static', effect: 'NoSchedule' }] }, // the pending pod does not land here
    status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '4', memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const a = await w.controller('a');
  await w.leader(a);
  w.server.create(R.pods, pendingPod('web-a')); // a NodeClaim for it
  const nc = await waitFor('launched', () => w.launched()[0], 20_000);
  const instanceId = nc.status.providerID.split('/').pop();
  const NODE = 'ip-10-0-0-9.ec2.internal';
  w.server.create(R.nodes, kubeletNode(NODE, nc.status.providerID, nc));
  const registered = (o: any) => (o?.status?.conditions ?? []).some((c: any) => c.type === 'Registered' && c.status === 'True');
  await waitFor('registered', () => registered(w.server.get(R.nodeClaims, nc.metadata.name)), 15_000);
  w.server.update(R.nodes, NODE, undefined, o => {
    o.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }];
    o.spec.taints = o.spec.taints.filter((t: any) => t.key !== 'example.com/agent-not-ready');
  });
  await waitFor('initialized', () => (w.server.get(R.nodeClaims, nc.metadata.name)?.status?.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True'), 15_000);
  w.server.remove(R.pods, 'web-a', 'default'); // the launch pod went away; the workload lands
  w.server.create(R.pods, runningPod('web-1', NODE));
  w.server.create(R.pods, runningPod('web-2', NODE));
  w.server.create(R.pods, runningPod('web-3', STATIC));
  w.server.create(R.pdbs, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
  });
  expect(w.server.get(R.pdbs, 'web', 'default')!.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 });
  await waitFor('the informers see the workload and the PDB', () => a.operator.cluster.podsOnNode(NODE).length === 2
    && a.operator.cluster.pdbs.get('default/web')?.status?.currentHealthy === 3, 10_000);

  // delete the NodeClaim: one of web-1 / web-2 is evicted, the other is refused (429) by the PDB
  w.server.remove(R.nodeClaims, nc.metadata.name);
  await waitFor('an eviction refused by the PDB', () => w.server.pdbEvictions.refused >= 1, 15_000);
  expect(w.server.pdbEvictions.allowed).toBe(1);
  const evictions = () => w.server.requests.filter(r => r.method === 'POST' && r.path.endsWith('/eviction')).length;
  // the controller stops mid-drain
  await a.stop();
  const refusedByA = w.server.pdbEvictions.refused;
  const evictionsByA = evictions();
  expect(w.server.get(R.nodes, NODE)).toBeDefined();
  expect(w.server.get(R.nodeClaims, nc.metadata.name)?.metadata.finalizers).toContain('karpenter.sh/termination');
  expect(w.aws.callsOf('TerminateInstances')).toHaveLength(0);

  // a new controller picks the drain up: still refused while the budget has no room
  const b = await w.controller('b');
  await w.leader(b);
  await waitFor('the drain resumed by b (refused again)', () => w.server.pdbEvictions.refused >= refusedByA + 2, 15_000);
  expect(evictions()).toBeGreaterThan(evictionsByA);
  expect(w.aws.callsOf('TerminateInstances')).toHaveLength(0);
  expect(w.server.pdbViolations).toEqual([]);

  // the ReplicaSet's replacement becomes Ready elsewhere: the budget has room, the drain completes
  w.server.create(R.pods, runningPod('web-4', STATIC));
  await waitFor('TerminateInstances', () => w.aws.callsOf('TerminateInstances').length > 0, 20_000);
  w.aws.instances.get(instanceId)!.State = { Name: 'terminated' }; // EC2 finishes the termination
  await waitFor('node and nodeclaim gone (finalizers removed)', () => !w.server.get(R.nodes, NODE) && !w.server.get(R.nodeClaims, nc.metadata.name), 20_000);
  const terminations = w.aws.callsOf('TerminateInstances').filter((c: any) => (c.InstanceIds ?? []).includes(instanceId));
  expect(terminations).toHaveLength(1);
  expect(w.server.list(R.pods).filter(p => p.spec?.nodeName === NODE)).toEqual([]);
  const web = w.server.list(R.pods).filter(p => p.metadata.labels?.app === 'web');
  expect(web.map(p => p.metadata.name).sort()).toEqual(['web-3', 'web-4']);
  expect(w.server.pdbViolations).toEqual([]);
  expect(w.server.get(R.pdbs, 'web', 'default')!.status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
  await w.invariants('restart mid-drain (PDB minAvailable 2 refusing)', {
    scheduled: `ok (web ${web.length}/2 healthy on ${STATIC}; drained, 1 TerminateInstances, finalizers removed)`,
  });
});
