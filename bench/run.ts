/**
 * The scheduling benchmark (`npm run bench`): prints tables, asserts nothing. Targets (issue 4, this 2-core machine):
 * ≥ 20,000 pods/s at 5,000 diverse pods; 20,000 diverse pods < 3 s; real catalog ≥ 10,000 pods/s;
 * plan cost ≤ 1.15 × LP lower bound per mix and ≥ 25 % below a single m5.xlarge node group on the mixed one; RSS ≤ 512 MiB.
 *
 * Each measurement: one untimed warm-up solve (JIT), then the median of `--runs` timed solves (default 3); the
 * first (cold) solve is reported too. Run bundled (`esbuild bench/run.ts --bundle --platform=node`) or with
 * `ts-node --transpile-only`: the solve timings are the same once warm, ts-node only adds start-up time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { consolidationCluster, scaleDownSavings, timeDecision } from './disruption';
import { assignmentLowerBound, firstFitDecreasingNodes, lpLowerBound } from './lower-bound';
import { diversePods, genericPods } from './workloads';
import { benchmarkInstanceTypes } from '../controller/src/cloudprovider/fake/instance-types';
import { InstanceType } from '../controller/src/cloudprovider/instance-type';
import { FakeClock } from '../controller/src/core/clock';
import { KubePod, NodePool } from '../controller/src/core/kube-types';
import { podRequests } from '../controller/src/core/pod-requests';
import { addResources } from '../controller/src/core/resources';
import { Scheduler, SchedulingResults } from '../controller/src/core/scheduling/scheduler';
import { catalogFromJson } from '../controller/src/sim/catalog-file';
import { syntheticCatalog } from '../controller/src/sim/synthetic-catalog';
import { renderTable } from '../controller/src/sim/table';

const { values: args } = parseArgs({ options: { runs: { type: 'string' }, quick: { type: 'boolean' }, only: { type: 'string' } } });
const only = new Set((args.only ?? '1,2,3,5').split(','));
const RUNS = Number(args.runs ?? 3);
// `../shared` relative to the repo root (the working directory of `npm run bench`), or to this file when run in place
const CATALOG = [process.cwd(), path.resolve(__dirname, '..')]
  .map(root => path.resolve(root, '..', 'shared', 'reference', 'karpenter', 'instance-types.json'))
  .find(f => fs.existsSync(f)) ?? '';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

function nodePool(name: string, requirements: NodePool['spec']['template']['spec']['requirements'] = []): NodePool {
  return { metadata: { name }, spec: { template: { spec: { requirements } } } };
}

function solve(np: NodePool, its: InstanceType[], pods: KubePod[], avoidCostInefficientTypes = true): SchedulingResults {
  return new Scheduler({ nodePools: [np], instanceTypes: its, clock: new FakeClock(), avoidCostInefficientTypes }).solve(pods);
}

interface Summary { nodes: number; unschedulable: number; price: number }

/** Only a summary of the cold result is kept, so the timed runs do not carry a previous plan in memory (part 4). */
function time(fn: () => SchedulingResults): { cold: number; median: number; result: Summary } {
  let t = performance.now();
  const first = fn();
  const cold = performance.now() - t;
  const result = {
    nodes: first.newNodeClaims.length,
    unschedulable: first.podErrors.size,
    price: first.newNodeClaims.reduce((s, n) => s + (n.cheapestLaunch()?.offering.price ?? 0), 0),
  };
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { cold, median: times[Math.floor(times.length / 2)], result };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20)} MiB`;

function partOne(): void {
  console.log('\n1. Diverse pods, 400 synthetic instance types (upstream benchmark shape)');
  const its = benchmarkInstanceTypes(400);
  const rows = [['pods', 'cold ms', 'warm ms (median)', 'pods/s (warm)', 'nodes', 'unschedulable']];
  for (const count of args.quick ? [100, 1000] : [100, 1000, 5000, 20000]) {
    const pods = diversePods(count);
    const { cold, median, result } = time(() => solve(nodePool('default'), its, pods));
    rows.push([fmt(count), fmt(cold), fmt(median), fmt(count / median * 1000), fmt(result.nodes), fmt(result.unschedulable)]);
    if (count === 20000) rows.push(['', '', '', '', '', `peak RSS so far: ${mib(process.resourceUsage().maxRSS * 1024)}`]);
  }
  console.log(renderTable(rows));
}

function loadCatalog(): { its: InstanceType[]; source: string } {
  if (CATALOG) {
    return { its: catalogFromJson(JSON.parse(fs.readFileSync(CATALOG, 'utf8')), { zones: ZONES, spotPriceRatio: 0.4 }).instanceTypes, source: 'reference catalog' };
  }
  return { its: syntheticCatalog({ zones: ZONES, spotPriceRatio: 0.4 }), source: 'synthetic catalog (reference file not found)' };
}

function partTwo(its: InstanceType[], source: string): void {
  console.log(`\n2. Generic pods on the ${source} (${fmt(its.length)} types)`);
  const pods = genericPods(5000);
  const { cold, median, result } = time(() => solve(nodePool('default'), its, pods));
  console.log(renderTable([
    ['pods', 'cold ms', 'warm ms (median)', 'pods/s (warm)', 'nodes', '$/hour'],
    ['5,000', fmt(cold), fmt(median), fmt(5000 / median * 1000), fmt(result.nodes), fmt(result.price, 2)],
  ]));
}

function mix(name: string, parts: Array<[number, string, string]>): { name: string; pods: KubePod[] } {
  const pods: KubePod[] = [];
  let i = 0;
  for (const [count, cpu, memory] of parts) {
    for (let k = 0; k < count; k++) pods.push({ metadata: { name: `p-${i++}`, namespace: 'default' }, spec: { containers: [{ resources: { requests: { cpu, memory } } }] } });
  }
  return { name, pods };
}

function partThree(its: InstanceType[]): void {
  console.log('\n3. Cost quality (on-demand NodePool; prices: cheapest on-demand offering)');
  const onDemand = nodePool('on-demand', [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }]);
  const odPrice = (it: InstanceType) => Math.min(...it.offerings.filter(o => o.capacityType === 'on-demand').map(o => o.price));
  const m5 = its.find(t => t.name === 'm5.xlarge') ?? its.find(t => t.name === 'm6i.xlarge');
  const mixes = [
    mix('small web pods', [[2000, '250m', '512Mi']]),
    mix('mixed CPU/memory-heavy', [[400, '2', '2Gi'], [400, '500m', '8Gi'], [400, '1', '4Gi']]),
    mix('a few large + many small', [[8, '16', '64Gi'], [1500, '100m', '128Mi']]),
  ];
  const group = m5?.name ?? 'm5.xlarge';
  const rows = [['mix', 'packing', 'pods', 'nodes', 'plan $/h', 'LP bound $/h', 'plan/LP', 'assign. LP $/h', 'plan/assign.', `${group} group $/h`, 'saving vs group']];
  for (const m of mixes) {
    const requests = m.pods.map(p => podRequests(p));
    const bound = lpLowerBound(its, addResources(...requests), odPrice);
    const tight = assignmentLowerBound(its, requests, odPrice);
    const ffd = m5 ? firstFitDecreasingNodes(requests, m5) : { nodes: NaN, unfit: 0 };
    const groupCost = ffd.nodes * (m5 ? odPrice(m5) : NaN);
    for (const avoid of [true, false]) {
      const result = solve(onDemand, its, m.pods, avoid);
      const plan = result.newNodeClaims.reduce((s, n) => s + (n.cheapestLaunch()?.offering.price ?? 0), 0);
      rows.push([avoid ? m.name : '', avoid ? 'default' : 'upstream', fmt(m.pods.length), fmt(result.newNodeClaims.length), fmt(plan, 3),
        fmt(bound, 3), fmt(plan / bound, 3), fmt(tight, 3), fmt(plan / tight, 3),
        ffd.unfit ? `${fmt(groupCost, 3)} + ${ffd.unfit} pods that fit no node` : fmt(groupCost, 3),
        ffd.unfit ? 'n/a' : `${fmt((1 - plan / groupCost) * 100, 1)} %`]);
    }
  }
  console.log(renderTable(rows));
  console.log('LP bound: the issue\'s fractional LP over CPU and memory (a pod may take CPU from one type and memory from another).\n' +
    'assign. LP: the LP relaxation of packing whole pods (each pod\'s CPU, memory and pod slot on one type; pods-per-node\n' +
    'respected; fractional node counts); still a lower bound on any plan. packing "default": cost-inefficient types avoided\n' +
    '(not upstream); "upstream": Karpenter\'s packing exactly (avoidCostInefficientTypes: false).');
}

function partFive(): void {
  console.log('\n5. Disruption (target: consolidation decision for 1,000 nodes / 10,000 pods <= 2 s)');
  const rows = [['cluster', 'nodes', 'pods', 'cold ms', 'warm ms (median)', 'decision', 'method', 'candidates', 'replacements', 'savings $/h']];
  const cases: Array<[string, number, number, string]> = [
    ['underutilized m6i.2xlarge', 100, 10, 'm6i.2xlarge'],
    ['underutilized m6i.2xlarge', 1000, 10, 'm6i.2xlarge'],
    ['packed m6g.2xlarge (nothing to do: every candidate simulated)', 1000, 15, 'm6g.2xlarge'],
  ];
  for (const [label, nodes, perNode, type] of args.quick ? cases.slice(0, 1) : cases) {
    const { cold, median, decision } = timeDecision(consolidationCluster(nodes, perNode, type), Math.min(RUNS, 3));
    const c = decision.command;
    rows.push([label, fmt(nodes), fmt(nodes * perNode), fmt(cold), fmt(median), c?.decision ?? 'none', c?.method ?? '-', fmt(c?.candidates.length ?? 0),
      fmt(c?.replacements.length ?? 0), fmt(c?.savingsPerHour ?? 0, 4)]);
  }
  console.log(renderTable(rows));
  const root = [process.cwd(), path.resolve(__dirname, '..')].find(r => fs.existsSync(path.join(r, 'controller', 'examples', 'scenarios'))) ?? process.cwd();
  const s = scaleDownSavings(root);
  console.log(renderTable([
    ['scenario', '$/h after scale-down', '$/h after consolidation', 'saved $/h', 'saved', 'fresh plan $/h', 'final / fresh', 'simulated in ms'],
    ['40 -> 20 mixed replicas', fmt(s.before, 4), fmt(s.after, 4), fmt(s.before - s.after, 4), `${fmt((1 - s.after / s.before) * 100, 1)} %`,
      fmt(s.fresh, 4), fmt(s.after / s.fresh, 3), fmt(s.simulatedMs)],
  ]));
}

console.log(`karpenter-cdk scheduling benchmark (node ${process.version}, ${RUNS} timed run(s) after a warm-up)`);
if (only.has('1')) partOne();
const { its, source } = loadCatalog();
if (only.has('2')) partTwo(its, source);
if (only.has('3')) partThree(its);
if (only.has('5')) partFive();
console.log(`\n4. Peak RSS of the whole benchmark process: ${mib(process.resourceUsage().maxRSS * 1024)}`);
