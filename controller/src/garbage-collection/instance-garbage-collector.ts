/**
 * Garbage collection of instances and NodeClaims, over the CloudProvider port (upstream's core
 * `nodeclaim.garbagecollection` controller):
 *  - an instance of this cluster (the provider lists only instances carrying the cluster's ownership and NodePool
 *    tags) that no NodeClaim owns, older than the grace period (30 s), is terminated and its Node deleted;
 *  - a launched NodeClaim whose instance the provider no longer knows (checked again with `get`) is deleted.
 * An instance whose NodeClaim exists but has not written its providerID yet (a crash between CreateFleet and the
 * status write) is left alone: the launch adopts it by its `karpenter.sh/nodeclaim` tag.
 */
import { isNodeClaimNotFoundError } from '../cloudprovider/errors';
import { CloudProvider } from '../cloudprovider/types';
import { Clock } from '../core/clock';
import { NodeClaim } from '../core/kube-types';
import { LABEL_NODEPOOL } from '../core/labels';
import { CONDITION_LAUNCHED } from '../core/lifecycle/conditions';
import { ClusterState } from '../core/state/cluster-state';
import { KubeWriter } from '../core/state/ports';
import { errorField, Logger } from '../observability/logger';

export const GARBAGE_COLLECTION_GRACE_MS = 30_000;

export interface InstanceGarbageCollectorOptions {
  readonly cloudProvider: CloudProvider;
  readonly cluster: ClusterState;
  readonly writer: Pick<KubeWriter, 'deleteNode' | 'deleteNodeClaim'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Minimum age of an instance without NodeClaim, and of a NodeClaim's launch, before collection. @default 30000 */
  readonly gracePeriodMs?: number;
}

export interface InstanceGcResult {
  /** providerIDs of the instances terminated. */
  readonly instancesTerminated: string[];
  /** Nodes deleted with them. */
  readonly nodesDeleted: string[];
  /** NodeClaims deleted because their instance is gone. */
  readonly nodeClaimsDeleted: string[];
}

export class InstanceGarbageCollector {
  /** When an instance without NodeClaim was first seen (providers that report no launch time). */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly opts: InstanceGarbageCollectorOptions) {}

  private get grace(): number {
    return this.opts.gracePeriodMs ?? GARBAGE_COLLECTION_GRACE_MS;
  }

  async run(): Promise<InstanceGcResult> {
    const { cloudProvider, cluster, writer, logger, clock } = this.opts;
    const result: InstanceGcResult = { instancesTerminated: [], nodesDeleted: [], nodeClaimsDeleted: [] };
    const now = clock.now().getTime();
    const instances = await cloudProvider.list();
    const listed = new Set(instances.map(i => i.status?.providerID).filter((p): p is string => !!p));
    for (const id of this.firstSeen.keys()) if (!listed.has(id)) this.firstSeen.delete(id);

    for (const instance of instances) {
      const providerID = instance.status?.providerID;
      if (!providerID || this.owned(instance)) {
        if (providerID) this.firstSeen.delete(providerID);
        continue;
      }
      const firstSeen = this.firstSeen.get(providerID) ?? now;
      this.firstSeen.set(providerID, firstSeen);
      const launched = instance.metadata.creationTimestamp ? new Date(instance.metadata.creationTimestamp).getTime() : firstSeen;
      if (!Number.isFinite(launched) || now - launched < this.grace) continue;
      logger.info('garbage collecting instance with no nodeclaim', {
        'provider-id': providerID, 'NodePool': { name: instance.metadata.labels?.[LABEL_NODEPOOL] ?? '' }, 'age': `${Math.round((now - launched) / 1000)}s`,
      });
      try {
        await cloudProvider.delete(instance);
      } catch (e) {
        if (!isNodeClaimNotFoundError(e)) {
          logger.error('failed garbage collecting instance', { 'provider-id': providerID, 'error': errorField(e) });
          continue;
        }
      }
      this.firstSeen.delete(providerID);
      result.instancesTerminated.push(providerID);
      const node = cluster.nodeByProviderID(providerID);
      if (node) {
        await writer.deleteNode(node.metadata.name);
        result.nodesDeleted.push(node.metadata.name);
      }
    }

    for (const nc of cluster.nodeClaims.values()) {
      const providerID = nc.status?.providerID;
      if (!providerID || listed.has(providerID) || nc.metadata.deletionTimestamp) continue;
      const launchedCond = nc.status?.conditions?.find(c => c.type === CONDITION_LAUNCHED);
      const since = launchedCond?.lastTransitionTime ? new Date(launchedCond.lastTransitionTime).getTime() : undefined;
      if (launchedCond?.status !== 'True' || since === undefined || now - since < this.grace) continue;
      try {
        await cloudProvider.get(providerID);
        continue; // listed late (eventual consistency): still there
      } catch (e) {
        if (!isNodeClaimNotFoundError(e)) {
          logger.error('failed checking the instance of nodeclaim', { 'NodeClaim': { name: nc.metadata.name }, 'provider-id': providerID, 'error': errorField(e) });
          continue;
        }
      }
      logger.info('garbage collecting nodeclaim with no cloudprovider instance', {
        'NodeClaim': { name: nc.metadata.name }, 'NodePool': { name: nc.metadata.labels?.[LABEL_NODEPOOL] ?? '' }, 'provider-id': providerID,
      });
      await writer.deleteNodeClaim(nc.metadata.name);
      result.nodeClaimsDeleted.push(nc.metadata.name);
    }
    return result;
  }

  /** Whether a NodeClaim owns the instance: by providerID, or by name while its status is not written yet. */
  private owned(instance: NodeClaim): boolean {
    const providerID = instance.status?.providerID;
    if (providerID && this.opts.cluster.nodeClaimByProviderID(providerID)) return true;
    const name = instance.metadata.name;
    const byName = name ? this.opts.cluster.nodeClaims.get(name) : undefined;
    return !!byName && (!byName.status?.providerID || byName.status.providerID === providerID);
  }
}
