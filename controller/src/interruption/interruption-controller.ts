/**
 * The interruption controller (leader only): long-polls the interruption queue (10 messages, 20 s), parses each
 * message by (version, source, detail-type), plans (`planInterruption`), acts (deletes NodeClaims, marks offerings
 * unavailable, records events), then deletes the message.
 *
 * Never a crash and never a poison message: malformed bodies, missing fields and unknown instance IDs are logged with
 * the message ID, counted and deleted. A message whose action failed (API server unavailable) stays on the queue and
 * is redelivered, at most `maxReceives` times. Duplicates (SQS is at-least-once) are acted on once: event IDs already
 * acted on are remembered for `dedupeTtlMs`. SQS errors back off exponentially and the loop goes on.
 *
 * @see https://github.com/aws/karpenter-provider-aws/blob/main/pkg/controllers/interruption/controller.go
 */
import { Message } from '@aws-sdk/client-sqs';
import { SqsApi } from './sqs-api';
import { awsErrorCode } from '../aws/errors';
import { InterruptionKind, InterruptionMessage, MalformedInterruptionMessageError } from '../core/interruption/interruption-message';
import { parseInterruptionMessage } from '../core/interruption/parse-interruption-message';
import { InterruptedNodeClaim, planInterruption } from '../core/interruption/plan-interruption';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_NODEPOOL, LABEL_ZONE } from '../core/labels';
import { ClusterState } from '../core/state/cluster-state';
import { EventRecorder, involvedNodeClaim, KubeWriter } from '../core/state/ports';
import { backoff, TimerHandle, Timers } from '../kube/timers';
import { errorField, Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';

/** The `message_type` label of a body that could not be parsed. */
export const MALFORMED_MESSAGE_TYPE = 'malformed';

export interface InterruptionControllerOptions {
  readonly sqs: SqsApi;
  /** The queue name (INTERRUPTION_QUEUE); its URL is resolved with GetQueueUrl. */
  readonly queueName: string;
  readonly cluster: ClusterState;
  readonly writer: Pick<KubeWriter, 'deleteNodeClaim'>;
  readonly events: EventRecorder;
  /** The AWS provider's unavailable-offerings cache. */
  readonly unavailableOfferings?: { markUnavailable(instanceType: string, zone: string, capacityType: string): void };
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly timers: Timers;
  /** True while this replica leads and its cluster state is synced: the controller polls only then. */
  readonly active: () => boolean;
  /** How often to check `active` while inactive. @default 1000 */
  readonly idleMs?: number;
  /** Backoff after an SQS error. @default 1000 .. 60000 */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Long poll. @default 20 */
  readonly waitTimeSeconds?: number;
  /** A message whose action keeps failing is deleted after this many receives. @default 10 */
  readonly maxReceives?: number;
  /** @default 600000 (10 min, twice the queue's retention) */
  readonly dedupeTtlMs?: number;
  readonly random?: () => number;
}

/** What became of one message. */
export type MessageOutcome = 'acted' | 'no-op' | 'duplicate' | 'malformed' | 'retry' | 'dropped';

/** `aws:///us-west-2a/i-0123` (or any `<scheme>:///<zone>/<id>`) -> `i-0123`. */
export function instanceIdOf(providerID: string | undefined): string | undefined {
  if (!providerID) return undefined;
  const id = providerID.slice(providerID.lastIndexOf('/') + 1);
  return id === '' ? undefined : id;
}

export class InterruptionController {
  /** Counters for tests and the faults table. */
  readonly stats = {
    received: 0, deleted: 0, malformed: 0, duplicates: 0, unknownInstances: 0, actionFailures: 0, pollFailures: 0, nodeClaimsDeleted: 0,
  };
  private queueUrl: string | undefined;
  private readonly seen = new Map<string, number>();
  private started = false;
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  private sleeping: { handle: TimerHandle; resolve: () => void } | undefined;
  private abort: AbortController | undefined;
  private failures = 0;

  constructor(private readonly opts: InterruptionControllerOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake();
    // an SQS call that ignores the abort must not hold shutdown
    await Promise.race([this.loopDone, new Promise(resolve => setTimeout(resolve, 5_000).unref())]);
  }

  private async loop(): Promise<void> {
    const { logger, active } = this.opts;
    while (!this.stopped) {
      if (!active()) {
        await this.sleep(this.opts.idleMs ?? 1_000);
        continue;
      }
      try {
        await this.pollOnce();
        this.failures = 0;
      } catch (e) {
        if (this.stopped) break;
        this.stats.pollFailures++;
        const delay = backoff(this.failures++, this.opts.backoffBaseMs ?? 1_000, this.opts.backoffMaxMs ?? 60_000, this.opts.random);
        logger.error('failed polling interruption queue', { queue: this.opts.queueName, error: errorField(e), retryAfterMs: delay });
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise(resolve => {
      const handle = this.opts.timers.setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { handle, resolve };
    });
  }

  private wake(): void {
    const s = this.sleeping;
    if (!s) return;
    this.sleeping = undefined;
    this.opts.timers.clearTimeout(s.handle);
    s.resolve();
  }

  private async resolveQueueUrl(): Promise<string> {
    if (!this.queueUrl) {
      let out;
      try {
        out = await this.opts.sqs.getQueueUrl({ QueueName: this.opts.queueName });
      } catch (cause) {
        throw new Error(`resolving the URL of interruption queue ${this.opts.queueName}`, { cause });
      }
      if (!out.QueueUrl) throw new Error(`GetQueueUrl returned no URL for interruption queue ${this.opts.queueName}`);
      this.queueUrl = out.QueueUrl;
    }
    return this.queueUrl;
  }

  /** One long poll and the handling of what it returned; returns the number of messages received. */
  async pollOnce(): Promise<number> {
    const url = await this.resolveQueueUrl();
    this.abort = new AbortController();
    let messages: Message[];
    try {
      const out = await this.opts.sqs.receiveMessage({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: this.opts.waitTimeSeconds ?? 20,
        VisibilityTimeout: 20,
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }, { abortSignal: this.abort.signal });
      messages = out.Messages ?? [];
    } catch (cause) {
      if (awsErrorCode(cause) === 'AWS.SimpleQueueService.NonExistentQueue' || awsErrorCode(cause) === 'QueueDoesNotExist') this.queueUrl = undefined;
      throw new Error(`receiving from interruption queue ${this.opts.queueName}`, { cause });
    } finally {
      this.abort = undefined;
    }
    for (const m of messages) {
      if (this.stopped) break; // not deleted: redelivered to the next leader
      const { outcome, messageType } = await this.handle(m);
      if (outcome === 'retry') continue;
      await this.deleteMessage(url, m, messageType);
    }
    return messages.length;
  }

  private async deleteMessage(url: string, m: Message, messageType: string): Promise<void> {
    try {
      await this.opts.sqs.deleteMessage({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
      this.stats.deleted++;
      this.opts.metrics?.interruptionDeleted.inc({ message_type: messageType });
    } catch (e) {
      // redelivered later, and then recognized as a duplicate
      this.opts.logger.error('failed deleting interruption message', { queue: this.opts.queueName, messageId: m.MessageId, error: errorField(e) });
    }
  }

  private pruneSeen(now: number): void {
    if (this.seen.size < 1000) return;
    for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
  }

  /** Parses, plans and acts on one message; says whether to delete it. */
  async handle(m: Message): Promise<{ outcome: MessageOutcome; messageType: string }> {
    const { logger, metrics, timers } = this.opts;
    const messageId = m.MessageId ?? '';
    this.stats.received++;
    let msg: InterruptionMessage;
    try {
      msg = parseInterruptionMessage(m.Body ?? '');
    } catch (e) {
      if (!MalformedInterruptionMessageError.isMalformedInterruptionMessageError(e)) throw e;
      this.stats.malformed++;
      metrics?.interruptionReceived.inc({ message_type: MALFORMED_MESSAGE_TYPE });
      logger.error('failed parsing interruption message, deleting it', { queue: this.opts.queueName, messageId, error: errorField(e) });
      return { outcome: 'malformed', messageType: MALFORMED_MESSAGE_TYPE };
    }
    const messageType = msg.kind;
    metrics?.interruptionReceived.inc({ message_type: messageType });
    const now = timers.nowMs();
    const sent = Number(m.Attributes?.SentTimestamp ?? NaN);
    const since = Number.isFinite(sent) ? sent : msg.time?.getTime();
    if (since !== undefined && Number.isFinite(since)) metrics?.interruptionQueueDuration.observe(Math.max(0, now - since) / 1000);
    if (msg.kind === InterruptionKind.NO_OP) return { outcome: 'no-op', messageType };

    const dedupeKey = `${msg.kind}/${msg.eventId}`;
    const until = this.seen.get(dedupeKey);
    if (until !== undefined && until > now) {
      this.stats.duplicates++;
      logger.debug('duplicate interruption message, already handled', { queue: this.opts.queueName, messageId, eventId: msg.eventId });
      return { outcome: 'duplicate', messageType };
    }

    const byInstance = new Map<string, InterruptedNodeClaim>();
    for (const nc of this.opts.cluster.nodeClaims.values()) {
      const id = instanceIdOf(nc.status?.providerID);
      if (!id) continue;
      const labels = nc.metadata.labels ?? {};
      byInstance.set(id, {
        name: nc.metadata.name,
        instanceType: labels[LABEL_INSTANCE_TYPE] ?? '',
        zone: labels[LABEL_ZONE] ?? '',
        capacityType: labels[LABEL_CAPACITY_TYPE] ?? '',
      });
    }
    const plan = planInterruption(msg, byInstance);
    if (plan.unknownInstanceIds.length > 0) {
      this.stats.unknownInstances += plan.unknownInstanceIds.length;
      logger.info('interruption message names no nodeclaim of this cluster, ignoring', {
        queue: this.opts.queueName, messageId, messageKind: msg.kind, instanceIds: plan.unknownInstanceIds,
      });
    }
    for (const o of plan.unavailableOfferings) {
      if (o.instanceType && o.zone && o.capacityType) this.opts.unavailableOfferings?.markUnavailable(o.instanceType, o.zone, o.capacityType);
    }
    for (const e of plan.events) {
      const nc = this.opts.cluster.nodeClaims.get(e.nodeClaim);
      this.opts.events.publish({
        object: involvedNodeClaim(nc ?? { metadata: { name: e.nodeClaim } }),
        type: msg.kind === InterruptionKind.REBALANCE_RECOMMENDATION ? 'Normal' : 'Warning',
        reason: e.reason,
        message: e.message,
      });
    }
    try {
      for (const name of plan.deleteNodeClaims) {
        const nc = this.opts.cluster.nodeClaims.get(name);
        if (!nc || nc.metadata.deletionTimestamp) continue;
        logger.info('initiating delete from interruption message', {
          queue: this.opts.queueName,
          messageId,
          messageKind: msg.kind,
          NodeClaim: { name },
          NodePool: { name: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' },
          action: 'CordonAndDrain',
        });
        await this.opts.writer.deleteNodeClaim(name);
        this.stats.nodeClaimsDeleted++;
        metrics?.nodeClaimsDisrupted.inc({
          reason: msg.kind, nodepool: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '', capacity_type: nc.metadata.labels?.[LABEL_CAPACITY_TYPE] ?? '',
        });
      }
    } catch (e) {
      this.stats.actionFailures++;
      const receives = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
      if (receives >= (this.opts.maxReceives ?? 10)) {
        logger.error('failed acting on interruption message too many times, deleting it', {
          queue: this.opts.queueName, messageId, messageKind: msg.kind, receives, error: errorField(e),
        });
        return { outcome: 'dropped', messageType };
      }
      logger.error('failed acting on interruption message, leaving it for redelivery', {
        queue: this.opts.queueName, messageId, messageKind: msg.kind, error: errorField(e),
      });
      return { outcome: 'retry', messageType };
    }
    this.seen.set(dedupeKey, now + (this.opts.dedupeTtlMs ?? 600_000));
    this.pruneSeen(now);
    return { outcome: 'acted', messageType };
  }
}
