import { ApiError, KubeApi, KubeObject, WatchEventType } from '../../../controller/src/kube/api';
import { Informer } from '../../../controller/src/kube/informer';
import { LeaderElector } from '../../../controller/src/kube/leader-election';
import { NODES } from '../../../controller/src/kube/resources';
import { backoff, FakeTimers, flush } from '../../../controller/src/kube/timers';
import { runWorkers, WorkQueue } from '../../../controller/src/kube/work-queue';
import { MemoryLogger } from '../../../controller/src/observability/logger';

type Watch = { onEvent: (t: WatchEventType, o: KubeObject) => void; onDone: (e?: unknown) => void; rv: string; stopped: boolean };

/** An in-memory KubeApi: list results and watch streams driven by the test; leases stored with conflicts. */
class ScriptedApi implements Partial<KubeApi> {
  listResults: Array<{ items: KubeObject[]; resourceVersion: string } | Error> = [];
  lists = 0;
  watches: Watch[] = [];
  leases = new Map<string, KubeObject>();
  rv = 1;
  async list<T extends KubeObject>(): Promise<{ items: T[]; resourceVersion: string }> {
    this.lists++;
    const r = this.listResults.shift() ?? { items: [], resourceVersion: '1' };
    if (r instanceof Error) throw r;
    return r as { items: T[]; resourceVersion: string };
  }
  async watch<T extends KubeObject>(_res: unknown, rv: string, onEvent: (t: WatchEventType, o: T) => void, onDone: (e?: unknown) => void) {
    const w: Watch = { onEvent: onEvent as Watch['onEvent'], onDone, rv, stopped: false };
    this.watches.push(w);
    return { stop: () => { w.stopped = true; } };
  }
  async get<T extends KubeObject>(_res: unknown, name: string): Promise<T> {
    const l = this.leases.get(name);
    if (!l) throw new ApiError(404, 'NotFound', 'not found');
    return JSON.parse(JSON.stringify(l)) as T;
  }
  async create<T extends KubeObject>(_res: unknown, obj: T): Promise<T> {
    if (this.leases.has(obj.metadata!.name!)) throw new ApiError(409, 'AlreadyExists', 'exists');
    const o = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.leases.set(obj.metadata!.name!, o);
    return o;
  }
  async replace<T extends KubeObject>(_res: unknown, obj: T): Promise<T> {
    const cur = this.leases.get(obj.metadata!.name!);
    if (!cur || cur.metadata!.resourceVersion !== obj.metadata!.resourceVersion) throw new ApiError(409, 'Conflict', 'conflict');
    const o = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.leases.set(obj.metadata!.name!, o);
    return o;
  }
}

const node = (name: string, rv: string): KubeObject => ({ metadata: { name, resourceVersion: rv } });

describe('WorkQueue', () => {
  test('deduplicates, never processes a key concurrently, re-queues keys added while processing', async () => {
    const timers = new FakeTimers();
    const q = new WorkQueue({ name: 'test', timers });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a'); // while processing
    expect(q.length).toBe(1);
    q.done('a');
    expect(q.length).toBe(2);
    expect([await q.get(), await q.get()]).toEqual(['b', 'a']);
  });

  test('rate-limited retries back off exponentially per key, forget resets', async () => {
    const timers = new FakeTimers();
    const q = new WorkQueue({ name: 'test', timers, baseDelayMs: 100 });
    q.addRateLimited('x');
    q.addRateLimited('x');
    expect(q.numRequeues('x')).toBe(2);
    await timers.advance(99);
    expect(q.length).toBe(0);
    await timers.advance(1);
    expect(q.length).toBe(1);
    q.forget('x');
    expect(q.numRequeues('x')).toBe(0);
  });

  test('runWorkers retries a failing reconcile and honours requeueAfter', async () => {
    const timers = new FakeTimers();
    const q = new WorkQueue({ name: 'test', timers, baseDelayMs: 10 });
    const calls: string[] = [];
    let fail = true;
    const done = runWorkers({
      queue: q,
      logger: new MemoryLogger(),
      reconcile: async k => {
        calls.push(k);
        if (fail) { fail = false; throw new Error('boom'); }
        return calls.length < 3 ? { requeueAfterMs: 1000 } : undefined;
      },
    });
    q.add('k');
    await timers.advance(10);
    expect(calls).toEqual(['k', 'k']);
    await timers.advance(1000);
    expect(calls).toEqual(['k', 'k', 'k']);
    q.shutdown();
    await done;
  });
});

describe('Informer', () => {
  test('lists, watches from the list resourceVersion, relists on 410 Gone and emits the difference', async () => {
    const timers = new FakeTimers();
    const api = new ScriptedApi();
    api.listResults.push({ items: [node('a', '5'), node('b', '6')], resourceVersion: '10' });
    const inf = new Informer<KubeObject>({ api: api as unknown as KubeApi, resource: NODES, timers, logger: new MemoryLogger(), resyncMs: 0 });
    const seen: string[] = [];
    inf.on({ add: o => seen.push(`add ${o.metadata!.name}`), update: (_, o) => seen.push(`update ${o.metadata!.name}`), delete: o => seen.push(`delete ${o.metadata!.name}`) });
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await flush();
    expect(inf.hasSynced()).toBe(true);
    expect(api.watches[0].rv).toBe('10');
    api.watches[0].onEvent('MODIFIED', node('a', '11'));
    api.watches[0].onEvent('ADDED', node('c', '12'));
    expect(inf.list().map(o => o.metadata!.name).sort()).toEqual(['a', 'b', 'c']);
    // the watch expires: 410 -> relist (b is gone, c changed)
    api.listResults.push({ items: [node('a', '11'), node('c', '20')], resourceVersion: '21' });
    api.watches[0].onEvent('ERROR', { code: 410, message: 'too old' } as unknown as KubeObject);
    api.watches[0].onDone();
    await flush();
    expect(inf.stats.relistsOnGone).toBe(1);
    expect(api.watches[1].rv).toBe('21');
    expect(seen).toEqual(['add a', 'add b', 'update a', 'add c', 'update c', 'delete b']);
    inf.stop();
  });

  test('backs off with jitter on list errors and resumes the watch after a clean close', async () => {
    const timers = new FakeTimers();
    const api = new ScriptedApi();
    api.listResults.push(new Error('connection refused'), new Error('connection refused'), { items: [], resourceVersion: '3' });
    const inf = new Informer<KubeObject>({
      api: api as unknown as KubeApi,
      resource: NODES,
      timers,
      logger: new MemoryLogger(),
      resyncMs: 0,
      backoffBaseMs: 1000,
      random: () => 1,
    });
    inf.start();
    await flush();
    expect(api.lists).toBe(1);
    await timers.advance(999);
    expect(api.lists).toBe(1);
    await timers.advance(1);
    expect(api.lists).toBe(2);
    await timers.advance(2000); // second attempt waits twice as long
    expect(api.lists).toBe(3);
    expect(inf.hasSynced()).toBe(true);
    api.watches[0].onEvent('BOOKMARK', node('', '7'));
    api.watches[0].onDone();
    await flush();
    expect(api.watches[1].rv).toBe('7');
    inf.stop();
  });

  test('periodic resync re-delivers every object', async () => {
    const timers = new FakeTimers();
    const api = new ScriptedApi();
    api.listResults.push({ items: [node('a', '1')], resourceVersion: '1' });
    const inf = new Informer<KubeObject>({ api: api as unknown as KubeApi, resource: NODES, timers, logger: new MemoryLogger(), resyncMs: 60_000 });
    let updates = 0;
    inf.on({ update: () => updates++ });
    inf.start();
    await timers.advance(60_000);
    expect(updates).toBe(1);
    inf.stop();
  });

  test('backoff is capped and jittered into [half, full]', () => {
    expect(backoff(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoff(20, 500, 30_000, () => 1)).toBe(30_000);
  });
});

describe('LeaderElector', () => {
  test('only one of two replicas leads; the other takes over after the lease expires', async () => {
    const timers = new FakeTimers();
    const api = new ScriptedApi() as unknown as KubeApi;
    const state = { a: false, b: false };
    const elector = (id: 'a' | 'b') => new LeaderElector({
      api,
      timers,
      logger: new MemoryLogger(),
      namespace: 'kube-system',
      identity: id,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      onStartedLeading: () => { state[id] = true; },
      onStoppedLeading: () => { state[id] = false; },
    });
    const a = elector('a');
    const b = elector('b');
    a.start();
    await flush();
    b.start();
    await timers.advance(10_000);
    expect(state).toEqual({ a: true, b: false });
    await a.stop(); // releases the lease
    await timers.advance(4_000);
    expect(state).toEqual({ a: false, b: true });
    await b.stop();
  });

  test('a crashed leader is replaced only after the lease duration', async () => {
    const timers = new FakeTimers();
    const api = new ScriptedApi() as unknown as KubeApi;
    let bLeads = false;
    const a = new LeaderElector({ api, timers, logger: new MemoryLogger(), namespace: 'ns', identity: 'a', onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    a.start();
    await flush();
    // simulate a crash: stop renewing without releasing
    (a as unknown as { running: boolean }).running = false;
    const b = new LeaderElector({ api, timers, logger: new MemoryLogger(), namespace: 'ns', identity: 'b', onStartedLeading: () => { bLeads = true; }, onStoppedLeading: () => undefined });
    b.start();
    await timers.advance(14_000);
    expect(bLeads).toBe(false);
    await timers.advance(4_000);
    expect(bLeads).toBe(true);
    await b.stop();
  });
});
