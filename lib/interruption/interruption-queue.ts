import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link InterruptionQueue}. */
export interface InterruptionQueueProps {
  /**
   * A customer managed KMS key to encrypt the queue with. EventBridge is granted use of the key by the rules.
   *
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
  }
}
