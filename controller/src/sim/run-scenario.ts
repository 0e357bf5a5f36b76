/** Runs a scenario through the simulated cluster and reports, after each step, what the controller did and $/hour. */
import { SimCluster, SimEvent, Sample } from './cluster';
import { Scenario, ScenarioStep } from './scenario';
import { InstanceType } from '../cloudprovider/instance-type';
import { formatDuration } from '../core/disruption/duration';

export interface StepReport {
  readonly index: number;
  readonly description: string;
  /** Milliseconds since the start, at the end of the step. */
  readonly t: number;
  readonly events: SimEvent[];
  readonly nodes: number;
  readonly spot: number;
  readonly onDemand: number;
  readonly pendingPods: number;
  readonly pricePerHour: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly start: string;
  readonly steps: StepReport[];
  readonly samples: Sample[];
  readonly finalPricePerHour: number;
  /** Most nodes disrupting at once per NodePool (voluntary disruption). */
  readonly maxDisrupting: Record<string, number>;
  readonly evictedPods: string[];
  readonly pdbViolations: number;
  /** The cluster at the end (for tests and tools). */
  readonly cluster: SimCluster;
}

export function describeStep(s: ScenarioStep): string {
  const label = s.name ? `${s.name}: ` : '';
  switch (s.kind) {
    case 'apply': return `${label}apply (${s.source})`;
    case 'scale': return `${label}scale deployment ${s.namespace}/${s.deployment} to ${s.replicas}`;
    case 'nodeClass': return `${label}change EC2NodeClass ${s.nodeClass} (${Object.keys(s.spec).join(', ')})`;
    default: return `${label}advance ${s.text}`;
  }
}

export function runScenario(scenario: Scenario, instanceTypes: InstanceType[]): ScenarioResult {
  const cluster = new SimCluster(instanceTypes, scenario.settings, scenario.start);
  const steps: StepReport[] = [];
  scenario.steps.forEach((s, index) => {
    const before = cluster.events.length;
    switch (s.kind) {
      case 'apply': cluster.apply(s.yaml, s.source); break;
      case 'scale': cluster.scale(s.deployment, s.namespace, s.replicas); break;
      case 'nodeClass': cluster.setNodeClass(s.nodeClass, s.spec); break;
      default: cluster.advance(s.ms);
    }
    const spot = cluster.nodes.filter(n => n.offering.capacityType === 'spot').length;
    steps.push({
      index,
      description: describeStep(s),
      t: cluster.t,
      events: cluster.events.slice(before),
      nodes: cluster.nodes.length,
      spot,
      onDemand: cluster.nodes.length - spot,
      pendingPods: cluster.pending.length,
      pricePerHour: round(cluster.pricePerHour()),
    });
  });
  return {
    name: scenario.name,
    start: scenario.start.toISOString(),
    steps,
    samples: cluster.samples,
    finalPricePerHour: round(cluster.pricePerHour()),
    maxDisrupting: Object.fromEntries(cluster.maxDisrupting),
    evictedPods: [...cluster.evictedPods].sort(),
    pdbViolations: cluster.pdbViolations,
    cluster,
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export function clockText(startIso: string, t: number): string {
  const d = new Date(new Date(startIso).getTime() + t);
  return `${d.toISOString().slice(11, 19)} (+${formatDuration(t)})`;
}

/** People's output: per step, the controller's actions (launches, disruptions, evictions summarised) and $/hour. */
export function formatScenario(result: ScenarioResult): string {
  const lines = [`Scenario: ${result.name} (start ${result.start})`, ''];
  for (const s of result.steps) {
    lines.push(`${s.index + 1}. ${s.description}`);
    let evictions = 0;
    for (const e of s.events) {
      if (e.type === 'evicted') {
        evictions++;
        continue;
      }
      if (e.type === 'initialized') continue;
      lines.push(`   ${clockText(result.start, e.t)}  ${e.message}`);
    }
    if (evictions) lines.push(`   ${evictions} pod(s) evicted`);
    lines.push(`   => ${s.nodes} node(s) (${s.onDemand} on-demand, ${s.spot} spot), ${s.pendingPods} pending pod(s), $${s.pricePerHour.toFixed(4)}/hour at ${clockText(result.start, s.t)}`);
    lines.push('');
  }
  lines.push(`Final: $${result.finalPricePerHour.toFixed(4)}/hour; PDB violations: ${result.pdbViolations}; ` +
    `most nodes disrupting at once: ${Object.entries(result.maxDisrupting).map(([p, n]) => `${p}=${n}`).join(', ') || 'none'}`);
  return lines.join('\n') + '\n';
}

/** The `--output json` form (no cluster object). */
export function scenarioJson(result: ScenarioResult): Omit<ScenarioResult, 'cluster'> {
  const { cluster: _c, ...rest } = result;
  void _c;
  return rest;
}
