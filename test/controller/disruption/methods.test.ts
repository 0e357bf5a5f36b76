import { catalog, cpuPod, HOUR, manySpotTypes, node, NOW, pdb, pool, snapshot } from './fixtures';
import { buildCandidates } from '../../../controller/src/core/disruption/candidates';
import { computeDisruption } from '../../../controller/src/core/disruption/disruption';
import { pod } from '../helpers/builders';

const onDemand = (o: Parameters<typeof pool>[0] = {}) => pool({ ...o, requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] });

const [small, medium, large] = catalog();

describe('candidates', () => {
  test('only initialized, managed, un-nominated nodes not marked for deletion, with a known NodePool and type', () => {
    const nodes = [
      node({ name: 'ok', type: small }),
      node({ name: 'launching', type: small, initialized: false }),
      node({ name: 'deleting', type: small, markedForDeletion: true }),
      node({ name: 'nominated', type: small, nominated: true }),
      node({ name: 'orphan', type: small, pool: 'gone' }),
      { ...node({ name: 'unmanaged', type: small }), nodeClaim: undefined },
    ];
    const r = buildCandidates(snapshot(nodes), NOW, 'graceful');
    expect(r.candidates.map(c => c.name)).toEqual(['ok']);
    expect(Object.fromEntries(r.rejected.map(x => [x.node, x.reason]))).toEqual({
      launching: 'node is not initialized',
      deleting: 'node is marked for deletion',
      nominated: 'node is nominated for a pending pod',
      orphan: 'nodepool "gone" not found',
      unmanaged: 'node is not managed by Karpenter',
    });
  });

  test('do-not-disrupt on the node or a pod; a duration blocks until the pod has run that long', () => {
    const started = (ago: number) => ({ ...pod({ name: `p-${ago}` }), status: { startTime: new Date(NOW.getTime() - ago).toISOString() } });
    const withAnn = (p: ReturnType<typeof pod>, v: string) => ({ ...p, metadata: { ...p.metadata, annotations: { 'karpenter.sh/do-not-disrupt': v } } });
    const nodes = [
      node({ name: 'node-annotated', type: small, nodeAnnotations: { 'karpenter.sh/do-not-disrupt': 'true' } }),
      node({ name: 'pod-true', type: small, pods: [withAnn(pod(), 'true')] }),
      node({ name: 'pod-young', type: small, pods: [withAnn(started(30 * 60_000), '1h')] }),
      node({ name: 'pod-old', type: small, pods: [withAnn(started(2 * HOUR), '1h')] }),
    ];
    // the runtime status of pods is kept by node(): restore startTime
    nodes[2].state.pods[0].status = { phase: 'Running', startTime: new Date(NOW.getTime() - 30 * 60_000).toISOString() } as never;
    nodes[3].state.pods[0].status = { phase: 'Running', startTime: new Date(NOW.getTime() - 2 * HOUR).toISOString() } as never;
    const r = buildCandidates(snapshot(nodes), NOW, 'graceful');
    expect(r.candidates.map(c => c.name)).toEqual(['pod-old']);
    expect(r.rejected.find(x => x.node === 'pod-young')?.reason).toMatch(/has "karpenter.sh\/do-not-disrupt: 1h" and has not run that long yet/);
  });

  test('PDBs: one allowing no disruption, or two covering a pod, block graceful disruption', () => {
    const nodes = [
      node({ name: 'blocked', type: small, pods: [pod({ labels: { app: 'a' } })] }),
      node({ name: 'double', type: small, pods: [pod({ labels: { app: 'b', tier: 'x' } })] }),
      node({ name: 'fine', type: small, pods: [pod({ labels: { app: 'c' } })] }),
    ];
    const pdbs = [pdb('a', 'a', 0), pdb('b', 'b', 1), { ...pdb('b2', 'b', 1), spec: { selector: { matchLabels: { tier: 'x' } } } }, pdb('c', 'c', 1)];
    const r = buildCandidates(snapshot(nodes, { pdbs }), NOW, 'graceful');
    expect(r.candidates.map(c => c.name)).toEqual(['fine']);
    expect(r.rejected.find(x => x.node === 'blocked')?.reason).toBe('pdb default/a prevents pod evictions');
    expect(r.rejected.find(x => x.node === 'double')?.reason).toMatch(/more than one PodDisruptionBudget/);
  });

  test('eventual disruption (drift) passes pod blocks when the NodeClaim has a terminationGracePeriod', () => {
    const blocked = (name: string, tgp?: string) => node({ name, type: small, terminationGracePeriod: tgp, pods: [pod({ labels: { app: 'a' } })] });
    const s = snapshot([blocked('with-tgp', '1h'), blocked('without')], { pdbs: [pdb('a', 'a', 0)] });
    expect(buildCandidates(s, NOW, 'eventual').candidates.map(c => c.name)).toEqual(['with-tgp']);
    expect(buildCandidates(s, NOW, 'graceful').candidates).toEqual([]);
  });

  test('disruption cost: pods, deletion cost, priority and remaining lifetime', () => {
    const cheap = { ...pod(), metadata: { ...pod().metadata, annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(-(2 ** 27)) } } };
    const important = { ...pod(), spec: { ...pod().spec, priority: 2 ** 25 } };
    const nodes = [
      node({ name: 'two-pods', type: small, pods: [pod(), pod()] }),
      node({ name: 'cheap-pod', type: small, pods: [cheap] }),
      node({ name: 'important-pod', type: small, pods: [important] }),
      node({ name: 'expiring', type: small, pods: [pod(), pod()], expireAfter: '48h', created: new Date(NOW.getTime() - 36 * HOUR) }),
      node({ name: 'daemons-only', type: small, pods: [pod({ ownerDaemonSet: 'agent' })] }),
    ];
    const cost = Object.fromEntries(buildCandidates(snapshot(nodes), NOW, 'graceful').candidates.map(c => [c.name, c.disruptionCost]));
    expect(cost).toEqual({ 'two-pods': 2, 'cheap-pod': 0, 'important-pod': 2, 'expiring': 0.5, 'daemons-only': 0 });
  });
});

describe('emptiness', () => {
  test('deletes every consolidatable empty node within the Empty budget, cheapest first', () => {
    const nodes = [
      node({ name: 'e1', type: small, pods: [pod({ ownerDaemonSet: 'agent' })] }),
      node({ name: 'e2', type: medium }),
      node({ name: 'e3', type: small }),
      node({ name: 'busy', type: medium, pods: [cpuPod('1')] }),
    ];
    const d = computeDisruption(snapshot(nodes, { nodePools: [pool({ budgets: [{ nodes: '2', reasons: ['Empty'] }, { nodes: '100%' }] })] }), NOW);
    expect(d.command).toMatchObject({ method: 'emptiness', reason: 'Empty', decision: 'delete', replacements: [] });
    expect(d.command!.candidates.map(c => c.name)).toEqual(['e1', 'e2']);
    expect(d.command!.savingsPerHour).toBeCloseTo(small.offerings[0].price + medium.offerings[0].price);
  });

  test('WhenEmpty still removes empty nodes; consolidateAfter Never or no Consolidatable condition does not', () => {
    const empty = [node({ name: 'e', type: small })];
    expect(computeDisruption(snapshot(empty, { nodePools: [pool({ policy: 'WhenEmpty' })] }), NOW).command?.method).toBe('emptiness');
    expect(computeDisruption(snapshot(empty, { nodePools: [pool({ consolidateAfter: 'Never' })] }), NOW).command).toBeUndefined();
    expect(computeDisruption(snapshot([node({ name: 'e', type: small, consolidatable: false })]), NOW).command).toBeUndefined();
  });
});

describe('drift', () => {
  test('empty drifted nodes go together within the budget', () => {
    const nodes = [1, 2, 3].map(i => node({ name: `d${i}`, type: small, drifted: new Date(NOW.getTime() - i * 60_000), consolidatable: false }));
    const d = computeDisruption(snapshot(nodes, { nodePools: [pool({ budgets: [{ nodes: '2' }] })] }), NOW);
    expect(d.command).toMatchObject({ method: 'drift', reason: 'Drifted', decision: 'delete' });
    expect(d.command!.candidates.map(c => c.name)).toEqual(['d3', 'd2']); // oldest drift first
  });

  test('a drifted node with pods is replaced, one per command, even at a higher price', () => {
    const nodes = [node({ name: 'drifted', type: small, drifted: NOW, consolidatable: false, pods: [cpuPod('1500m')] })];
    const d = computeDisruption(snapshot(nodes, { nodePools: [pool({ policy: 'WhenEmpty' })] }), NOW);
    expect(d.command).toMatchObject({ method: 'drift', decision: 'replace' });
    expect(d.command!.replacements).toHaveLength(1);
    expect(d.command!.replacements[0].instanceTypes[0]).toBe('small');
    expect(d.command!.replacements[0].pods).toEqual([`default/${nodes[0].state.pods[0].metadata.name}`]);
  });

  test('a drifted node whose pods fit elsewhere is just deleted; a budget of 0 for Drifted blocks it', () => {
    const nodes = [
      node({ name: 'drifted', type: small, drifted: NOW, consolidatable: false, pods: [cpuPod('1')] }),
      node({ name: 'roomy', type: large, consolidatable: false, pods: [cpuPod('1')] }),
    ];
    expect(computeDisruption(snapshot(nodes), NOW).command).toMatchObject({ method: 'drift', decision: 'delete', replacements: [] });
    const blocked = computeDisruption(snapshot(nodes, { nodePools: [pool({ budgets: [{ nodes: '0', reasons: ['Drifted'] }, { nodes: '100%' }] })] }), NOW);
    expect(blocked.command).toBeUndefined();
  });
});

describe('multi-node consolidation', () => {
  test('deletes as many nodes as fit elsewhere; never replaces N nodes by one of their own type at the same price', () => {
    const nodes = ['a', 'b', 'c'].map(n => node({ name: n, type: medium, pods: [cpuPod('1', { name: `${n}-pod` })] }));
    const d = computeDisruption(snapshot(nodes, { nodePools: [onDemand()] }), NOW);
    expect(d.command).toMatchObject({ method: 'multi-node-consolidation', reason: 'Underutilized', decision: 'delete' });
    expect(d.command!.candidates.map(c => c.name)).toEqual(['a', 'b']);
  });

  test('replaces several nodes by one cheaper NodeClaim', () => {
    const nodes = ['a', 'b'].map(n => node({ name: n, type: large, pods: [cpuPod('1500m')] }));
    const d = computeDisruption(snapshot(nodes), NOW);
    expect(d.command).toMatchObject({ method: 'multi-node-consolidation', decision: 'replace' });
    expect(d.command!.candidates).toHaveLength(2);
    const r = d.command!.replacements[0];
    expect(r.instanceTypes).toEqual(['medium', 'large']); // small cannot hold 3 vCPU; large spot is cheaper than two large
    // on-demand candidates, NodePool allowing both: the cheaper types were chosen assuming spot, so only spot launches
    expect(r.capacityType).toBe('spot');
    expect(r.nodeClaim.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] });
    expect(d.command!.savingsPerHour).toBeCloseTo(2 * large.offerings[0].price - r.price);
  });
});

describe('single-node consolidation', () => {
  test('replaces an oversized node with a cheaper type, only types cheaper than the node', () => {
    const nodes = [node({ name: 'big', type: large, pods: [cpuPod('1')] })];
    const d = computeDisruption(snapshot(nodes, { nodePools: [onDemand()] }), NOW);
    expect(d.command).toMatchObject({ method: 'single-node-consolidation', decision: 'replace' });
    expect(d.command!.replacements[0].instanceTypes).toEqual(['small', 'medium']);
    expect(d.command!.replacements[0].capacityType).toBe('on-demand');
  });

  test('nothing cheaper, nowhere to go, or WhenEmpty: no command, with a reason', () => {
    const nodes = [node({ name: 'snug', type: small, pods: [cpuPod('1500m')] })];
    const d = computeDisruption(snapshot(nodes, { nodePools: [onDemand()] }), NOW);
    expect(d.command).toBeUndefined();
    expect(d.notes.join('\n')).toMatch(/snug: can't replace with a cheaper node/);
    const whenEmpty = computeDisruption(snapshot([node({ name: 'big', type: large, pods: [cpuPod('1')] })], { nodePools: [pool({ policy: 'WhenEmpty' })] }), NOW);
    expect(whenEmpty.command).toBeUndefined();
    const limited = computeDisruption(snapshot([node({ name: 'big', type: large, pods: [cpuPod('1')] })], { nodePools: [pool({ limits: { cpu: '16' } })] }), NOW);
    expect(limited.command).toBeUndefined();
    expect(limited.notes.join('\n')).toMatch(/not all pods would schedule/);
  });

  test('spot to spot: off by default; needs 15 cheaper types; launches from the 15 cheapest', () => {
    const big = manySpotTypes(20);
    const spotPool = pool({ requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] });
    const at = (type: number) => [node({ name: 'spot', type: big[type - 1], capacityType: 'spot', pods: [cpuPod('500m')] })];
    const off = computeDisruption(snapshot(at(20), { nodePools: [spotPool], instanceTypes: big }), NOW);
    expect(off.command).toBeUndefined();
    expect(off.notes.join('\n')).toMatch(/SpotToSpotConsolidation is disabled/);
    const few = computeDisruption(snapshot(at(10), { nodePools: [spotPool], instanceTypes: big }), NOW, { spotToSpotConsolidation: true });
    expect(few.command).toBeUndefined();
    expect(few.notes.join('\n')).toMatch(/requires 15 cheaper instance type options than the current candidate to consolidate, got 9/);
    const many = computeDisruption(snapshot(at(20), { nodePools: [spotPool], instanceTypes: big }), NOW, { spotToSpotConsolidation: true });
    expect(many.command).toMatchObject({ method: 'single-node-consolidation', decision: 'replace' });
    expect(many.command!.replacements[0].instanceTypes).toEqual(big.slice(0, 15).map(t => t.name));
  });

  test('the cheapest candidate to disrupt goes first', () => {
    const important = cpuPod('1', { name: 'important' });
    important.spec.priority = 1_000_000_000;
    const nodes = [
      node({ name: 'a-important', type: large, pods: [important] }),
      node({ name: 'b-plain', type: large, pods: [cpuPod('1')] }),
    ];
    // multi-node takes both; force single-node by allowing one Underutilized disruption
    const d = computeDisruption(snapshot(nodes, { nodePools: [pool({ budgets: [{ nodes: '1' }] })] }), NOW);
    expect(d.command!.method).toBe('single-node-consolidation');
    expect(d.command!.candidates.map(c => c.name)).toEqual(['b-plain']);
  });
});

describe('method order', () => {
  test('emptiness, then drift, then consolidation', () => {
    const nodes = [
      node({ name: 'drifted', type: small, drifted: NOW, pods: [cpuPod('1')] }),
      node({ name: 'empty', type: small }),
      node({ name: 'big', type: large, pods: [cpuPod('1')] }),
    ];
    expect(computeDisruption(snapshot(nodes), NOW).command!.method).toBe('emptiness');
    expect(computeDisruption(snapshot(nodes.filter(n => n.state.name !== 'empty')), NOW).command!.method).toBe('drift');
    const evals = computeDisruption(snapshot([nodes[2]]), NOW).evaluations.map(e => `${e.method}:${e.eligible}`);
    expect(evals).toEqual(['emptiness:0', 'drift:0', 'multi-node-consolidation:1', 'single-node-consolidation:1']);
  });
});
