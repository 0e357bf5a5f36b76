/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: acquire when the lease is free
 * or its holder has not renewed within the lease duration (measured on the local clock from when this replica last
 * saw the record change, so clock skew between replicas does not matter); renew every retry period; give up
 * leadership when a renew has not succeeded within the renew deadline. Writes use the resourceVersion for
 * optimistic concurrency, so two replicas can never both hold the lease.
 */
import { isConflict, isNotFound, KubeApi, KubeObject } from './api';
import { LEASES } from './resources';
import { TimerHandle, Timers } from './timers';
import { errorField, Logger } from '../observability/logger';

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface LeaderElectorOptions {
  readonly api: KubeApi;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly namespace: string;
  /** @default karpenter-leader-election */
  readonly name?: string;
  readonly identity: string;
  /** @default 15000 */
  readonly leaseDurationMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
}

const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private leader = false;
  private running = false;
  private timer: TimerHandle | undefined;
  private observedRecord = '';
  private observedAt = 0;
  private lastRenew = 0;

  constructor(private readonly opts: LeaderElectorOptions) {}

  get leaseName(): string {
    return this.opts.name ?? 'karpenter-leader-election';
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  /** Stops; a leader releases the lease so another replica takes over without waiting for it to expire. */
  async stop(): Promise<void> {
    this.running = false;
    this.opts.timers.clearTimeout(this.timer);
    if (!this.leader) return;
    this.setLeader(false);
    try {
      const lease = await this.opts.api.get<Lease>(LEASES, this.leaseName, this.opts.namespace);
      if (lease.spec?.holderIdentity === this.opts.identity) {
        const now = this.opts.timers.now();
        await this.opts.api.replace<Lease>(LEASES, {
          ...lease,
          spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) },
        });
      }
    } catch (e) {
      this.opts.logger.warn('failed to release lease', { lease: `${this.opts.namespace}/${this.leaseName}`, error: errorField(e) });
    }
  }

  private get durationMs(): number {
    return this.opts.leaseDurationMs ?? 15_000;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (e) {
      this.opts.logger.warn('error retrieving resource lock', { lease: `${this.opts.namespace}/${this.leaseName}`, error: errorField(e) });
    }
    if (!this.running) return;
    const now = this.opts.timers.nowMs();
    if (ok) {
      this.lastRenew = now;
      if (!this.leader) {
        this.opts.logger.info('successfully acquired lease', { lease: `${this.opts.namespace}/${this.leaseName}`, identity: this.opts.identity });
        this.setLeader(true);
      }
    } else if (this.leader && now - this.lastRenew >= (this.opts.renewDeadlineMs ?? 10_000)) {
      this.opts.logger.error('failed to renew lease, leadership lost', { lease: `${this.opts.namespace}/${this.leaseName}` });
      this.setLeader(false);
    }
    if (this.running) this.timer = this.opts.timers.setTimeout(() => void this.tick(), this.opts.retryPeriodMs ?? 2_000);
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    try {
      if (leader) this.opts.onStartedLeading();
      else this.opts.onStoppedLeading();
    } catch (e) {
      this.opts.logger.error('leader election callback failed', { error: errorField(e) });
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, identity, timers } = this.opts;
    const now = timers.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
      renewTime: microTime(now),
    };
    let lease: Lease;
    try {
      lease = await api.get<Lease>(LEASES, this.leaseName, namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await api.create<Lease>(LEASES, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.leaseName, namespace },
          spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
        }, namespace);
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    }
    const record = JSON.stringify(lease.spec ?? {});
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = timers.nowMs();
    }
    const holder = lease.spec?.holderIdentity;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== identity && this.observedAt + durationMs > timers.nowMs()) return false;
    const mine = holder === identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        ...spec,
        acquireTime: mine ? lease.spec?.acquireTime : microTime(now),
        leaseTransitions: mine ? lease.spec?.leaseTransitions ?? 0 : (lease.spec?.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      const updated = await api.replace<Lease>(LEASES, next);
      this.observedRecord = JSON.stringify(updated.spec ?? {});
      this.observedAt = timers.nowMs();
      return true;
    } catch (e) {
      if (isConflict(e)) return false;
      throw e;
    }
  }
}
