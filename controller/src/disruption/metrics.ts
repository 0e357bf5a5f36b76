/**
 * The voluntary-disruption metric families (upstream names and labels, `DISRUPTION_METRICS`), registered on the
 * controller's observability registry next to the families `Metrics` already declares. A family `Metrics` (or
 * another controller) registered first is reused, never declared twice.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DISRUPTION_METRICS } from '../core/disruption/disruption';
import { Metrics } from '../observability/metrics';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Histogram<L> {
  return (registry.getSingleMetric(name) as Histogram<L> | undefined)
    ?? new Histogram<L>({ name, help, labelNames, buckets: BUCKETS, registers: [registry] });
}

export class DisruptionMetrics {
  readonly decisions: Counter<'decision' | 'reason' | 'consolidation_type'>;
  readonly decisionsByNodePool: Counter<'nodepool' | 'decision' | 'reason' | 'consolidation_type'>;
  readonly eligibleNodes: Gauge<'reason'>;
  readonly evaluationDuration: Histogram<'method' | 'consolidation_type'>;
  readonly failedValidations: Counter<'consolidation_type'>;
  readonly queueFailures: Counter<'decision' | 'reason' | 'consolidation_type'>;
  readonly consolidationTimeouts: Counter<'consolidation_type'>;
  readonly allowedDisruptions: Gauge<'nodepool' | 'reason'>;

  constructor(readonly base: Metrics) {
    const r = base.registry;
    const m = DISRUPTION_METRICS;
    this.decisions = counter(r, m.decisions, 'Number of disruption decisions performed. Labeled by disruption decision, reason, and consolidation type.', ['decision', 'reason', 'consolidation_type']);
    this.decisionsByNodePool = counter(r, m.decisionsByNodePool, 'Number of disruption decisions performed by nodepool. Labeled by nodepool name, disruption decision, reason, and consolidation type.', ['nodepool', 'decision', 'reason', 'consolidation_type']);
    this.eligibleNodes = gauge(r, m.eligibleNodes, 'Number of nodes eligible for disruption by Karpenter. Labeled by disruption reason.', ['reason']);
    this.evaluationDuration = histogram(r, m.evaluationDuration, 'Duration of the disruption decision evaluation process in seconds. Labeled by method and consolidation type.', ['method', 'consolidation_type']);
    this.failedValidations = counter(r, m.failedValidations, 'Number of candidates that were selected for disruption but failed validation. Labeled by consolidation type.', ['consolidation_type']);
    this.queueFailures = counter(r, m.queueFailures, 'The number of times that an enqueued disruption decision failed. Labeled by disruption method.', ['decision', 'reason', 'consolidation_type']);
    this.consolidationTimeouts = counter(r, m.consolidationTimeouts, 'Number of times the Consolidation algorithm has reached a timeout. Labeled by consolidation type.', ['consolidation_type']);
    this.allowedDisruptions = gauge(r, m.allowedDisruptions, 'The number of nodes for a given NodePool that can be concurrently disrupting at a point in time. Labeled by NodePool. Note that allowed disruptions can change very rapidly, as new nodes may be created and others may be deleted at any point.', ['nodepool', 'reason']);
  }
}
