/**
 * Disruption benchmark parts: the consolidation decision for 1,000 nodes / 10,000 pods (target ≤ 2 s), and the cost
 * saved by consolidation on the 40 -> 20 scenario.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InstanceType } from '../controller/src/cloudprovider/instance-type';
import { withCondition } from '../controller/src/core/disruption/conditions';
import { computeDisruption, DisruptionDecision } from '../controller/src/core/disruption/disruption';
import { ClusterSnapshot, DisruptionNode } from '../controller/src/core/disruption/types';
import { KubePod, NodePool } from '../controller/src/core/kube-types';
import { runScenario } from '../controller/src/sim/run-scenario';
import { parseScenario } from '../controller/src/sim/scenario';
import { syntheticCatalog } from '../controller/src/sim/synthetic-catalog';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * `nodes` on-demand m6i.2xlarge nodes (8 vCPU, 32 GiB), each with `podsPerNode` pods of 500m / 1Gi from a
 * Deployment: about 60 % of CPU used, so consolidation has work to do.
 */
export function consolidationCluster(nodes: number, podsPerNode: number, typeName = 'm6i.2xlarge'): ClusterSnapshot {
  const its = syntheticCatalog({ zones: ZONES, spotPriceRatio: 0.4 });
  const type = its.find(t => t.name === typeName) as InstanceType;
  const created = new Date('2026-01-05T00:00:00Z');
  const pool: NodePool = {
    metadata: { name: 'default' },
    spec: {
      template: { spec: { requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }] } },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '0s', budgets: [{ nodes: '10%' }] },
    },
  };
  const out: DisruptionNode[] = [];
  for (let i = 0; i < nodes; i++) {
    const name = `node-${i}`;
    const zone = ZONES[i % ZONES.length];
    const labels = { ...type.labels, 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, 'karpenter.sh/capacity-type': 'on-demand', 'karpenter.sh/nodepool': 'default' };
    const pods: KubePod[] = [];
    for (let k = 0; k < podsPerNode; k++) {
      pods.push({
        metadata: { name: `app-${i}-${k}`, namespace: 'default', labels: { app: 'app' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'app' }] },
        spec: { nodeName: name, containers: [{ resources: { requests: { cpu: '500m', memory: '1Gi' } } }] },
        status: { phase: 'Running' },
      });
    }
    let conditions = withCondition([], 'Initialized', 'True', created);
    conditions = withCondition(conditions, 'Consolidatable', 'True', created);
    out.push({
      state: { name, labels, taints: [], allocatable: type.allocatable, capacity: type.capacity, pods, initialized: true, nodePoolName: 'default' },
      nodeClaim: { metadata: { name, labels, creationTimestamp: created.toISOString() }, spec: { requirements: [] }, status: { conditions } },
    });
  }
  return { nodePools: [pool], instanceTypes: its, nodes: out };
}

export interface DecisionTiming {
  readonly cold: number;
  readonly median: number;
  readonly decision: DisruptionDecision;
}

export function timeDecision(snapshot: ClusterSnapshot, runs: number): DecisionTiming {
  const now = new Date('2026-01-05T12:00:00Z');
  const opts = { timer: () => performance.now() };
  let t = performance.now();
  const decision = computeDisruption(snapshot, now, opts);
  const cold = performance.now() - t;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    computeDisruption(snapshot, now, opts);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { cold, median: times[Math.floor(times.length / 2)] ?? cold, decision };
}

export interface ScaleDownSavings {
  readonly before: number;
  readonly after: number;
  readonly fresh: number;
  readonly simulatedMs: number;
}

/** Runs `controller/examples/scenarios/scale-down-40-20.yaml` and reports $/hour before and after consolidation. */
export function scaleDownSavings(root: string): ScaleDownSavings {
  const file = path.join(root, 'controller', 'examples', 'scenarios', 'scale-down-40-20.yaml');
  const scenario = parseScenario(fs.readFileSync(file, 'utf8'), file);
  const t = performance.now();
  const r = runScenario(scenario, syntheticCatalog({ zones: [...scenario.settings.zones], spotPriceRatio: scenario.settings.spotPriceRatio }));
  const simulatedMs = performance.now() - t;
  // the cluster right after the scale-down, before any consolidation
  const scaled = r.steps.filter(s => s.description.startsWith('scale deployment')).pop()!;
  return { before: scaled.pricePerHour, after: r.finalPricePerHour, fresh: r.cluster.freshPlanPricePerHour(), simulatedMs };
}
