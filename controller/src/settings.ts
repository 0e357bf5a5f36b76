/**
 * Controller settings from environment variables named like the upstream chart's (`CLUSTER_NAME`,
 * `BATCH_IDLE_DURATION`, ...). Every problem is reported at once, each naming the variable, the value received and
 * the fix, as a SettingsError (main prints its message and exits 2: never a stack trace for bad settings).
 */
import { isDurationError, parseDuration } from './core/disruption/duration';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Feature gates known upstream (values are parsed, unknown gates are rejected so typos are caught). */
export const KNOWN_FEATURE_GATES: Readonly<Record<string, boolean>> = {
  ReservedCapacity: true,
  SpotToSpotConsolidation: false,
  NodeRepair: false,
  NodeOverlay: false,
  StaticCapacity: false,
};

export interface Settings {
  readonly clusterName: string;
  /** @default - discovered from eks:DescribeCluster */
  readonly clusterEndpoint?: string;
  /** SQS queue name for interruption handling. @default - interruption handling disabled */
  readonly interruptionQueue?: string;
  /** Milliseconds. */
  readonly batchIdleDurationMs: number;
  /** Milliseconds. */
  readonly batchMaxDurationMs: number;
  readonly logLevel: LogLevel;
  readonly metricsPort: number;
  readonly healthProbePort: number;
  readonly vmMemoryOverheadPercent: number;
  readonly reservedENIs: number;
  readonly featureGates: Readonly<Record<string, boolean>>;
  /** @default - the SDK's region chain */
  readonly awsRegion?: string;
  /** Namespace of the leader election Lease (SYSTEM_NAMESPACE, as the chart sets it). */
  readonly systemNamespace: string;
  /** Leader election on/off (DISABLE_LEADER_ELECTION=true turns it off, as upstream). */
  readonly leaderElection: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid controller settings:\n${problems.map(p => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

export function isSettingsError(e: unknown): e is SettingsError {
  return e instanceof Error && e.name === 'SettingsError';
}

/** Parses a Go duration (`1s`, `500ms`, `1m30s`) into milliseconds; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    if (isDurationError(error)) return undefined;
    throw error;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadSettings(env: Env = process.env): Settings {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const duration = (name: string, def: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const ms = parseGoDuration(raw);
    if (ms === undefined || ms <= 0) {
      problems.push(`${name}="${raw}" is not a positive duration: use a Go duration such as "1s", "500ms" or "1m30s"`);
      return def;
    }
    return ms;
  };
  const port = (name: string, def: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      problems.push(`${name}="${raw}" is not a TCP port: use an integer from 1 to 65535 (0 picks a free port)`);
      return def;
    }
    return n;
  };

  const clusterName = str('CLUSTER_NAME');
  if (!clusterName) problems.push('CLUSTER_NAME is required: set it to the name of the EKS cluster (the chart sets settings.clusterName)');
  const clusterEndpoint = str('CLUSTER_ENDPOINT');
  if (clusterEndpoint && !/^https?:\/\/\S+$/.test(clusterEndpoint)) {
    problems.push(`CLUSTER_ENDPOINT="${clusterEndpoint}" is not a URL: use the cluster's API endpoint, e.g. "https://ABC.gr7.us-west-2.eks.amazonaws.com", or unset it to discover it`);
  }
  const batchIdleDurationMs = duration('BATCH_IDLE_DURATION', 1000);
  const batchMaxDurationMs = duration('BATCH_MAX_DURATION', 10_000);
  if (batchIdleDurationMs > batchMaxDurationMs) {
    problems.push(`BATCH_IDLE_DURATION="${str('BATCH_IDLE_DURATION') ?? '1s'}" is longer than BATCH_MAX_DURATION="${str('BATCH_MAX_DURATION') ?? '10s'}": the idle duration must not exceed the max duration`);
  }
  const rawLevel = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(rawLevel)) logLevel = rawLevel as LogLevel;
  else problems.push(`LOG_LEVEL="${str('LOG_LEVEL')}" is not a log level: use one of ${LOG_LEVELS.join(', ')}`);

  let vmMemoryOverheadPercent = 0.075;
  const rawOverhead = str('VM_MEMORY_OVERHEAD_PERCENT');
  if (rawOverhead !== undefined) {
    const n = Number(rawOverhead);
    if (!Number.isFinite(n) || n < 0 || n >= 1) {
      problems.push(`VM_MEMORY_OVERHEAD_PERCENT="${rawOverhead}" is not a fraction: use a number from 0 to below 1 (the default 0.075 is 7.5%)`);
    } else {vmMemoryOverheadPercent = n;}
  }
  let reservedENIs = 0;
  const rawEnis = str('RESERVED_ENIS');
  if (rawEnis !== undefined) {
    const n = Number(rawEnis);
    if (!Number.isInteger(n) || n < 0) problems.push(`RESERVED_ENIS="${rawEnis}" is not a count: use a non-negative integer (default 0)`);
    else reservedENIs = n;
  }
  const featureGates: Record<string, boolean> = { ...KNOWN_FEATURE_GATES };
  const rawGates = str('FEATURE_GATES');
  if (rawGates !== undefined) {
    for (const part of rawGates.split(',').map(p => p.trim()).filter(p => p !== '')) {
      const m = /^([A-Za-z0-9]+)=(true|false)$/i.exec(part);
      if (!m) {
        problems.push(`FEATURE_GATES="${rawGates}" has "${part}": use comma-separated Name=true|false pairs, e.g. "SpotToSpotConsolidation=true,NodeRepair=false"`);
        continue;
      }
      if (!(m[1] in KNOWN_FEATURE_GATES)) {
        problems.push(`FEATURE_GATES="${rawGates}" names an unknown gate "${m[1]}": known gates are ${Object.keys(KNOWN_FEATURE_GATES).join(', ')}`);
        continue;
      }
      featureGates[m[1]] = m[2].toLowerCase() === 'true';
    }
  }
  const awsRegion = str('AWS_REGION');
  if (awsRegion && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(awsRegion)) {
    problems.push(`AWS_REGION="${awsRegion}" is not an AWS region: use a region code such as "us-west-2"`);
  }
  const rawLe = str('DISABLE_LEADER_ELECTION');
  if (rawLe !== undefined && !/^(true|false)$/i.test(rawLe)) {
    problems.push(`DISABLE_LEADER_ELECTION="${rawLe}" is not a boolean: use "true" or "false"`);
  }
  const settings: Settings = {
    clusterName: clusterName ?? '',
    clusterEndpoint,
    interruptionQueue: str('INTERRUPTION_QUEUE'),
    batchIdleDurationMs,
    batchMaxDurationMs,
    logLevel,
    metricsPort: port('METRICS_PORT', 8080),
    healthProbePort: port('HEALTH_PROBE_PORT', 8081),
    vmMemoryOverheadPercent,
    reservedENIs,
    featureGates,
    awsRegion,
    systemNamespace: str('SYSTEM_NAMESPACE') ?? 'kube-system',
    leaderElection: rawLe?.toLowerCase() !== 'true',
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
