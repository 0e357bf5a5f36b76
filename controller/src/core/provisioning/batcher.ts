/**
 * Provisioning batches: the first trigger opens a window that closes when no trigger came for `idleMs`, or `maxMs`
 * after it opened, whichever is first (BATCH_IDLE_DURATION / BATCH_MAX_DURATION). A trigger during a run opens the
 * next window, which never closes before the run has finished: runs never overlap.
 *
 * A run that fails (throws, e.g. the API server refused a NodeClaim create) is retried on its own with bounded
 * exponential backoff (`retryBaseMs` doubling up to `retryMaxMs`), so pending pods do not wait for the next pod
 * event or informer resync; the backoff resets after a run that succeeds.
 */
import { TimerHandle, Timers } from '../../kube/timers';

export interface BatcherOptions {
  readonly idleMs: number;
  readonly maxMs: number;
  readonly timers: Timers;
  readonly run: () => Promise<void>;
  readonly onError?: (e: unknown) => void;
  /** First retry delay after a failed run. @default 1000 */
  readonly retryBaseMs?: number;
  /** Longest retry delay (the doubling stops there). @default 30000 */
  readonly retryMaxMs?: number;
}

/** The delay before retrying after `failures` consecutive failed runs (1 → base, doubling, capped at max). */
export function retryDelayMs(failures: number, baseMs = 1_000, maxMs = 30_000): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

export class Batcher {
  private open = false;
  private idle: TimerHandle | undefined;
  private max: TimerHandle | undefined;
  private retry: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Completed runs (tests). */
  runs = 0;
  /** Consecutive failed runs (0 after a success). */
  failures = 0;

  constructor(private readonly opts: BatcherOptions) {}

  trigger(): void {
    if (this.stopped) return;
    const t = this.opts.timers;
    t.clearTimeout(this.idle);
    this.idle = t.setTimeout(() => this.close(), this.opts.idleMs);
    if (!this.open) {
      this.open = true;
      this.max = t.setTimeout(() => this.close(), this.opts.maxMs);
    }
  }

  /** Waits for the run in progress (shutdown, tests). */
  async idleWait(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.idle);
    this.opts.timers.clearTimeout(this.max);
    this.opts.timers.clearTimeout(this.retry);
    this.retry = undefined;
    this.open = false;
  }

  private close(): void {
    if (!this.open) return;
    if (this.running) {
      // the window is due but a run is in progress: close right after it
      this.opts.timers.clearTimeout(this.idle);
      this.idle = undefined;
      void this.running.then(() => this.close());
      return;
    }
    this.open = false;
    this.opts.timers.clearTimeout(this.idle);
    this.opts.timers.clearTimeout(this.max);
    this.idle = this.max = undefined;
    // this run supersedes a scheduled retry; its own outcome decides the next one
    this.opts.timers.clearTimeout(this.retry);
    this.retry = undefined;
    const p = this.opts.run().then(() => this.succeeded(), e => this.failed(e)).finally(() => {
      this.runs++;
      this.running = undefined;
    });
    this.running = p;
  }

  private succeeded(): void {
    this.failures = 0;
  }

  private failed(e: unknown): void {
    this.opts.onError?.(e);
    if (this.stopped) return;
    this.failures++;
    const t = this.opts.timers;
    t.clearTimeout(this.retry);
    this.retry = t.setTimeout(() => this.retryNow(), retryDelayMs(this.failures, this.opts.retryBaseMs, this.opts.retryMaxMs));
  }

  /** Runs again at once, unless a window is already open (it runs soon, and counts as the retry). */
  private retryNow(): void {
    this.retry = undefined;
    if (this.stopped || this.open) return;
    this.open = true;
    this.close();
  }
}
