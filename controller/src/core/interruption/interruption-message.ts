/**
 * Interruption messages: what EventBridge delivers to the interruption queue, parsed into the kinds Karpenter acts on.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */

/** The kinds of message, named as upstream's `message_type` metric label. */
export enum InterruptionKind {
  SPOT_INTERRUPTED = 'spot_interrupted',
  REBALANCE_RECOMMENDATION = 'rebalance_recommendation',
  INSTANCE_STOPPED = 'instance_stopped',
  INSTANCE_TERMINATED = 'instance_terminated',
  SCHEDULED_CHANGE = 'scheduled_change',
  CAPACITY_RESERVATION_INTERRUPTED = 'capacity_reservation_interrupted',
  /** A message Karpenter does not act on (running state changes, non-EC2 Health events, unknown kinds). */
  NO_OP = 'no_op',
}

/** A parsed message. */
export interface InterruptionMessage {
  readonly kind: InterruptionKind;
  /** EventBridge event id. */
  readonly eventId: string;
  /** The EC2 instances the message is about (empty for no-ops). */
  readonly instanceIds: readonly string[];
  /** When the event happened (`time`), for the queue-duration metric; undefined when absent or not RFC 3339. */
  readonly time?: Date;
  /** The EventBridge `detail-type`, for logs. */
  readonly detailType: string;
  /** The instance state, for state-change notifications. */
  readonly state?: string;
}

/** A message body that is not a well-formed interruption event. */
export class MalformedInterruptionMessageError extends Error {
  /** Whether `error` is a MalformedInterruptionMessageError (also through `cause`). */
  public static isMalformedInterruptionMessageError(error: unknown): error is MalformedInterruptionMessageError {
    for (let current = error; current instanceof Error; current = current.cause) {
      if (current instanceof MalformedInterruptionMessageError) {
        return true;
      }
    }
    return false;
  }

  constructor(message: string) {
    super(message);
    this.name = 'MalformedInterruptionMessageError';
  }
}
