import { Duration } from 'cdk8s';

/**
 * Disruption methods a budget can be limited to.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#reasons
 */
export enum DisruptionReason {
  /** Consolidation of underutilized nodes. */
  UNDERUTILIZED = 'Underutilized',
  /** Consolidation of empty nodes. */
  EMPTY = 'Empty',
  /** Replacement of drifted nodes. */
  DRIFTED = 'Drifted',
}

/** When and for which disruption methods a budget applies. */
export interface BudgetOptions {
  /**
   * Disruption methods this budget limits (no duplicates).
   *
   * @default - all methods
   */
  readonly reasons?: DisruptionReason[];

  /**
   * When the budget becomes active: 5 cron fields in UTC (`minute hour day-of-month month day-of-week`,
   * e.g. `0 9 * * 1-5`) or a macro (`@daily`, `@hourly`, `@weekly`, `@monthly`, `@yearly`, `@annually`,
   * `@midnight`). Time zones are not supported. Requires `duration`.
   *
   * @default - always active
   */
  readonly schedule?: string;

  /**
   * How long the budget stays active after each `schedule` hit, in whole minutes (rendered as `8h`, `1h30m`).
   * Requires `schedule`.
   *
   * @default - always active
   */
  readonly duration?: Duration;
}

/**
 * A disruption budget (`spec.disruption.budgets[]`): how many of the NodePool's nodes Karpenter may disrupt at
 * once, as a count or a percentage, optionally only on a schedule or for some reasons.
 *
 * @example Budget.percentage(20)
 * @example Budget.count(0, { schedule: '0 9 * * 1-5', duration: Duration.hours(8) })
 * @see https://karpenter.sh/docs/concepts/disruption/#nodepool-disruption-budgets
 */
export class Budget {
  /**
   * A budget from the `nodes` field as Karpenter writes it: a count (`'5'`) or a percentage (`'20%'`, 0-100).
   */
  public static nodes(nodes: string, options: BudgetOptions = {}): Budget {
    return new Budget(nodes, options);
  }

  /** At most `percent` percent (an integer from 0 to 100) of the NodePool's nodes at once. */
  public static percentage(percent: number, options: BudgetOptions = {}): Budget {
    return new Budget(`${percent}%`, options);
  }

  /** At most `nodes` (a non-negative integer) nodes at once; `0` blocks disruption while active. */
  public static count(nodes: number, options: BudgetOptions = {}): Budget {
    return new Budget(`${nodes}`, options);
  }

  /** @internal */
  public readonly _nodes: string;
  /** @internal */
  public readonly _options: BudgetOptions;

  private constructor(nodes: string, options: BudgetOptions) {
    this._nodes = nodes;
    this._options = { ...options, reasons: options.reasons ? [...options.reasons] : undefined };
  }
}
