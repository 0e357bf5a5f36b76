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
    // The controller (bundled with esbuild into assets/, so these are build-time dependencies of the package).
    '@kubernetes/client-node@~1.4.0',
    '@aws-sdk/client-ec2@^3.1169.0',
    '@aws-sdk/client-ssm@^3.1169.0',
    '@aws-sdk/client-pricing@^3.1133.0',
    '@aws-sdk/client-eks@^3.1169.0',
    '@aws-sdk/client-sqs@^3.1169.0',
    '@aws-sdk/client-iam@^3.1169.0',
    'aws-sdk-client-mock@^4.1.0',
    'prom-client@^15.1.3',
    'pino@^10.4.0',
    'cron-parser@^5.10.5',
  ],
  // Renders the bundled engine's Deployment, RBAC and PDB; kept out of the public API.
  bundledDeps: ['cdk8s-plus-33@^2.5.57'],
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
      // @kubernetes/client-node 1.x and a few of its dependencies are ESM-only: compile them to CommonJS for jest.
      transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648)/)'],
      transform: {
        '^.+\\.[t]sx?$': new javascript.Transform('ts-jest', { tsconfig: 'test/tsconfig.json' }),
        '^.+\\.m?js$': new javascript.Transform('ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true, isolatedModules: true } }),
      },
      testTimeout: 300_000,
      collectCoverage: false,
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../lib/**/*.ts', '**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts', '../controller/**/*.ts', '../bench/**/*.ts'],
  },
  gitignore: ['cdk.out/', 'cdk.out.synth.yaml', '.consumer-test/', '*.tgz', 'examples/gitops/dist/', 'assets/sim/', 'assets/controller/', '.bench/'],
});

for (const pattern of ['/examples/', '/cdk.json', '/scripts/', '/cdk.out/', '/.ci/', '/test-reports/', '/bench/', '/.bench/', '/controller/', '/.consumer-test/']) {
  project.npmignore?.exclude(pattern);
}

// The controller and its simulator live outside the jsii compile: type-checked on their own, bundled with esbuild.
const bundleSimulator = project.addTask('bundle:simulator', {
  description: 'Bundle the karpenter-sim CLI into assets/sim/karpenter-sim.js',
  exec: 'esbuild controller/src/sim/bin.ts --bundle --platform=node --target=node20 --outfile=assets/sim/karpenter-sim.js --banner:js="#!/usr/bin/env node" --log-level=warning',
});
project.postCompileTask.spawn(bundleSimulator);
const bundleController = project.addTask('bundle:controller', {
  description: 'Bundle the controller into assets/controller (index.js, Dockerfile, THIRD-PARTY-LICENSES.txt)',
  exec: 'ts-node --transpile-only scripts/bundle-controller.ts',
});
project.postCompileTask.spawn(bundleController);
const typecheckController = project.addTask('typecheck:controller', {
  description: 'Type-check the controller, the benchmarks, the tests and the examples',
  steps: [
    { exec: 'tsc --noEmit -p controller/tsconfig.json' },
    { exec: 'tsc --noEmit -p bench/tsconfig.json' },
    // jest compiles each test file on its own (isolatedModules); this checks the tests and examples as a program.
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
  ],
});
project.addTask('sim', {
  description: 'Run the karpenter-sim simulator from source, e.g. npm run sim -- --manifests controller/examples/quickstart.yaml',
  exec: 'ts-node --transpile-only controller/src/sim/bin.ts',
  receiveArgs: true,
});
project.addTask('bench', {
  description: 'Run the scheduling benchmarks (tables on stdout)',
  steps: [
    { exec: 'esbuild bench/run.ts --bundle --platform=node --target=node20 --outfile=.bench/run.js --log-level=warning' },
    { exec: 'node .bench/run.js', receiveArgs: true },
  ],
});
project.addBins({ 'karpenter-sim': 'assets/sim/karpenter-sim.js' });

for (const pattern of ['examples', 'controller', 'bench', 'scripts']) {
  project.eslint?.addLintPattern(pattern);
  project.eslint?.allowDevDeps(`${pattern}/**`);
}

// `npm test`: compile the library with jsii (catches a jsii-incompatible public API) and bundle the simulator,
// type-check the controller, run every jest suite once (no snapshot updates), then lint.
project.testTask.reset();
project.testTask.spawn(project.compileTask);
project.testTask.spawn(project.postCompileTask);
project.testTask.spawn(typecheckController);
project.testTask.exec('jest --ci', { receiveArgs: true });
project.testTask.spawn(project.tasks.tryFind('eslint')!);

project.synth();
