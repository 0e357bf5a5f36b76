/**
 * Runs the garbage collectors periodically while this replica leads and its cluster state is synced (an unsynced
 * state would make every instance look orphaned). Instances and NodeClaims every `periodMs` (1 min), the AWS
 * resources of deleted EC2NodeClasses every `resourcePeriodMs` (5 min). Failures are logged and retried on the next
 * period, never thrown.
 */
import { AwsResourceGarbageCollector, AwsResourceGcResult } from './aws-resource-garbage-collector';
import { InstanceGarbageCollector, InstanceGcResult } from './instance-garbage-collector';
import { TimerHandle, Timers } from '../kube/timers';
import { errorField, Logger } from '../observability/logger';

export const GARBAGE_COLLECTION_PERIOD_MS = 60_000;
export const RESOURCE_GARBAGE_COLLECTION_PERIOD_MS = 300_000;

export interface GarbageCollectionControllerOptions {
  readonly instances: InstanceGarbageCollector;
  readonly resources?: AwsResourceGarbageCollector;
  readonly timers: Timers;
  readonly logger: Logger;
  /** True while this replica leads and its cluster state is synced. */
  readonly active: () => boolean;
  /** @default 60000 */
  readonly periodMs?: number;
  /** @default 300000 */
  readonly resourcePeriodMs?: number;
}

export interface GarbageCollectionRun {
  readonly instances?: InstanceGcResult;
  readonly resources?: AwsResourceGcResult;
}

export class GarbageCollectionController {
  /** Runs completed, for tests. */
  runs = 0;
  private handle: TimerHandle | undefined;
  private stopped = false;
  private running: Promise<GarbageCollectionRun> | undefined;
  private lastResourceRun: number | undefined;

  constructor(private readonly opts: GarbageCollectionControllerOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.handle);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.handle = this.opts.timers.setTimeout(() => {
      void this.runOnce().finally(() => this.schedule());
    }, this.opts.periodMs ?? GARBAGE_COLLECTION_PERIOD_MS);
  }

  /** One pass (skipped while inactive); never throws. */
  async runOnce(): Promise<GarbageCollectionRun> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<GarbageCollectionRun> {
    const { logger, active, timers } = this.opts;
    if (this.stopped || !active()) return {};
    let instances: InstanceGcResult | undefined;
    let resources: AwsResourceGcResult | undefined;
    try {
      instances = await this.opts.instances.run();
    } catch (e) {
      logger.error('failed garbage collecting instances', { error: errorField(e) });
    }
    const now = timers.nowMs();
    if (this.opts.resources && active() &&
      (this.lastResourceRun === undefined || now - this.lastResourceRun >= (this.opts.resourcePeriodMs ?? RESOURCE_GARBAGE_COLLECTION_PERIOD_MS))) {
      this.lastResourceRun = now;
      try {
        resources = await this.opts.resources.run();
      } catch (e) {
        logger.error('failed garbage collecting launch templates and instance profiles', { error: errorField(e) });
      }
    }
    this.runs++;
    return { instances, resources };
  }
}
