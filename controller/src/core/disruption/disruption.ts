/**
 * The disruption decision (upstream's disruption controller `Reconcile`): methods in order (emptiness, drift,
 * multi-node then single-node consolidation); the first that yields a command wins. Pure: the runtime calls it every
 * poll (upstream: 10 s) with a fresh snapshot, waits the validation period, calls `revalidate`, then executes.
 */
import { buildBudgetMapping, BudgetMapping } from './budgets';
import { buildCandidates, CandidateResult, DisruptionClass } from './candidates';
import { MethodContext } from './consolidation';
import { Drift } from './drift';
import { Emptiness } from './emptiness';
import { DisruptionMethod } from './method';
import { MultiNodeConsolidation } from './multi-node-consolidation';
import { PdbLimits } from './pdb';
import { SingleNodeConsolidation } from './single-node-consolidation';
import { Candidate, ClusterSnapshot, Command, DisruptionOptions, DisruptionReason, MethodName } from './types';

export type { Candidate };

/** The methods, in upstream order. */
export function disruptionMethods(): DisruptionMethod[] {
  return [new Emptiness(), new Drift(), new MultiNodeConsolidation(), new SingleNodeConsolidation()];
}

export interface MethodEvaluation {
  readonly method: MethodName;
  readonly reason: DisruptionReason;
  readonly consolidationType: string;
  /** `karpenter_voluntary_disruption_eligible_nodes{reason}`. */
  readonly eligible: number;
  /** Wall-clock milliseconds, when a timer was given (`..._decision_evaluation_duration_seconds`). */
  readonly durationMs?: number;
}

export interface DisruptionDecision {
  readonly command?: Command;
  readonly evaluations: MethodEvaluation[];
  /** Budget mapping per reason evaluated (`karpenter_nodepools_allowed_disruptions{nodepool, reason}`). */
  readonly budgets: Partial<Record<DisruptionReason, BudgetMapping>>;
  /** Why candidates were passed over: for `Unconsolidatable` / `DisruptionBlocked` events and debug logs. */
  readonly notes: string[];
}

export function computeDisruption(
  snapshot: ClusterSnapshot, now: Date, options: DisruptionOptions = {}, methods: DisruptionMethod[] = disruptionMethods(),
): DisruptionDecision {
  const pdbs = new PdbLimits(snapshot.pdbs);
  const byClass = new Map<DisruptionClass, CandidateResult>();
  const candidatesFor = (cls: DisruptionClass) => {
    let r = byClass.get(cls);
    if (!r) byClass.set(cls, (r = buildCandidates(snapshot, now, cls, pdbs)));
    return r;
  };
  const ctx: MethodContext = { snapshot, now, options, notes: [] };
  const evaluations: MethodEvaluation[] = [];
  const budgets: Partial<Record<DisruptionReason, BudgetMapping>> = {};
  for (const m of methods) {
    const start = options.timer?.();
    const candidates = candidatesFor(m.disruptionClass).candidates.filter(c => m.shouldDisrupt(c));
    const mapping = budgets[m.reason] ?? buildBudgetMapping(snapshot.nodePools, snapshot.nodes, m.reason, now);
    budgets[m.reason] = mapping;
    let commands: Command[] = [];
    if (candidates.length > 0) commands = m.computeCommands(ctx, new Map(mapping.allowed), candidates);
    evaluations.push({
      method: m.name,
      reason: m.reason,
      consolidationType: m.consolidationType,
      eligible: candidates.length,
      durationMs: start === undefined ? undefined : options.timer!() - start,
    });
    if (commands.length > 0) return { command: commands[0], evaluations, budgets, notes: ctx.notes };
  }
  return { evaluations, budgets, notes: ctx.notes };
}

/** The `disrupting node(s)` log line's fields, as upstream (`command-id` is the runtime's), with the savings. */
export function commandLogValues(cmd: Command): Record<string, unknown> {
  return {
    'reason': cmd.reason.toLowerCase(),
    'decision': cmd.decision,
    'disrupted-node-count': cmd.candidates.length,
    'replacement-node-count': cmd.replacements.length,
    'pod-count': cmd.candidates.reduce((s, c) => s + c.reschedulablePods.length, 0),
    'disrupted-nodes': cmd.candidates.map(c => ({
      'Node': { name: c.name }, 'NodeClaim': { name: c.nodeClaimName }, 'capacity-type': c.capacityType, 'instance-type': c.instanceType.name,
    })),
    'replacement-nodes': cmd.replacements.map(r => ({ 'capacity-type': r.capacityType, 'instance-types': r.instanceTypes.slice(0, 5).join(', ') + (r.instanceTypes.length > 5 ? ` and ${r.instanceTypes.length - 5} other(s)` : '') })),
    'savings-per-hour': Math.round(cmd.savingsPerHour * 1e4) / 1e4,
  };
}

export const DISRUPTING_MESSAGE = 'disrupting node(s)';

/** Metric names the runtime exports for disruption (../shared/reference/karpenter/metrics.json). */
export const DISRUPTION_METRICS = {
  nodeClaimsDisrupted: 'karpenter_nodeclaims_disrupted_total',
  decisions: 'karpenter_voluntary_disruption_decisions_total',
  decisionsByNodePool: 'karpenter_voluntary_disruption_decisions_by_nodepool_total',
  eligibleNodes: 'karpenter_voluntary_disruption_eligible_nodes',
  evaluationDuration: 'karpenter_voluntary_disruption_decision_evaluation_duration_seconds',
  failedValidations: 'karpenter_voluntary_disruption_failed_validations_total',
  queueFailures: 'karpenter_voluntary_disruption_queue_failures_total',
  consolidationTimeouts: 'karpenter_voluntary_disruption_consolidation_timeouts_total',
  allowedDisruptions: 'karpenter_nodepools_allowed_disruptions',
} as const;
