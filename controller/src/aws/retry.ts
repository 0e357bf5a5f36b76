/**
 * Bounded retries with exponential backoff for throttled AWS calls (`RequestLimitExceeded` and friends), around the
 * narrow API interfaces: every method of an API object is wrapped, other errors pass through at once. The SDK's own
 * retry middleware still runs underneath; this layer makes the bound and the backoff explicit and testable with a
 * fake clock.
 */
import { AwsApis } from './api';
import { awsErrorCode } from './errors';
import { backoff } from '../kube/timers';

/** Error codes AWS services use for throttling. */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

export function isThrottlingError(e: unknown): boolean {
  return THROTTLING_CODES.has(awsErrorCode(e) ?? '');
}

export interface RetryOptions {
  /** Waits `ms` (the Timers port in production, a fake clock in tests). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Attempts in all, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** @default 250 */
  readonly baseMs?: number;
  /** @default 10000 */
  readonly maxMs?: number;
  readonly random?: () => number;
  /** Called before each retry (logs, metrics). */
  readonly onRetry?: (call: string, attempt: number, error: unknown, delayMs: number) => void;
}

/** Calls `fn`, retrying throttling errors up to `maxAttempts` in all with exponential backoff; rethrows the last error. */
export async function retryThrottled<T>(call: string, fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const max = Math.max(1, opts.maxAttempts ?? 5);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isThrottlingError(e) || attempt + 1 >= max) throw e;
      const delay = backoff(attempt, opts.baseMs ?? 250, opts.maxMs ?? 10_000, opts.random);
      opts.onRetry?.(call, attempt + 1, e, delay);
      await opts.sleep(delay);
    }
  }
}

/** The same API object with every method retrying throttling errors. */
export function withThrottlingRetries<T extends object>(name: string, api: T, opts: RetryOptions): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(api)) {
    out[key] = typeof value === 'function'
      ? (...args: unknown[]) => retryThrottled(`${name}:${key}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(api, args), opts)
      : value;
  }
  return out as T;
}

/** Every AWS API of the provider with throttling retries. */
export function retryingApis(apis: AwsApis, opts: RetryOptions): AwsApis {
  return {
    ec2: withThrottlingRetries('ec2', apis.ec2, opts),
    ssm: withThrottlingRetries('ssm', apis.ssm, opts),
    pricing: withThrottlingRetries('pricing', apis.pricing, opts),
    eks: withThrottlingRetries('eks', apis.eks, opts),
    iam: withThrottlingRetries('iam', apis.iam, opts),
  };
}
