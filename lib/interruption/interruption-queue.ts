import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link InterruptionQueue}. */
export interface InterruptionQueueProps {
  /**
   * A customer managed KMS key to encrypt the queue with. When the key is defined in this app, its key policy lets
   * EventBridge (`events.amazonaws.com`) use it to deliver events (`kms:GenerateDataKey`, `kms:Decrypt`), only from
   * rules of this account; for an imported key, add that statement to its policy yourself.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html#eb-sqs-encrypted

   * @default - SSE-SQS (SQS managed keys), as upstream
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The SQS queue EventBridge delivers interruption events to (Spot interruption warnings, rebalance
 * recommendations, instance state changes, scheduled maintenance, capacity reservation interruptions).
 *
 * Retention is 300 seconds, as upstream: an event older than that is no longer actionable. Encrypted at rest
 * (SSE-SQS by default) and TLS-only (a queue policy denies `aws:SecureTransport=false`).
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#interruption
 */
export class InterruptionQueue extends Construct {
  /** Message retention of the queue. */
  public static readonly RETENTION_PERIOD = Duration.seconds(300);

  /** The queue. */
  public readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: InterruptionQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Resource', {
      retentionPeriod: InterruptionQueue.RETENTION_PERIOD,
      encryption: props.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
    });
    // EventBridge encrypts the events it sends with the queue's key: allow it, for this account's rules only.
    props.encryptionKey?.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowEventBridgeToSendInterruptionEvents',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*` },
      },
    }), true);
  }
}
