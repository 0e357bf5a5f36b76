/**
 * The stored shapes of the objects the controllers read and write: the core's kube-types plus the metadata the API
 * server adds (finalizers, deletionTimestamp, resourceVersion) and the Node fields the lifecycle reads.
 */
import { KubeNode, KubePod, LabelSelector, NodeClaim, NodePool, ObjectMeta, Taint } from '../kube-types';

export interface StoredMeta extends ObjectMeta {
  resourceVersion?: string;
  finalizers?: string[];
  deletionTimestamp?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export type ClusterNodeClaim = NodeClaim & { metadata: StoredMeta & { name: string } };

export interface ClusterNode extends KubeNode {
  apiVersion?: string;
  kind?: string;
  metadata: StoredMeta & { name: string };
  spec?: { taints?: Taint[]; providerID?: string; unschedulable?: boolean };
  status?: KubeNode['status'] & { conditions?: Condition[] };
}

export type ClusterPod = KubePod & {
  metadata: StoredMeta & { name: string };
  status?: KubePod['status'] & { nominatedNodeName?: string; startTime?: string };
};

export type ClusterNodePool = NodePool & { metadata: StoredMeta & { name: string } };

export interface ClusterDaemonSet {
  apiVersion?: string;
  kind?: string;
  metadata: StoredMeta & { name: string };
  spec?: { template?: { metadata?: ObjectMeta; spec?: KubePod['spec'] } };
}

/** policy/v1 PodDisruptionBudget as stored (the disruption core's shape with a name). */
export interface ClusterPdb {
  apiVersion?: string;
  kind?: string;
  metadata: StoredMeta & { name: string };
  spec: PodDisruptionBudgetSpec;
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number };
}

export interface PodDisruptionBudgetSpec {
  selector?: LabelSelector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  unhealthyPodEvictionPolicy?: string;
}

export const TERMINATION_FINALIZER = 'karpenter.sh/termination';
export const UNREGISTERED_TAINT: Taint = { key: 'karpenter.sh/unregistered', effect: 'NoExecute' };
export const DISRUPTED_TAINT: Taint = { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' };
