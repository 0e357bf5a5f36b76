/** The CloudProvider port, as upstream's `cloudprovider.CloudProvider`, in async TypeScript. */
import { InstanceType } from './instance-type';
import { NodeClaim, NodePool } from '../core/kube-types';

export interface CloudProvider {
  /** Launches capacity for the NodeClaim; returns it with status (providerID, capacity, allocatable, labels). */
  create(nodeClaim: NodeClaim): Promise<NodeClaim>;
  /** Terminates the NodeClaim's instance. Throws NodeClaimNotFoundError when already gone. */
  delete(nodeClaim: NodeClaim): Promise<void>;
  get(providerID: string): Promise<NodeClaim>;
  list(): Promise<NodeClaim[]>;
  /** The instance types a NodePool may launch, with offerings and prices. */
  getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]>;
  /** A drift reason (e.g. `AMIDrift`), or undefined when not drifted. */
  isDrifted(nodeClaim: NodeClaim): Promise<string | undefined>;
  name(): string;
}
