/**
 * NodePool disruption budgets, as upstream's `GetAllowedDisruptionsByReason` and `BuildDisruptionBudgetMapping`:
 * - a budget applies to a reason when it lists no reasons or lists that one;
 * - a budget with a `schedule` (cron, UTC) is active for `duration` after each hit; one without is always active;
 * - `nodes` is a count or a percentage of the NodePool's nodes, rounded up;
 * - the allowed number is the minimum over the active budgets that apply (no budget: unlimited);
 * - a misconfigured budget fails closed (0), with the error reported;
 * - nodes that are NotReady or being deleted use up budget.
 */
// eslint-disable-next-line import/no-extraneous-dependencies -- a runtime dependency of the controller bundle
import { CronExpressionParser } from 'cron-parser';
import { DurationError, parseDuration } from './duration';
import { DisruptionNode, DisruptionReason } from './types';
import { NodePool } from '../kube-types';
import { LABEL_NODEPOOL } from '../labels';

export type Budget = NonNullable<NonNullable<NodePool['spec']['disruption']>['budgets']>[number];

/** The CRD's default when a NodePool sets no budgets. */
export const DEFAULT_BUDGETS: readonly Budget[] = [{ nodes: '10%' }];

export const UNLIMITED = 2 ** 31 - 1;

export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Whether the budget is active at `now`. Throws BudgetError for an invalid schedule or duration. */
export function budgetIsActive(budget: Budget, now: Date): boolean {
  if (budget.schedule === undefined && budget.duration === undefined) return true;
  if (budget.schedule === undefined || budget.duration === undefined) {
    throw new BudgetError('a budget needs both schedule and duration, or neither');
  }
  const schedule = budget.schedule.trim();
  if (!schedule.startsWith('@') && schedule.split(/\s+/).length !== 5) {
    throw new BudgetError(`invalid schedule ${JSON.stringify(budget.schedule)}: expected 5 cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`);
  }
  if (schedule.startsWith('@') && !DESCRIPTORS.has(schedule)) throw new BudgetError(`invalid schedule ${JSON.stringify(budget.schedule)}: unknown descriptor`);
  let duration: number;
  try {
    duration = parseDuration(budget.duration);
  } catch (e) {
    if (e instanceof DurationError) throw new BudgetError(`invalid duration ${JSON.stringify(budget.duration)}`);
    throw e;
  }
  // walk back `duration` and ask for the next hit: active when it is not after now
  const checkpoint = new Date(now.getTime() - duration);
  let next: Date;
  try {
    next = CronExpressionParser.parse(schedule, { currentDate: checkpoint, tz: 'UTC' }).next().toDate();
  } catch (e) {
    throw new BudgetError(`invalid schedule ${JSON.stringify(budget.schedule)}: ${(e as Error).message}`);
  }
  return next.getTime() <= now.getTime();
}

/** Disruptions one budget allows out of `numNodes` (UNLIMITED when inactive). Throws BudgetError. */
export function budgetAllowedDisruptions(budget: Budget, numNodes: number, now: Date): number {
  if (!budgetIsActive(budget, now)) return UNLIMITED;
  const nodes = String(budget.nodes ?? '').trim();
  const pct = /^(\d+)%$/.exec(nodes);
  if (pct) {
    const p = Number(pct[1]);
    if (p > 100) throw new BudgetError(`invalid nodes ${JSON.stringify(budget.nodes)}: a percentage is at most 100%`);
    return Math.ceil((p * numNodes) / 100);
  }
  if (/^\d+$/.test(nodes)) return Number(nodes);
  throw new BudgetError(`invalid nodes ${JSON.stringify(budget.nodes)}: expected a count ("5") or a percentage ("10%")`);
}

export interface AllowedDisruptions {
  readonly allowed: number;
  /** Set when a budget is invalid: the NodePool then allows nothing for this reason. */
  readonly error?: string;
}

/** Upstream `NodePool.GetAllowedDisruptionsByReason`, failing closed on a misconfigured budget. */
export function allowedDisruptionsByReason(nodePool: NodePool, numNodes: number, reason: DisruptionReason, now: Date): AllowedDisruptions {
  const budgets = nodePool.spec.disruption?.budgets ?? DEFAULT_BUDGETS;
  let allowed = UNLIMITED;
  const errors: string[] = [];
  for (const b of budgets) {
    let v: number;
    try {
      v = budgetAllowedDisruptions(b, numNodes, now);
    } catch (e) {
      if (!(e instanceof BudgetError)) throw e;
      errors.push(e.message);
      v = 0;
    }
    if (!b.reasons || b.reasons.length === 0 || b.reasons.includes(reason)) allowed = Math.min(allowed, v);
  }
  if (errors.length) return { allowed: 0, error: `NodePool "${nodePool.metadata.name}" has an invalid disruption budget: ${errors.join('; ')}` };
  return { allowed };
}

export interface BudgetMapping {
  /** Disruptions still allowed per NodePool for the reason (after NotReady and deleting nodes). */
  readonly allowed: Map<string, number>;
  /** Managed, initialized nodes per NodePool (the base of percentages). */
  readonly nodes: Map<string, number>;
  /** NotReady or deleting nodes per NodePool. */
  readonly disrupting: Map<string, number>;
  /** Invalid budgets, for an event on the NodePool. */
  readonly errors: Map<string, string>;
}

/** Upstream `BuildDisruptionBudgetMapping`: feeds `karpenter_nodepools_allowed_disruptions{nodepool, reason}`. */
export function buildBudgetMapping(
  nodePools: readonly NodePool[], nodes: readonly DisruptionNode[], reason: DisruptionReason, now: Date,
): BudgetMapping {
  const numNodes = new Map<string, number>();
  const disrupting = new Map<string, number>();
  for (const n of nodes) {
    const pool = n.state.nodePoolName ?? n.state.labels[LABEL_NODEPOOL];
    if (!pool || !n.nodeClaim || !n.state.initialized) continue;
    numNodes.set(pool, (numNodes.get(pool) ?? 0) + 1);
    if (n.ready === false || n.state.markedForDeletion) disrupting.set(pool, (disrupting.get(pool) ?? 0) + 1);
  }
  const allowed = new Map<string, number>();
  const errors = new Map<string, string>();
  for (const np of nodePools) {
    const name = np.metadata.name;
    const r = allowedDisruptionsByReason(np, numNodes.get(name) ?? 0, reason, now);
    if (r.error) errors.set(name, r.error);
    allowed.set(name, Math.max(0, r.allowed - (disrupting.get(name) ?? 0)));
  }
  return { allowed, nodes: numNodes, disrupting, errors };
}
