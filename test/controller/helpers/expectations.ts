import { nodePool } from './builders';
import { defaultInstanceTypes } from '../../../controller/src/cloudprovider/fake/instance-types';
import { InstanceType } from '../../../controller/src/cloudprovider/instance-type';
import { FakeClock } from '../../../controller/src/core/clock';
import { KubePod, NodePool } from '../../../controller/src/core/kube-types';
import { PlannedNodeClaim } from '../../../controller/src/core/scheduling/planned-nodeclaim';
import { Scheduler, SchedulerOptions, SchedulingResults } from '../../../controller/src/core/scheduling/scheduler';
import { StateNode } from '../../../controller/src/core/state/state-node';

export interface ScheduleInput {
  nodePools?: NodePool[];
  instanceTypes?: InstanceType[] | Map<string, InstanceType[]>;
  stateNodes?: StateNode[];
  daemonSetPods?: KubePod[];
  preferencePolicy?: SchedulerOptions['preferencePolicy'];
  avoidCostInefficientTypes?: boolean;
}

export function schedule(podsToSchedule: KubePod[], input: ScheduleInput = {}): SchedulingResults {
  return new Scheduler({
    nodePools: input.nodePools ?? [nodePool()],
    instanceTypes: input.instanceTypes ?? defaultInstanceTypes(),
    stateNodes: input.stateNodes,
    daemonSetPods: input.daemonSetPods,
    clock: new FakeClock(),
    preferencePolicy: input.preferencePolicy,
    avoidCostInefficientTypes: input.avoidCostInefficientTypes,
  }).solve(podsToSchedule);
}

/** Where a scheduled pod went: its labels as the node would have them. */
export interface Placement {
  readonly kind: 'new' | 'existing';
  /** Node name (existing) or planned hostname (new). */
  readonly node: string;
  /** Labels known for certain (single-valued requirements). */
  readonly labels: Record<string, string>;
  readonly nodeClaim?: PlannedNodeClaim;
}

export function placementOf(results: SchedulingResults, p: KubePod): Placement | undefined {
  for (const nc of results.newNodeClaims) {
    if (nc.pods.some(x => x.pod === p)) return { kind: 'new', node: nc.hostname, labels: nc.requirements.labels(), nodeClaim: nc };
  }
  for (const n of results.existingNodes) {
    if (n.pods.some(x => x.pod === p)) return { kind: 'existing', node: n.name, labels: n.requirements.labels() };
  }
  return undefined;
}

export function expectScheduled(results: SchedulingResults, p: KubePod): Placement {
  const where = placementOf(results, p);
  if (!where) throw new Error(`expected pod ${p.metadata.name} to be scheduled, but: ${results.podErrors.get(p) ?? 'not found in results'}`);
  return where;
}

export function expectNotScheduled(results: SchedulingResults, p: KubePod, reason?: RegExp | string): string {
  const where = placementOf(results, p);
  if (where) throw new Error(`expected pod ${p.metadata.name} not to be scheduled, but it went to ${where.node}`);
  const err = results.podErrors.get(p);
  if (err === undefined) throw new Error(`pod ${p.metadata.name} has no scheduling error`);
  if (reason !== undefined) expect(err).toMatch(reason);
  return err;
}

/** Zone of each placement, counted. */
export function countBy(results: SchedulingResults, podsToCount: KubePod[], key: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of podsToCount) {
    const where = expectScheduled(results, p);
    const v = key === 'kubernetes.io/hostname' ? where.node : where.labels[key] ?? '<unset>';
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}
