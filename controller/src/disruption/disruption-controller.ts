/**
 * The disruption controller (leader only), upstream's disruption `Reconcile` plus its orchestration queue:
 * every poll (10 s) build a snapshot and `computeDisruption`; a command waits the validation period (15 s), is
 * `revalidate`d against a fresh snapshot, and is then executed through the core's state machine with the real
 * writers: taint the candidates `karpenter.sh/disrupted:NoSchedule` (and mark them for deletion in cluster state),
 * create the replacement NodeClaims, wait until they are initialized (10 minutes at most), delete the candidates;
 * on failure untaint them. Executions run concurrently with later decisions, as upstream's queue does.
 * Every round first removes `karpenter.sh/disrupted:NoSchedule` taints that no running command owns (left by a
 * restart or a leader change mid-command), as upstream does, so the first round after leadership cleans them up.
 */
import { DisruptionMetrics } from './metrics';
import { buildSnapshot } from './snapshot';
import { CloudProvider } from '../cloudprovider/types';
import { Clock } from '../core/clock';
import { CONDITION_INITIALIZED, isConditionTrue } from '../core/disruption/conditions';
import { commandLogValues, computeDisruption, DisruptionDecision, DISRUPTING_MESSAGE } from '../core/disruption/disruption';
import {
  ExecutionAction, ExecutionEvent, ExecutionState, isFinished, startExecution, step, StepResult,
} from '../core/disruption/orchestration';
import { ClusterSnapshot, Command, DisruptionOptions, MethodName } from '../core/disruption/types';
import { VALIDATION_PERIOD_MS, revalidate } from '../core/disruption/validation';
import { LABEL_CAPACITY_TYPE, LABEL_NODEPOOL } from '../core/labels';
import { withNodePoolOwner } from '../core/provisioning/provisioner';
import { ClusterState } from '../core/state/cluster-state';
import { ClusterNode, DISRUPTED_TAINT } from '../core/state/objects';
import { EventRecorder, involvedNode, involvedNodeClaim, KubeWriter } from '../core/state/ports';
import { TimerHandle, Timers } from '../kube/timers';
import { errorField, Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';

export interface DisruptionControllerOptions {
  readonly cluster: ClusterState;
  readonly cloudProvider: CloudProvider;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly timers: Timers;
  readonly metrics: Metrics;
  /** Leader and informers synced: only then does it decide or act. */
  readonly active: () => boolean;
  /** Core options (spot-to-spot consolidation...). */
  readonly options?: DisruptionOptions;
  /** @default 10000 */
  readonly pollMs?: number;
  /** @default VALIDATION_PERIOD_MS (15 s) */
  readonly validationPeriodMs?: number;
  /** How often a running command looks at its replacements. @default 1000 */
  readonly replacementPollMs?: number;
}

const CONSOLIDATION_TYPE: Record<MethodName, string> = {
  'emptiness': 'empty',
  'drift': '',
  'multi-node-consolidation': 'multi',
  'single-node-consolidation': 'single',
};

export class DisruptionController {
  private readonly dmetrics: DisruptionMetrics;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly executions = new Set<Promise<void>>();
  private commandSeq = 0;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.dmetrics = new DisruptionMetrics(opts.metrics);
  }

  private get clock(): Clock {
    return this.opts.timers;
  }

  start(): void {
    this.schedule(this.opts.pollMs ?? 10_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.timer);
    await this.running;
    await Promise.race([Promise.all([...this.executions]), this.sleep(0)]);
  }

  /** Commands being executed (taint -> replacements -> delete). */
  get inFlight(): number {
    return this.executions.size;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.opts.timers.setTimeout(() => {
      this.running = this.reconcile()
        .catch(e => this.opts.logger.error('disruption failed', { error: errorField(e) }))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.opts.pollMs ?? 10_000);
        });
    }, ms);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => this.opts.timers.setTimeout(resolve, ms));
  }

  private async snapshot(): Promise<ClusterSnapshot> {
    return buildSnapshot(this.opts.cluster, this.opts.cloudProvider, this.clock.now(), this.opts.logger);
  }

  /** One decision round: compute, wait the validation period, revalidate, start executing. */
  async reconcile(): Promise<void> {
    if (this.stopped || !this.opts.active()) return;
    await this.removeOrphanedTaints();
    const now = this.clock.now();
    const decision = computeDisruption(await this.snapshot(), now, { ...this.opts.options, timer: () => Date.now() });
    this.record(decision);
    for (const n of decision.notes) this.opts.logger.debug('disruption candidate skipped', { note: n });
    const command = decision.command;
    if (!command) return;
    const type = CONSOLIDATION_TYPE[command.method];
    await this.sleep(this.opts.validationPeriodMs ?? VALIDATION_PERIOD_MS);
    if (this.stopped || !this.opts.active()) return;
    const v = revalidate(command, await this.snapshot(), this.clock.now(), this.opts.options);
    if (!v.valid) {
      this.dmetrics.failedValidations.inc({ consolidation_type: type });
      this.opts.logger.debug('abandoning disruption command, validation failed', { reason: command.reason.toLowerCase(), error: v.reason });
      return;
    }
    const cmd = v.command;
    const id = `${this.clock.now().getTime().toString(36)}-${++this.commandSeq}`;
    this.opts.logger.info(DISRUPTING_MESSAGE, { 'command-id': id, ...commandLogValues(cmd) });
    const labels = { decision: cmd.decision, reason: cmd.reason.toLowerCase(), consolidation_type: type };
    this.dmetrics.decisions.inc(labels);
    for (const pool of new Set(cmd.candidates.map(c => c.nodePool.metadata.name))) {
      this.dmetrics.decisionsByNodePool.inc({ nodepool: pool, ...labels });
    }
    for (const c of cmd.candidates) {
      this.opts.events.publish({
        object: involvedNode({ metadata: { name: c.name } }),
        type: 'Normal',
        reason: 'DisruptionLaunching',
        message: `Disrupting Node: ${cmd.reason}/${cmd.decision === 'delete' ? 'Delete' : 'Replace'}`,
      });
    }
    const run = this.execute(cmd, id).catch(e => {
      this.dmetrics.queueFailures.inc(labels);
      this.opts.logger.error('failed to disrupt nodes', { 'command-id': id, 'reason': labels.reason, 'error': errorField(e) });
    });
    this.executions.add(run);
    void run.finally(() => this.executions.delete(run));
  }

  /**
   * Upstream: a node keeps the disrupted taint only while a command in the orchestration queue disrupts it (marked
   * for deletion in cluster state) or while it is being deleted (Node or NodeClaim deletionTimestamp: termination
   * taints it itself). Any other disrupted taint is orphaned (a previous leader's command) and is removed.
   */
  private async removeOrphanedTaints(): Promise<void> {
    const { cluster, writer, logger } = this.opts;
    const isDisrupted = (t: { key: string; effect?: string }) => t.key === DISRUPTED_TAINT.key && t.effect === DISRUPTED_TAINT.effect;
    const orphaned = (n: ClusterNode) => {
      if (!(n.spec?.taints ?? []).some(isDisrupted)) return false;
      if (n.metadata.deletionTimestamp || cluster.isMarkedForDeletion(n.metadata.name)) return false;
      const nc = n.spec?.providerID ? cluster.nodeClaimByProviderID(n.spec.providerID) : undefined;
      return !nc?.metadata.deletionTimestamp;
    };
    for (const { metadata: { name } } of cluster.nodes.values()) {
      const node = cluster.nodes.get(name); // re-read: an earlier patch may have taken a while
      if (this.stopped || !node || !orphaned(node)) continue;
      try {
        cluster.upsertNode(await writer.patchNode(name, {
          spec: { taints: (node.spec?.taints ?? []).filter(t => !isDisrupted(t)) },
          metadata: { resourceVersion: node.metadata.resourceVersion },
        }));
        logger.info('removed orphaned disruption taint', { Node: { name }, taint: `${DISRUPTED_TAINT.key}:${DISRUPTED_TAINT.effect}` });
      } catch (e) {
        // a conflict (the node changed since it was read) or a transient error: the next round retries
        logger.debug('failed to remove orphaned disruption taint', { Node: { name }, error: errorField(e) });
      }
    }
  }

  private record(decision: DisruptionDecision): void {
    for (const e of decision.evaluations) {
      this.dmetrics.eligibleNodes.set({ reason: e.reason.toLowerCase() }, e.eligible);
      if (e.durationMs !== undefined) {
        this.dmetrics.evaluationDuration.observe({ method: e.method, consolidation_type: e.consolidationType }, e.durationMs / 1000);
      }
    }
    for (const [reason, mapping] of Object.entries(decision.budgets)) {
      if (!mapping) continue;
      for (const [pool, allowed] of mapping.allowed) this.dmetrics.allowedDisruptions.set({ nodepool: pool, reason: reason.toLowerCase() }, allowed);
      for (const [pool, error] of mapping.errors) this.opts.logger.error('invalid disruption budget', { NodePool: { name: pool }, error });
    }
  }

  /** Drives the execution state machine until it finishes, performing its actions with the real writers. */
  private async execute(cmd: Command, id: string): Promise<void> {
    let r: StepResult = startExecution(cmd, this.clock.now());
    for (;;) {
      const event = await this.perform(r.state, r.actions, id);
      if (isFinished(r.state)) return;
      if (event) {
        r = step(r.state, event, this.clock.now());
        continue;
      }
      if (r.state.phase !== 'WaitingForReplacements') return;
      await this.sleep(this.opts.replacementPollMs ?? 1_000);
      if (this.stopped) return;
      r = step(r.state, { type: 'replacements', status: this.replacementStatus(r.state.replacementNames) }, this.clock.now());
    }
  }

  private replacementStatus(names: readonly string[]): Record<string, 'pending' | 'initialized' | 'failed'> {
    const out: Record<string, 'pending' | 'initialized' | 'failed'> = {};
    for (const n of names) {
      const nc = this.opts.cluster.nodeClaims.get(n);
      out[n] = !nc || nc.metadata.deletionTimestamp ? 'failed' : isConditionTrue(nc, CONDITION_INITIALIZED) ? 'initialized' : 'pending';
    }
    return out;
  }

  /** Performs the actions; returns the event the state machine waits for next (undefined: none). */
  private async perform(state: ExecutionState, actions: readonly ExecutionAction[], id: string): Promise<ExecutionEvent | undefined> {
    const { writer, cluster, logger, metrics, events } = this.opts;
    let event: ExecutionEvent | undefined;
    for (const a of actions) {
      switch (a.type) {
        case 'taint':
          cluster.markForDeletion(...a.nodes);
          try {
            for (const name of a.nodes) {
              const node = cluster.nodes.get(name);
              if (!node) throw new Error(`node ${name} not found`);
              if ((node.spec?.taints ?? []).some(t => t.key === a.taint.key && t.effect === a.taint.effect)) continue;
              cluster.upsertNode(await writer.patchNode(name, {
                spec: { taints: [...(node.spec?.taints ?? []), a.taint] },
                metadata: { resourceVersion: node.metadata.resourceVersion },
              }));
            }
            event = { type: 'tainted' };
          } catch (e) {
            event = { type: 'taintFailed', error: errorField(e) };
          }
          break;
        case 'untaint':
          for (const name of a.nodes) {
            try {
              const node = cluster.nodes.get(name);
              if (node && (node.spec?.taints ?? []).some(t => t.key === a.taint.key)) {
                cluster.upsertNode(await writer.patchNode(name, {
                  spec: { taints: (node.spec?.taints ?? []).filter(t => !(t.key === a.taint.key && t.effect === a.taint.effect)) },
                }));
              }
            } catch (e) {
              logger.error('failed to untaint node', { 'command-id': id, 'Node': { name }, 'error': errorField(e) });
            }
            cluster.unmarkForDeletion(name);
          }
          break;
        case 'createNodeClaims': {
          const names: string[] = [];
          try {
            for (const nc of a.nodeClaims) {
              const poolName = nc.metadata.labels?.[LABEL_NODEPOOL] ?? '';
              const pool = cluster.nodePools.get(poolName);
              if (!pool) throw new Error(`nodepool ${JSON.stringify(poolName)} not found`);
              const created = await writer.createNodeClaim(withNodePoolOwner(nc, pool));
              cluster.upsertNodeClaim(created);
              names.push(created.metadata.name);
              metrics.nodeClaimsCreated.inc({ reason: state.command.reason.toLowerCase(), nodepool: poolName, min_values_relaxed: 'false' });
              logger.info('created nodeclaim', {
                'command-id': id,
                'NodePool': { name: poolName },
                'NodeClaim': { name: created.metadata.name },
                'requests': nc.spec.resources?.requests,
                'instance-types': state.command.replacements[names.length - 1]?.instanceTypes.slice(0, 5).join(', '),
              });
            }
            event = { type: 'launched', names };
          } catch (e) {
            // replacements already created are left to the lifecycle (they hold no pods and will be consolidated)
            event = { type: 'launchFailed', error: errorField(e) };
          }
          break;
        }
        case 'deleteNodeClaims':
          try {
            for (const name of a.nodeClaims) {
              const c = state.command.candidates.find(x => x.nodeClaimName === name);
              const nc = cluster.nodeClaims.get(name);
              await writer.deleteNodeClaim(name);
              metrics.nodeClaimsDisrupted.inc({
                reason: a.reason.toLowerCase(),
                nodepool: nc?.metadata.labels?.[LABEL_NODEPOOL] ?? c?.nodePool.metadata.name ?? '',
                capacity_type: nc?.metadata.labels?.[LABEL_CAPACITY_TYPE] ?? c?.capacityType ?? '',
              });
              if (nc) {
                events.publish({ object: involvedNodeClaim(nc), type: 'Normal', reason: 'DisruptionTerminating', message: `Disrupting NodeClaim: ${a.reason}` });
              }
            }
            event = { type: 'deleted' };
          } catch (e) {
            event = { type: 'deleteFailed', error: errorField(e) };
          }
          break;
        case 'log':
          if (a.level === 'error') logger.error(a.message, { 'command-id': id, ...a.values });
          else logger.info(a.message, { 'command-id': id, ...a.values });
          if (a.level === 'error') {
            this.dmetrics.queueFailures.inc({
              decision: state.command.decision,
              reason: state.command.reason.toLowerCase(),
              consolidation_type: CONSOLIDATION_TYPE[state.command.method],
            });
          }
          break;
        default:
          break;
      }
    }
    return event;
  }
}
