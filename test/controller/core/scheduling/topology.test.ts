import { nodePool, pod, pods, stateNode } from '../../helpers/builders';
import { countBy, expectNotScheduled, expectScheduled, schedule } from '../../helpers/expectations';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const IT = 'node.kubernetes.io/instance-type';
const app = { app: 'web' };

function zoneSpread(maxSkew = 1, whenUnsatisfiable = 'DoNotSchedule', extra = {}) {
  return [{ maxSkew, topologyKey: ZONE, whenUnsatisfiable, labelSelector: { matchLabels: app }, ...extra }];
}

describe('topology spread', () => {
  test('zone spread balances across the three zones', () => {
    const ps = pods(9, { labels: app, spread: zoneSpread() });
    expect(countBy(schedule(ps), ps, ZONE)).toEqual({ 'test-zone-1': 3, 'test-zone-2': 3, 'test-zone-3': 3 });
  });

  test('zone spread only counts the zones the NodePool can use', () => {
    const ps = pods(6, { labels: app, spread: zoneSpread() });
    const np = nodePool({ requirements: [{ key: ZONE, operator: 'In', values: ['test-zone-1', 'test-zone-2'] }] });
    expect(countBy(schedule(ps, { nodePools: [np] }), ps, ZONE)).toEqual({ 'test-zone-1': 3, 'test-zone-2': 3 });
  });

  test('existing pods are counted: new pods fill the empty zones first', () => {
    const existing = [
      stateNode({ name: 'a', labels: { [ZONE]: 'test-zone-1' }, pods: pods(2, { labels: app }) }),
    ];
    const ps = pods(4, { labels: app, spread: zoneSpread() });
    expect(countBy(schedule(ps, { stateNodes: existing }), ps, ZONE)).toEqual({ 'test-zone-2': 2, 'test-zone-3': 2 });
  });

  test('nodeAffinityPolicy Honor: pods pinned to one zone only see that zone', () => {
    const pinned = pods(2, { labels: app, spread: zoneSpread(), nodeSelector: { [ZONE]: 'test-zone-1' } });
    const results = schedule(pinned);
    for (const p of pinned) expectScheduled(results, p);
  });

  test('nodeAffinityPolicy Ignore: a pod whose zone would break maxSkew is not scheduled, with the constraint as reason', () => {
    const pinned = pods(2, { labels: app, spread: zoneSpread(1, 'DoNotSchedule', { nodeAffinityPolicy: 'Ignore' }), nodeSelector: { [ZONE]: 'test-zone-1' } });
    const results = schedule(pinned);
    expectScheduled(results, pinned[0]);
    expectNotScheduled(results, pinned[1], 'topology spread constraint on topology.kubernetes.io/zone (maxSkew 1)');
  });

  test('ScheduleAnyway constraints are relaxed when they cannot be met', () => {
    const pinned = pods(3, { labels: app, spread: zoneSpread(1, 'ScheduleAnyway'), nodeSelector: { [ZONE]: 'test-zone-1' } });
    const results = schedule(pinned);
    for (const p of pinned) expectScheduled(results, p);
  });

  test('minDomains above the number of zones treats the global minimum as zero', () => {
    const ps = pods(7, { labels: app, spread: zoneSpread(2, 'DoNotSchedule', { minDomains: 4 }) });
    const results = schedule(ps);
    const scheduled = ps.filter(p => !results.podErrors.has(p));
    expect(countBy(results, scheduled, ZONE)).toEqual({ 'test-zone-1': 2, 'test-zone-2': 2, 'test-zone-3': 2 });
    expect([...results.podErrors.values()]).toEqual([expect.stringContaining('minDomains 4')]);
  });

  test('hostname spread puts one pod per node with maxSkew 1', () => {
    const ps = pods(4, { labels: app, spread: [{ maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app } }] });
    const results = schedule(ps);
    expect(results.newNodeClaims).toHaveLength(4);
    expect(Object.values(countBy(results, ps, HOST))).toEqual([1, 1, 1, 1]);
  });

  test('hostname spread with maxSkew 2 allows two per node', () => {
    const ps = pods(4, { labels: app, spread: [{ maxSkew: 2, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app } }] });
    expect(schedule(ps).newNodeClaims).toHaveLength(2);
  });

  test('pods not selected by the spread selector are not constrained by it', () => {
    const others = pods(5, { labels: { app: 'other' }, spread: zoneSpread() });
    const results = schedule(others);
    expect(results.podErrors.size).toBe(0);
  });
});

describe('pod affinity', () => {
  test('zone affinity follows an existing pod', () => {
    const node = stateNode({ name: 'db', labels: { [ZONE]: 'test-zone-2' }, allocatable: { cpu: '1', memory: '1Gi', pods: '2' }, pods: [pod({ labels: { app: 'db' } })] });
    const p = pod({ requests: { cpu: '2' }, podAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } }] });
    const where = expectScheduled(schedule([p], { stateNodes: [node] }), p);
    expect(where.kind).toBe('new');
    expect(where.labels[ZONE]).toBe('test-zone-2');
  });

  test('hostname affinity puts the pod on the node of the matching pod', () => {
    const node = stateNode({ name: 'db', pods: [pod({ labels: { app: 'db' } })] });
    const p = pod({ podAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: { app: 'db' } } }] });
    expect(expectScheduled(schedule([p], { stateNodes: [node, stateNode({ name: 'aaa' })] }), p).node).toBe('db');
  });

  test('self affinity keeps a group together in one zone', () => {
    const ps = pods(6, { labels: app, requests: { cpu: '3' }, podAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: app } }] });
    const counts = countBy(schedule(ps), ps, ZONE);
    expect(Object.keys(counts)).toHaveLength(1);
  });

  test('affinity to pods scheduled later in the same batch works across queue passes', () => {
    const follower = pod({ name: 'follower', requests: { cpu: '3' }, podAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } }] });
    const leader = pod({ name: 'leader', labels: { app: 'db' }, requests: { cpu: '100m' }, nodeSelector: { [ZONE]: 'test-zone-3' } });
    const results = schedule([follower, leader]);
    expect(expectScheduled(results, follower).labels[ZONE]).toBe('test-zone-3');
  });

  test('affinity to pods that do not exist fails with a reason', () => {
    const p = pod({ podAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: { app: 'ghost' } } }] });
    expectNotScheduled(schedule([p]), p, 'pod affinity on topology.kubernetes.io/zone to pods matching app=ghost');
  });

  test('preferred affinity that cannot be met is relaxed', () => {
    const p = pod({ preferredPodAffinity: [{ weight: 10, term: { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'ghost' } } } }] });
    expectScheduled(schedule([p]), p);
  });
});

describe('pod anti-affinity', () => {
  test('hostname anti-affinity to its own group: one pod per node', () => {
    const ps = pods(5, { labels: app, podAntiAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: app } }] });
    const results = schedule(ps);
    expect(results.newNodeClaims).toHaveLength(5);
  });

  test('zone anti-affinity: at most one per zone, the fourth is not scheduled', () => {
    const ps = pods(4, { labels: app, podAntiAffinity: [{ topologyKey: ZONE, labelSelector: { matchLabels: app } }] });
    const results = schedule(ps);
    const scheduled = ps.filter(p => !results.podErrors.has(p));
    expect(scheduled).toHaveLength(3);
    expect(Object.keys(countBy(results, scheduled, ZONE)).sort()).toEqual(['test-zone-1', 'test-zone-2', 'test-zone-3']);
    expect([...results.podErrors.values()][0]).toMatch(/pod anti-affinity on topology.kubernetes.io\/zone/);
  });

  test('existing pods with anti-affinity keep matching pods away (inverse anti-affinity)', () => {
    const guard = pod({ labels: { app: 'guard' }, podAntiAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: app } }] });
    const node = stateNode({ name: 'n1', pods: [guard] });
    const p = pod({ labels: app });
    expect(expectScheduled(schedule([p], { stateNodes: [node] }), p).kind).toBe('new');
    const q = pod({ labels: { app: 'other' } });
    expect(expectScheduled(schedule([q], { stateNodes: [node] }), q).node).toBe('n1');
  });

  test('pods in the batch with anti-affinity keep later matching pods away', () => {
    const guard = pod({ name: 'guard', labels: { app: 'guard' }, requests: { cpu: '1' }, podAntiAffinity: [{ topologyKey: HOST, labelSelector: { matchLabels: app } }] });
    const web = pod({ name: 'web', labels: app, requests: { cpu: '100m' } });
    const results = schedule([guard, web]);
    expect(expectScheduled(results, guard).node).not.toBe(expectScheduled(results, web).node);
  });

  test('preferred anti-affinity is honoured when it can be', () => {
    const ps = pods(3, { labels: app, preferredPodAntiAffinity: [{ weight: 1, term: { topologyKey: ZONE, labelSelector: { matchLabels: app } } }] });
    const counts = countBy(schedule(ps), ps, ZONE);
    expect(Object.values(counts)).toEqual([1, 1, 1]);
  });
});

describe('minValues', () => {
  test('a NodeClaim keeps at least minValues instance types', () => {
    const np = nodePool({ requirements: [{ key: IT, operator: 'Exists', minValues: 3 }] });
    const p = pod({ requests: { cpu: '1' } });
    const nc = expectScheduled(schedule([p], { nodePools: [np] }), p).nodeClaim!;
    expect(nc.instanceTypeOptions.length).toBeGreaterThanOrEqual(3);
    expect(nc.toNodeClaim().spec.requirements.find(r => r.key === IT)).toMatchObject({ minValues: 3 });
  });

  test('a pod that would leave fewer types than minValues is not scheduled', () => {
    const np = nodePool({ requirements: [{ key: IT, operator: 'Exists', minValues: 3 }] });
    const p = pod({ requests: { cpu: '20' } });
    expectNotScheduled(schedule([p], { nodePools: [np] }), p,
      'minValues requirement not met for node.kubernetes.io/instance-type: needs 3 distinct value(s), the compatible instance types offer 1');
  });

  test('pods stop joining a NodeClaim once minValues would break, and open another', () => {
    const np = nodePool({ requirements: [{ key: IT, operator: 'In', values: ['small', 'default', 'large', 'xlarge'], minValues: 2 }] });
    const ps = pods(4, { requests: { cpu: '7' } });
    const results = schedule(ps, { nodePools: [np] });
    expect(results.podErrors.size).toBe(0);
    for (const nc of results.newNodeClaims) expect(nc.instanceTypeOptions.length).toBeGreaterThanOrEqual(2);
    expect(results.newNodeClaims.length).toBeGreaterThan(1);
  });
});
