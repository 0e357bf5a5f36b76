import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'karpenter-cdk',
  description: 'Karpenter on Amazon EKS as one AWS CDK construct: IAM, Pod Identity, interruption queue, discovery tags, access entries, the controller and typed NodePool / EC2NodeClass manifests.',
  author: 'karpenter-cdk authors',
  authorAddress: 'karpenter-cdk@users.noreply.github.com',
  repositoryUrl: 'https://github.com/karpenter-cdk/karpenter-cdk.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'aws-cdk', 'eks', 'karpenter', 'kubernetes', 'autoscaling', 'cdk8s'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // aws-eks-v2 is stable in aws-cdk-lib; 2.258 is the floor for cdk-nag 3 and the built-in validator.
  cdkVersion: '2.276.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  srcdir: 'lib',
  libdir: 'out',
  entrypoint: 'out/index.js',
  testdir: 'test',
  minNodeVersion: '20.0.0',
  peerDeps: ['cdk8s@^2.70.106'],
  devDeps: [
    'aws-cdk@2.1148.1',
    'cdk8s@^2.70.106',
    'cdk-nag@^3.0.2',
    '@aws-cdk/lambda-layer-kubectl-v35@^2.2.2',
    '@cloud-copilot/iam-simulate@^0.1.173',
    'ajv@^8.17.1',
    'yaml@^2.8.0',
    'ts-node@^10.9.2',
    'esbuild@^0.28.0',
  ],
  // The CI of this project is `.ci/run`; GitHub workflows would be a second, untested CI.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  docgen: false,
  eslint: true,
  prettier: false,
  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 300_000,
      collectCoverage: false,
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../lib/**/*.ts', '**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts', '../controller/**/*.ts', '../bench/**/*.ts'],
  },
  gitignore: ['cdk.out/', 'cdk.out.synth.yaml', '.consumer-test/', '*.tgz', 'examples/gitops/dist/'],
});

for (const pattern of ['/examples/', '/cdk.json', '/scripts/', '/cdk.out/', '/.ci/', '/test-reports/', '/bench/', '/controller/', '/.consumer-test/']) {
  project.npmignore?.exclude(pattern);
}

// `npm test`: type-check and compile the library with jsii (catches jsii-incompatible public API), run every
// jest suite once (no snapshot updates in CI), then lint.
project.testTask.reset();
project.testTask.spawn(project.compileTask);
project.testTask.exec('jest --ci', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);

project.synth();
