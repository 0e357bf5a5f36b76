import { ClusterState } from './cluster-state';
import { EventRecorder, KubeWriter } from './ports';
import { CloudProvider } from '../../cloudprovider/types';
import { Logger } from '../../observability/logger';
import { Metrics } from '../../observability/metrics';
import { Clock } from '../clock';

/** What every controller of the runtime is given: cluster state, the cloud, the Kubernetes writers, logs, time. */
export interface ControllerDependencies {
  readonly cluster: ClusterState;
  readonly cloudProvider: CloudProvider;
  readonly writer: KubeWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: Metrics;
}
