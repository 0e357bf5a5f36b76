/**
 * The EventBridge events Karpenter reacts to, written once and used by both the EventBridge rules
 * (the construct library) and the interruption message parser (the controller).
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 * @see https://github.com/aws/karpenter-provider-aws/tree/main/pkg/controllers/interruption/messages
 */

/** One kind of interruption event: the EventBridge `source` and `detail-type` that identify it. */
export interface InterruptionEventKind {
  /** Construct ID of the EventBridge rule that forwards this kind to the queue (part of the contract: do not rename). */
  readonly ruleId: string;
  /** EventBridge `source` field, e.g. `aws.ec2`. */
  readonly source: string;
  /** EventBridge `detail-type` field, e.g. `EC2 Spot Instance Interruption Warning`. */
  readonly detailType: string;
}

/** AWS Health events (scheduled maintenance of EC2 instances among them). */
export const HEALTH_EVENT: InterruptionEventKind = {
  ruleId: 'ScheduledChangeRule',
  source: 'aws.health',
  detailType: 'AWS Health Event',
};

/** Two-minute warning before EC2 reclaims a Spot instance. */
export const SPOT_INTERRUPTION_WARNING: InterruptionEventKind = {
  ruleId: 'SpotInterruptionRule',
  source: 'aws.ec2',
  detailType: 'EC2 Spot Instance Interruption Warning',
};

/** A Spot instance is at elevated risk of interruption. */
export const REBALANCE_RECOMMENDATION: InterruptionEventKind = {
  ruleId: 'RebalanceRule',
  source: 'aws.ec2',
  detailType: 'EC2 Instance Rebalance Recommendation',
};

/** An instance changed state (stopping, stopped, shutting-down, terminated, running...). */
export const INSTANCE_STATE_CHANGE: InterruptionEventKind = {
  ruleId: 'InstanceStateChangeRule',
  source: 'aws.ec2',
  detailType: 'EC2 Instance State-change Notification',
};

/** An instance in an interruptible capacity reservation is about to be reclaimed. */
export const CAPACITY_RESERVATION_INTERRUPTION_WARNING: InterruptionEventKind = {
  ruleId: 'CapacityReservationInterruptionRule',
  source: 'aws.ec2',
  detailType: 'EC2 Capacity Reservation Instance Interruption Warning',
};

/** Every kind, in the order of the upstream CloudFormation template. */
export const INTERRUPTION_EVENT_KINDS: readonly InterruptionEventKind[] = [
  HEALTH_EVENT,
  SPOT_INTERRUPTION_WARNING,
  REBALANCE_RECOMMENDATION,
  INSTANCE_STATE_CHANGE,
  CAPACITY_RESERVATION_INTERRUPTION_WARNING,
];
