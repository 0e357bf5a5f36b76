/**
 * Provisioning batches: the first trigger opens a window that closes when no trigger came for `idleMs`, or `maxMs`
 * after it opened, whichever is first (BATCH_IDLE_DURATION / BATCH_MAX_DURATION). A trigger during a run opens the
 * next window, which never closes before the run has finished: runs never overlap.
 */
import { TimerHandle, Timers } from '../../kube/timers';

export interface BatcherOptions {
  readonly idleMs: number;
  readonly maxMs: number;
  readonly timers: Timers;
  readonly run: () => Promise<void>;
  readonly onError?: (e: unknown) => void;
}

export class Batcher {
  private open = false;
  private idle: TimerHandle | undefined;
  private max: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Completed runs (tests). */
  runs = 0;

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
    const p = this.opts.run().catch(e => this.opts.onError?.(e)).finally(() => {
      this.runs++;
      this.running = undefined;
    });
    this.running = p;
  }
}
