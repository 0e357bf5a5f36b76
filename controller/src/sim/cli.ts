/**
 * `karpenter-sim`: plan the nodes Karpenter would launch for a set of manifests, with no cluster and no cloud.
 *
 *   karpenter-sim --manifests FILE... [--catalog FILE] [--zones a,b,c] [--spot-price-ratio 0.4] [--output table|json]
 *
 * Exit codes: 0 planned (unschedulable pods are part of the plan), 2 invalid input or usage, 1 internal error.
 * Never prints a stack trace.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { CatalogError, loadCatalogFile } from './catalog-file';
import { isManifestError } from './manifest-error';
import { loadManifests, parseYamlDocuments } from './manifests';
import { plotScenario } from './plot';
import { formatScenario, runScenario, scenarioJson } from './run-scenario';
import { parseScenario } from './scenario';
import { simulate } from './simulate';
import { syntheticCatalog } from './synthetic-catalog';
import { formatResultTable } from './table';
import { FakeClock } from '../core/clock';
import { isDurationError } from '../core/disruption/duration';
import { isQuantityError } from '../core/quantity';
import { isRequirementError } from '../core/scheduling/requirement';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default fs.readFileSync(path, 'utf8') */
  readFile?(path: string): string;
  /** Wall clock in milliseconds, for solveMilliseconds. @default performance.now */
  now?(): number;
  /** @default fs.writeFileSync(path, text) */
  writeFile?(path: string, text: string): void;
}

export const USAGE = `Usage: karpenter-sim --manifests FILE... [options]
       karpenter-sim --scenario FILE [--plot FILE.svg] [options]

Plans the NodeClaims Karpenter would launch for the pods in the manifests (NodePool, EC2NodeClass, Pod,
Deployment, DaemonSet), with no cluster and no AWS account.

Options:
  --manifests FILE...        multi-document YAML files, as you would kubectl apply them (required)
  --catalog FILE             instance types in the shape of instance-types.json (default: built-in synthetic catalog)
  --zones LIST               comma-separated zones for every offering (default: us-east-1a,us-east-1b,us-east-1c)
  --spot-price-ratio RATIO   spot price = on-demand price x RATIO, between 0 and 1 (default: 0.4)
  --output table|json        table for people, json for tools (default: table)
  --scenario FILE            run a timeline (apply, scale, change an EC2NodeClass, advance the clock) through
                             provisioning and disruption; prints what the controller did and $/hour after each step
  --plot FILE.svg            with --scenario: draw nodes by capacity type and $/hour over time
  -h, --help                 show this help
`;

class UsageError extends Error {}

interface ScenarioArgs {
  'scenario'?: string;
  'plot'?: string;
  'manifests'?: string[];
  'catalog'?: string;
  'zones'?: string;
  'spot-price-ratio'?: string;
  'output'?: string;
}

function runScenarioCli(values: ScenarioArgs, positionals: readonly string[], io: CliIo, readFile: (p: string) => string): number {
  if (values.manifests) throw new UsageError('--scenario and --manifests cannot be combined (put the manifests in the scenario)');
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, got ${JSON.stringify(output)}`);
  const file = values.scenario as string;
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const scenario = parseScenario(text, file);
  const zones = values.zones ? values.zones.split(',').map(z => z.trim()).filter(z => z !== '') : [...scenario.settings.zones];
  if (zones.length === 0) throw new UsageError('--zones needs at least one zone');
  const ratioText = values['spot-price-ratio'];
  const spotPriceRatio = ratioText === undefined ? scenario.settings.spotPriceRatio : Number(ratioText);
  if (ratioText !== undefined && (!/^\d*\.?\d+$/.test(ratioText) || !(spotPriceRatio > 0 && spotPriceRatio <= 1))) {
    throw new UsageError(`--spot-price-ratio must be a number greater than 0 and at most 1, got ${JSON.stringify(ratioText)}`);
  }
  const catalogOpts = { zones, spotPriceRatio };
  const instanceTypes = values.catalog ? loadCatalogFile(values.catalog, catalogOpts).instanceTypes : syntheticCatalog(catalogOpts);
  const result = runScenario({ ...scenario, settings: { ...scenario.settings, zones, spotPriceRatio } }, instanceTypes);
  if (output === 'json') io.stdout(`${JSON.stringify(scenarioJson(result), null, 2)}\n`);
  else io.stdout(formatScenario(result));
  if (values.plot) {
    const write = io.writeFile ?? ((p: string, t: string) => fs.writeFileSync(p, t));
    try {
      write(values.plot, plotScenario(result));
    } catch (e) {
      throw new UsageError(`cannot write ${values.plot}: ${(e as Error).message}`);
    }
    if (output === 'table') io.stdout(`Plot written to ${values.plot}\n`);
  }
  return 0;
}

export function runCli(argv: readonly string[], io: CliIo): number {
  const readFile = io.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        strict: true,
        options: {
          'manifests': { type: 'string', multiple: true },
          'catalog': { type: 'string' },
          'zones': { type: 'string' },
          'spot-price-ratio': { type: 'string' },
          'output': { type: 'string' },
          'scenario': { type: 'string' },
          'plot': { type: 'string' },
          'help': { type: 'boolean', short: 'h' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (values.scenario !== undefined) return runScenarioCli(values, positionals, io, readFile);
    if (values.plot !== undefined) throw new UsageError('--plot needs --scenario');
    // `--manifests a.yaml b.yaml`: the files after the first are positionals
    const files = [...(values.manifests ?? []), ...(values.manifests ? positionals : [])];
    if (!values.manifests) {
      if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])} (did you mean --manifests ${positionals[0]}?)`);
      throw new UsageError('--manifests is required');
    }
    const output = values.output ?? 'table';
    if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, got ${JSON.stringify(output)}`);
    const zones = (values.zones ?? 'us-east-1a,us-east-1b,us-east-1c').split(',').map(z => z.trim()).filter(z => z !== '');
    if (zones.length === 0) throw new UsageError('--zones needs at least one zone');
    const ratioText = values['spot-price-ratio'] ?? '0.4';
    const spotPriceRatio = Number(ratioText);
    if (!/^\d*\.?\d+$/.test(ratioText) || !(spotPriceRatio > 0 && spotPriceRatio <= 1)) {
      throw new UsageError(`--spot-price-ratio must be a number greater than 0 and at most 1, got ${JSON.stringify(ratioText)}`);
    }

    const docs = files.flatMap(file => {
      let text: string;
      try {
        text = readFile(file);
      } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      return parseYamlDocuments(text, file);
    });
    const input = loadManifests(docs);
    const notes: string[] = [];
    if (input.skipped.length > 0) {
      const msg = `Skipped ${input.skipped.length} object(s) of kinds the simulator does not use: ${input.skipped.join(', ')}`;
      io.stderr(`${msg}\n`);
    }
    if (input.nodePools.length === 0) notes.push('Note: no NodePool in the manifests, so no node can be launched.');
    const catalogOpts = { zones, spotPriceRatio };
    const instanceTypes = values.catalog ? loadCatalogFile(values.catalog, catalogOpts).instanceTypes : syntheticCatalog(catalogOpts);
    const result = simulate(input, instanceTypes, { clock: new FakeClock(0), now: io.now ?? (() => performance.now()) });
    if (output === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout(formatResultTable(result, notes));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (isManifestError(e) || isDurationError(e) || e instanceof CatalogError || isQuantityError(e) || isRequirementError(e)) {
      io.stderr(`error: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr(`internal error: ${(e as Error)?.message ?? String(e)} (please report this with the manifests that caused it)\n`);
    return 1;
  }
}
