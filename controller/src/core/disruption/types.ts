/**
 * The inputs and outputs of the disruption core. The runtime builds a `ClusterSnapshot` from its informers (the
 * simulator builds it from its in-memory cluster), calls `computeDisruption`, then drives the returned `Command`
 * through `revalidate` and the `CommandExecution` state machine (orchestration.ts).
 */
import { InstanceType } from '../../cloudprovider/instance-type';
import { KubePod, LabelSelector, NodeClaim, NodePool, ObjectMeta } from '../kube-types';
import { ResourceList } from '../resources';
import { StateNode } from '../state/state-node';

/** Budget reasons, as in NodePool `spec.disruption.budgets[].reasons`. */
export type DisruptionReason = 'Empty' | 'Drifted' | 'Underutilized';

export type MethodName = 'emptiness' | 'drift' | 'multi-node-consolidation' | 'single-node-consolidation';

/** policy/v1 PodDisruptionBudget (the fields used). */
export interface PodDisruptionBudget {
  metadata: ObjectMeta;
  spec: {
    selector?: LabelSelector;
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow' | string;
  };
  /** As maintained by the disruption controller of kube-controller-manager. */
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number };
}

/** A node as the disruption core sees it: the scheduler's view plus its NodeClaim and the facts disruption needs. */
export interface DisruptionNode {
  /** Name, labels (instance type, zone, capacity type, NodePool), taints, allocatable, bound pods, initialized. */
  readonly state: StateNode;
  /**
   * The NodeClaim: `metadata.name`, `metadata.creationTimestamp`, annotations (hashes, do-not-disrupt),
   * `spec.expireAfter`, `spec.terminationGracePeriod`, `status.conditions` (Initialized, Consolidatable, Drifted).
   * Absent for nodes Karpenter does not manage.
   */
  readonly nodeClaim?: NodeClaim;
  /** Annotations of the Node object (`karpenter.sh/do-not-disrupt`). */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The Node's Ready condition is True. @default true */
  readonly ready?: boolean;
  /** The provisioner nominated pending pods to this node recently (cluster.IsNodeNominated). */
  readonly nominated?: boolean;
  /** NodeClaim `status.lastPodEventTime`: the last pod bound to or removed from the node. */
  readonly lastPodEventTime?: Date | string;
}

export interface ClusterSnapshot {
  readonly nodePools: readonly NodePool[];
  /** Instance types per NodePool name, or one list for every NodePool (as `SchedulerOptions.instanceTypes`). */
  readonly instanceTypes: ReadonlyMap<string, readonly InstanceType[]> | readonly InstanceType[];
  /** Every node in the cluster, managed or not, including in-flight NodeClaims (`state.initialized: false`). */
  readonly nodes: readonly DisruptionNode[];
  /** Pods waiting for a node: included in every simulation so disruption never takes capacity they need. */
  readonly pendingPods?: readonly KubePod[];
  /** One pod template per DaemonSet. */
  readonly daemonSetPods?: readonly KubePod[];
  readonly pdbs?: readonly PodDisruptionBudget[];
  /** NodePool `status.resources`, for limits in simulations. @default - the capacity of the state nodes */
  readonly nodePoolUsage?: Readonly<Record<string, ResourceList>>;
}

export interface DisruptionOptions {
  /** Feature gate SpotToSpotConsolidation. @default false */
  readonly spotToSpotConsolidation?: boolean;
  /** Multi-node consolidation considers at most this many candidates (upstream: 100). */
  readonly maxMultiNodeCandidates?: number;
  /**
   * Wall-clock timer (ms) and budgets for the consolidation searches (upstream: 1 minute multi-node, 3 minutes
   * single-node). The core never reads the clock itself: without `timer` there is no timeout.
   */
  readonly timer?: () => number;
  readonly multiNodeTimeoutMs?: number;
  readonly singleNodeTimeoutMs?: number;
}

/** A node that may be disrupted, with what disrupting it would cost. */
export interface Candidate {
  readonly node: DisruptionNode;
  readonly name: string;
  readonly nodeClaimName: string;
  readonly nodePool: NodePool;
  readonly instanceType: InstanceType;
  readonly capacityType: string;
  readonly zone: string;
  /** USD/hour of the offering the node runs on; undefined when the price is unknown (no consolidation then). */
  readonly price: number | undefined;
  /** Pods that must find a new home (not DaemonSet, static, terminal or terminating pods). */
  readonly reschedulablePods: readonly KubePod[];
  /** Rescheduling cost × remaining lifetime: cheapest first. */
  readonly disruptionCost: number;
}

/** A NodeClaim to launch before the candidates go. */
export interface Replacement {
  /** The NodeClaim to create (the writer adds name, owner reference and hash annotations). */
  readonly nodeClaim: NodeClaim;
  /** Instance type names, cheapest first. */
  readonly instanceTypes: readonly string[];
  /** The price of each of `instanceTypes` (its cheapest compatible offering). */
  readonly optionPrices: readonly number[];
  /** Price of the cheapest launch among them. */
  readonly price: number;
  readonly capacityType: string;
  /** `namespace/name` of the candidates' pods it is meant to hold. */
  readonly pods: readonly string[];
}

export interface Command {
  readonly method: MethodName;
  readonly reason: DisruptionReason;
  readonly decision: 'delete' | 'replace';
  readonly candidates: readonly Candidate[];
  readonly replacements: readonly Replacement[];
  /** Candidates' price minus the replacements' (negative for a drift replacement that costs more). */
  readonly savingsPerHour: number;
  readonly createdAt: Date;
}
