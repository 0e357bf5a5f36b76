/**
 * A node that exists or is being launched (an in-flight NodeClaim), as a target for pending pods: what is left of
 * its allocatable resources, its labels as requirements, and the taints that matter.
 */
import { KubePod, Taint } from '../kube-types';
import { LABEL_HOSTNAME } from '../labels';
import { podRequests } from '../pod-requests';
import { PodData } from './pod-data';
import { Requirement } from './requirement';
import { Requirements } from './requirements';
import { ResourceDims } from './resource-vector';
import { EPHEMERAL_TAINT_KEYS, firstUntolerated, formatTaint } from './taints';
import { Topology } from './topology';
import { StateNode } from '../state/state-node';

export class ExistingNode {
  readonly requirements: Requirements;
  readonly taints: readonly Taint[];
  /** Allocatable minus bound pods minus DaemonSet pods still to come. */
  readonly available: Float64Array;
  readonly pods: PodData[] = [];

  constructor(readonly node: StateNode, dims: ResourceDims, daemonOverhead: Float64Array, startupTaints: readonly Taint[]) {
    const labels = { [LABEL_HOSTNAME]: node.name, ...node.labels };
    this.requirements = Requirements.fromLabels(labels);
    this.requirements.add(Requirement.in(LABEL_HOSTNAME, labels[LABEL_HOSTNAME]));
    const ignored = (t: Taint) => EPHEMERAL_TAINT_KEYS.has(t.key)
      || (!node.initialized && startupTaints.some(s => s.key === t.key && s.effect === t.effect));
    this.taints = node.taints.filter(t => !ignored(t));
    const available = dims.vector(node.allocatable);
    const used = dims.vector(sumRequests(node.pods));
    for (let i = 0; i < available.length; i++) available[i] -= used[i] + daemonOverhead[i];
    this.available = available;
  }

  get name(): string {
    return this.node.name;
  }

  get hostname(): string {
    return this.requirements.get(LABEL_HOSTNAME).any() ?? this.node.name;
  }

  add(pod: PodData, topology: Topology): string | undefined {
    const v = pod.vector;
    for (let i = 0; i < v.length; i++) if (v[i] > this.available[i]) return `node ${this.name} does not have enough resources`;
    const taint = firstUntolerated(this.taints, pod.constraints.tolerations);
    if (taint) return `did not tolerate taint ${formatTaint(taint)} of node ${this.name}`;
    const incompatible = this.requirements.compatible(pod.requirements);
    if (incompatible) return `node ${this.name}: ${incompatible}`;
    const narrowed = topology.addRequirements(pod, this.requirements);
    if (typeof narrowed === 'string') return narrowed;
    for (let i = 0; i < v.length; i++) this.available[i] -= v[i];
    this.pods.push(pod);
    topology.record(pod, this.requirements);
    return undefined;
  }
}

function sumRequests(pods: readonly KubePod[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pods) for (const [k, v] of Object.entries(podRequests(p))) out[k] = (out[k] ?? 0) + v;
  return out;
}
