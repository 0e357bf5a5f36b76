import { PdbLimits } from '../../../controller/src/core/disruption/pdb';
import { PodDisruptionBudget } from '../../../controller/src/core/disruption/types';
import { KubePod, NodeClaim } from '../../../controller/src/core/kube-types';
import { classifyEviction, decideDrain, drainGroup, evictionRetryDelayMs, simulateEvictions } from '../../../controller/src/core/termination/drain';
import { decideTermination, TerminationInput } from '../../../controller/src/core/termination/terminator';
import { pod, PodOptions } from '../helpers/builders';

const NOW = new Date('2026-01-05T12:00:00Z');
const DISRUPTED = { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' };

function p(name: string, o: PodOptions & { critical?: boolean; grace?: number; deleting?: Date; phase?: string; static?: boolean } = {}): KubePod {
  const base = pod({ name, ...o });
  return {
    ...base,
    metadata: {
      ...base.metadata,
      ...(o.deleting ? { deletionTimestamp: o.deleting.toISOString() } : {}),
      ...(o.static ? { ownerReferences: [{ kind: 'Node', name: 'n' }] } : {}),
    },
    spec: { ...base.spec, priorityClassName: o.critical ? 'system-node-critical' : undefined, ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}) },
    status: { phase: o.phase ?? 'Running' },
  } as KubePod;
}

describe('drain order', () => {
  const app = p('app');
  const agent = p('agent', { ownerDaemonSet: 'agent' });
  const dns = p('dns', { critical: true });
  const cni = p('cni', { critical: true, ownerDaemonSet: 'cni' });

  test('four groups: non-critical, non-critical daemon, critical, critical daemon', () => {
    expect([app, agent, dns, cni].map(drainGroup)).toEqual([0, 1, 2, 3]);
    const all = [cni, dns, agent, app];
    const steps: string[][] = [];
    let pods = all;
    for (let i = 0; i < 5 && pods.length; i++) {
      const d = decideDrain({ pods, now: NOW });
      steps.push(d.evict.map(x => x.metadata.name as string));
      pods = pods.filter(x => !d.evict.includes(x));
    }
    expect(steps).toEqual([['app'], ['agent'], ['dns'], ['cni']]);
    expect(decideDrain({ pods: [], now: NOW }).drained).toBe(true);
  });

  test('a group still terminating holds the next group back', () => {
    const leaving = p('leaving', { deleting: new Date(NOW.getTime() - 10_000) });
    const d = decideDrain({ pods: [leaving, agent], now: NOW });
    expect(d).toMatchObject({ drained: false, group: 0, evict: [], waiting: 2, message: '2 pods are waiting to be evicted' });
  });

  test('not waited for: pods tolerating the disrupted taint, terminal, static and stuck terminating pods', () => {
    const tolerant = p('tolerant', { tolerations: [{ operator: 'Exists' }] });
    const done = p('done', { phase: 'Succeeded' });
    const mirror = p('mirror', { static: true });
    const stuck = p('stuck', { deleting: new Date(NOW.getTime() - 5 * 60_000) });
    expect(decideDrain({ pods: [tolerant, done, mirror, stuck], now: NOW })).toMatchObject({ drained: true, waiting: 0 });
  });

  test('terminationGracePeriod: pods are deleted early enough to get their own grace period, bypassing PDBs', () => {
    const deadline = new Date(NOW.getTime() + 60_000);
    const quick = p('quick', { grace: 30 });
    const slow = p('slow', { grace: 120 });
    const d = decideDrain({ pods: [quick, slow], now: NOW, nodeDeadline: deadline });
    expect(d.forceDelete).toEqual([{ pod: slow, gracePeriodSeconds: 60 }]);
    expect(d.evict).toEqual([quick]);
  });
});

describe('evictions and PDBs', () => {
  const pdb: PodDisruptionBudget = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, minAvailable: 2 }, status: { disruptionsAllowed: 1 } };
  const web = [1, 2, 3].map(i => p(`web-${i}`, { labels: { app: 'web' } }));

  test('the Eviction API grants what the PDB allows and answers 429 for the rest', () => {
    const r = simulateEvictions(web, new PdbLimits([pdb]));
    expect(r.map(x => x.status)).toEqual([200, 429, 429]);
    expect(r[1].reason).toMatch(/would violate the pod's disruption budget \(default\/web\)/);
  });

  test('429s are retried with exponential backoff up to 10 s', () => {
    expect(classifyEviction(201)).toBe('evicted');
    expect(classifyEviction(404)).toBe('gone');
    expect(classifyEviction(429)).toBe('blocked');
    expect(classifyEviction(500)).toBe('retry');
    expect([0, 1, 2, 3, 10, 20].map(evictionRetryDelayMs)).toEqual([100, 200, 400, 800, 10_000, 10_000]);
  });

  test('retried each round, a PDB lets the drain through one pod at a time', () => {
    let onNode = [...web];
    const granted: string[][] = [];
    for (let round = 0; round < 5 && onNode.length; round++) {
      // evicted pods were recreated elsewhere and are healthy again: 3 healthy, minAvailable 2
      const limits = new PdbLimits([{ ...pdb, status: { disruptionsAllowed: 1 } }]);
      const ok = simulateEvictions(onNode, limits).filter(x => x.status === 200).map(x => x.pod);
      granted.push(ok.map(x => x.metadata.name as string));
      onNode = onNode.filter(x => !ok.includes(x));
    }
    expect(granted).toEqual([['web-1'], ['web-2'], ['web-3']]);
  });
});

describe('termination decisions', () => {
  const nodeClaim = (tgp?: string): NodeClaim => ({ metadata: { name: 'n' }, spec: { requirements: [], terminationGracePeriod: tgp } });
  const input = (o: Partial<TerminationInput> = {}): TerminationInput => ({
    nodeClaim: nodeClaim(),
    deletionTime: NOW,
    now: NOW,
    nodeTaints: [DISRUPTED],
    pods: [],
    pendingVolumeAttachments: 0,
    instanceTerminating: false,
    instanceGone: false,
    ...o,
  });

  test('taint, drain, wait for volumes, terminate, remove the finalizer', () => {
    expect(decideTermination(input({ nodeTaints: [] })).step).toEqual({ action: 'taint', taint: DISRUPTED });
    const draining = decideTermination(input({ pods: [p('app')] }));
    expect(draining.step).toMatchObject({ action: 'drain' });
    expect(draining.conditions).toEqual([{ type: 'Drained', status: 'False', reason: 'Draining' }]);
    const volumes = decideTermination(input({ pendingVolumeAttachments: 2 }));
    expect(volumes.step.action).toBe('awaitVolumeDetachment');
    expect(volumes.conditions).toEqual([
      { type: 'Drained', status: 'True', reason: 'Drained' },
      { type: 'VolumesDetached', status: 'False', reason: 'AwaitingVolumeDetachment' },
    ]);
    const terminate = decideTermination(input());
    expect(terminate.step).toEqual({ action: 'terminateInstance' });
    expect(terminate.conditions.map(c => `${c.type}=${c.status}`)).toEqual(['Drained=True', 'VolumesDetached=True', 'InstanceTerminating=True']);
    expect(decideTermination(input({ instanceTerminating: true })).step.action).toBe('awaitInstanceTermination');
    expect(decideTermination(input({ instanceGone: true })).step).toEqual({ action: 'removeFinalizer' });
  });

  test('terminationGracePeriod elapsed: stop waiting for pods and volumes', () => {
    const late = new Date(NOW.getTime() + 3_600_001);
    const d = decideTermination(input({ nodeClaim: nodeClaim('1h'), now: late, pods: [p('blocked-by-pdb')], pendingVolumeAttachments: 1 }));
    expect(d.deadline).toEqual(new Date(NOW.getTime() + 3_600_000));
    expect(d.step).toEqual({ action: 'terminateInstance' });
    expect(d.conditions).toContainEqual({ type: 'Drained', status: 'False', reason: 'TerminationGracePeriodElapsed' });
    expect(d.conditions).toContainEqual({ type: 'VolumesDetached', status: 'False', reason: 'TerminationGracePeriodElapsed' });
  });

  test('the stamped termination timestamp wins over recomputing it', () => {
    const nc = { ...nodeClaim('1h'), metadata: { name: 'n', annotations: { 'karpenter.sh/nodeclaim-termination-timestamp': '2026-01-05T12:30:00Z' } } };
    expect(decideTermination(input({ nodeClaim: nc })).deadline).toEqual(new Date('2026-01-05T12:30:00Z'));
  });
});
