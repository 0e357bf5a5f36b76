/** An in-memory CloudProvider: launches the cheapest allowed offering, records calls, fails on demand. */
import { NodeClaim, NodePool } from '../../core/kube-types';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE } from '../../core/labels';
import { formatResources } from '../../core/resources';
import { Requirements } from '../../core/scheduling/requirements';
import { InsufficientCapacityError, NodeClaimNotFoundError } from '../errors';
import { InstanceType } from '../instance-type';
import { CloudProvider } from '../types';

export class FakeCloudProvider implements CloudProvider {
  readonly created = new Map<string, NodeClaim>();
  readonly createCalls: NodeClaim[] = [];
  readonly deleteCalls: NodeClaim[] = [];
  /** When set, the next create() throws it. */
  nextCreateError: Error | undefined;
  /** Drift reasons by providerID. */
  readonly drifted = new Map<string, string>();
  private counter = 0;

  constructor(public instanceTypes: InstanceType[]) {}

  async create(nodeClaim: NodeClaim): Promise<NodeClaim> {
    this.createCalls.push(nodeClaim);
    if (this.nextCreateError) {
      const e = this.nextCreateError;
      this.nextCreateError = undefined;
      throw e;
    }
    const reqs = Requirements.fromNodeSelectorRequirements(nodeClaim.spec.requirements);
    let best: { it: InstanceType; price: number; zone: string; capacityType: string } | undefined;
    for (const it of this.instanceTypes) {
      if (!reqs.get(LABEL_INSTANCE_TYPE).has(it.name)) continue;
      for (const o of it.compatibleOfferings(reqs)) {
        if (!best || o.price < best.price) best = { it, price: o.price, zone: o.zone, capacityType: o.capacityType };
      }
    }
    if (!best) throw new InsufficientCapacityError(`no compatible offering for nodeclaim ${nodeClaim.metadata.name ?? ''}`);
    const providerID = `fake:///${best.zone}/i-${String(++this.counter).padStart(8, '0')}`;
    const launched: NodeClaim = {
      ...nodeClaim,
      metadata: {
        ...nodeClaim.metadata,
        labels: {
          ...nodeClaim.metadata.labels, [LABEL_INSTANCE_TYPE]: best.it.name, [LABEL_ZONE]: best.zone, [LABEL_CAPACITY_TYPE]: best.capacityType,
        },
      },
      status: { providerID, capacity: formatResources(best.it.capacity), allocatable: formatResources(best.it.allocatable) },
    };
    this.created.set(providerID, launched);
    return launched;
  }

  async delete(nodeClaim: NodeClaim): Promise<void> {
    this.deleteCalls.push(nodeClaim);
    const id = nodeClaim.status?.providerID ?? '';
    if (!this.created.delete(id)) throw new NodeClaimNotFoundError(`instance ${id} not found`);
  }

  async get(providerID: string): Promise<NodeClaim> {
    const nc = this.created.get(providerID);
    if (!nc) throw new NodeClaimNotFoundError(`instance ${providerID} not found`);
    return nc;
  }

  async list(): Promise<NodeClaim[]> {
    return [...this.created.values()];
  }

  async getInstanceTypes(_nodePool: NodePool): Promise<InstanceType[]> {
    return this.instanceTypes;
  }

  async isDrifted(nodeClaim: NodeClaim): Promise<string | undefined> {
    return this.drifted.get(nodeClaim.status?.providerID ?? '');
  }

  name(): string {
    return 'fake';
  }
}
