/**
 * The bundled controller's Kubernetes permissions, least privilege: exactly the reads its informers need and the
 * writes it makes, no `*` verbs, resources or groups. Cluster-wide rules go to a ClusterRole; the leader-election
 * Lease, which lives in the controller's namespace, to a Role there (as upstream's chart splits them).
 */

/** One RBAC rule: verbs on resources of one API group, optionally on named objects only. */
export interface RbacRule {
  readonly apiGroup: string;
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

/** The Lease the replicas compete for (upstream's name: only one controller acts, whichever engine runs it). */
export const LEADER_ELECTION_LEASE_NAME = 'karpenter-leader-election';

const READ = ['get', 'list', 'watch'];

/** Cluster-wide rules (ClusterRole). */
export const CONTROLLER_CLUSTER_RULES: readonly RbacRule[] = [
  // Read: the cluster state the scheduler, the lifecycle and the disruption controllers watch.
  { apiGroup: '', resources: ['pods', 'nodes', 'persistentvolumes', 'persistentvolumeclaims'], verbs: READ },
  { apiGroup: 'apps', resources: ['daemonsets'], verbs: READ },
  { apiGroup: 'policy', resources: ['poddisruptionbudgets'], verbs: READ },
  { apiGroup: 'storage.k8s.io', resources: ['storageclasses', 'csinodes', 'volumeattachments'], verbs: READ },
  { apiGroup: 'karpenter.sh', resources: ['nodepools', 'nodepools/status', 'nodeclaims', 'nodeclaims/status'], verbs: READ },
  { apiGroup: 'karpenter.k8s.aws', resources: ['ec2nodeclasses', 'ec2nodeclasses/status'], verbs: READ },
  // Write: NodeClaims it creates and finalizes, the status (and hash annotations) of the objects it reconciles.
  { apiGroup: 'karpenter.sh', resources: ['nodeclaims'], verbs: ['create', 'patch', 'delete'] },
  { apiGroup: 'karpenter.sh', resources: ['nodeclaims/status', 'nodepools/status'], verbs: ['patch', 'update'] },
  { apiGroup: 'karpenter.sh', resources: ['nodepools'], verbs: ['patch'] },
  { apiGroup: 'karpenter.k8s.aws', resources: ['ec2nodeclasses'], verbs: ['patch'] },
  { apiGroup: 'karpenter.k8s.aws', resources: ['ec2nodeclasses/status'], verbs: ['patch', 'update'] },
  // Nodes it registers (labels, taints, finalizer) and removes; pods it evicts while draining.
  { apiGroup: '', resources: ['nodes'], verbs: ['patch', 'delete'] },
  { apiGroup: '', resources: ['pods/eviction'], verbs: ['create'] },
  // Events on pods (in their namespaces) and on cluster-scoped NodeClaims and Nodes (in `default`).
  { apiGroup: '', resources: ['events'], verbs: ['create', 'patch'] },
];

/** Rules in the controller's namespace (Role): leader election. */
export const CONTROLLER_NAMESPACE_RULES: readonly RbacRule[] = [
  // `create` cannot be limited by name (the name is not known to the authorizer before the object exists).
  { apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['create'] },
  { apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['get', 'update', 'patch'], resourceNames: [LEADER_ELECTION_LEASE_NAME] },
];
