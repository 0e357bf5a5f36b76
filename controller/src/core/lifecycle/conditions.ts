/** NodeClaim status conditions with upstream's types and reasons; `Ready` is the conjunction of the lifecycle ones. */
import { Condition } from '../state/objects';

export const CONDITION_LAUNCHED = 'Launched';
export const CONDITION_REGISTERED = 'Registered';
export const CONDITION_INITIALIZED = 'Initialized';
export const CONDITION_READY = 'Ready';
export const LIFECYCLE_CONDITIONS = [CONDITION_LAUNCHED, CONDITION_REGISTERED, CONDITION_INITIALIZED] as const;

export const REASON_AWAITING = 'AwaitingReconciliation';
export const REASON_LAUNCH_FAILED = 'LaunchFailed';
export const REASON_NODECLASS_NOT_READY = 'NodeClassNotReady';
export const REASON_INSUFFICIENT_CAPACITY = 'InsufficientCapacity';
export const REASON_NODE_NOT_FOUND = 'NodeNotFound';
export const REASON_NODE_NOT_READY = 'NodeNotReady';
export const REASON_STARTUP_TAINTS_EXIST = 'StartupTaintsExist';
export const REASON_RESOURCE_NOT_REGISTERED = 'ResourceNotRegistered';
export const REASON_UNHEALTHY_DEPENDENTS = 'UnhealthyDependents';

export function getCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find(c => c.type === type);
}

export function isTrue(conds: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conds, type)?.status === 'True';
}

/** Conditions as an editable set that remembers transitions (for metrics) and keeps `Ready` derived. */
export class ConditionSet {
  readonly conditions: Condition[];
  readonly transitions: Condition[] = [];

  constructor(existing: readonly Condition[] | undefined, private readonly now: Date) {
    this.conditions = (existing ?? []).map(c => ({ ...c }));
    for (const t of [...LIFECYCLE_CONDITIONS, CONDITION_READY]) {
      if (!getCondition(this.conditions, t)) this.conditions.push({ type: t, status: 'Unknown', reason: REASON_AWAITING, message: 'object is awaiting reconciliation', lastTransitionTime: now.toISOString() });
    }
    this.deriveReady();
  }

  get(type: string): Condition | undefined {
    return getCondition(this.conditions, type);
  }

  isTrue(type: string): boolean {
    return this.get(type)?.status === 'True';
  }

  set(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = ''): boolean {
    const changed = this.write(type, status, reason, message);
    if (type !== CONDITION_READY) this.deriveReady();
    return changed;
  }

  private write(type: string, status: string, reason: string, message: string): boolean {
    const c = this.get(type);
    const next: Condition = { type, status, reason, message, lastTransitionTime: this.now.toISOString() };
    if (!c) {
      this.conditions.push(next);
      this.transitions.push(next);
      return true;
    }
    if (c.status === status && c.reason === reason && (c.message ?? '') === message) return false;
    if (c.status !== status) {
      c.lastTransitionTime = next.lastTransitionTime;
      this.transitions.push(next);
    }
    c.status = status;
    c.reason = reason;
    c.message = message;
    return true;
  }

  private deriveReady(): void {
    const notTrue = LIFECYCLE_CONDITIONS.map(t => this.get(t)).filter(c => c?.status !== 'True');
    if (notTrue.length === 0) {this.write(CONDITION_READY, 'True', CONDITION_READY, '');} else {
      const first = notTrue[0];
      this.write(CONDITION_READY, first?.status === 'False' ? 'False' : 'Unknown', REASON_UNHEALTHY_DEPENDENTS,
        `${notTrue.map(c => c?.type).join(', ')} ${notTrue.length === 1 ? 'is' : 'are'} not True`);
    }
  }
}
