import { Duration } from 'cdk8s';

/**
 * How long a node lives before Karpenter replaces it (`spec.template.spec.expireAfter`): a duration or never.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#expiration
 */
export class ExpireAfter {
  /** Nodes expire `duration` (whole seconds) after they are created, e.g. `Duration.days(30)` (rendered `720h`). */
  public static after(duration: Duration): ExpireAfter {
    return new ExpireAfter(duration);
  }

  /** Nodes never expire (`Never`). */
  public static never(): ExpireAfter {
    return new ExpireAfter(undefined);
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
