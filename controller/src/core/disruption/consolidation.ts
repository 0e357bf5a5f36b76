/**
 * Consolidation shared by the multi-node and single-node methods (upstream `consolidation.go`): simulate the
 * candidates' pods elsewhere; delete when they all fit on existing capacity; replace with ONE NodeClaim otherwise,
 * of instance types strictly cheaper than the candidates; spot-to-spot only behind its setting, with the 15-type rule.
 */
import { byDisruptionCost } from './candidates';
import { CONDITION_CONSOLIDATABLE, isConditionTrue } from './conditions';
import { parseNillableDuration } from './duration';
import { podKey } from './pods';
import { ReplacementDraft } from './replacement';
import { simulateScheduling } from './simulation';
import { Candidate, ClusterSnapshot, Command, DisruptionOptions, MethodName } from './types';
import { LABEL_CAPACITY_TYPE, LABEL_ZONE } from '../labels';

/** Spot-to-spot single-node consolidation needs this many cheaper types, and launches from the cheapest this many. */
export const MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT = 15;

export interface MethodContext {
  readonly snapshot: ClusterSnapshot;
  readonly now: Date;
  readonly options: DisruptionOptions;
  /** Why candidates were passed over (unconsolidatable events), appended by the methods. */
  readonly notes: string[];
}

export interface ConsolidationAttempt {
  readonly command?: Command;
  /** Why there is no command (for the `Unconsolidatable` event). */
  readonly reason?: string;
}

/** consolidateAfter set (not Never) and a valid duration. */
export function consolidationEnabled(c: Candidate): boolean {
  try {
    return parseNillableDuration(c.nodePool.spec.disruption?.consolidateAfter, 0) !== undefined;
  } catch {
    return false;
  }
}

/** Upstream `consolidation.ShouldDisrupt` for the underutilized methods. */
export function shouldConsolidate(c: Candidate): boolean {
  if (!c.node.state.labels[LABEL_CAPACITY_TYPE] || !c.node.state.labels[LABEL_ZONE]) return false;
  if (!consolidationEnabled(c)) return false;
  const policy = c.nodePool.spec.disruption?.consolidationPolicy ?? 'WhenEmptyOrUnderutilized';
  if (policy !== 'WhenEmptyOrUnderutilized') return false;
  return isConditionTrue(c.node.nodeClaim, CONDITION_CONSOLIDATABLE);
}

export function candidatesPrice(candidates: readonly Candidate[]): number | undefined {
  let sum = 0;
  for (const c of candidates) {
    if (c.price === undefined) return undefined;
    sum += c.price;
  }
  return sum;
}

export function computeConsolidation(ctx: MethodContext, method: MethodName, candidates: readonly Candidate[]): ConsolidationAttempt {
  const price = candidatesPrice(candidates);
  if (price === undefined) return { reason: 'the price of a candidate\'s offering is unknown' };
  const sim = simulateScheduling(ctx.snapshot, candidates, ctx.now);
  if (!sim.allPodsScheduled) {
    const [pod, why] = sim.unschedulable.entries().next().value as [Parameters<typeof podKey>[0], string];
    return { reason: `not all pods would schedule, ${podKey(pod)} => ${why}` };
  }
  const mustMove = new Set(candidates.flatMap(c => c.reschedulablePods.map(podKey)));
  const base = { method, reason: 'Underutilized' as const, candidates: [...candidates].sort(byDisruptionCost), createdAt: ctx.now };
  if (sim.newNodeClaims.length === 0) {
    return { command: { ...base, decision: 'delete', replacements: [], savingsPerHour: price } };
  }
  if (sim.newNodeClaims.length !== 1) return { reason: `can't remove without creating ${sim.newNodeClaims.length} nodeclaims` };
  const draft = new ReplacementDraft(sim.newNodeClaims[0]);
  const allSpot = candidates.every(c => c.capacityType === 'spot');
  if (allSpot && draft.capacityTypes().has('spot')) return spotToSpot(ctx, base, draft, candidates, price, mustMove);
  draft.filterByPrice(price);
  if (draft.options.length === 0) return { reason: 'can\'t replace with a cheaper node' };
  const unmet = draft.unmetMinValues();
  if (unmet) return { reason: `minValues requirement on ${unmet} is not met by the cheaper instance types` };
  const cts = draft.capacityTypes();
  // prices were filtered assuming spot launches: never fall back to a pricier on-demand launch
  if (cts.has('spot') && cts.has('on-demand')) {
    draft.restrictCapacityType('spot');
    draft.filterByPrice(price);
    if (draft.options.length === 0) return { reason: 'can\'t replace with a cheaper node' };
  }
  const replacement = draft.toReplacement(mustMove);
  return { command: { ...base, decision: 'replace', replacements: [replacement], savingsPerHour: price - replacement.price } };
}

function spotToSpot(
  ctx: MethodContext, base: Pick<Command, 'method' | 'reason' | 'candidates' | 'createdAt'>, draft: ReplacementDraft,
  candidates: readonly Candidate[], price: number, mustMove: ReadonlySet<string>,
): ConsolidationAttempt {
  if (!ctx.options.spotToSpotConsolidation) return { reason: 'SpotToSpotConsolidation is disabled, can\'t replace a spot node with a spot node' };
  draft.restrictCapacityType('spot');
  draft.filterByPrice(price);
  if (draft.options.length === 0) return { reason: 'can\'t replace with a cheaper node' };
  if (draft.unmetMinValues()) return { reason: 'minValues requirement is not met by the cheaper instance types' };
  if (candidates.length === 1) {
    if (draft.options.length < MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT) {
      return { reason: `SpotToSpotConsolidation requires ${MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT} cheaper instance type options than the current candidate to consolidate, got ${draft.options.length}` };
    }
    // launch from the 15 cheapest only, so the node launched is always among them and is not consolidated again at once
    if (!draft.requirements.some(r => r.minValues)) draft.truncate(MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT);
  }
  const replacement = draft.toReplacement(mustMove);
  return { command: { ...base, decision: 'replace', replacements: [replacement], savingsPerHour: price - replacement.price } };
}
