import { fakeInstanceType } from '../../../../controller/src/cloudprovider/fake/instance-types';
import { nodePool, pod, pods, stateNode } from '../../helpers/builders';
import { countBy, expectNotScheduled, expectScheduled, schedule } from '../../helpers/expectations';

const ZONE = 'topology.kubernetes.io/zone';
const ARCH = 'kubernetes.io/arch';
const CT = 'karpenter.sh/capacity-type';
const IT = 'node.kubernetes.io/instance-type';

describe('resources', () => {
  test('a pod goes to a new NodeClaim whose cheapest option fits it', () => {
    const p = pod({ requests: { cpu: '1', memory: '1Gi' } });
    const results = schedule([p]);
    const where = expectScheduled(results, p);
    expect(where.kind).toBe('new');
    expect(where.nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('small');
    expect(where.nodeClaim!.cheapestLaunch()!.offering.capacityType).toBe('spot');
  });

  test('pods share a NodeClaim while an instance type can hold them all', () => {
    const ps = pods(10, { requests: { cpu: '1', memory: '1Gi' } });
    const results = schedule(ps);
    expect(results.newNodeClaims).toHaveLength(1);
    expect(results.newNodeClaims[0].cheapestLaunch()!.instanceType.name).toBe('large');
  });

  test('a pod larger than every instance type says how large the largest is', () => {
    const p = pod({ requests: { cpu: '96' } });
    expectNotScheduled(schedule([p]), p, /no instance type of NodePool "default" has cpu=96, pods=1 free; the largest compatible one, xlarge, has cpu=64/);
  });

  test('extended resources select the types that have them', () => {
    const p = pod({ requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } });
    expect(expectScheduled(schedule([p]), p).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('gpu');
  });

  test('limits without requests count as requests', () => {
    const p = pod({ limits: { cpu: '30' } });
    expect(expectScheduled(schedule([p]), p).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('xlarge');
  });

  test('pod density limits the number of pods per node', () => {
    const ps = pods(3, { requests: { cpu: '10m' } });
    const results = schedule(ps, { nodePools: [nodePool({ requirements: [{ key: IT, operator: 'In', values: ['single-pod'] }] })] });
    expect(results.newNodeClaims).toHaveLength(3);
  });

  test('DaemonSet overhead is reserved on every new node it tolerates', () => {
    const ds = pod({ name: 'ds', requests: { cpu: '1500m' } });
    const p = pod({ requests: { cpu: '1' } });
    const results = schedule([p], { daemonSetPods: [ds] });
    // small has 2 vCPU: 1 + 1.5 does not fit, so the next size up is chosen
    expect(expectScheduled(results, p).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('default');
    expect(results.newNodeClaims[0].resourceRequests.cpu).toBe(2500);
  });

  test('DaemonSets that do not tolerate the NodePool taints add no overhead', () => {
    const ds = pod({ name: 'ds', requests: { cpu: '1500m' } });
    const p = pod({ requests: { cpu: '1' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] });
    const results = schedule([p], { daemonSetPods: [ds], nodePools: [nodePool({ taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] })] });
    expect(expectScheduled(results, p).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('small');
  });
});

describe('taints and tolerations', () => {
  const tainted = nodePool({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });

  test('a pod without the toleration is not scheduled, and the reason names the taint', () => {
    const p = pod();
    expectNotScheduled(schedule([p], { nodePools: [tainted] }), p, 'did not tolerate taint dedicated=gpu:NoSchedule of NodePool "default"');
  });

  test.each([
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    [{ key: 'dedicated', operator: 'Exists' }],
    [{ operator: 'Exists' }],
  ])('toleration %j is enough', t => {
    const p = pod({ tolerations: [t] });
    expectScheduled(schedule([p], { nodePools: [tainted] }), p);
  });

  test('a wrong value or effect does not tolerate', () => {
    const p1 = pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] });
    const p2 = pod({ tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] });
    const results = schedule([p1, p2], { nodePools: [tainted] });
    expectNotScheduled(results, p1);
    expectNotScheduled(results, p2);
  });

  test('startup taints do not need tolerations', () => {
    const p = pod();
    expectScheduled(schedule([p], { nodePools: [nodePool({ startupTaints: [{ key: 'cilium', effect: 'NoSchedule' }] })] }), p);
  });

  test('PreferNoSchedule taints are tolerated as a last relaxation', () => {
    const p = pod();
    expectScheduled(schedule([p], { nodePools: [nodePool({ taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })] }), p);
  });
});

describe('node selectors and node affinity', () => {
  test('nodeSelector on a well-known label narrows the instance types', () => {
    const p = pod({ nodeSelector: { [ARCH]: 'arm64' } });
    expect(expectScheduled(schedule([p]), p).labels[IT]).toBe('arm');
  });

  test('beta labels are normalised', () => {
    const p = pod({ nodeSelector: { 'beta.kubernetes.io/arch': 'arm64', 'failure-domain.beta.kubernetes.io/zone': 'test-zone-2' } });
    const where = expectScheduled(schedule([p]), p);
    expect(where.labels[IT]).toBe('arm');
    expect(where.labels[ZONE]).toBe('test-zone-2');
  });

  test('a custom label must be defined by the NodePool', () => {
    const p = pod({ nodeSelector: { team: 'a' } });
    expectNotScheduled(schedule([p]), p, 'incompatible with NodePool "default": label "team" is required (team In [a]) but not defined');
    const results = schedule([p], { nodePools: [nodePool({ labels: { team: 'a' } })] });
    expect(expectScheduled(results, p).labels.team).toBe('a');
  });

  test('a NodePool requirement with several values lets the pod pick one', () => {
    const np = nodePool({ requirements: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] });
    const p = pod({ nodeRequirements: [{ key: 'team', operator: 'In', values: ['b', 'c'] }] });
    expect(expectScheduled(schedule([p], { nodePools: [np] }), p).labels.team).toBe('b');
  });

  test('conflicting requirements give the key and both sides', () => {
    const np = nodePool({ requirements: [{ key: ARCH, operator: 'In', values: ['amd64'] }] });
    const p = pod({ nodeSelector: { [ARCH]: 'arm64' } });
    expectNotScheduled(schedule([p], { nodePools: [np] }), p, 'kubernetes.io/arch In [arm64] conflicts with kubernetes.io/arch In [amd64]');
  });

  test('NotIn, Gt and Exists work on instance labels', () => {
    const p1 = pod({ nodeRequirements: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['16'] }] });
    const p2 = pod({ nodeRequirements: [{ key: IT, operator: 'NotIn', values: ['small', 'default', 'spot-only', 'single-pod'] }] });
    const p3 = pod({ nodeRequirements: [{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Exists' }] });
    const results = schedule([p1, p2, p3]);
    expect(expectScheduled(results, p1).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('xlarge');
    expect(['large', 'arm', 'gpu', 'xlarge']).toContain(expectScheduled(results, p2).nodeClaim!.cheapestLaunch()!.instanceType.name);
    expect(expectScheduled(results, p3).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('gpu');
  });

  test('an unsatisfiable zone says which offerings are missing', () => {
    const p = pod({ nodeSelector: { [ZONE]: 'test-zone-9' } });
    expectNotScheduled(schedule([p]), p, /topology.kubernetes.io\/zone In \[test-zone-9\]/);
  });

  test('required terms are ORed: the next term is tried when the first cannot be met', () => {
    const p = pod({ nodeRequirements: [[{ key: ZONE, operator: 'In', values: ['nowhere'] }], [{ key: ZONE, operator: 'In', values: ['test-zone-3'] }]] });
    expect(expectScheduled(schedule([p]), p).labels[ZONE]).toBe('test-zone-3');
  });

  test('a preferred node affinity is honoured when possible and relaxed when not', () => {
    const p1 = pod({ nodePreferences: [{ weight: 1, requirements: [{ key: ZONE, operator: 'In', values: ['test-zone-2'] }] }] });
    const p2 = pod({ nodePreferences: [{ weight: 1, requirements: [{ key: ZONE, operator: 'In', values: ['nowhere'] }] }] });
    const results = schedule([p1, p2]);
    expect(expectScheduled(results, p1).labels[ZONE]).toBe('test-zone-2');
    expectScheduled(results, p2);
  });

  test('the heaviest preference is tried first', () => {
    const p = pod({
      nodePreferences: [
        { weight: 1, requirements: [{ key: ZONE, operator: 'In', values: ['test-zone-1'] }] },
        { weight: 50, requirements: [{ key: ZONE, operator: 'In', values: ['test-zone-3'] }] },
      ],
    });
    expect(expectScheduled(schedule([p]), p).labels[ZONE]).toBe('test-zone-3');
  });

  test('preferencePolicy Ignore drops preferences up front', () => {
    const p = pod({ nodePreferences: [{ weight: 1, requirements: [{ key: ZONE, operator: 'In', values: ['test-zone-3'] }] }] });
    expect(expectScheduled(schedule([p], { preferencePolicy: 'Ignore' }), p).labels[ZONE]).toBeUndefined();
  });
});

describe('capacity type and prices', () => {
  test('spot is chosen when allowed because it is cheaper', () => {
    const p = pod();
    expect(expectScheduled(schedule([p]), p).nodeClaim!.cheapestLaunch()!.offering.capacityType).toBe('spot');
  });

  test('an on-demand NodePool only launches on-demand', () => {
    const p = pod();
    const np = nodePool({ requirements: [{ key: CT, operator: 'In', values: ['on-demand'] }] });
    const launch = expectScheduled(schedule([p], { nodePools: [np] }), p).nodeClaim!.cheapestLaunch()!;
    expect(launch.offering.capacityType).toBe('on-demand');
    expect(launch.instanceType.name).toBe('small');
  });

  test('options are ordered by price and include the instance-type requirement', () => {
    const p = pod({ requests: { cpu: '3' } });
    const nc = expectScheduled(schedule([p]), p).nodeClaim!;
    const names = nc.instanceTypeOptions.map(i => i.name);
    expect(names[0]).toBe('default');
    expect(names).not.toContain('small');
    expect(nc.toNodeClaim().spec.requirements.find(r => r.key === IT)!.values).toEqual([...names].sort());
  });

  test('unavailable offerings are not used', () => {
    const it = fakeInstanceType({ name: 'only', cpu: 4, memoryGi: 8, offerings: [{ zone: 'z1', capacityType: 'on-demand', price: 1, available: false }] });
    const p = pod();
    expectNotScheduled(schedule([p], { instanceTypes: [it] }), p, /no instance type that satisfies its requirements and has an available offering/);
  });
});

describe('cost-inefficient instance types (not upstream, avoidCostInefficientTypes)', () => {
  // 'small' and 'medium' cost 0.1 per vCPU; 'huge' costs 1.0 per vCPU: far above the cheapest mix for its resources
  const its = () => [
    fakeInstanceType({ name: 'small', cpu: 2, memoryGi: 4, price: 0.2 }),
    fakeInstanceType({ name: 'medium', cpu: 4, memoryGi: 8, price: 0.4 }),
    fakeInstanceType({ name: 'huge', cpu: 16, memoryGi: 32, price: 16 }),
  ];
  const np = () => nodePool({ requirements: [{ key: CT, operator: 'In', values: ['on-demand'] }] });

  test('by default a NodeClaim stops growing before only cost-inefficient types remain', () => {
    const ps = pods(6, { requests: { cpu: '1500m' } });
    const results = schedule(ps, { nodePools: [np()], instanceTypes: its() });
    expect(results.newNodeClaims.map(nc => nc.cheapestLaunch()!.instanceType.name)).toEqual(['medium', 'medium', 'medium']);
  });

  test('false packs exactly as upstream: pods keep joining the NodeClaim while any option fits', () => {
    const ps = pods(6, { requests: { cpu: '1500m' } });
    const results = schedule(ps, { nodePools: [np()], instanceTypes: its(), avoidCostInefficientTypes: false });
    expect(results.newNodeClaims).toHaveLength(1);
    expect(results.newNodeClaims[0].cheapestLaunch()!.instanceType.name).toBe('huge');
    expect(results.newNodeClaims[0].pods).toHaveLength(6);
  });

  test('a pod that only an inefficient type can hold still gets a NodeClaim of its own', () => {
    const p = pod({ requests: { cpu: '12' } });
    expect(expectScheduled(schedule([p], { nodePools: [np()], instanceTypes: its() }), p).nodeClaim!.cheapestLaunch()!.instanceType.name).toBe('huge');
  });
});

describe('NodePools: weight and limits', () => {
  test('the heaviest NodePool is tried first', () => {
    const p = pod();
    const results = schedule([p], { nodePools: [nodePool({ name: 'a', weight: 1 }), nodePool({ name: 'b', weight: 10 })] });
    expect(expectScheduled(results, p).nodeClaim!.nodePoolName).toBe('b');
  });

  test('when the heavy NodePool cannot take the pod, the next one does', () => {
    const p = pod({ nodeSelector: { [ARCH]: 'arm64' } });
    const results = schedule([p], {
      nodePools: [nodePool({ name: 'amd', weight: 10, requirements: [{ key: ARCH, operator: 'In', values: ['amd64'] }] }), nodePool({ name: 'any' })],
    });
    expect(expectScheduled(results, p).nodeClaim!.nodePoolName).toBe('any');
  });

  test('limits exclude instance types that would exceed them, with a reason', () => {
    const p = pod({ requests: { cpu: '10' } });
    const err = expectNotScheduled(schedule([p], { nodePools: [nodePool({ limits: { cpu: '8' } })] }), p);
    expect(err).toMatch(/no instance type of NodePool "default" has cpu=10, pods=1 free.* under the limits of NodePool "default" \(\d+ larger instance type\(s\) excluded, remaining cpu=8\)/);
  });

  test('limits are pessimistic: each NodeClaim counts as its largest option', () => {
    const ps = pods(3, { requests: { cpu: '1500m' } });
    const np = nodePool({ limits: { cpu: '8' }, requirements: [{ key: IT, operator: 'In', values: ['small', 'default'] }] });
    const results = schedule(ps, { nodePools: [np] });
    // the first NodeClaim may become a 4 vCPU node: 4 of 8 left, so a second one fits, a third does not
    expect(results.newNodeClaims).toHaveLength(2);
    expect(results.podErrors.size).toBe(0);
    const more = pods(6, { requests: { cpu: '1500m' } });
    const r2 = schedule(more, { nodePools: [np] });
    expect(r2.podErrors.size).toBeGreaterThan(0);
    expect([...r2.podErrors.values()][0]).toMatch(/reached its limits|under the limits/);
  });

  test('existing nodes count against limits', () => {
    const p = pod();
    const node = stateNode({ nodePoolName: 'default', allocatable: { cpu: '8', memory: '8Gi', pods: '1' }, pods: [pod()] });
    const err = expectNotScheduled(schedule([p], { nodePools: [nodePool({ limits: { cpu: '8' } })], stateNodes: [node] }), p);
    expect(err).toMatch(/NodePool "default" has reached its limits/);
  });

  test('no NodePool at all', () => {
    const p = pod();
    expectNotScheduled(schedule([p], { nodePools: [] }), p, 'no NodePool exists to launch a node for it');
  });
});

describe('existing and in-flight nodes', () => {
  test('pods go to existing nodes with room before new NodeClaims', () => {
    const p = pod({ requests: { cpu: '1' } });
    const results = schedule([p], { stateNodes: [stateNode({ name: 'n1' })] });
    expect(expectScheduled(results, p)).toMatchObject({ kind: 'existing', node: 'n1' });
    expect(results.newNodeClaims).toHaveLength(0);
  });

  test('bound pods use up the node', () => {
    const p = pod({ requests: { cpu: '2' } });
    const node = stateNode({ name: 'n1', pods: [pod({ requests: { cpu: '3' } })] });
    expect(expectScheduled(schedule([p], { stateNodes: [node] }), p).kind).toBe('new');
  });

  test('taints of existing nodes apply; startup taints of uninitialized nodes do not', () => {
    const p = pod();
    const tainted = stateNode({ name: 'tainted', taints: [{ key: 'x', effect: 'NoSchedule' }] });
    expect(expectScheduled(schedule([p], { stateNodes: [tainted] }), p).kind).toBe('new');
    const starting = stateNode({ name: 'starting', initialized: false, nodePoolName: 'default', taints: [{ key: 'cilium', effect: 'NoSchedule' }] });
    const results = schedule([p], { stateNodes: [starting], nodePools: [nodePool({ startupTaints: [{ key: 'cilium', effect: 'NoSchedule' }] })] });
    expect(expectScheduled(results, p).node).toBe('starting');
  });

  test('nodes marked for deletion are not used', () => {
    const p = pod();
    const results = schedule([p], { stateNodes: [stateNode({ name: 'going', markedForDeletion: true })] });
    expect(expectScheduled(results, p).kind).toBe('new');
  });

  test('in-flight nodes reserve room for DaemonSet pods not yet running', () => {
    const ds = pod({ name: 'ds', requests: { cpu: '3' }, ownerDaemonSet: 'agent' });
    const p = pod({ requests: { cpu: '2' } });
    const inflight = stateNode({ name: 'inflight', initialized: false });
    expect(expectScheduled(schedule([p], { stateNodes: [inflight], daemonSetPods: [ds] }), p).kind).toBe('new');
    const withDaemon = stateNode({ name: 'inflight', initialized: false, pods: [pod({ requests: { cpu: '1' }, ownerDaemonSet: 'agent' })] });
    expect(expectScheduled(schedule([p], { stateNodes: [withDaemon], daemonSetPods: [ds] }), p).node).toBe('inflight');
  });
});

describe('ordering and determinism', () => {
  test('larger pods are placed first and the plan is the same on every run', () => {
    const mk = () => [pod({ name: 'a', requests: { cpu: '100m' } }), pod({ name: 'b', requests: { cpu: '3' } }), pod({ name: 'c', requests: { cpu: '1' } })];
    const r1 = schedule(mk());
    const r2 = schedule(mk());
    const summary = (r: typeof r1) => r.newNodeClaims.map(n => [n.hostname, n.pods.map(p => p.pod.metadata.name)]);
    expect(summary(r1)).toEqual(summary(r2));
    expect(r1.newNodeClaims[0].pods.map(p => p.pod.metadata.name)).toEqual(['b', 'c', 'a']);
  });

  test('countBy helper sanity', () => {
    const ps = pods(2, { nodeSelector: { [ZONE]: 'test-zone-1' } });
    expect(countBy(schedule(ps), ps, ZONE)).toEqual({ 'test-zone-1': 2 });
  });
});
