import * as path from 'path';
import { eventsOf, runScenarioFile, SCENARIOS } from './scenario-helpers';
import { runCli } from '../../../controller/src/sim/cli';
import { parseScenario } from '../../../controller/src/sim/scenario';

describe('inflate 0 -> 5 -> 0 (the guide\'s test)', () => {
  const r = runScenarioFile('inflate.yaml');

  test('capacity is launched for the five pods, then every node is removed after consolidateAfter', () => {
    const launched = r.steps[3];
    expect(launched.description).toMatch(/capacity launched/);
    expect(launched.nodes).toBeGreaterThan(0);
    expect(launched.pendingPods).toBe(0);
    expect(launched.pricePerHour).toBeGreaterThan(0);
    const last = r.steps[r.steps.length - 1];
    expect(last.nodes).toBe(0);
    expect(last.pricePerHour).toBe(0);
    const disrupting = eventsOf(r, 'disrupting');
    expect(disrupting.length).toBeGreaterThan(0);
    expect(disrupting.every(e => e.method === 'emptiness' && e.decision === 'delete')).toBe(true);
    // not before consolidateAfter (1m) after the scale-down at +6m, plus the 15 s validation
    expect(Math.min(...disrupting.map(e => e.t))).toBeGreaterThanOrEqual(6 * 60_000 + 60_000 + 15_000);
  });
});

describe('scale 40 -> 20 mixed replicas', () => {
  const r = runScenarioFile('scale-down-40-20.yaml');

  test('after consolidation the cluster costs within 10 % of a fresh plan for the 20 pods', () => {
    const before = r.steps.find(s => s.description.includes('40 replicas running'))!.pricePerHour;
    const fresh = r.cluster.freshPlanPricePerHour();
    expect(r.cluster.allPods().filter(p => !p.metadata.ownerReferences?.some(o => o.kind === 'DaemonSet'))).toHaveLength(20);
    expect(r.finalPricePerHour).toBeLessThan(before);
    expect(r.finalPricePerHour).toBeLessThanOrEqual(fresh * 1.1);
    expect(r.cluster.pending).toHaveLength(0);
    expect(eventsOf(r, 'disrupting').some(e => e.reason === 'Underutilized')).toBe(true);
  });
});

describe('AMI change on the EC2NodeClass', () => {
  const r = runScenarioFile('ami-drift.yaml');

  test('every node is replaced, never more at once than the budget (20 % of 10 = 2)', () => {
    expect(eventsOf(r, 'drifted')).toHaveLength(10);
    const final = r.cluster.nodes;
    expect(final).toHaveLength(10);
    for (const n of final) expect(n.nodeClaim.status?.imageID).toBe('ami-0bbbbbbbbbbbbbbb2');
    expect(r.maxDisrupting.default).toBe(2);
    const drift = eventsOf(r, 'disrupting');
    expect(drift.every(e => e.method === 'drift' && e.reason === 'Drifted')).toBe(true);
    expect(new Set(drift.flatMap(e => e.nodes ?? [])).size).toBe(10);
    expect(r.cluster.pending).toHaveLength(0);
  });
});

describe('a business-hours budget of 0', () => {
  const r = runScenarioFile('business-hours-budget.yaml');

  test('nothing is disrupted inside the window; consolidation resumes after it', () => {
    const inside = r.steps.find(s => s.description.includes('inside the window'))!;
    expect(inside.events.filter(e => e.type === 'disrupting')).toEqual([]);
    const scaledDown = r.steps.find(s => s.description.includes('scale deployment'))!;
    expect(inside.nodes).toBe(scaledDown.nodes);
    const after = r.steps.find(s => s.description.includes('after the window'))!;
    const disruptions = after.events.filter(e => e.type === 'disrupting');
    expect(disruptions.length).toBeGreaterThan(0);
    // 17:00 UTC is +9h from the 08:00 start
    expect(Math.min(...disruptions.map(e => e.t))).toBeGreaterThanOrEqual(9 * 3_600_000);
    expect(after.pricePerHour).toBeLessThan(inside.pricePerHour);
  });
});

describe('a PDB with minAvailable and a do-not-disrupt pod', () => {
  const r = runScenarioFile('pdb-and-do-not-disrupt.yaml');

  test('never violated: evictions one at a time within the PDB, the do-not-disrupt pod never evicted', () => {
    expect(r.pdbViolations).toBe(0);
    expect(r.evictedPods).not.toContain('default/training-job');
    expect(r.evictedPods.some(p => p.startsWith('default/api-'))).toBe(true);
    expect(eventsOf(r, 'evictionBlocked').length).toBeGreaterThan(0);
    const job = r.cluster.nodes.find(n => n.pods.some(p => p.metadata.name === 'training-job'))!;
    expect(job.nodeClaim.status?.imageID).toBe('ami-0aaaaaaaaaaaaaaa1'); // still drifted, left alone
    for (const n of r.cluster.nodes.filter(x => x !== job)) expect(n.nodeClaim.status?.imageID).toBe('ami-0bbbbbbbbbbbbbbb2');
  });
});

describe('karpenter-sim --scenario', () => {
  function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const written = new Map<string, string>();
    const code = runCli(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, writeFile: (f, t) => written.set(f, t) });
    return { code, stdout, stderr, written };
  }
  const file = path.join(SCENARIOS, 'inflate.yaml');

  test('prints what the controller did and $/hour after each step, and plots', () => {
    const r = run('--scenario', file, '--plot', 'out.svg');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Scenario: inflate 0 -> 5 -> 0/);
    expect(r.stdout).toMatch(/launched nodeclaim default-\w+ \(.*on-demand.*\) for 5 pod\(s\)/);
    expect(r.stdout).toMatch(/disrupting node\(s\) reason=empty decision=delete/);
    expect(r.stdout).toMatch(/=> 0 node\(s\) \(0 on-demand, 0 spot\), 0 pending pod\(s\), \$0\.0000\/hour/);
    const svg = r.written.get('out.svg')!;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('on-demand nodes');
    expect(svg).toContain('$/hour');
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  test('json output', () => {
    const r = run('--scenario', file, '--output', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).sort()).toEqual(['evictedPods', 'finalPricePerHour', 'maxDisrupting', 'name', 'pdbViolations', 'samples', 'start', 'steps']);
    expect(j.steps[0]).toMatchObject({ index: 0, nodes: 0 });
  });

  test.each([
    [['--scenario', 'missing.yaml'], /cannot read missing.yaml: no such file/],
    [['--plot', 'x.svg', '--manifests', 'a.yaml'], /--plot needs --scenario/],
    [['--scenario', 'x', '--manifests', 'a.yaml'], /cannot be combined/],
  ])('usage errors %j', (argv, message) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test.each([
    ['steps: nope', /steps: expected a list of steps/],
    ['steps: [{ advance: soon }]', /steps\[0\]\.advance: not a duration: "soon"/],
    ['steps: [{ scale: { deployment: x, replicas: -1 } }]', /steps\[0\]\.scale\.replicas: must be a non-negative integer/],
    ['steps: [{ advance: 1m, scale: {} }]', /expected exactly one of apply, scale, nodeClass, advance; got scale, advance/],
    ['settings: { tickSeconds: 0 }\nsteps: []', /settings\.tickSeconds: must be a number from 1 to 3600/],
  ])('bad scenario %j', (text, message) => {
    expect(() => parseScenario(text, 's.yaml')).toThrow(message);
  });

  test('an invalid manifest in a step names the document and field; exit code 2', () => {
    const r = runCli(['--scenario', 's.yaml'], {
      stdout: () => undefined,
      stderr: t => expect(t).toMatch(/s\.yaml steps\[0\]#1 NodePool\/x: spec\.template\.spec\.requirements\[0\]\.operator: unknown operator "Near"/),
      readFile: () => 'steps:\n  - apply: |\n      kind: NodePool\n      metadata: { name: x }\n      spec: { template: { spec: { requirements: [{ key: a, operator: Near }] } } }\n',
    });
    expect(r).toBe(2);
  });
});
