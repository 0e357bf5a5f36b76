/**
 * Builds the leader-only resilience controllers of the composition root: garbage collection (always) and the
 * interruption controller (when INTERRUPTION_QUEUE is set and the provider is AWS). Both run only while this replica
 * leads and its cluster state is synced.
 */
import { AwsResourceGarbageCollector } from './aws-resource-garbage-collector';
import { GarbageCollectionController } from './garbage-collection-controller';
import { InstanceGarbageCollector } from './instance-garbage-collector';
import { AwsApis } from '../aws/api';
import { AwsCloudProvider } from '../aws/cloud-provider';
import { CloudProvider } from '../cloudprovider/types';
import { ClusterState } from '../core/state/cluster-state';
import { InterruptionController } from '../interruption/interruption-controller';
import { sdkSqsApi, SqsApi } from '../interruption/sqs-api';
import { KubeApi } from '../kube/api';
import { EC2NODECLASSES } from '../kube/resources';
import { Timers } from '../kube/timers';
import { ApiEventRecorder, ApiKubeWriter } from '../kube/writer';
import { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { Settings } from '../settings';

export interface ResilienceControllersOptions {
  readonly settings: Settings;
  readonly api: KubeApi;
  readonly cluster: ClusterState;
  readonly cloudProvider: CloudProvider;
  /** The AWS provider and its APIs, when the provider is AWS. */
  readonly aws?: { readonly provider: AwsCloudProvider; readonly apis: AwsApis; readonly region: string };
  /** @default sdkSqsApi(region) */
  readonly sqs?: SqsApi;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly timers: Timers;
  readonly active: () => boolean;
  readonly tuning?: {
    readonly garbageCollectionPeriodMs?: number;
    readonly resourceGarbageCollectionPeriodMs?: number;
    readonly gracePeriodMs?: number;
  };
}

export interface ResilienceControllers {
  readonly garbageCollection: GarbageCollectionController;
  readonly interruption?: InterruptionController;
  start(): void;
  stop(): Promise<void>;
}

export function resilienceControllers(o: ResilienceControllersOptions): ResilienceControllers {
  const writer = new ApiKubeWriter(o.api);
  const events = new ApiEventRecorder(o.api, o.timers, o.logger);
  const gcLogger = o.logger.child({ controller: 'garbagecollection' });
  const garbageCollection = new GarbageCollectionController({
    instances: new InstanceGarbageCollector({
      cloudProvider: o.cloudProvider, cluster: o.cluster, writer, logger: gcLogger, clock: o.timers, gracePeriodMs: o.tuning?.gracePeriodMs,
    }),
    resources: o.aws ? new AwsResourceGarbageCollector({
      ec2: o.aws.apis.ec2,
      iam: o.aws.apis.iam,
      clusterName: o.settings.clusterName,
      region: o.aws.region,
      nodeClassNames: async () => new Set((await o.api.list(EC2NODECLASSES)).items.map(n => n.metadata?.name ?? '')),
      logger: gcLogger,
      onLaunchTemplateDeleted: name => o.aws?.provider.launchTemplates.forget(name),
    }) : undefined,
    timers: o.timers,
    logger: gcLogger,
    active: o.active,
    periodMs: o.tuning?.garbageCollectionPeriodMs,
    resourcePeriodMs: o.tuning?.resourceGarbageCollectionPeriodMs,
  });
  const queueName = o.settings.interruptionQueue;
  const interruption = queueName && (o.sqs || o.aws) ? new InterruptionController({
    sqs: o.sqs ?? sdkSqsApi(o.aws!.region),
    queueName,
    cluster: o.cluster,
    writer,
    events,
    unavailableOfferings: o.aws?.provider.unavailableOfferings,
    logger: o.logger.child({ controller: 'interruption' }),
    metrics: o.metrics,
    timers: o.timers,
    active: o.active,
  }) : undefined;
  return {
    garbageCollection,
    interruption,
    start() {
      garbageCollection.start();
      interruption?.start();
    },
    async stop() {
      await Promise.all([garbageCollection.stop(), interruption?.stop()]);
    },
  };
}
