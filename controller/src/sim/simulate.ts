/**
 * One simulation: manifests + catalog -> the scheduler -> the plan in the simulator's JSON contract.
 */
import { SimulationInput } from './manifests';
import { InstanceType } from '../cloudprovider/instance-type';
import { Clock } from '../core/clock';
import { CPU, MEMORY, PODS, formatResource } from '../core/resources';
import { Scheduler } from '../core/scheduling/scheduler';

/** The `--output json` contract (other tools read it: change with care). */
export interface SimulationResult {
  nodeClaims: Array<{
    name: string;
    nodePool: string;
    instanceType: string;
    capacityType: string;
    zone: string;
    pricePerHour: number;
    allocatable: { cpu: string; memory: string; pods: string };
    pods: string[];
  }>;
  unschedulable: Array<{ pod: string; reason: string }>;
  totalPricePerHour: number;
  solveMilliseconds: number;
}

export interface SimulateOptions {
  readonly clock: Clock;
  /** Wall-clock timer for `solveMilliseconds` (injected: the core never reads time itself). */
  readonly now: () => number;
}

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

export function simulate(input: SimulationInput, instanceTypes: InstanceType[], opts: SimulateOptions): SimulationResult {
  const start = opts.now();
  const results = new Scheduler({
    nodePools: input.nodePools,
    instanceTypes,
    daemonSetPods: input.daemonSetPods,
    clock: opts.clock,
  }).solve(input.pods);
  const solveMilliseconds = round(opts.now() - start, 3);
  const counters = new Map<string, number>();
  const nodeClaims: SimulationResult['nodeClaims'] = [];
  const unschedulable: SimulationResult['unschedulable'] = [];
  for (const nc of results.newNodeClaims) {
    const launch = nc.cheapestLaunch();
    if (!launch) {
      for (const p of nc.pods) unschedulable.push({ pod: p.key, reason: `no available offering for the instance types of NodePool "${nc.nodePoolName}"` });
      continue;
    }
    const n = (counters.get(nc.nodePoolName) ?? 0) + 1;
    counters.set(nc.nodePoolName, n);
    const a = launch.instanceType.allocatable;
    nodeClaims.push({
      name: `${nc.nodePoolName}-${n}`,
      nodePool: nc.nodePoolName,
      instanceType: launch.instanceType.name,
      capacityType: launch.offering.capacityType,
      zone: launch.offering.zone,
      pricePerHour: round(launch.offering.price),
      allocatable: {
        cpu: formatResource(CPU, a[CPU] ?? 0), memory: formatResource(MEMORY, a[MEMORY] ?? 0), pods: formatResource(PODS, a[PODS] ?? 0),
      },
      pods: nc.pods.map(p => p.key),
    });
  }
  for (const [pod, reason] of results.podErrors) unschedulable.push({ pod: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, reason });
  const totalPricePerHour = round(nodeClaims.reduce((s, n) => s + n.pricePerHour, 0));
  return { nodeClaims, unschedulable, totalPricePerHour, solveMilliseconds };
}
