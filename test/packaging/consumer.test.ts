/**
 * The packed library, installed into a fresh CDK app outside the repo, imports and synthesizes: library users are
 * never the first to find a packaging mistake (a missing file, a devDependency needed at run time, broken typings).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repo = path.resolve(__dirname, '..', '..');
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

let work: string;
let packedFiles: string[];
let tarball: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(repo, 'out', 'index.js')) || !fs.existsSync(path.join(repo, '.jsii'))) {
    run('npx', ['jsii', '--silence-warnings=reserved-word'], repo);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'karpenter-cdk-consumer-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repo));
  tarball = path.join(work, packed.filename);
  packedFiles = packed.files.map((file: { path: string }) => file.path);
});

afterAll(() => {
  if (work) {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('the package ships the compiled library and its jsii manifest, not sources, tests or reference data', () => {
  expect(packedFiles).toEqual(expect.arrayContaining(['out/index.js', 'out/index.d.ts', 'out/karpenter.js', '.jsii', 'README.md', 'LICENSE', 'package.json']));
  const unexpected = packedFiles.filter((file) => /^(lib|test|examples|scripts|bench|\.ci)\//.test(file) || file.endsWith('.ts') && !file.endsWith('.d.ts'));
  expect(unexpected).toEqual([]);
  expect(packedFiles.filter((file) => /instance-types\.json|cloudformation\.yaml|\.golden$/.test(file))).toEqual([]);
});

test('a fresh CDK app outside the repo installs the tarball, type-checks against it, and synthesizes', () => {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  const devDependencies = packageJson.devDependencies as Record<string, string>;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
    name: 'consumer',
    version: '1.0.0',
    private: true,
    dependencies: {
      'karpenter-cdk': `file:${tarball}`,
      'aws-cdk-lib': devDependencies['aws-cdk-lib'],
      'constructs': devDependencies.constructs,
      'cdk8s': devDependencies.cdk8s,
      '@aws-cdk/lambda-layer-kubectl-v35': devDependencies['@aws-cdk/lambda-layer-kubectl-v35'],
    },
  }, undefined, 2));
  fs.writeFileSync(path.join(app, 'main.ts'), [
    "import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';",
    "import { App, Stack } from 'aws-cdk-lib';",
    "import * as eks from 'aws-cdk-lib/aws-eks-v2';",
    "import { Karpenter, KarpenterController } from 'karpenter-cdk';",
    '',
    "const app = new App({ outdir: 'cdk.out' });",
    "const stack = new Stack(app, 'Consumer');",
    "const cluster = new eks.Cluster(stack, 'Cluster', {",
    '  version: eks.KubernetesVersion.V1_35,',
    "  kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(stack, 'Kubectl') },",
    '  defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,',
    '});',
    "new Karpenter(stack, 'Karpenter', { cluster, controller: KarpenterController.helmChart({ version: '1.14.1' }) });",
    // The default engine: the controller image is built from the bundle shipped in the package.
    "const bundled = new Stack(app, 'ConsumerBundled');",
    "const bundledCluster = new eks.Cluster(bundled, 'Cluster', {",
    '  version: eks.KubernetesVersion.V1_35,',
    "  kubectlProviderOptions: { kubectlLayer: new KubectlV35Layer(bundled, 'Kubectl') },",
    '  defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,',
    '});',
    "new Karpenter(bundled, 'Karpenter', { cluster: bundledCluster });",
    'app.synth();',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', lib: ['es2022', 'esnext.disposable'], module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: false, types: [] },
    files: ['main.ts'],
  }));

  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
  run(process.execPath, [path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  run(process.execPath, ['main.js'], app);

  const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'Consumer.template.json'), 'utf8'));
  const types = new Set(Object.values(template.Resources).map((resource: any) => resource.Type));
  for (const type of ['AWS::SQS::Queue', 'AWS::Events::Rule', 'AWS::EKS::PodIdentityAssociation', 'AWS::EKS::AccessEntry', 'Custom::AWSCDK-EKS-HelmChart', 'Custom::KarpenterDiscoveryTags']) {
    expect(types).toContain(type);
  }

  // The bundled engine found the shipped controller bundle and staged it as the image's build context.
  const bundledTemplate = fs.readFileSync(path.join(app, 'cdk.out', 'ConsumerBundled.template.json'), 'utf8');
  expect(bundledTemplate).toContain('\\"kind\\":\\"Deployment\\"');
  const assets = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'ConsumerBundled.assets.json'), 'utf8'));
  const [image] = Object.values(assets.dockerImages ?? {}) as any[];
  expect(image).toBeDefined();
  const context = path.join(app, 'cdk.out', image.source.directory);
  expect(fs.readdirSync(context)).toEqual(expect.arrayContaining(['Dockerfile', 'index.js']));
});
