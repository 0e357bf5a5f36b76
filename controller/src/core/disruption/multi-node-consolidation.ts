/**
 * Multi-node consolidation: the largest prefix (cheapest to disrupt first, at most 100 candidates, within budgets)
 * of non-empty candidates that can be deleted or replaced by one cheaper NodeClaim, found by binary search.
 */
import { byDisruptionCost } from './candidates';
import { computeConsolidation, MethodContext, shouldConsolidate } from './consolidation';
import { DisruptionMethod } from './method';
import { restrictReplacementByPrice } from './replacement';
import { Candidate, Command } from './types';

export const MAX_MULTI_NODE_CANDIDATES = 100;

export class MultiNodeConsolidation implements DisruptionMethod {
  readonly name = 'multi-node-consolidation' as const;
  readonly reason = 'Underutilized' as const;
  readonly disruptionClass = 'graceful' as const;
  readonly consolidationType = 'multi';

  shouldDisrupt(c: Candidate): boolean {
    return shouldConsolidate(c);
  }

  computeCommands(ctx: MethodContext, budgets: Map<string, number>, candidates: Candidate[]): Command[] {
    const disruptable: Candidate[] = [];
    for (const c of [...candidates].sort(byDisruptionCost)) {
      const pool = c.nodePool.metadata.name;
      if ((budgets.get(pool) ?? 0) <= 0) continue;
      // empty nodes left here were held back by the Empty budget: do not take them through Underutilized
      if (c.reschedulablePods.length === 0) continue;
      disruptable.push(c);
      budgets.set(pool, (budgets.get(pool) ?? 0) - 1);
    }
    const max = Math.min(disruptable.length, ctx.options.maxMultiNodeCandidates ?? MAX_MULTI_NODE_CANDIDATES);
    const cmd = this.firstN(ctx, disruptable, max);
    return cmd ? [cmd] : [];
  }

  private firstN(ctx: MethodContext, candidates: Candidate[], maxCount: number): Command | undefined {
    if (candidates.length < 2) return undefined;
    const timer = ctx.options.timer;
    const deadline = timer ? timer() + (ctx.options.multiNodeTimeoutMs ?? 60_000) : Infinity;
    let lo = 1;
    let hi = Math.min(candidates.length - 1, maxCount - 1);
    let saved: Command | undefined;
    while (lo <= hi) {
      if (timer && timer() > deadline) {
        ctx.notes.push('multi-node consolidation timed out: using the best command so far');
        break;
      }
      const mid = Math.floor((lo + hi) / 2);
      const subset = candidates.slice(0, mid + 1);
      let cmd = computeConsolidation(ctx, this.name, subset).command;
      if (cmd && cmd.decision === 'replace') cmd = filterOutSameInstanceType(cmd, subset);
      if (cmd) {
        saved = cmd;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return saved;
  }
}

/**
 * Replacing several nodes with one of a type being removed only makes sense when it is cheaper than the cheapest
 * node of that type: otherwise keep that node and delete the others (upstream `filterOutSameInstanceType`).
 */
function filterOutSameInstanceType(cmd: Command, candidates: readonly Candidate[]): Command | undefined {
  const cheapestByType = new Map<string, number>();
  for (const c of candidates) {
    if (c.price === undefined) continue;
    cheapestByType.set(c.instanceType.name, Math.min(cheapestByType.get(c.instanceType.name) ?? Infinity, c.price));
  }
  const r = cmd.replacements[0];
  let maxPrice = Infinity;
  for (const name of r.instanceTypes) maxPrice = Math.min(maxPrice, cheapestByType.get(name) ?? Infinity);
  if (maxPrice === Infinity) return cmd;
  const restricted = restrictReplacementByPrice(r, maxPrice);
  if (!restricted) return undefined;
  return { ...cmd, replacements: [restricted], savingsPerHour: cmd.savingsPerHour + r.price - restricted.price };
}
