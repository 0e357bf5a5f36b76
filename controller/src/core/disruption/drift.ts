/**
 * Drift: nodes whose NodeClaim has `Drifted=True` (set from drift-detection.ts), oldest drift first. Empty drifted
 * nodes go together within the budgets; otherwise one node per command, with whatever replacements its pods need.
 */
import { CONDITION_DRIFTED, getCondition, isConditionTrue } from './conditions';
import { MethodContext } from './consolidation';
import { timeOf } from './duration';
import { DisruptionMethod } from './method';
import { podKey } from './pods';
import { ReplacementDraft } from './replacement';
import { simulateScheduling } from './simulation';
import { Candidate, Command } from './types';

export class Drift implements DisruptionMethod {
  readonly name = 'drift' as const;
  readonly reason = 'Drifted' as const;
  readonly disruptionClass = 'eventual' as const;
  readonly consolidationType = '';

  shouldDisrupt(c: Candidate): boolean {
    return isConditionTrue(c.node.nodeClaim, CONDITION_DRIFTED);
  }

  computeCommands(ctx: MethodContext, budgets: Map<string, number>, candidates: Candidate[]): Command[] {
    const since = (c: Candidate) => timeOf(getCondition(c.node.nodeClaim, CONDITION_DRIFTED)?.lastTransitionTime) ?? 0;
    const sorted = [...candidates].sort((a, b) => since(a) - since(b) || (a.name < b.name ? -1 : 1));
    const empty: Candidate[] = [];
    for (const c of sorted) {
      if (c.reschedulablePods.length > 0) continue;
      const left = budgets.get(c.nodePool.metadata.name) ?? 0;
      if (left > 0) {
        empty.push(c);
        budgets.set(c.nodePool.metadata.name, left - 1);
      }
    }
    if (empty.length > 0) {
      return [{
        method: this.name,
        reason: this.reason,
        decision: 'delete',
        candidates: empty,
        replacements: [],
        savingsPerHour: empty.reduce((s, c) => s + (c.price ?? 0), 0),
        createdAt: ctx.now,
      }];
    }
    for (const c of sorted) {
      if ((budgets.get(c.nodePool.metadata.name) ?? 0) <= 0) {
        ctx.notes.push(`${c.name}: disruption budget of NodePool "${c.nodePool.metadata.name}" allows no more Drifted disruptions now`);
        continue;
      }
      const sim = simulateScheduling(ctx.snapshot, [c], ctx.now);
      if (!sim.allPodsScheduled) {
        const [pod, why] = [...sim.unschedulable][0];
        ctx.notes.push(`${c.name}: drifted but not all pods would schedule, ${podKey(pod)} => ${why}`);
        continue;
      }
      const mustMove = new Set(c.reschedulablePods.map(podKey));
      const replacements = sim.newNodeClaims.map(nc => new ReplacementDraft(nc).toReplacement(mustMove));
      const cost = replacements.reduce((s, r) => s + r.price, 0);
      return [{
        method: this.name,
        reason: this.reason,
        decision: replacements.length ? 'replace' : 'delete',
        candidates: [c],
        replacements,
        savingsPerHour: (c.price ?? 0) - cost,
        createdAt: ctx.now,
      }];
    }
    return [];
  }
}
