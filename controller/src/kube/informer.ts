/**
 * A shared informer: list, then watch from the list's resourceVersion; relist on 410 Gone; backoff with jitter on
 * errors; periodic resync (every object is re-delivered as an update); `hasSynced()` once the first list is stored.
 * Handlers never throw into the informer: a failing handler is logged and the next object is delivered.
 */
import { isGone, KubeApi, KubeObject, keyOf, statusCodeOf, WatchEventType, WatchHandle } from './api';
import { ApiResource } from './resources';
import { backoff, TimerHandle, Timers } from './timers';
import { errorField, Logger } from '../observability/logger';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T> {
  readonly api: KubeApi;
  readonly resource: ApiResource;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Re-deliver every object as an update this often. 0 disables. @default 300000 (5 min) */
  readonly resyncMs?: number;
  /** Server-side watch timeout (the watch is restarted from the last resourceVersion). @default 300 */
  readonly watchTimeoutSeconds?: number;
  /** @default 500 */
  readonly backoffBaseMs?: number;
  /** @default 30000 */
  readonly backoffMaxMs?: number;
  readonly random?: () => number;
  /** Drops what the controller never reads (managedFields), to keep the cache small. */
  readonly transform?: (obj: T) => T;
}

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private running = false;
  private resourceVersion = '';
  private attempt = 0;
  private generation = 0;
  private watchHandle: WatchHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  /** Counters for tests and logs. */
  readonly stats = { lists: 0, watches: 0, relistsOnGone: 0, errors: 0 };

  constructor(private readonly opts: InformerOptions<T>) {}

  get resource(): ApiResource {
    return this.opts.resource;
  }

  on(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(): T[] {
    return [...this.store.values()];
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.relist();
    this.scheduleResync();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.watchHandle?.stop();
    this.watchHandle = undefined;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.opts.timers.clearTimeout(this.resyncTimer);
  }

  private get kind(): string {
    return this.opts.resource.kind;
  }

  private async relist(): Promise<void> {
    if (!this.running) return;
    const gen = ++this.generation;
    this.watchHandle?.stop();
    this.watchHandle = undefined;
    this.stats.lists++;
    let result;
    try {
      result = await this.opts.api.list<T>(this.opts.resource);
    } catch (e) {
      if (gen !== this.generation) return;
      this.retry(e, 'listing', () => void this.relist());
      return;
    }
    if (gen !== this.generation || !this.running) return;
    const seen = new Set<string>();
    for (const raw of result.items) {
      const obj = this.transform(raw);
      const key = keyOf(obj);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
    }
    for (const [key, old] of [...this.store]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.emit('delete', old);
    }
    this.resourceVersion = result.resourceVersion;
    this.attempt = 0;
    if (!this.synced) {
      this.synced = true;
      this.opts.logger.debug('informer synced', { kind: this.kind, count: this.store.size });
    }
    void this.startWatch(gen);
  }

  private async startWatch(gen: number): Promise<void> {
    if (!this.running || gen !== this.generation) return;
    this.stats.watches++;
    let gone = false;
    const onEvent = (type: WatchEventType, raw: T) => {
      if (gen !== this.generation) return;
      if (type === 'ERROR') {
        const status = raw as unknown as { code?: number; message?: string };
        if (status.code === 410) gone = true;
        else this.opts.logger.warn('watch error event', { kind: this.kind, code: status.code, error: status.message });
        return;
      }
      const rv = raw.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (type === 'BOOKMARK') return;
      this.attempt = 0;
      const obj = this.transform(raw);
      const key = keyOf(obj);
      const old = this.store.get(key);
      if (type === 'DELETED') {
        this.store.delete(key);
        this.emit('delete', old ?? obj);
        return;
      }
      this.store.set(key, obj);
      if (old) this.emit('update', obj, old);
      else this.emit('add', obj);
    };
    const onDone = (err?: unknown) => {
      if (gen !== this.generation || !this.running) return;
      this.watchHandle = undefined;
      if (gone || isGone(err)) {
        this.stats.relistsOnGone++;
        this.opts.logger.debug('watch expired (410 Gone), relisting', { kind: this.kind });
        void this.relist();
        return;
      }
      if (err) {
        this.retry(err, 'watching', () => void this.startWatch(gen));
        return;
      }
      void this.startWatch(gen);
    };
    try {
      const handle = await this.opts.api.watch<T>(this.opts.resource, this.resourceVersion, onEvent, onDone, {
        timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300,
      });
      if (gen !== this.generation || !this.running) handle.stop();
      else this.watchHandle = handle;
    } catch (e) {
      if (gen !== this.generation) return;
      if (isGone(e)) {
        this.stats.relistsOnGone++;
        void this.relist();
        return;
      }
      this.retry(e, 'watching', () => void this.startWatch(gen));
    }
  }

  private retry(err: unknown, what: string, fn: () => void): void {
    if (!this.running) return;
    this.stats.errors++;
    const delay = backoff(this.attempt++, this.opts.backoffBaseMs ?? 500, this.opts.backoffMaxMs ?? 30_000, this.opts.random);
    this.opts.logger.warn(`failed ${what} ${this.kind}, retrying`, { kind: this.kind, code: statusCodeOf(err), error: errorField(err), retryAfterMs: delay });
    this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.opts.timers.setTimeout(fn, delay);
  }

  private scheduleResync(): void {
    const every = this.opts.resyncMs ?? 300_000;
    if (!every || !this.running) return;
    this.resyncTimer = this.opts.timers.setTimeout(() => {
      if (!this.running) return;
      if (this.synced) for (const obj of this.store.values()) this.emit('update', obj, obj);
      this.scheduleResync();
    }, every);
  }

  private transform(obj: T): T {
    if (obj.metadata && 'managedFields' in obj.metadata) delete (obj.metadata as Record<string, unknown>).managedFields;
    return this.opts.transform ? this.opts.transform(obj) : obj;
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        if (kind === 'add') h.add?.(obj);
        else if (kind === 'update') h.update?.(old as T, obj);
        else h.delete?.(obj);
      } catch (e) {
        this.opts.logger.error('informer handler failed', { kind: this.kind, name: keyOf(obj), error: errorField(e) });
      }
    }
  }
}
