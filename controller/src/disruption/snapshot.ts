/**
 * The disruption core's `ClusterSnapshot`, built from the operator's cluster state: NodePools (not being deleted)
 * with their instance types from the cloud provider, every node and in-flight NodeClaim with its NodeClaim, Node
 * annotations, readiness, nomination and last pod event, the pending pods, DaemonSet pods and PDBs.
 */
import { InstanceType } from '../cloudprovider/instance-type';
import { CloudProvider } from '../cloudprovider/types';
import { ClusterSnapshot, DisruptionNode, PodDisruptionBudget } from '../core/disruption/types';
import { KubePod, NodePool } from '../core/kube-types';
import { isProvisionable } from '../core/provisioning/pending';
import { ClusterState } from '../core/state/cluster-state';
import { errorField, Logger } from '../observability/logger';

/** `status.lastPodEventTime` as upstream's NodeClaim carries it (written by upstream, read here when present). */
type WithLastPodEvent = { status?: { lastPodEventTime?: string } };

export async function buildSnapshot(cluster: ClusterState, cloudProvider: CloudProvider, now: Date, logger?: Logger): Promise<ClusterSnapshot> {
  const nowMs = now.getTime();
  const nodePools: NodePool[] = cluster.nodePools.values().filter(np => !np.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const instanceTypes = new Map<string, readonly InstanceType[]>();
  for (const np of nodePools) {
    try {
      instanceTypes.set(np.metadata.name, await cloudProvider.getInstanceTypes(np));
    } catch (e) {
      logger?.error('unable to resolve instance types', { NodePool: { name: np.metadata.name }, error: errorField(e) });
      instanceTypes.set(np.metadata.name, []);
    }
  }
  const nodes: DisruptionNode[] = cluster.stateEntries().map(e => {
    const ready = e.node ? e.node.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True') ?? false : undefined;
    const seen = e.node ? cluster.lastPodEventMs(e.node.metadata.name) : undefined;
    const stored = (e.nodeClaim as WithLastPodEvent | undefined)?.status?.lastPodEventTime;
    const storedMs = stored ? new Date(stored).getTime() : undefined;
    const last = Math.max(seen ?? -Infinity, Number.isFinite(storedMs) ? storedMs as number : -Infinity);
    return {
      state: e.state,
      nodeClaim: e.nodeClaim,
      annotations: e.node?.metadata.annotations,
      ready,
      nominated: cluster.isNominated(e.state.name, nowMs),
      lastPodEventTime: Number.isFinite(last) ? new Date(last) : undefined,
    };
  });
  return {
    nodePools,
    instanceTypes,
    nodes,
    pendingPods: cluster.pods.values().filter(isProvisionable) as KubePod[],
    daemonSetPods: cluster.daemonSetPods(),
    pdbs: cluster.pdbs.values() as PodDisruptionBudget[],
  };
}
