import { catalog, cpuPod, node, NOW, pool, snapshot } from './fixtures';
import { computeDisruption } from '../../../controller/src/core/disruption/disruption';
import { isFinished, REPLACEMENT_TIMEOUT_MS, startExecution, step } from '../../../controller/src/core/disruption/orchestration';
import { Command } from '../../../controller/src/core/disruption/types';
import { revalidate, VALIDATION_PERIOD_MS } from '../../../controller/src/core/disruption/validation';
import { pod } from '../helpers/builders';

const [small, medium, large] = catalog();
const later = new Date(NOW.getTime() + VALIDATION_PERIOD_MS);
const onDemand = () => pool({ requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] });

function decide(s: ReturnType<typeof snapshot>): Command {
  const c = computeDisruption(s, NOW).command;
  if (!c) throw new Error('expected a command');
  return c;
}

describe('revalidate after the validation period', () => {
  test('nothing changed: valid', () => {
    const s = snapshot([node({ name: 'empty', type: small })]);
    expect(revalidate(decide(s), s, later)).toMatchObject({ valid: true });
  });

  test('a pod landed on an empty candidate', () => {
    const cmd = decide(snapshot([node({ name: 'empty', type: small })]));
    const fresh = snapshot([node({ name: 'empty', type: small, pods: [cpuPod('1')], consolidatable: true })]);
    expect(revalidate(cmd, fresh, later)).toEqual({ valid: false, reason: 'candidate empty is no longer empty' });
  });

  test.each([
    ['nominated for a pending pod', { nominated: true }, 'candidate empty is no longer a candidate'],
    ['marked for deletion by another command', { markedForDeletion: true }, 'candidate empty is no longer a candidate'],
    ['annotated do-not-disrupt', { nodeAnnotations: { 'karpenter.sh/do-not-disrupt': 'true' } }, 'candidate empty is no longer a candidate'],
    ['no longer consolidatable', { consolidatable: false }, 'candidate empty is no longer a candidate for emptiness'],
  ])('the candidate was %s', (_, change, reason) => {
    const cmd = decide(snapshot([node({ name: 'empty', type: small })]));
    const r = revalidate(cmd, snapshot([node({ name: 'empty', type: small, ...change })]), later);
    expect(r).toEqual({ valid: false, reason });
  });

  test('the budget was used up meanwhile (a node went NotReady)', () => {
    const np = pool({ budgets: [{ nodes: '1' }] });
    const base = [node({ name: 'empty', type: small }), node({ name: 'busy', type: medium, pods: [cpuPod('3')] })];
    const cmd = decide(snapshot(base, { nodePools: [np] }));
    const fresh = snapshot([base[0], node({ name: 'busy', type: medium, pods: [cpuPod('3')], ready: false })], { nodePools: [np] });
    expect(revalidate(cmd, fresh, later)).toEqual({ valid: false, reason: 'a candidate can no longer be disrupted without violating the budget of NodePool "default"' });
  });

  test('a delete that now needs a replacement (the spare capacity was taken)', () => {
    const s = snapshot([
      node({ name: 'a', type: small, pods: [cpuPod('1', { name: 'a-pod' })] }),
      node({ name: 'roomy', type: large, pods: [cpuPod('1')], consolidatable: false }),
    ], { nodePools: [onDemand()] });
    const cmd = decide(s);
    expect(cmd).toMatchObject({ decision: 'delete', method: 'single-node-consolidation' });
    const fresh = snapshot([
      node({ name: 'a', type: small, pods: [cpuPod('1', { name: 'a-pod' })] }),
      node({ name: 'roomy', type: large, pods: [cpuPod('15500m')], consolidatable: false }),
    ], { nodePools: [onDemand()] });
    expect(revalidate(cmd, fresh, later)).toMatchObject({ valid: false, reason: expect.stringMatching(/no longer finds a consolidation|produced new results/) });
  });

  test('a replacement whose instance types changed', () => {
    const s = snapshot([node({ name: 'big', type: large, pods: [cpuPod('1')] })], { nodePools: [onDemand()] });
    const cmd = decide(s);
    expect(cmd.replacements[0].instanceTypes).toEqual(['small', 'medium']);
    // the pod grew: only medium would do now
    const fresh = snapshot([node({ name: 'big', type: large, pods: [cpuPod('3')] })], { nodePools: [onDemand()] });
    expect(revalidate(cmd, fresh, later)).toMatchObject({ valid: false, reason: expect.stringMatching(/instance types changed/) });
  });

  test('pending pods take the capacity a delete relied on', () => {
    const nodes = [
      node({ name: 'a', type: small, pods: [cpuPod('1')] }),
      node({ name: 'roomy', type: large, pods: [cpuPod('1')], consolidatable: false }),
    ];
    const limited = pool({ limits: { cpu: '18' }, requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] });
    const cmd = decide(snapshot(nodes, { nodePools: [limited] }));
    expect(cmd.decision).toBe('delete');
    const pending = [pod({ requests: { cpu: '14500m' } })];
    const r = revalidate(cmd, snapshot(nodes, { nodePools: [limited], pending }), later);
    expect(r).toEqual({ valid: false, reason: 'scheduling simulation no longer finds a consolidation' });
  });
});

describe('executing a command', () => {
  const replaceCmd = () => decide(snapshot([node({ name: 'big', type: large, pods: [cpuPod('1')] })], { nodePools: [onDemand()] }));

  test('taint, launch, wait until initialized, then delete', () => {
    let r = startExecution(replaceCmd(), NOW);
    expect(r.actions).toEqual([{ type: 'taint', nodes: ['big'], taint: { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' } }]);
    r = step(r.state, { type: 'tainted' }, NOW);
    expect(r.actions[0]).toMatchObject({ type: 'createNodeClaims' });
    expect((r.actions[0] as unknown as { nodeClaims: unknown[] }).nodeClaims).toHaveLength(1);
    r = step(r.state, { type: 'launched', names: ['default-abcde'] }, NOW);
    expect(r.state.phase).toBe('WaitingForReplacements');
    r = step(r.state, { type: 'replacements', status: { 'default-abcde': 'pending' } }, new Date(NOW.getTime() + 30_000));
    expect(r.actions).toEqual([]);
    r = step(r.state, { type: 'replacements', status: { 'default-abcde': 'initialized' } }, new Date(NOW.getTime() + 60_000));
    expect(r.actions).toEqual([{ type: 'deleteNodeClaims', nodeClaims: ['big'], reason: 'Underutilized' }]);
    r = step(r.state, { type: 'deleted' }, NOW);
    expect(r.state.phase).toBe('Succeeded');
    expect(isFinished(r.state)).toBe(true);
  });

  test('a delete-only command deletes right after tainting', () => {
    const cmd = decide(snapshot([node({ name: 'empty', type: small })]));
    const r = step(startExecution(cmd, NOW).state, { type: 'tainted' }, NOW);
    expect(r.actions).toEqual([{ type: 'deleteNodeClaims', nodeClaims: ['empty'], reason: 'Empty' }]);
  });

  test.each([
    ['the launch fails', [{ type: 'launchFailed', error: 'InsufficientInstanceCapacity' }], /launching replacement nodeclaim, InsufficientInstanceCapacity/],
    ['the replacement disappears', [{ type: 'launched', names: ['r'] }, { type: 'replacements', status: {} }], /failed to launch or was deleted/],
    ['the replacement never initializes', [{ type: 'launched', names: ['r'] }, { type: 'replacements', status: { r: 'pending' }, at: REPLACEMENT_TIMEOUT_MS + 1 }], /not initialized after 10 minutes/],
  ])('%s: untaint the candidates and give up', (_, events, failure) => {
    let r = step(startExecution(replaceCmd(), NOW).state, { type: 'tainted' }, NOW);
    for (const e of events as Array<{ type: string; at?: number }>) r = step(r.state, e as never, new Date(NOW.getTime() + (e.at ?? 0)));
    expect(r.state.phase).toBe('Failed');
    expect(r.state.failure).toMatch(failure);
    expect(r.actions[0]).toEqual({ type: 'untaint', nodes: ['big'], taint: { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' } });
    expect(r.actions.some(a => a.type === 'deleteNodeClaims')).toBe(false);
  });
});
