/**
 * Timers as a port, so backoff, resync, batching and leader election are tested with a fake clock. `FakeTimers`
 * also implements the core's Clock.
 */
import { Clock } from '../core/clock';

export interface TimerHandle { readonly id: number }

export interface Timers extends Clock {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export class RealTimers implements Timers {
  private readonly handles = new Map<number, NodeJS.Timeout>();
  private next = 0;
  now(): Date { return new Date(); }
  nowMs(): number { return Date.now(); }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.next;
    const t = setTimeout(() => {
      this.handles.delete(id);
      fn();
    }, Math.max(0, ms));
    t.unref?.();
    this.handles.set(id, t);
    return { id };
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.handles.get(handle.id);
    if (t) clearTimeout(t);
    this.handles.delete(handle.id);
  }
  /** Clears every pending timer (shutdown). */
  clearAll(): void {
    for (const t of this.handles.values()) clearTimeout(t);
    this.handles.clear();
  }
}

/** Time that only moves with `advance`; due callbacks run in time order. */
export class FakeTimers implements Timers {
  private current: number;
  private next = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date | string | number = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date { return new Date(this.current); }
  nowMs(): number { return this.current; }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.next;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return { id };
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.pending.delete(handle.id);
  }
  get pendingCount(): number { return this.pending.size; }

  /** Moves time forward, running every timer that falls due (including ones scheduled by callbacks). */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await flush();
      let dueId: number | undefined;
      let due: { at: number; fn: () => void } | undefined;
      for (const [id,
        t] of this.pending) if (t.at <= end && (!due || t.at < due.at || (t.at === due.at && id < (dueId ?? 0)))) { due = t; dueId = id; }
      if (!due || dueId === undefined) break;
      this.pending.delete(dueId);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = end;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>(resolve => setImmediate(resolve));
}

/** Exponential backoff with full jitter: base × 2^attempt capped at max, scaled by a random factor in [0.5, 1]. */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(raw * (0.5 + random() / 2));
}
