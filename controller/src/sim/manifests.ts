/**
 * Reads the simulator's input: multi-document YAML with NodePool, EC2NodeClass, Pod, Deployment (replicas expanded),
 * DaemonSet (overhead) objects, exactly as a user would `kubectl apply` them. Other kinds are listed and skipped.
 * Invalid objects throw a ManifestError naming the document (`file#index Kind/name`) and the field.
 */
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the simulator by esbuild
import { parseAllDocuments } from 'yaml';
import { ManifestError } from './manifest-error';
import { KubeContainer, KubePod, NodePool, PodSpec } from '../core/kube-types';
import { isQuantityError } from '../core/quantity';
import { parseResource } from '../core/resources';
import { OPERATORS, Requirement } from '../core/scheduling/requirement';

export interface EC2NodeClass {
  apiVersion?: string;
  kind: 'EC2NodeClass';
  metadata: { name: string };
  spec?: Record<string, unknown>;
}

export interface SimulationInput {
  readonly nodePools: NodePool[];
  readonly nodeClasses: EC2NodeClass[];
  /** Pending pods (Pods, and one per Deployment replica). */
  readonly pods: KubePod[];
  /** One pod template per DaemonSet. */
  readonly daemonSetPods: KubePod[];
  /** `Kind name (file)` of skipped objects. */
  readonly skipped: string[];
}

interface Doc {
  readonly source: string;
  readonly object: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses YAML text into documents (throws ManifestError on YAML syntax errors). */
export function parseYamlDocuments(text: string, file: string): Doc[] {
  const out: Doc[] = [];
  parseAllDocuments(text).forEach((d, i) => {
    const source = `${file}#${i + 1}`;
    if (d.errors.length > 0) throw new ManifestError(source, '(yaml)', d.errors[0].message.split('\n')[0]);
    const object = d.toJS() as unknown;
    if (object === null || object === undefined) return;
    if (!isObj(object)) throw new ManifestError(source, '(document)', 'expected a Kubernetes object (a mapping with apiVersion and kind)');
    out.push({ source, object });
  });
  return out;
}

/** Validates and sorts the documents by kind. */
export function loadManifests(docs: readonly Doc[]): SimulationInput {
  const input: SimulationInput = { nodePools: [], nodeClasses: [], pods: [], daemonSetPods: [], skipped: [] };
  for (const { source, object } of docs) {
    const kind = object.kind;
    const meta = isObj(object.metadata) ? object.metadata : undefined;
    const name = typeof meta?.name === 'string' ? meta.name : undefined;
    const where = `${source} ${typeof kind === 'string' ? kind : '(no kind)'}${name ? `/${name}` : ''}`;
    if (typeof kind !== 'string') throw new ManifestError(where, 'kind', 'missing');
    switch (kind) {
      case 'NodePool': input.nodePools.push(nodePool(object, where)); break;
      case 'EC2NodeClass':
        requireName(object, where);
        input.nodeClasses.push(object as unknown as EC2NodeClass);
        break;
      case 'Pod': input.pods.push(pod(object, where)); break;
      case 'Deployment': input.pods.push(...deployment(object, where)); break;
      case 'DaemonSet': input.daemonSetPods.push(daemonSet(object, where)); break;
      default: input.skipped.push(`${kind}${name ? `/${name}` : ''} (${source})`);
    }
  }
  for (const np of input.nodePools) {
    const ref = np.spec.template.spec.nodeClassRef;
    if (ref && ref.kind === 'EC2NodeClass' && !input.nodeClasses.some(nc => nc.metadata.name === ref.name)) {
      throw new ManifestError(`NodePool/${np.metadata.name}`, 'spec.template.spec.nodeClassRef.name',
        `EC2NodeClass "${ref.name}" is not defined in the manifests (add it, or fix the reference)`);
    }
  }
  return input;
}

function requireName(o: Obj, where: string): string {
  const meta = o.metadata;
  if (!isObj(meta) || typeof meta.name !== 'string' || meta.name === '') throw new ManifestError(where, 'metadata.name', 'missing');
  return meta.name;
}

function checkQuantities(map: unknown, where: string, field: string): void {
  if (map === undefined || map === null) return;
  if (!isObj(map)) throw new ManifestError(where, field, 'expected a map of resource name to quantity');
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new ManifestError(where, `${field}.${k}`, `expected a quantity, got ${JSON.stringify(v)}`);
    try {
      parseResource(k, v);
    } catch (e) {
      if (isQuantityError(e)) throw new ManifestError(where, `${field}.${k}`, e.message);
      throw e;
    }
  }
}

function checkRequirements(list: unknown, where: string, field: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new ManifestError(where, field, 'expected a list');
  list.forEach((r, i) => {
    const f = `${field}[${i}]`;
    if (!isObj(r)) throw new ManifestError(where, f, 'expected a requirement { key, operator, values }');
    if (typeof r.key !== 'string' || r.key === '') throw new ManifestError(where, `${f}.key`, 'missing');
    if (typeof r.operator !== 'string' || !(OPERATORS as readonly string[]).includes(r.operator)) {
      throw new ManifestError(where, `${f}.operator`, `unknown operator ${JSON.stringify(r.operator)} (valid: ${OPERATORS.join(', ')})`);
    }
    if (r.values !== undefined && (!Array.isArray(r.values) || r.values.some(v => typeof v !== 'string'))) {
      throw new ManifestError(where, `${f}.values`, 'expected a list of strings (quote numbers: "4")');
    }
    try {
      Requirement.create(r.key, r.operator, (r.values as string[] | undefined) ?? [], r.minValues as number | undefined);
    } catch (e) {
      throw new ManifestError(where, f, (e as Error).message);
    }
    if (r.operator === 'In' && (!Array.isArray(r.values) || r.values.length === 0)) throw new ManifestError(where, `${f}.values`, 'operator In needs at least one value');
    if (typeof r.minValues === 'number' && r.operator === 'In' && (r.values as string[]).length < r.minValues) {
      throw new ManifestError(where, `${f}.minValues`, `${r.minValues} is more than the ${(r.values as string[]).length} value(s) listed`);
    }
  });
}

function checkTaints(list: unknown, where: string, field: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new ManifestError(where, field, 'expected a list');
  list.forEach((t, i) => {
    if (!isObj(t) || typeof t.key !== 'string') throw new ManifestError(where, `${field}[${i}].key`, 'missing');
    if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect as string)) {
      throw new ManifestError(where, `${field}[${i}].effect`, `must be NoSchedule, PreferNoSchedule or NoExecute, got ${JSON.stringify(t.effect)}`);
    }
  });
}

function nodePool(o: Obj, where: string): NodePool {
  requireName(o, where);
  const spec = o.spec;
  if (!isObj(spec)) throw new ManifestError(where, 'spec', 'missing');
  const template = spec.template;
  if (!isObj(template) || !isObj(template.spec)) throw new ManifestError(where, 'spec.template.spec', 'missing');
  checkRequirements(template.spec.requirements, where, 'spec.template.spec.requirements');
  checkTaints(template.spec.taints, where, 'spec.template.spec.taints');
  checkTaints(template.spec.startupTaints, where, 'spec.template.spec.startupTaints');
  checkQuantities(spec.limits, where, 'spec.limits');
  if (spec.weight !== undefined && (typeof spec.weight !== 'number' || spec.weight < 0 || spec.weight > 100)) {
    throw new ManifestError(where, 'spec.weight', `must be an integer from 0 to 100, got ${JSON.stringify(spec.weight)}`);
  }
  const ref = template.spec.nodeClassRef;
  if (ref !== undefined && (!isObj(ref) || typeof ref.name !== 'string')) throw new ManifestError(where, 'spec.template.spec.nodeClassRef.name', 'missing');
  return o as unknown as NodePool;
}

function checkPodSpec(spec: unknown, where: string, field: string): PodSpec {
  if (!isObj(spec)) throw new ManifestError(where, field, 'missing');
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) throw new ManifestError(where, `${field}.containers`, 'at least one container is required');
  for (const list of ['containers', 'initContainers'] as const) {
    const cs = spec[list];
    if (cs === undefined) continue;
    if (!Array.isArray(cs)) throw new ManifestError(where, `${field}.${list}`, 'expected a list');
    cs.forEach((c: unknown, i) => {
      const cname = isObj(c) && typeof c.name === 'string' ? c.name : String(i);
      const r = isObj(c) ? (c as KubeContainer).resources : undefined;
      checkQuantities(r?.requests, where, `${field}.${list}[${cname}].resources.requests`);
      checkQuantities(r?.limits, where, `${field}.${list}[${cname}].resources.limits`);
    });
  }
  checkQuantities(spec.overhead, where, `${field}.overhead`);
  const na = isObj(spec.affinity) && isObj(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : undefined;
  const required = isObj(na?.requiredDuringSchedulingIgnoredDuringExecution) ? na.requiredDuringSchedulingIgnoredDuringExecution : undefined;
  if (Array.isArray(required?.nodeSelectorTerms)) {
    required.nodeSelectorTerms.forEach((t: unknown, i) => checkRequirements(isObj(t) ? t.matchExpressions : undefined, where,
      `${field}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}].matchExpressions`));
  }
  if (Array.isArray(na?.preferredDuringSchedulingIgnoredDuringExecution)) {
    na.preferredDuringSchedulingIgnoredDuringExecution.forEach((t: unknown, i) => checkRequirements(
      isObj(t) && isObj(t.preference) ? t.preference.matchExpressions : undefined, where,
      `${field}.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference.matchExpressions`));
  }
  if (Array.isArray(spec.topologySpreadConstraints)) {
    spec.topologySpreadConstraints.forEach((c: unknown, i) => {
      const f = `${field}.topologySpreadConstraints[${i}]`;
      if (!isObj(c) || typeof c.topologyKey !== 'string') throw new ManifestError(where, `${f}.topologyKey`, 'missing');
      if (typeof c.maxSkew !== 'number' || c.maxSkew < 1) throw new ManifestError(where, `${f}.maxSkew`, `must be a positive integer, got ${JSON.stringify(c.maxSkew)}`);
      if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable as string)) {
        throw new ManifestError(where, `${f}.whenUnsatisfiable`, `must be DoNotSchedule or ScheduleAnyway, got ${JSON.stringify(c.whenUnsatisfiable)}`);
      }
    });
  }
  return spec as unknown as PodSpec;
}

function pod(o: Obj, where: string): KubePod {
  requireName(o, where);
  checkPodSpec(o.spec, where, 'spec');
  const meta = o.metadata as Obj;
  return { ...(o as unknown as KubePod), metadata: { ...(meta as KubePod['metadata']), namespace: (meta.namespace as string | undefined) ?? 'default' } };
}

function podTemplate(o: Obj, where: string): { meta: KubePod['metadata']; spec: PodSpec } {
  const spec = o.spec;
  if (!isObj(spec)) throw new ManifestError(where, 'spec', 'missing');
  if (!isObj(spec.template)) throw new ManifestError(where, 'spec.template', 'missing');
  const podSpec = checkPodSpec(spec.template.spec, where, 'spec.template.spec');
  const meta = isObj(spec.template.metadata) ? spec.template.metadata as KubePod['metadata'] : {};
  return { meta, spec: podSpec };
}

function deployment(o: Obj, where: string): KubePod[] {
  const name = requireName(o, where);
  const namespace = ((o.metadata as Obj).namespace as string | undefined) ?? 'default';
  const spec = o.spec as Obj | undefined;
  const replicas = spec?.replicas ?? 1;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ManifestError(where, 'spec.replicas', `must be a non-negative integer, got ${JSON.stringify(replicas)}`);
  }
  const { meta, spec: podSpec } = podTemplate(o, where);
  return Array.from({ length: replicas }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta, name: `${name}-${i}`, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name }] },
    spec: podSpec,
  }));
}

function daemonSet(o: Obj, where: string): KubePod {
  const name = requireName(o, where);
  const namespace = ((o.metadata as Obj).namespace as string | undefined) ?? 'default';
  const { meta, spec } = podTemplate(o, where);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta, name, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name }] },
    spec,
  };
}
