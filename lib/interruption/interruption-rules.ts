import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INTERRUPTION_EVENT_KINDS } from '../shared/interruption-events';

/** Properties of {@link InterruptionRules}. */
export interface InterruptionRulesProps {
  /** The queue every rule targets. */
  readonly queue: sqs.IQueue;
}

/**
 * The five EventBridge rules on the default bus that forward interruption events to the queue: AWS Health
 * events, EC2 Spot Instance Interruption Warning, EC2 Instance Rebalance Recommendation, EC2 Instance
 * State-change Notification and EC2 Capacity Reservation Instance Interruption Warning.
 *
 * The queue policy lets each rule (and only these rules, by `aws:SourceArn`) send messages.
 *
 * @see https://karpenter.sh/docs/reference/cloudformation/#interruption-handling
 */
export class InterruptionRules extends Construct {
  /** The rules, in the order of the upstream template. */
  public readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: InterruptionRulesProps) {
    super(scope, id);
    this.rules = INTERRUPTION_EVENT_KINDS.map((kind) => new events.Rule(this, kind.ruleId, {
      description: `Karpenter interruption handling: ${kind.detailType} (${kind.source})`,
      eventPattern: { source: [kind.source], detailType: [kind.detailType] },
      targets: [new targets.SqsQueue(props.queue)],
    }));
  }
}
