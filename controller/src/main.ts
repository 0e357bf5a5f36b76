/**
 * The controller's composition root: settings -> Kubernetes client -> operator (informers, leader election,
 * controllers) -> metrics and health servers. `startController(options)` runs it in-process (tests); run as a script
 * it reads the environment, and exits 2 with a readable message on bad settings (never a stack trace).
 */
import * as os from 'node:os';
import { AwsApis, AwsCloudProvider, retryingApis, sdkApis } from './aws';
import { EC2NodeClass } from './aws/ec2-node-class';
import { CloudProvider } from './cloudprovider/types';
import { ResilienceControllers, resilienceControllers, ResilienceControllersOptions } from './garbage-collection/register';
import { KubeApi } from './kube/api';
import { ClientNodeApi, loadKubeConfig } from './kube/client-node-api';
import { RealTimers, Timers } from './kube/timers';
import { RunningServer, startMetricsServer, startProbeServer } from './observability/http-server';
import { createLogger, errorField, Logger } from './observability/logger';
import { Metrics } from './observability/metrics';
import { NodeClassObject, Operator, OperatorOptions } from './operator';
import { isSettingsError, loadSettings, Settings, SettingsError } from './settings';

export interface CloudProviderContext {
  readonly settings: Settings;
  readonly timers: Timers;
  readonly logger: Logger;
  /** EC2NodeClasses from the informer cache. */
  readonly getNodeClass: (name: string) => NodeClassObject | undefined;
}

export interface StartControllerOptions {
  /** Environment to read settings from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Settings (skips the environment). */
  readonly settings?: Settings;
  /** API server URL (no auth: tests). @default - in-cluster service account, else KUBECONFIG / ~/.kube/config */
  readonly kubeServer?: string;
  /** A KubeApi to use instead of `@kubernetes/client-node`. */
  readonly kubeApi?: KubeApi;
  /** AWS APIs for the AWS cloud provider (mocked SDK clients in tests). @default sdkApis(AWS_REGION) */
  readonly awsApis?: AwsApis;
  /** Another cloud provider (e.g. the fake one). @default the AWS cloud provider */
  readonly cloudProvider?: CloudProvider | ((ctx: CloudProviderContext) => CloudProvider);
  readonly logger?: Logger;
  readonly timers?: Timers;
  /** Lease holder identity. @default POD_NAME or the hostname, plus a random suffix */
  readonly identity?: string;
  /** Address the servers bind to. @default 0.0.0.0 */
  readonly host?: string;
  /** Process-level default metrics (CPU, memory, event loop). @default true */
  readonly defaultMetrics?: boolean;
  /** Test knobs passed to the operator. */
  readonly tuning?: OperatorOptions['tuning'];
  /** Called when leadership is lost. @default - log, stop and exit the process (as upstream) */
  readonly onLeadershipLost?: () => void;
  /** Garbage collection and interruption: the SQS API (mocked in tests) and test knobs. */
  readonly resilience?: Pick<ResilienceControllersOptions, 'sqs' | 'tuning'>;
}

export interface RunningController {
  readonly settings: Settings;
  readonly operator: Operator;
  readonly metrics: Metrics;
  readonly cloudProvider: CloudProvider;
  readonly metricsPort: number;
  readonly healthProbePort: number;
  /** Garbage collection and interruption controllers. */
  readonly resilience: ResilienceControllers;
  stop(): Promise<void>;
}

export const VERSION = '1.14.1';

export async function startController(options: StartControllerOptions = {}): Promise<RunningController> {
  const settings = options.settings ?? loadSettings(options.env ?? process.env);
  const logger = options.logger ?? createLogger({ level: settings.logLevel });
  const timers = options.timers ?? new RealTimers();
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? true, version: VERSION });
  const api = options.kubeApi ?? new ClientNodeApi(loadKubeConfig(options.kubeServer), {
    onRequest: (method, code) => metrics.clientRequests.inc({ method, code: String(code) }),
  });
  const identity = options.identity ?? `${process.env.POD_NAME ?? os.hostname()}_${Math.random().toString(36).slice(2, 10)}`;

  let operator: Operator | undefined;
  const getNodeClass = (name: string) => operator?.nodeClass(name);
  let cloudProvider: CloudProvider;
  let aws: AwsCloudProvider | undefined;
  let awsApis: AwsApis | undefined;
  let awsRegion = '';
  if (typeof options.cloudProvider === 'function') {cloudProvider = options.cloudProvider({ settings, timers, logger, getNodeClass });} else if (options.cloudProvider) {cloudProvider = options.cloudProvider;} else {
    const region = settings.awsRegion ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new SettingsError(['AWS_REGION is required for the AWS cloud provider: set it to the cluster\'s region, e.g. "us-west-2"']);
    awsApis = retryingApis(options.awsApis ?? sdkApis(region), {
      sleep: ms => new Promise(resolve => timers.setTimeout(resolve, ms)),
      onRetry: (call, attempt, error, delayMs) => logger.warn('aws call throttled, retrying', { call, attempt, delayMs, error: errorField(error) }),
    });
    awsRegion = region;
    aws = new AwsCloudProvider({
      apis: awsApis,
      clusterName: settings.clusterName,
      region,
      clock: timers,
      clusterEndpoint: settings.clusterEndpoint,
      vmMemoryOverheadPercent: settings.vmMemoryOverheadPercent,
      getNodeClass: name => getNodeClass(name) as unknown as EC2NodeClass | undefined,
      onError: e => logger.warn('aws provider error', { error: errorField(e) }),
    });
    cloudProvider = aws;
  }

  operator = new Operator({
    settings,
    api,
    cloudProvider,
    logger,
    metrics,
    timers,
    identity,
    tuning: options.tuning,
    nodeClassStatus: aws ? nc => aws.nodeClassReconciler.reconcile(nc as unknown as EC2NodeClass) as unknown as Promise<Record<string,
      unknown>> : undefined,
    onLeadershipLost: () => {
      logger.error('leader election lost', { identity });
      if (options.onLeadershipLost) options.onLeadershipLost();
      else void stop().finally(() => process.exit(1));
    },
  });
  const host = options.host ?? '0.0.0.0';
  const servers: RunningServer[] = [];
  try {
    servers.push(await startMetricsServer(metrics, settings.metricsPort, host));
    servers.push(await startProbeServer({ port: settings.healthProbePort, host, healthy: () => true, ready: () => operator!.synced() }));
  } catch (e) {
    await Promise.all(servers.map(s => s.close()));
    throw new Error(`starting the metrics and health servers on ports ${settings.metricsPort} and ${settings.healthProbePort}`, { cause: e });
  }
  const op = operator;
  const resilience = resilienceControllers({
    ...options.resilience,
    settings,
    api,
    cluster: op.cluster,
    cloudProvider,
    logger,
    metrics,
    timers,
    active: () => op.isLeader() && op.synced(),
    aws: aws && awsApis ? { provider: aws, apis: awsApis, region: awsRegion } : undefined,
  });
  operator.start();
  resilience.start();
  logger.info('starting controller', {
    version: VERSION,
    clusterName: settings.clusterName,
    identity,
    cloudProvider: cloudProvider.name(),
    metricsPort: servers[0].port,
    healthProbePort: servers[1].port,
  });

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    stopping ??= (async () => {
      logger.info('shutting down controller', { identity });
      await resilience.stop();
      await operator!.stop();
      await Promise.all(servers.map(s => s.close()));
      if (timers instanceof RealTimers) timers.clearAll();
    })();
    return stopping;
  }
  return {
    settings, operator, metrics, cloudProvider, metricsPort: servers[0].port, healthProbePort: servers[1].port, resilience, stop,
  };
}

/** Runs the controller from the environment until SIGTERM / SIGINT. */
export async function main(): Promise<void> {
  let running: RunningController;
  try {
    running = await startController();
  } catch (e) {
    if (isSettingsError(e)) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`controller failed to start: ${errorField(e)}\n`);
    process.exit(1);
  }
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    void running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) void main();
