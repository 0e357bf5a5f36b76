/**
 * Validation before acting (upstream `validation.go`). The runtime waits the validation period (15 s) after
 * `computeDisruption`, builds a fresh snapshot, and calls `revalidate`: the command goes ahead only when every
 * candidate is still a candidate for the same method, the budgets still allow them all, and (consolidation, drift)
 * the scheduling simulation still gives the same kind of answer.
 */
import { buildBudgetMapping } from './budgets';
import { buildCandidates } from './candidates';
import { computeConsolidation, MethodContext } from './consolidation';
import { disruptionMethods } from './disruption';
import { DisruptionMethod } from './method';
import { PdbLimits } from './pdb';
import { simulateScheduling } from './simulation';
import { ClusterSnapshot, Command, DisruptionOptions } from './types';

/** The runtime waits this long between the decision and `revalidate`. */
export const VALIDATION_PERIOD_MS = 15_000;

export type ValidationResult = { readonly valid: true; readonly command: Command } | { readonly valid: false; readonly reason: string };

export function revalidate(command: Command, fresh: ClusterSnapshot, now: Date, options: DisruptionOptions = {}): ValidationResult {
  const method = disruptionMethods().find(m => m.name === command.method) as DisruptionMethod;
  const { candidates } = buildCandidates(fresh, now, method.disruptionClass, new PdbLimits(fresh.pdbs));
  const byName = new Map(candidates.map(c => [c.name, c]));
  const current = [];
  for (const c of command.candidates) {
    const again = byName.get(c.name);
    if (!again) return { valid: false, reason: `candidate ${c.name} is no longer a candidate` };
    if (command.method === 'emptiness' && again.reschedulablePods.length > 0) return { valid: false, reason: `candidate ${c.name} is no longer empty` };
    if (!method.shouldDisrupt(again)) return { valid: false, reason: `candidate ${c.name} is no longer a candidate for ${command.method}` };
    current.push(again);
  }
  const mapping = buildBudgetMapping(fresh.nodePools, fresh.nodes, command.reason, now);
  const perPool = new Map<string, number>();
  for (const c of current) perPool.set(c.nodePool.metadata.name, (perPool.get(c.nodePool.metadata.name) ?? 0) + 1);
  for (const [pool, n] of perPool) {
    if (n > (mapping.allowed.get(pool) ?? 0)) return { valid: false, reason: `a candidate can no longer be disrupted without violating the budget of NodePool "${pool}"` };
  }
  const fresh_ = { ...command, candidates: current };
  if (command.method === 'emptiness') return { valid: true, command: fresh_ };
  if (command.method === 'drift') {
    if (command.decision === 'delete' && current.every(c => c.reschedulablePods.length === 0)) return { valid: true, command: fresh_ };
    const sim = simulateScheduling(fresh, current, now);
    if (!sim.allPodsScheduled) return { valid: false, reason: 'the candidates\' pods would no longer all schedule' };
    return { valid: true, command: fresh_ };
  }
  const ctx: MethodContext = { snapshot: fresh, now, options, notes: [] };
  const recomputed = computeConsolidation(ctx, command.method, current).command;
  if (!recomputed) return { valid: false, reason: 'scheduling simulation no longer finds a consolidation' };
  if (command.decision === 'delete') {
    if (recomputed.decision !== 'delete') return { valid: false, reason: 'scheduling simulation produced new results (a replacement is now needed)' };
    return { valid: true, command: fresh_ };
  }
  if (recomputed.replacements.length !== 1) return { valid: false, reason: 'scheduling simulation produced new results' };
  // the replacement's instance types must all still be possible
  const nowTypes = new Set(recomputed.replacements[0].instanceTypes);
  if (!command.replacements[0].instanceTypes.every(t => nowTypes.has(t))) {
    return { valid: false, reason: 'scheduling simulation produced new results (the replacement instance types changed)' };
  }
  return { valid: true, command: fresh_ };
}
