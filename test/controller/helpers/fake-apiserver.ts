/**
 * A small in-process Kubernetes API server over HTTP on 127.0.0.1, enough for the controller: list, watch (from a
 * resourceVersion, with 410 Gone once history is compacted, `timeoutSeconds`, bookmarks off), get, create (with
 * generateName, uid, creationTimestamp), replace (PUT with resourceVersion conflicts), patch (merge, strategic
 * treated as merge, JSON patch), the status subresource, delete with finalizers (deletionTimestamp, removal once
 * the finalizers are gone), pod eviction (429 while `blockEvictions` holds the pod, or when a PodDisruptionBudget
 * would drop below its floor) and any other resource type generically (Leases, Events). Every request is recorded.
 *
 * PodDisruptionBudgets (policy/v1) are enforced as the API server and the disruption controller do together: a
 * pod is healthy when Running with Ready=True and not terminating; the expected count is the most matching pods
 * ever seen (the workload's scale, which tests never shrink); `minAvailable` / `maxUnavailable` (integers or
 * percentages rounded up) give the desired healthy count; an eviction that would leave fewer healthy pods than
 * desired answers 429 (an unhealthy pod only needs a healthy budget, as `IfHealthyBudget`), a pod matched by more
 * than one budget answers 500. The PDB status (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed) is
 * kept up to date. Any pod removal through the API (eviction or DELETE) that leaves a budget below its floor is
 * recorded in `pdbViolations`; `pdbEvictions` counts the evictions allowed and refused by budgets.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

type Obj = Record<string, any>;

interface Parsed {
  readonly resource: string; // group/version/plural
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

interface WatchEvent {
  readonly rv: number;
  readonly resource: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Obj;
}

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPointer(path: string): string[] {
  return path.split('/').slice(1).map(p => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(doc: any, ops: any[]): any {
  const out = clone(doc);
  for (const op of ops) {
    const parts = jsonPointer(op.path);
    const last = parts.pop() as string;
    let parent = out;
    for (const p of parts) {
      if (parent[p] === undefined) {
        if (op.op === 'add') parent[p] = {};
        else throw Object.assign(new Error(`path ${op.path} not found`), { code: 422 });
      }
      parent = parent[p];
    }
    const index = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : undefined;
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(index as number, 0, op.value);
        else parent[last] = op.value;
        break;
      case 'replace':
        if (Array.isArray(parent)) parent[index as number] = op.value;
        else parent[last] = op.value;
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(index as number, 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(Array.isArray(parent) ? parent[index as number] : parent[last]) !== JSON.stringify(op.value)) {
          throw Object.assign(new Error(`test failed at ${op.path}`), { code: 422 });
        }
        break;
      default:
        throw Object.assign(new Error(`unsupported op ${op.op}`), { code: 422 });
    }
  }
  return out;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType?: string;
  readonly body?: unknown;
  /** Wall-clock milliseconds when the request arrived. */
  readonly at?: number;
}

/** A pod removal through the API that left a PodDisruptionBudget with fewer healthy pods than it requires. */
export interface PdbViolation {
  readonly pdb: string;
  readonly pod: string;
  readonly via: 'eviction' | 'delete';
  readonly healthy: number;
  readonly desired: number;
}

/** A pod counted by a PodDisruptionBudget: Running, Ready and not terminating. */
function podHealthy(pod: Obj): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase === 'Running'
    && (pod.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

function selectorMatches(selector: Obj | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key])
        : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/** An int-or-percent of a PDB, percentages rounded up as the disruption controller does. */
function scaledValue(v: number | string, expected: number): number {
  if (typeof v === 'string' && v.endsWith('%')) return Math.ceil((expected * Number(v.slice(0, -1))) / 100);
  return Number(v);
}

export class FakeApiServer {
  /** resource -> key (ns/name) -> object */
  private readonly objects = new Map<string, Map<string, Obj>>();
  private history: WatchEvent[] = [];
  private oldestRetained = 1;
  private rv = 1;
  private uid = 0;
  private names = 0;
  private readonly watchers = new Set<{ resource: string; res: http.ServerResponse; timer?: NodeJS.Timeout }>();
  private server: http.Server | undefined;
  readonly requests: RecordedRequest[] = [];
  /** Pods (ns/name) whose eviction answers 429, as a PodDisruptionBudget would. */
  readonly blockEvictions = new Set<string>();
  /** Evictions decided by PodDisruptionBudgets (pods matched by none are not counted). */
  readonly pdbEvictions = { allowed: 0, refused: 0 };
  /** Pod removals that broke a PodDisruptionBudget (should stay empty). */
  readonly pdbViolations: PdbViolation[] = [];
  /** Highest matching pod count seen per PDB (ns/name): its expected pods. */
  private readonly pdbExpected = new Map<string, number>();
  private syncingPdbs = false;
  /** Fail the next requests matching the predicate with this status (once each). */
  readonly failures: Array<{ match: (r: RecordedRequest) => boolean; status: number }> = [];
  url = '';

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) {
      if (w.timer) clearTimeout(w.timer);
      w.res.end();
    }
    this.watchers.clear();
    if (!this.server) return;
    await new Promise<void>(resolve => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
  }

  /** Drops the watch history: watches from an older resourceVersion get 410 Gone. Closes open watches. */
  compact(): void {
    this.history = [];
    this.oldestRetained = this.rv + 1;
    for (const w of this.watchers) {
      if (w.timer) clearTimeout(w.timer);
      w.res.end();
    }
    this.watchers.clear();
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  // ---- direct access for tests (as kubectl / the kubelet / the kube-scheduler would do) ----

  list(resource: string): Obj[] {
    return [...(this.objects.get(resource)?.values() ?? [])].map(clone);
  }

  get(resource: string, name: string, namespace?: string): Obj | undefined {
    const o = this.objects.get(resource)?.get(namespace ? `${namespace}/${name}` : name);
    return o ? clone(o) : undefined;
  }

  create(resource: string, obj: Obj): Obj {
    const o = clone(obj);
    o.metadata ??= {};
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${this.randomSuffix()}`;
    if (!o.metadata.name) throw Object.assign(new Error('name or generateName is required'), { code: 422 });
    const key = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
    const store = this.store(resource);
    if (store.has(key)) throw Object.assign(new Error(`${resource} "${o.metadata.name}" already exists`), { code: 409, reason: 'AlreadyExists' });
    o.metadata.uid ??= `uid-${++this.uid}`;
    o.metadata.creationTimestamp ??= new Date().toISOString();
    o.metadata.generation = 1;
    this.commit(resource, key, o, 'ADDED');
    return clone(o);
  }

  /** Replaces an object as a controller of the API would (no resourceVersion check), keeping metadata. */
  update(resource: string, name: string, namespace: string | undefined, fn: (o: Obj) => Obj | void): Obj {
    const key = namespace ? `${namespace}/${name}` : name;
    const cur = this.objects.get(resource)?.get(key);
    if (!cur) throw Object.assign(new Error(`${resource} "${name}" not found`), { code: 404, reason: 'NotFound' });
    const copy = clone(cur);
    const next = fn(copy) ?? copy;
    return this.write(resource, key, cur, next);
  }

  remove(resource: string, name: string, namespace?: string): void {
    this.deleteObject(resource, namespace ? `${namespace}/${name}` : name);
  }

  // ---- internals ----

  private store(resource: string): Map<string, Obj> {
    let s = this.objects.get(resource);
    if (!s) this.objects.set(resource, (s = new Map()));
    return s;
  }

  private randomSuffix(): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let n = ++this.names * 7919 + 12345;
    let out = '';
    for (let i = 0; i < 5; i++) {
      out += alphabet[n % alphabet.length];
      n = Math.floor(n / alphabet.length) + i * 31;
    }
    return out;
  }

  private commit(resource: string, key: string, obj: Obj, type: WatchEvent['type']): void {
    obj.metadata.resourceVersion = String(++this.rv);
    if (type === 'DELETED') this.store(resource).delete(key);
    else this.store(resource).set(key, obj);
    const ev: WatchEvent = { rv: this.rv, resource, type, object: clone(obj) };
    this.history.push(ev);
    if (this.history.length > 10_000) {
      this.history.shift();
      this.oldestRetained = this.history[0].rv;
    }
    for (const w of this.watchers) if (w.resource === resource) w.res.write(`${JSON.stringify({ type, object: ev.object })}\n`);
    if ((resource === R.pods || resource === R.pdbs) && !this.syncingPdbs) this.syncPdbStatus(obj.metadata.namespace);
  }

  // ---- PodDisruptionBudgets ----

  /** The budgets that select `pod` with their current numbers. */
  private budgetsFor(pod: Obj): Array<{ key: string; pdb: Obj; healthy: number; desired: number; expected: number }> {
    const ns = pod.metadata.namespace;
    return [...(this.objects.get(R.pdbs)?.values() ?? [])]
      .filter(pdb => pdb.metadata.namespace === ns && selectorMatches(pdb.spec?.selector, pod.metadata.labels))
      .map(pdb => ({ key: `${ns}/${pdb.metadata.name}`, pdb, ...this.budgetNumbers(pdb) }));
  }

  private budgetNumbers(pdb: Obj): { healthy: number; desired: number; expected: number } {
    const ns = pdb.metadata.namespace;
    const key = `${ns}/${pdb.metadata.name}`;
    const pods = [...(this.objects.get(R.pods)?.values() ?? [])].filter(p => p.metadata.namespace === ns
      && selectorMatches(pdb.spec?.selector, p.metadata.labels) && !['Succeeded', 'Failed'].includes(p.status?.phase));
    const expected = Math.max(this.pdbExpected.get(key) ?? 0, pods.filter(p => !p.metadata.deletionTimestamp).length);
    this.pdbExpected.set(key, expected);
    const healthy = pods.filter(p => podHealthy(p)).length;
    const desired = pdb.spec?.minAvailable !== undefined ? scaledValue(pdb.spec.minAvailable, expected)
      : pdb.spec?.maxUnavailable !== undefined ? Math.max(0, expected - scaledValue(pdb.spec.maxUnavailable, expected)) : 0;
    return { healthy, desired, expected };
  }

  private syncPdbStatus(namespace: string | undefined): void {
    this.syncingPdbs = true;
    try {
      for (const [k, pdb] of this.objects.get(R.pdbs) ?? new Map<string, Obj>()) {
        if (pdb.metadata.namespace !== namespace) continue;
        const { healthy, desired, expected } = this.budgetNumbers(pdb);
        const status = {
          ...pdb.status,
          observedGeneration: pdb.metadata.generation,
          currentHealthy: healthy,
          desiredHealthy: desired,
          expectedPods: expected,
          disruptionsAllowed: Math.max(0, healthy - desired),
        };
        if (JSON.stringify(status) === JSON.stringify(pdb.status)) continue;
        this.commit(R.pdbs, k, { ...clone(pdb), status }, 'MODIFIED');
      }
    } finally {
      this.syncingPdbs = false;
    }
  }

  /** Records a budget broken by removing `pod` (called after the removal, with the budgets as they were before). */
  private checkBudgets(before: ReturnType<FakeApiServer['budgetsFor']>, pod: Obj, via: PdbViolation['via']): void {
    if (!podHealthy(pod)) return;
    for (const b of before) {
      const healthy = this.budgetNumbers(b.pdb).healthy;
      if (healthy < b.desired) {
        this.pdbViolations.push({ pdb: b.key, pod: `${pod.metadata.namespace}/${pod.metadata.name}`, via, healthy, desired: b.desired });
      }
    }
  }

  /** Writes `next` over `cur`: spec changes bump generation; an object being deleted goes once its finalizers are gone. */
  private write(resource: string, key: string, cur: Obj, next: Obj): Obj {
    next.metadata = {
      ...next.metadata,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      name: cur.metadata.name,
      namespace: cur.metadata.namespace,
    };
    if (cur.metadata.deletionTimestamp) next.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    if (JSON.stringify(next.spec) !== JSON.stringify(cur.spec)) next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.commit(resource, key, next, 'DELETED');
      return clone(next);
    }
    this.commit(resource, key, next, 'MODIFIED');
    return clone(next);
  }

  private deleteObject(resource: string, key: string): Obj {
    const cur = this.objects.get(resource)?.get(key);
    if (!cur) throw Object.assign(new Error(`${resource} "${key}" not found`), { code: 404, reason: 'NotFound' });
    if ((cur.metadata.finalizers ?? []).length > 0) {
      if (cur.metadata.deletionTimestamp) return clone(cur);
      const next = clone(cur);
      next.metadata.deletionTimestamp = new Date().toISOString();
      this.commit(resource, key, next, 'MODIFIED');
      return clone(next);
    }
    this.commit(resource, key, clone(cur), 'DELETED');
    return clone(cur);
  }

  private parse(pathname: string): Parsed | undefined {
    const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let prefix: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      prefix = `core/${parts[1]}`;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      prefix = `${parts[1]}/${parts[2]}`;
      rest = parts.slice(3);
    } else {return undefined;}
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    return { resource: `${prefix}/${rest[0]}`, namespace, name: rest[1], subresource: rest[2] };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams.entries());
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      this.status(res, 400, 'BadRequest', 'invalid JSON body');
      return;
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, contentType: req.headers['content-type'], body, at: Date.now() };
    this.requests.push(record);
    const failure = this.failures.findIndex(f => f.match(record));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      this.status(res, f.status, f.status === 410 ? 'Expired' : 'InternalError', `injected failure ${f.status}`);
      return;
    }
    const p = this.parse(url.pathname);
    if (!p) {
      this.status(res, 404, 'NotFound', `no route for ${url.pathname}`);
      return;
    }
    try {
      this.route(req.method ?? 'GET', p, query, body, record.contentType ?? '', res);
    } catch (e: any) {
      this.status(res, typeof e.code === 'number' ? e.code : 500, e.reason ?? (e.code === 404 ? 'NotFound' : e.code === 409 ? 'Conflict' : 'Invalid'), e.message);
    }
  }

  private route(method: string, p: Parsed, query: Record<string, string>, body: any, contentType: string, res: http.ServerResponse): void {
    const key = p.name ? (p.namespace ? `${p.namespace}/${p.name}` : p.name) : undefined;
    if (method === 'GET' && !p.name) {
      if (query.watch === 'true' || query.watch === '1') return this.watch(p, query, res);
      const items = [...(this.objects.get(p.resource)?.values() ?? [])].filter(o => !p.namespace || o.metadata.namespace === p.namespace);
      return this.json(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (method === 'GET' && key) {
      const o = this.objects.get(p.resource)?.get(key);
      if (!o) return this.status(res, 404, 'NotFound', `${p.resource} "${p.name}" not found`);
      return this.json(res, 200, o);
    }
    if (method === 'POST' && p.subresource === 'eviction' && key && p.resource === 'core/v1/pods') {
      if (!this.objects.get(p.resource)?.get(key)) return this.status(res, 404, 'NotFound', `pods "${p.name}" not found`);
      if (this.blockEvictions.has(key)) return this.status(res, 429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.');
      const pod = this.objects.get(p.resource)!.get(key)!;
      const budgets = this.budgetsFor(pod);
      if (budgets.length > 1) {
        return this.status(res, 500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      }
      if (budgets.length === 1) {
        const b = budgets[0];
        if ((podHealthy(pod) ? b.healthy - 1 : b.healthy) < b.desired) {
          this.pdbEvictions.refused++;
          return this.status(res, 429, 'TooManyRequests', `Cannot evict pod as it would violate the pod's disruption budget. The disruption budget ${b.pdb.metadata.name} needs ${b.desired} healthy pods and has ${b.healthy} currently`);
        }
        this.pdbEvictions.allowed++;
      }
      this.deleteObject(p.resource, key);
      this.checkBudgets(budgets, pod, 'eviction');
      return this.json(res, 201, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 });
    }
    if (method === 'POST' && !p.name) {
      const obj = { ...body, metadata: { ...body?.metadata, namespace: p.namespace ?? body?.metadata?.namespace } };
      if (!p.namespace) delete obj.metadata.namespace;
      return this.json(res, 201, this.create(p.resource, obj));
    }
    if (!key) return this.status(res, 405, 'MethodNotAllowed', `${method} not allowed here`);
    const cur = this.objects.get(p.resource)?.get(key);
    if (!cur) return this.status(res, 404, 'NotFound', `${p.resource} "${p.name}" not found`);
    if (method === 'DELETE') {
      const budgets = p.resource === R.pods ? this.budgetsFor(cur) : [];
      const out = this.deleteObject(p.resource, key);
      if (budgets.length > 0) this.checkBudgets(budgets, cur, 'delete');
      return this.json(res, 200, out);
    }
    let next: Obj;
    if (method === 'PUT') {next = clone(body);} else if (method === 'PATCH') {
      if (contentType.includes('json-patch')) next = jsonPatch(cur, body);
      else next = mergePatch(cur, body);
    } else {return this.status(res, 405, 'MethodNotAllowed', `${method} not allowed`);}
    const wantRv = next.metadata?.resourceVersion;
    if (wantRv !== undefined && wantRv !== cur.metadata.resourceVersion) {
      return this.status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${p.resource} "${p.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    if (p.subresource === 'status') next = { ...clone(cur), status: next.status };
    else if (p.subresource) return this.status(res, 404, 'NotFound', `subresource ${p.subresource} not supported`);
    else if (cur.status !== undefined && p.resource.startsWith('karpenter')) next = { ...next, status: cur.status }; // CRDs with a status subresource ignore status on the main resource
    return this.json(res, 200, this.write(p.resource, key, cur, next));
  }

  private watch(p: Parsed, query: Record<string, string>, res: http.ServerResponse): void {
    const from = Number(query.resourceVersion ?? '0');
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    if (from > 0 && from < this.oldestRetained - 1) {
      res.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from} (${this.oldestRetained - 1})` } })}\n`);
      res.end();
      return;
    }
    for (const ev of this.history) {
      if (ev.resource !== p.resource || ev.rv <= from) continue;
      res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
    }
    const w: { resource: string; res: http.ServerResponse; timer?: NodeJS.Timeout } = { resource: p.resource, res };
    const timeout = Number(query.timeoutSeconds ?? '0');
    if (timeout > 0) {
      w.timer = setTimeout(() => {
        this.watchers.delete(w);
        res.end();
      }, timeout * 1000);
      w.timer.unref();
    }
    this.watchers.add(w);
    res.on('close', () => {
      if (w.timer) clearTimeout(w.timer);
      this.watchers.delete(w);
    });
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  }
}

export const R = {
  pods: 'core/v1/pods',
  nodes: 'core/v1/nodes',
  events: 'core/v1/events',
  nodeClaims: 'karpenter.sh/v1/nodeclaims',
  nodePools: 'karpenter.sh/v1/nodepools',
  ec2NodeClasses: 'karpenter.k8s.aws/v1/ec2nodeclasses',
  daemonSets: 'apps/v1/daemonsets',
  pdbs: 'policy/v1/poddisruptionbudgets',
  leases: 'coordination.k8s.io/v1/leases',
} as const;
