/**
 * Single-node consolidation: the first non-empty candidate (cheapest to disrupt first, within budgets) that can be
 * deleted or replaced by one cheaper NodeClaim.
 */
import { byDisruptionCost } from './candidates';
import { computeConsolidation, MethodContext, shouldConsolidate } from './consolidation';
import { DisruptionMethod } from './method';
import { Candidate, Command } from './types';

export class SingleNodeConsolidation implements DisruptionMethod {
  readonly name = 'single-node-consolidation' as const;
  readonly reason = 'Underutilized' as const;
  readonly disruptionClass = 'graceful' as const;
  readonly consolidationType = 'single';

  shouldDisrupt(c: Candidate): boolean {
    return shouldConsolidate(c);
  }

  computeCommands(ctx: MethodContext, budgets: Map<string, number>, candidates: Candidate[]): Command[] {
    const timer = ctx.options.timer;
    const deadline = timer ? timer() + (ctx.options.singleNodeTimeoutMs ?? 180_000) : Infinity;
    for (const c of [...candidates].sort(byDisruptionCost)) {
      if (timer && timer() > deadline) {
        ctx.notes.push('single-node consolidation timed out');
        return [];
      }
      if (c.reschedulablePods.length === 0) continue;
      if ((budgets.get(c.nodePool.metadata.name) ?? 0) <= 0) continue;
      const attempt = computeConsolidation(ctx, this.name, [c]);
      if (attempt.command) return [attempt.command];
      if (attempt.reason) ctx.notes.push(`${c.name}: ${attempt.reason}`);
    }
    return [];
  }
}
