import * as path from 'path';
import { runCli } from '../../../controller/src/sim/cli';
import { SimulationResult } from '../../../controller/src/sim/simulate';
import { CATALOG_FILE } from '../helpers/reference';

const EXAMPLES = path.resolve(__dirname, '../../../controller/examples');
const FIXTURES = path.resolve(__dirname, 'fixtures');
const example = (f: string) => path.join(EXAMPLES, f);
const fixture = (f: string) => path.join(FIXTURES, f);

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, { stdout: t => { stdout += t; }, stderr: t => { stderr += t; }, now: () => 0 });
  return { code, stdout, stderr };
}

function json(...argv: string[]): SimulationResult {
  const r = run(...argv, '--output', 'json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe('the JSON contract', () => {
  test('has exactly the documented fields', () => {
    const result = json('--manifests', example('quickstart.yaml'));
    expect(Object.keys(result).sort()).toEqual(['nodeClaims', 'solveMilliseconds', 'totalPricePerHour', 'unschedulable']);
    expect(result.nodeClaims.length).toBeGreaterThan(0);
    for (const nc of result.nodeClaims) {
      expect(Object.keys(nc).sort()).toEqual(['allocatable', 'capacityType', 'instanceType', 'name', 'nodePool', 'pods', 'pricePerHour', 'zone']);
      expect(Object.keys(nc.allocatable).sort()).toEqual(['cpu', 'memory', 'pods']);
      expect(typeof nc.pricePerHour).toBe('number');
      for (const p of nc.pods) expect(p).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+$/);
    }
    expect(result.totalPricePerHour).toBeCloseTo(result.nodeClaims.reduce((s, n) => s + n.pricePerHour, 0), 5);
    expect(result.solveMilliseconds).toBe(0);
  });

  test('quickstart: every replica scheduled, web spread over three zones, reports on arm64', () => {
    const result = json('--manifests', example('quickstart.yaml'));
    expect(result.unschedulable).toEqual([]);
    const pods = result.nodeClaims.flatMap(n => n.pods);
    expect(pods.filter(p => p.startsWith('shop/web-'))).toHaveLength(9);
    expect(pods.filter(p => p.startsWith('shop/reports-'))).toHaveLength(3);
    const webZones = new Set(result.nodeClaims.filter(n => n.pods.some(p => p.startsWith('shop/web-'))).map(n => n.zone));
    expect(webZones.size).toBe(3);
    const reportNodes = result.nodeClaims.filter(n => n.pods.some(p => p.startsWith('shop/reports-')));
    for (const n of reportNodes) expect(n.instanceType).toMatch(/^[cmr]\dg\./);
  });

  test('limits and GPUs: unschedulable pods carry reasons a person can act on', () => {
    const result = json('--manifests', example('limits-and-gpus.yaml'));
    const reasons = Object.fromEntries(result.unschedulable.map(u => [u.pod, u.reason]));
    expect(reasons['default/trainer']).toMatch(/no instance type of NodePool "capped" has nvidia.com\/gpu=1, pods=1 free/);
    const limited = result.unschedulable.filter(u => u.pod.startsWith('default/workers-'));
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].reason).toMatch(/NodePool "capped" has reached its limits: every instance type would exceed them \(remaining cpu=0\)/);
    for (const n of result.nodeClaims) expect(n.capacityType).toBe('on-demand');
  });

  test('spread and affinity: weights, taints, anti-affinity and minValues', () => {
    const result = json('--manifests', example('spread-and-affinity.yaml'));
    expect(result.unschedulable).toEqual([]);
    const api = result.nodeClaims.filter(n => n.pods.some(p => p.startsWith('default/api-')));
    expect(api).toHaveLength(6);
    for (const n of api) {
      expect(n.nodePool).toBe('spot-first');
      expect(n.pods).toHaveLength(1);
    }
    const db = result.nodeClaims.filter(n => n.nodePool === 'databases');
    expect(new Set(db.map(n => n.zone)).size).toBe(3);
    for (const n of db) expect(n.instanceType).toMatch(/^r/);
  });

  test('--catalog reads the reference catalog, --zones and --spot-price-ratio shape the offerings', () => {
    const result = json('--manifests', example('quickstart.yaml'), '--catalog', CATALOG_FILE, '--zones', 'eu-west-1a,eu-west-1b,eu-west-1c', '--spot-price-ratio', '0.3');
    expect(result.unschedulable).toEqual([]);
    for (const n of result.nodeClaims) expect(n.zone).toMatch(/^eu-west-1[abc]$/);
  });

  test('a small catalog file: types without price or facts are skipped, supportedUsageClasses honoured', () => {
    const result = json('--manifests', fixture('nodeclass.yaml'), fixture('unknown-kinds.yaml'), '--catalog', fixture('catalog-small.json'), '--zones', 'z1');
    expect(result.nodeClaims).toHaveLength(0); // no NodePool
    expect(result.unschedulable).toEqual([{ pod: 'default/solo', reason: 'no NodePool exists to launch a node for it' }]);
  });

  test('spot prices follow the ratio', () => {
    const a = json('--manifests', example('quickstart.yaml'), '--spot-price-ratio', '0.5');
    const b = json('--manifests', example('quickstart.yaml'), '--spot-price-ratio', '0.25');
    expect(b.totalPricePerHour).toBeCloseTo(a.totalPricePerHour / 2, 3);
  });
});

describe('the table', () => {
  test('one row per NodeClaim, totals and unschedulable pods', () => {
    const r = run('--manifests', example('limits-and-gpus.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NODECLAIM\s+NODEPOOL\s+INSTANCE TYPE\s+CAPACITY\s+ZONE\s+\$\/HOUR/);
    expect(r.stdout).toMatch(/capped-1\s+capped\s+\S+\s+on-demand\s+us-east-1/);
    expect(r.stdout).toMatch(/Total: 1 NodeClaim\(s\), \d+ pod\(s\) scheduled, \$\d+\.\d{4}\/hour/);
    expect(r.stdout).toContain('Unschedulable pods (');
    expect(r.stdout).toContain('default/trainer: no instance type of NodePool "capped" has nvidia.com/gpu=1');
  });

  test('with no NodePool it says so', () => {
    const r = run('--manifests', fixture('unknown-kinds.yaml'));
    expect(r.stdout).toContain('no NodePool in the manifests');
    expect(r.stdout).toContain('No NodeClaims would be launched.');
  });
});

describe('bad input', () => {
  test('unknown kinds are listed on stderr and skipped', () => {
    const r = run('--manifests', fixture('unknown-kinds.yaml'), '--output', 'json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Skipped 2 object(s) of kinds the simulator does not use: ConfigMap/settings');
    expect(r.stderr).toContain('Service/svc');
    expect(JSON.parse(r.stdout).unschedulable).toHaveLength(1);
  });

  test.each([
    ['bad-quantity.yaml', /bad-quantity.yaml#1 Deployment\/web: spec.template.spec.containers\[web\].resources.requests.cpu: invalid quantity "2 cores"/],
    ['bad-operator.yaml', /bad-operator.yaml#1 NodePool\/default: spec.template.spec.requirements\[0\].operator: unknown operator "Equals"/],
    ['missing-nodeclass.yaml', /NodePool\/default: spec.template.spec.nodeClassRef.name: EC2NodeClass "does-not-exist" is not defined/],
    ['bad-yaml.yaml', /bad-yaml.yaml#1: \(yaml\): /],
    ['no-kind.yaml', /no-kind.yaml#1 \(no kind\)\/mystery: kind: missing/],
    ['bad-gt.yaml', /bad-gt.yaml#1 NodePool\/default: spec.template.spec.requirements\[0\]: requirement karpenter.k8s.aws\/instance-cpu Gt needs exactly one integer value/],
    ['bad-limit.yaml', /bad-limit.yaml#1 NodePool\/default: spec.limits.memory: invalid quantity "10GB"/],
    ['no-containers.yaml', /no-containers.yaml#1 Pod\/empty: spec.containers: at least one container is required/],
  ])('%s: exit 2, the document and field named, no stack trace', (file, message) => {
    const r = run('--manifests', fixture(file));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test.each([
    [[], /--manifests is required/],
    [['--manifests', '/nonexistent/x.yaml'], /cannot read \/nonexistent\/x.yaml: no such file/],
    [['--manifests', 'a.yaml', '--output', 'xml'], /--output must be table or json, got "xml"/],
    [['--manifests', 'a.yaml', '--spot-price-ratio', '2'], /--spot-price-ratio must be a number greater than 0 and at most 1, got "2"/],
    [['--manifests', 'a.yaml', '--spot-price-ratio', 'cheap'], /--spot-price-ratio must be/],
    [['--manifests', 'a.yaml', '--zones', ','], /--zones needs at least one zone/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['quickstart.yaml'], /did you mean --manifests quickstart.yaml/],
  ])('usage error %j: exit 2 with usage', (argv, message) => {
    const r = run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).toContain('Usage: karpenter-sim');
  });

  test('a catalog that is not JSON: exit 2 naming the file', () => {
    const r = run('--manifests', example('quickstart.yaml'), '--catalog', fixture('bad-yaml.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/catalog .*bad-yaml.yaml is not valid JSON/);
  });

  test('a catalog without instanceTypes: exit 2', () => {
    const r = run('--manifests', example('quickstart.yaml'), '--catalog', path.join(EXAMPLES, '..', 'tsconfig.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected an object with an "instanceTypes" array/);
  });

  test('--help prints usage and exits 0', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--spot-price-ratio');
  });
});
