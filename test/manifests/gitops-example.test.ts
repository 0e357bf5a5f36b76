import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { crdErrors } from './crd-schema';
import { buildApp } from '../../examples/gitops/main';
import { ManifestWarnings } from '../../lib/manifests';
import { CRD_DEFAULT_METADATA_OPTIONS, guideEc2NodeClass, GUIDE_NODE_POOL } from '../helpers/getting-started-guide';

const ROOT = path.resolve(__dirname, '..', '..');
const OUTPUT = 'karpenter-nodes.k8s.yaml';

function synthTo(outdir: string): any[] {
  const app = buildApp(outdir);
  ManifestWarnings.setHandler(app, { warn: () => undefined });
  app.synth();
  return YAML.parseAllDocuments(fs.readFileSync(path.join(outdir, OUTPUT), 'utf8')).map(d => d.toJSON());
}

describe('the GitOps example', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const objects = synthTo(outdir);

  test('writes one EC2NodeClass, then one NodePool, to a single YAML file', () => {
    expect(fs.readdirSync(outdir).filter(f => f.endsWith('.yaml'))).toEqual([OUTPUT]);
    expect(objects.map(o => o.kind)).toEqual(['EC2NodeClass', 'NodePool']);
  });

  test('the NodePool equals the guide, field for field', () => {
    expect(objects[1]).toEqual(GUIDE_NODE_POOL);
  });

  test('the EC2NodeClass equals the guide, field for field, plus the CRD-default IMDS settings written explicitly', () => {
    expect(CRD_DEFAULT_METADATA_OPTIONS).toEqual({ httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' });
    const guide = guideEc2NodeClass('KarpenterNodeRole-my-cluster', 'my-cluster');
    expect(objects[0]).toEqual({ ...guide, spec: { ...guide.spec, metadataOptions: CRD_DEFAULT_METADATA_OPTIONS } });
  });

  test.each([0, 1])('object %i validates against its upstream CRD', i => {
    expect(crdErrors(objects[i])).toEqual([]);
  });
});

describe('npx ts-node examples/gitops/main.ts', () => {
  test('runs, writes the same YAML to $CDK8S_OUTDIR, and warns about consolidateAfter', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-cli-'));
    const inProcess = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-in-'));
    try {
      const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['examples/gitops/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, CDK8S_OUTDIR: outdir },
        encoding: 'utf8',
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`wrote ${path.join(outdir, OUTPUT)}\n`);
      expect(result.stderr).toBe('[WARNING] karpenter-nodes/NodePool: NodePool "default": disruption.consolidateAfter (30s) is under 1 minute with '
        + 'consolidationPolicy WhenEmptyOrUnderutilized: nodes are consolidated as soon as pods move, which makes the cluster churn. '
        + 'Use ConsolidateAfter.after(Duration.minutes(1)) or more. [karpenter-cdk:consolidateAfter]\n');
      synthTo(inProcess);
      expect(fs.readFileSync(path.join(outdir, OUTPUT), 'utf8')).toBe(fs.readFileSync(path.join(inProcess, OUTPUT), 'utf8'));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
      fs.rmSync(inProcess, { recursive: true, force: true });
    }
  }, 120_000);
});
