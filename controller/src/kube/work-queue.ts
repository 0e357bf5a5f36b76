/**
 * A per-key work queue with client-go semantics: a key is queued at most once; a key added while it is being
 * processed is processed again after (never concurrently); failures are retried with per-key exponential backoff
 * (`addRateLimited`) until `forget`. `runWorkers` drives a reconcile function with bounded concurrency.
 */
import { isConflict, isNotFound } from './api';
import { backoff, TimerHandle, Timers } from './timers';
import { errorField, Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';

export interface WorkQueueOptions {
  readonly name: string;
  readonly timers: Timers;
  /** @default 5 */
  readonly baseDelayMs?: number;
  /** @default 300000 */
  readonly maxDelayMs?: number;
  readonly metrics?: Metrics;
  readonly random?: () => number;
}

/** What a reconcile asks for: nothing, or to be called again after a delay. */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

export class WorkQueue<K extends string = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; handle: TimerHandle }>();
  private readonly addedAt = new Map<K, number>();
  private waiters: Array<(k: K | undefined) => void> = [];
  private shuttingDown = false;

  constructor(private readonly opts: WorkQueueOptions) {}

  get length(): number {
    return this.queue.length;
  }

  get name(): string {
    return this.opts.name;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.opts.metrics?.workqueueAdds.inc({ name: this.opts.name, controller: this.opts.name });
    this.dirty.add(key);
    this.addedAt.set(key, this.opts.timers.nowMs());
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observeQueued(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.depth();
  }

  /** Adds the key after `ms` (an earlier pending delay wins). */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.opts.timers.nowMs() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.opts.timers.clearTimeout(existing.handle);
    const handle = this.opts.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Adds the key after its per-key backoff (5 ms, 10 ms, 20 ms ... up to 5 min). */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.opts.metrics?.workqueueRetries.inc({ name: this.opts.name, controller: this.opts.name });
    this.addAfter(key, backoff(n, this.opts.baseDelayMs ?? 5, this.opts.maxDelayMs ?? 300_000, this.opts.random ?? (() => 1)));
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key (waits for one); undefined after shutdown. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observeQueued(key);
      this.depth();
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  /** Marks the key processed; re-queues it when it was added meanwhile. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const d of this.delayed.values()) this.opts.timers.clearTimeout(d.handle);
    this.delayed.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
  }

  private observeQueued(key: K): void {
    const at = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (at !== undefined) {
      this.opts.metrics?.workqueueQueueDuration.observe({ name: this.opts.name, controller: this.opts.name },
        (this.opts.timers.nowMs() - at) / 1000);
    }
  }

  private depth(): void {
    this.opts.metrics?.workqueueDepth.set({ name: this.opts.name, controller: this.opts.name }, this.queue.length);
  }
}

export interface WorkerOptions<K extends string> {
  readonly queue: WorkQueue<K>;
  readonly reconcile: (key: K) => Promise<ReconcileResult | void>;
  readonly concurrency?: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Only process while this returns true (leader election); keys are dropped otherwise. */
  readonly active?: () => boolean;
}

/** Runs workers until the queue shuts down; resolves when all have stopped. Errors are logged and retried. */
export async function runWorkers<K extends string>(o: WorkerOptions<K>): Promise<void> {
  const controller = o.queue.name;
  const worker = async () => {
    for (let key = await o.queue.get(); key !== undefined; key = await o.queue.get()) {
      if (o.active && !o.active()) {
        o.queue.done(key);
        continue;
      }
      const end = o.metrics?.reconcileTime.startTimer({ controller });
      try {
        const result = await o.reconcile(key);
        o.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) o.queue.addAfter(key, result.requeueAfterMs);
        o.metrics?.reconcileTotal.inc({ controller, result: result?.requeueAfterMs !== undefined ? 'requeue_after' : 'success' });
      } catch (e) {
        if (isNotFound(e)) {
          // the object went away while we worked on a cached copy: nothing left to do (client.IgnoreNotFound)
          o.logger.debug('object gone, dropping', { controller, name: key });
          o.queue.forget(key);
          continue;
        }
        o.metrics?.reconcileTotal.inc({ controller, result: 'error' });
        o.metrics?.reconcileErrors.inc({ controller });
        // a conflict only means our copy was stale: retry quietly, as controller-runtime users do
        if (isConflict(e)) o.logger.debug('conflict, retrying', { controller, name: key });
        else o.logger.error('Reconciler error', { controller, name: key, error: errorField(e) });
        o.queue.addRateLimited(key);
      } finally {
        end?.();
        o.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 1 }, () => worker()));
}
