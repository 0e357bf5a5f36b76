/**
 * KubeApi over `@kubernetes/client-node`: its KubeConfig for the server, credentials and TLS (in-cluster service
 * account, kubeconfig file, or explicit options), its HTTP library for requests and its Watch for streams.
 */
import { ApiError, KubeApi, KubeObject, ListResult, PatchType, WatchEventType, WatchHandle } from './api';
import { clientNode, k8s } from './client-node';
import { ApiResource, resourcePath } from './resources';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface ClientNodeApiOptions {
  /** Per-request timeout in milliseconds (not for watches). @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Called after every request with the method and HTTP status (metrics). */
  readonly onRequest?: (method: string, code: number) => void;
}

/**
 * Loads the KubeConfig: the explicit server when given (tests), otherwise in-cluster when running in a pod, otherwise
 * the default kubeconfig (KUBECONFIG / ~/.kube/config).
 */
export function loadKubeConfig(server?: string): k8s.KubeConfig {
  const { KubeConfig } = clientNode();
  const kc = new KubeConfig();
  if (server) {
    kc.loadFromOptions({
      // client-node refuses plain HTTP unless TLS verification is off (a loopback test server has no TLS)
      clusters: [{ name: 'cluster', server, skipTLSVerify: server.startsWith('http:') }],
      users: [{ name: 'user' }],
      contexts: [{ name: 'context', cluster: 'cluster', user: 'user' }],
      currentContext: 'context',
    });
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  return kc;
}

export class ClientNodeApi implements KubeApi {
  private readonly http: k8s.IsomorphicFetchHttpLibrary;
  private readonly server: string;

  constructor(private readonly kc: k8s.KubeConfig, private readonly opts: ClientNodeApiOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster: set KUBECONFIG or run in a pod with a service account');
    this.server = cluster.server.replace(/\/+$/, '');
    this.http = new (clientNode().IsomorphicFetchHttpLibrary)();
  }

  private async request<T>(method: string, path: string, query: Record<string, string | number | undefined> = {}, body?: unknown, contentType = 'application/json'): Promise<T> {
    const { RequestContext } = clientNode();
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method as k8s.HttpMethod);
    ctx.setHeaderParam('Accept', 'application/json');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    ctx.setSignal(AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000));
    await this.kc.applySecurityAuthentication(ctx);
    let response: k8s.ResponseContext;
    try {
      response = await this.http.send(ctx).toPromise();
    } catch (e) {
      this.opts.onRequest?.(method, 0);
      throw new Error(`${method} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.opts.onRequest?.(method, response.httpStatusCode);
    const text = await response.body.text();
    if (response.httpStatusCode >= 400) {
      let reason = '';
      let message = text;
      try {
        const s = JSON.parse(text) as { reason?: string; message?: string };
        reason = s.reason ?? '';
        message = s.message ?? text;
      } catch {
        // not a Status object
      }
      throw new ApiError(response.httpStatusCode, reason, `${method} ${path}: ${response.httpStatusCode} ${message}`.trim());
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  async list<T extends KubeObject>(res: ApiResource,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Promise<ListResult<T>> {
    const out = await this.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>('GET', resourcePath(res, { namespace: opts.namespace }),
      { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
    const items = (out.items ?? []).map(i => ({ apiVersion: i.apiVersion ?? (res.group ? `${res.group}/${res.version}` : res.version), kind: i.kind ?? res.kind, ...i }));
    return { items, resourceVersion: out.metadata?.resourceVersion ?? '' };
  }

  async watch<T extends KubeObject>(res: ApiResource, resourceVersion: string, onEvent: (type: WatchEventType, obj: T) => void,
    onDone: (err?: unknown) => void, opts: { timeoutSeconds?: number } = {}): Promise<WatchHandle> {
    const { Watch } = clientNode();
    let stopped = false;
    let finished = false;
    const done = (err?: unknown) => {
      if (finished) return;
      finished = true;
      onDone(stopped ? undefined : err ?? undefined);
    };
    const controller = await new Watch(this.kc).watch(resourcePath(res), {
      resourceVersion, allowWatchBookmarks: true, timeoutSeconds: opts.timeoutSeconds,
    }, (type: string, obj: T) => {
      if (!stopped) onEvent(type as WatchEventType, obj);
    }, (err: unknown) => done(err));
    return {
      stop: () => {
        stopped = true;
        controller.abort();
        done();
      },
    };
  }

  get<T extends KubeObject>(res: ApiResource, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(res, { namespace, name }));
  }

  create<T extends KubeObject>(res: ApiResource, obj: T, namespace?: string): Promise<T> {
    return this.request<T>('POST', resourcePath(res, { namespace: namespace ?? obj.metadata?.namespace }), {}, obj);
  }

  replace<T extends KubeObject>(res: ApiResource, obj: T, opts: { subresource?: string } = {}): Promise<T> {
    return this.request<T>('PUT', resourcePath(res, { namespace: obj.metadata?.namespace, name: obj.metadata?.name, subresource: opts.subresource }), {}, obj);
  }

  patch<T extends KubeObject>(res: ApiResource, name: string, patch: unknown,
    opts: { namespace?: string; type?: PatchType; subresource?: string } = {}): Promise<T> {
    return this.request<T>('PATCH', resourcePath(res, { namespace: opts.namespace, name, subresource: opts.subresource }), {}, patch,
      PATCH_CONTENT_TYPES[opts.type ?? 'merge']);
  }

  async delete(res: ApiResource, name: string,
    opts: { namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: string } = {}): Promise<void> {
    const body = opts.gracePeriodSeconds !== undefined || opts.propagationPolicy
      ? { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: opts.gracePeriodSeconds, propagationPolicy: opts.propagationPolicy } : undefined;
    await this.request('DELETE', resourcePath(res, { namespace: opts.namespace, name }), {}, body);
  }

  async evict(namespace: string, name: string): Promise<void> {
    await this.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/eviction`, {}, {
      apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace },
    });
  }
}
