/**
 * What the scheduler needs to know about a node that exists (or is being launched): its labels, taints, allocatable
 * resources and bound pods. The Kubernetes adapter builds these from Nodes and NodeClaims; the simulator and tests
 * build them directly.
 */
import { KubePod, Taint } from '../kube-types';
import { ResourceList } from '../resources';

export interface StateNode {
  /** Node name, or the NodeClaim name while the node has not registered. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Canonical units (see resources.ts). */
  readonly allocatable: ResourceList;
  /** Counted against NodePool limits. @default allocatable */
  readonly capacity?: ResourceList;
  /** Pods bound to the node, DaemonSet pods included. */
  readonly pods: readonly KubePod[];
  /** False while launching or registering: startup taints are ignored and missing DaemonSet pods are reserved. */
  readonly initialized: boolean;
  /** The owning NodePool (karpenter.sh/nodepool label) when Karpenter manages the node. */
  readonly nodePoolName?: string;
  /** Being deleted or disrupted: pods are never placed on it. */
  readonly markedForDeletion?: boolean;
}
