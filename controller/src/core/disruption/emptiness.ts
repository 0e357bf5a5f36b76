/**
 * Emptiness: Consolidatable nodes with no reschedulable pods are deleted together, as many as the budgets allow
 * (policy WhenEmpty or WhenEmptyOrUnderutilized; consolidateAfter Never turns it off).
 */
import { byDisruptionCost } from './candidates';
import { CONDITION_CONSOLIDATABLE, isConditionTrue } from './conditions';
import { consolidationEnabled, MethodContext } from './consolidation';
import { DisruptionMethod } from './method';
import { Candidate, Command } from './types';

export class Emptiness implements DisruptionMethod {
  readonly name = 'emptiness' as const;
  readonly reason = 'Empty' as const;
  readonly disruptionClass = 'graceful' as const;
  readonly consolidationType = 'empty';

  shouldDisrupt(c: Candidate): boolean {
    if (!consolidationEnabled(c)) return false;
    return c.reschedulablePods.length === 0 && isConditionTrue(c.node.nodeClaim, CONDITION_CONSOLIDATABLE);
  }

  computeCommands(ctx: MethodContext, budgets: Map<string, number>, candidates: Candidate[]): Command[] {
    const empty: Candidate[] = [];
    for (const c of [...candidates].sort(byDisruptionCost)) {
      if (c.reschedulablePods.length > 0) continue;
      const left = budgets.get(c.nodePool.metadata.name) ?? 0;
      if (left <= 0) {
        ctx.notes.push(`${c.name}: disruption budget of NodePool "${c.nodePool.metadata.name}" allows no more Empty disruptions now`);
        continue;
      }
      empty.push(c);
      budgets.set(c.nodePool.metadata.name, left - 1);
    }
    if (empty.length === 0) return [];
    const savings = empty.reduce((s, c) => s + (c.price ?? 0), 0);
    return [{ method: this.name, reason: this.reason, decision: 'delete', candidates: empty, replacements: [], savingsPerHour: savings, createdAt: ctx.now }];
  }
}
