/**
 * An instance type as the scheduler sees it: requirements (its labels, plus the zones and capacity types it is
 * offered in), offerings with prices, capacity, and the overhead that turns capacity into allocatable.
 */
import { Offering } from './offering';
import { LABEL_CAPACITY_TYPE, LABEL_INSTANCE_TYPE, LABEL_ZONE } from '../core/labels';
import { ResourceList } from '../core/resources';
import { Requirement } from '../core/scheduling/requirement';
import { Requirements } from '../core/scheduling/requirements';

export interface InstanceTypeOverhead {
  readonly kubeReserved: ResourceList;
  readonly systemReserved: ResourceList;
  readonly evictionThreshold: ResourceList;
}

export const NO_OVERHEAD: InstanceTypeOverhead = { kubeReserved: {}, systemReserved: {}, evictionThreshold: {} };

export interface InstanceTypeProps {
  readonly name: string;
  /** Label values of nodes of this type (the instance-type label is added). */
  readonly labels: Readonly<Record<string, string>>;
  /** Well-known label keys this type does not have (e.g. GPU labels on a CPU type): DoesNotExist requirements. */
  readonly absentLabels?: readonly string[];
  readonly offerings: readonly Offering[];
  readonly capacity: ResourceList;
  readonly overhead?: InstanceTypeOverhead;
}

export class InstanceType {
  readonly name: string;
  readonly requirements: Requirements;
  readonly offerings: readonly Offering[];
  readonly capacity: ResourceList;
  readonly overhead: InstanceTypeOverhead;
  /** capacity - kubeReserved - systemReserved - evictionThreshold, never below zero. */
  readonly allocatable: ResourceList;
  /** Single-valued labels, including the instance-type label. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(props: InstanceTypeProps) {
    this.name = props.name;
    this.offerings = props.offerings;
    this.capacity = props.capacity;
    this.overhead = props.overhead ?? NO_OVERHEAD;
    this.labels = { ...props.labels, [LABEL_INSTANCE_TYPE]: props.name };
    const reqs = Requirements.fromLabels(this.labels);
    for (const key of props.absentLabels ?? []) if (!(key in this.labels)) reqs.add(Requirement.doesNotExist(key));
    reqs.add(Requirement.in(LABEL_ZONE, ...new Set(props.offerings.map(o => o.zone))));
    reqs.add(Requirement.in(LABEL_CAPACITY_TYPE, ...new Set(props.offerings.map(o => o.capacityType))));
    this.requirements = reqs;
    const allocatable: ResourceList = {};
    for (const [k, v] of Object.entries(this.capacity)) {
      const reserved = (this.overhead.kubeReserved[k] ?? 0) + (this.overhead.systemReserved[k] ?? 0) + (this.overhead.evictionThreshold[k] ?? 0);
      allocatable[k] = Math.max(0, v - reserved);
    }
    this.allocatable = allocatable;
  }

  /** Offerings that are available and allowed by the requirements (zone, capacity type, reservation). */
  compatibleOfferings(requirements: Requirements): Offering[] {
    const zone = requirements.get(LABEL_ZONE);
    const ct = requirements.get(LABEL_CAPACITY_TYPE);
    return this.offerings.filter(o => o.available && zone.has(o.zone) && ct.has(o.capacityType));
  }

  /** Returns a copy with different offerings (e.g. marking one unavailable). */
  withOfferings(offerings: readonly Offering[]): InstanceType {
    const { [LABEL_INSTANCE_TYPE]: _, ...labels } = this.labels;
    void _;
    return new InstanceType({
      name: this.name,
      labels,
      offerings,
      capacity: this.capacity,
      overhead: this.overhead,
      absentLabels: [...this.requirements.values()].filter(r => r.operator() === 'DoesNotExist').map(r => r.key),
    });
  }
}
