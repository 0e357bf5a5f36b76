/**
 * Scenario files for `karpenter-sim --scenario FILE`: a timeline of what happens to a cluster.
 *
 *   name: inflate 0 → 5 → 0
 *   start: "2026-01-05T10:00:00Z"        # optional (UTC)
 *   settings: { tickSeconds: 10, launchSeconds: 60, spotToSpotConsolidation: false, zones: [..], spotPriceRatio: 0.4 }
 *   manifests: |                          # optional: applied at the start (multi-document YAML)
 *     ...
 *   steps:
 *     - apply: |                          # kubectl apply (NodePool, EC2NodeClass, Deployment, Pod, DaemonSet, PodDisruptionBudget)
 *         ...
 *     - scale: { deployment: inflate, namespace: default, replicas: 5 }
 *     - nodeClass: { name: default, amiSelectorTerms: [{ id: ami-new }] }   # change an EC2NodeClass spec
 *     - advance: 10m                      # let the controller run
 *
 * Every step may have a `name` shown in the output.
 */
// eslint-disable-next-line import/no-extraneous-dependencies -- bundled into the simulator by esbuild
import { parse } from 'yaml';
import { ManifestError } from './manifest-error';
import { parseDuration } from '../core/disruption/duration';

export type ScenarioStep =
  | { readonly kind: 'apply'; readonly name?: string; readonly yaml: string; readonly source: string }
  | { readonly kind: 'scale'; readonly name?: string; readonly deployment: string; readonly namespace: string; readonly replicas: number }
  | { readonly kind: 'nodeClass'; readonly name?: string; readonly nodeClass: string; readonly spec: Record<string, unknown> }
  | { readonly kind: 'advance'; readonly name?: string; readonly ms: number; readonly text: string };

export interface ScenarioSettings {
  readonly tickSeconds: number;
  /** From launch to Initialized. */
  readonly launchSeconds: number;
  readonly spotToSpotConsolidation: boolean;
  readonly zones: readonly string[];
  readonly spotPriceRatio: number;
}

export interface Scenario {
  readonly name: string;
  readonly start: Date;
  readonly settings: ScenarioSettings;
  readonly steps: readonly ScenarioStep[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const DEFAULT_SETTINGS: ScenarioSettings = {
  tickSeconds: 10, launchSeconds: 60, spotToSpotConsolidation: false, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], spotPriceRatio: 0.4,
};

/** Parses a scenario file. Throws ManifestError naming the step and field. */
export function parseScenario(text: string, file: string): Scenario {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ManifestError(file, '(yaml)', (e as Error).message.split('\n')[0]);
  }
  if (!isObj(doc)) throw new ManifestError(file, '(document)', 'expected a mapping with name and steps');
  const name = typeof doc.name === 'string' ? doc.name : file;
  const startText = doc.start === undefined ? '2026-01-05T08:00:00Z' : String(doc.start instanceof Date ? doc.start.toISOString() : doc.start);
  const start = new Date(startText);
  if (Number.isNaN(start.getTime())) throw new ManifestError(file, 'start', `not a timestamp: ${JSON.stringify(doc.start)}`);
  const s = isObj(doc.settings) ? doc.settings : {};
  const num = (k: string, def: number, min: number, max: number) => {
    const v = s[k] ?? def;
    if (typeof v !== 'number' || !(v >= min && v <= max)) throw new ManifestError(file, `settings.${k}`, `must be a number from ${min} to ${max}, got ${JSON.stringify(s[k])}`);
    return v;
  };
  if (s.zones !== undefined && (!Array.isArray(s.zones) || s.zones.length === 0 || s.zones.some(z => typeof z !== 'string'))) {
    throw new ManifestError(file, 'settings.zones', 'expected a list of zone names');
  }
  const settings: ScenarioSettings = {
    tickSeconds: num('tickSeconds', DEFAULT_SETTINGS.tickSeconds, 1, 3600),
    launchSeconds: num('launchSeconds', DEFAULT_SETTINGS.launchSeconds, 0, 3600),
    spotToSpotConsolidation: s.spotToSpotConsolidation === true,
    zones: (s.zones as string[] | undefined) ?? DEFAULT_SETTINGS.zones,
    spotPriceRatio: num('spotPriceRatio', DEFAULT_SETTINGS.spotPriceRatio, 0.01, 1),
  };
  const steps: ScenarioStep[] = [];
  if (doc.manifests !== undefined) {
    if (typeof doc.manifests !== 'string') throw new ManifestError(file, 'manifests', 'expected multi-document YAML text (use `manifests: |`)');
    steps.push({ kind: 'apply', name: 'initial manifests', yaml: doc.manifests, source: `${file} manifests` });
  }
  if (!Array.isArray(doc.steps)) throw new ManifestError(file, 'steps', 'expected a list of steps');
  doc.steps.forEach((raw: unknown, i) => {
    const where = `steps[${i}]`;
    if (!isObj(raw)) throw new ManifestError(file, where, 'expected a mapping (apply, scale, nodeClass or advance)');
    const label = typeof raw.name === 'string' ? raw.name : undefined;
    const kinds = ['apply', 'scale', 'nodeClass', 'advance'].filter(k => raw[k] !== undefined);
    if (kinds.length !== 1) throw new ManifestError(file, where, `expected exactly one of apply, scale, nodeClass, advance; got ${kinds.length ? kinds.join(', ') : 'none'}`);
    switch (kinds[0]) {
      case 'apply':
        if (typeof raw.apply !== 'string') throw new ManifestError(file, `${where}.apply`, 'expected multi-document YAML text (use `apply: |`)');
        steps.push({ kind: 'apply', name: label, yaml: raw.apply, source: `${file} ${where}` });
        break;
      case 'scale': {
        const sc = raw.scale;
        if (!isObj(sc) || typeof sc.deployment !== 'string') throw new ManifestError(file, `${where}.scale.deployment`, 'missing');
        if (typeof sc.replicas !== 'number' || !Number.isInteger(sc.replicas) || sc.replicas < 0) {
          throw new ManifestError(file, `${where}.scale.replicas`, `must be a non-negative integer, got ${JSON.stringify(sc.replicas)}`);
        }
        steps.push({ kind: 'scale', name: label, deployment: sc.deployment, namespace: typeof sc.namespace === 'string' ? sc.namespace : 'default', replicas: sc.replicas });
        break;
      }
      case 'nodeClass': {
        const nc = raw.nodeClass;
        if (!isObj(nc) || typeof nc.name !== 'string') throw new ManifestError(file, `${where}.nodeClass.name`, 'missing');
        const { name: ncName, ...spec } = nc;
        steps.push({ kind: 'nodeClass', name: label, nodeClass: ncName as string, spec });
        break;
      }
      default: {
        const amount = String(raw.advance);
        let ms: number;
        try {
          ms = parseDuration(amount);
        } catch {
          throw new ManifestError(file, `${where}.advance`, `not a duration: ${JSON.stringify(raw.advance)} (use "30s", "10m", "2h")`);
        }
        if (ms <= 0) throw new ManifestError(file, `${where}.advance`, 'must be positive');
        steps.push({ kind: 'advance', name: label, ms, text: amount });
      }
    }
  });
  return { name, start, settings, steps };
}
