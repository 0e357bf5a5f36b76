import { Duration } from 'cdk8s';
import { Budget } from './disruption-budget';

/**
 * Which nodes Karpenter consolidates.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#consolidation
 */
export enum ConsolidationPolicy {
  /** Only nodes with no workload pods. */
  WHEN_EMPTY = 'WhenEmpty',
  /** Empty nodes, and nodes whose pods fit elsewhere or on a cheaper replacement (Karpenter's default). */
  WHEN_EMPTY_OR_UNDERUTILIZED = 'WhenEmptyOrUnderutilized',
  /**
   * Like `WhenEmptyOrUnderutilized`, weighing the cost saving against the disruption. Accepted by the Karpenter
   * 1.14 CRD: check the disruption docs of the Karpenter version you run before relying on it.
   */
  BALANCED = 'Balanced',
}

/**
 * How long Karpenter waits after a pod is added or removed from a node before consolidating it
 * (`spec.disruption.consolidateAfter`): a duration or never.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#consolidation
 */
export class ConsolidateAfter {
  /**
   * Consolidate `duration` (whole seconds, e.g. `Duration.minutes(5)`) after the last pod change. Under one
   * minute with `WhenEmptyOrUnderutilized` or `Balanced` emits a warning: nodes churn.
   */
  public static after(duration: Duration): ConsolidateAfter {
    return new ConsolidateAfter(duration);
  }

  /** Never consolidate (`Never`). */
  public static never(): ConsolidateAfter {
    return new ConsolidateAfter(undefined);
  }

  /** The duration; `undefined` for never. */
  public readonly duration?: Duration;

  private constructor(duration: Duration | undefined) {
    this.duration = duration;
  }

  /** Whether this is `Never`. */
  public get isNever(): boolean {
    return this.duration === undefined;
  }
}

/**
 * The disruption settings of a NodePool (`spec.disruption`).
 *
 * @see https://karpenter.sh/docs/concepts/disruption/
 */
export interface NodePoolDisruption {
  /**
   * Which nodes consolidation may remove or replace.
   *
   * @default - Karpenter's default, ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED (the field is not written)
   */
  readonly consolidationPolicy?: ConsolidationPolicy;

  /**
   * How long to wait after a pod change on a node before consolidating it.
   *
   * @default - Karpenter's default, 0 seconds (written as `0s` when another disruption field is set)
   */
  readonly consolidateAfter?: ConsolidateAfter;

  /**
   * How many nodes may be disrupted at once (at most 50 budgets; the most restrictive active one applies).
   * More can be added with `NodePool.addBudget()`.
   *
   * @default - Karpenter's default, one budget of 10%
   */
  readonly budgets?: Budget[];
}
