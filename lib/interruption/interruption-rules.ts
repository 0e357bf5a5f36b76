import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INTERRUPTION_EVENT_KINDS } from '../shared/interruption-events';

/** Properties of {@link InterruptionRules}. */
export interface InterruptionRulesProps {
  /**
   * The queue every rule targets. Each rule gets a statement in the queue policy allowing `sqs:SendMessage` from
   * EventBridge for that rule only (`aws:SourceArn`). For an imported queue, whose policy CDK cannot change, add
   * such statements yourself.
   */
  readonly queue: sqs.IQueue;
}

/**
 * Targets the queue and lets exactly this rule send to it. Unlike `aws-events-targets.SqsQueue`, it grants only
 * `sqs:SendMessage` (as upstream) and keeps the `aws:SourceArn` condition when the queue has a customer managed key,
 * without an unconditional grant on the key (the queue construct scopes the key policy itself).
 */
class InterruptionQueueTarget implements events.IRuleTarget {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(rule: events.IRule, _id?: string): events.RuleTargetConfig {
    this.queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [this.queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }));
    return { arn: this.queue.queueArn };
  }
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
    const target = new InterruptionQueueTarget(props.queue);
    this.rules = INTERRUPTION_EVENT_KINDS.map((kind) => new events.Rule(this, kind.ruleId, {
      description: `Karpenter interruption handling: ${kind.detailType} (${kind.source})`,
      eventPattern: { source: [kind.source], detailType: [kind.detailType] },
      targets: [target],
    }));
  }
}
