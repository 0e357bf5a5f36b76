/**
 * An in-memory SQS queue behind the narrow `SqsApi`: at-least-once delivery with a visibility timeout (on the given
 * clock), receive counts, SentTimestamp, duplicate sends, and an "unavailable" switch that fails every call.
 */
import { Message } from '@aws-sdk/client-sqs';
import { SqsApi } from '../../../controller/src/interruption/sqs-api';

export const QUEUE_NAME = 'demo';
export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/demo';

interface Stored { id: string; body: string; sent: number; visibleAt: number; receives: number; receipt?: string }

export function sqsError(name: string): Error {
  return Object.assign(new Error(name), { name, Code: name });
}

export class FakeSqs implements SqsApi {
  readonly stored: Stored[] = [];
  /** Every DeleteMessage that removed a message: its MessageId. */
  readonly deletedIds: string[] = [];
  readonly calls: Array<{ command: string; input: any }> = [];
  /** While set, every call throws it (SQS unavailable). */
  failWith: Error | undefined;
  private seq = 0;

  private wakeUp: (() => void) | undefined;

  /**
   * @param now the clock of visibility timeouts and SentTimestamp
   * @param sleep waits `ms` on the test's clock: an empty long poll waits WaitTimeSeconds, or until a message is sent
   */
  constructor(private readonly now: () => number, private readonly sleep: (ms: number) => Promise<void>, private readonly visibilityMs = 20_000) {}

  send(body: string, id = `m-${++this.seq}`): string {
    this.stored.push({ id, body, sent: this.now(), visibleAt: 0, receives: 0 });
    this.wakeUp?.();
    return id;
  }

  get depth(): number {
    return this.stored.length;
  }

  async getQueueUrl(input: { QueueName?: string }) {
    this.calls.push({ command: 'GetQueueUrl', input });
    if (this.failWith) throw this.failWith;
    if (input.QueueName !== QUEUE_NAME) throw sqsError('QueueDoesNotExist');
    return { QueueUrl: QUEUE_URL };
  }

  async receiveMessage(input: { QueueUrl?: string; MaxNumberOfMessages?: number; WaitTimeSeconds?: number },
    options?: { abortSignal?: AbortSignal }) {
    this.calls.push({ command: 'ReceiveMessage', input });
    if (options?.abortSignal?.aborted) throw sqsError('AbortError');
    if (this.failWith) throw this.failWith;
    const now = this.now();
    const out: Message[] = [];
    for (const m of this.stored) {
      if (out.length >= (input.MaxNumberOfMessages ?? 1)) break;
      if (m.visibleAt > now) continue;
      m.receives++;
      m.visibleAt = now + this.visibilityMs;
      m.receipt = `${m.id}#${m.receives}`;
      const Attributes = { SentTimestamp: String(m.sent), ApproximateReceiveCount: String(m.receives) };
      out.push({ MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body, Attributes });
    }
    if (out.length === 0) {
      await new Promise<void>(resolve => {
        this.wakeUp = resolve;
        options?.abortSignal?.addEventListener('abort', () => resolve());
        void this.sleep((input.WaitTimeSeconds ?? 0) * 1000).then(() => resolve());
      });
      this.wakeUp = undefined;
    }
    return { Messages: out };
  }

  async deleteMessage(input: { QueueUrl?: string; ReceiptHandle?: string }) {
    this.calls.push({ command: 'DeleteMessage', input });
    if (this.failWith) throw this.failWith;
    const i = this.stored.findIndex(m => m.receipt === input.ReceiptHandle);
    if (i >= 0) {
      this.deletedIds.push(this.stored[i].id);
      this.stored.splice(i, 1);
    }
    return {};
  }
}
