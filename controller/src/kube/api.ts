/**
 * The narrow port to the Kubernetes API that everything in kube/ is written against: generic list / watch / get /
 * create / replace / patch / delete over an ApiResource, plus eviction. `ClientNodeApi` implements it over
 * `@kubernetes/client-node`; tests use the in-process fake API server or an in-memory fake.
 */
import { ApiResource } from './resources';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  };
  [key: string]: unknown;
}

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface KubeApi {
  list<T extends KubeObject>(res: ApiResource, opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string }): Promise<ListResult<T>>;
  /**
   * Watches from `resourceVersion`. `onEvent` gets every event (an ERROR event carries a Status object: 410 means the
   * version is too old); `onDone` is called once when the stream ends, with the error if it failed.
   */
  watch<T extends KubeObject>(res: ApiResource, resourceVersion: string, onEvent: (type: WatchEventType, obj: T) => void,
    onDone: (err?: unknown) => void, opts?: { timeoutSeconds?: number }): Promise<WatchHandle>;
  get<T extends KubeObject>(res: ApiResource, name: string, namespace?: string): Promise<T>;
  create<T extends KubeObject>(res: ApiResource, obj: T, namespace?: string): Promise<T>;
  replace<T extends KubeObject>(res: ApiResource, obj: T, opts?: { subresource?: string }): Promise<T>;
  patch<T extends KubeObject>(res: ApiResource, name: string, patch: unknown,
    opts?: { namespace?: string; type?: PatchType; subresource?: string }): Promise<T>;
  delete(res: ApiResource, name: string, opts?: { namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: string }): Promise<void>;
  /** POST pods/eviction (policy/v1). Throws ApiError 429 when a PDB blocks it. */
  evict(namespace: string, name: string): Promise<void>;
}

/** A failed API call: the HTTP status and the Status reason / message from the server. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
  }
}

function status(e: unknown): number | undefined {
  if (e instanceof ApiError) return e.statusCode;
  if (e && typeof e === 'object' && 'statusCode' in e && typeof (e as { statusCode: unknown }).statusCode === 'number') return (e as { statusCode: number }).statusCode;
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'number') return (e as { code: number }).code;
  return undefined;
}

export const isNotFound = (e: unknown): boolean => status(e) === 404;
export const isConflict = (e: unknown): boolean => status(e) === 409;
export const isGone = (e: unknown): boolean => status(e) === 410;
export const isTooManyRequests = (e: unknown): boolean => status(e) === 429;
export const statusCodeOf = status;

export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : obj.metadata?.name ?? '';
}
