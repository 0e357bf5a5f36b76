/** Fixtures for the bundled engine: a stand-in controller bundle, and reading the manifests it applies. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { bundleController } from '../../lib/engine/controller-bundle';

const REPO = path.resolve(__dirname, '..', '..');

/** The stand-in entry point: reads CLUSTER_NAME and serves the health probes, like the real one. */
export const FIXTURE_ENTRY = path.join(REPO, 'test', 'engine', 'fixtures', 'main.ts');

let fixtureDirectory: string | undefined;

/**
 * A build context made by the real bundling code from the stand-in entry point, in a temporary directory (once per
 * jest worker): tests do not depend on, nor write to, the repository's assets/controller.
 */
export function fixtureBundleDirectory(): string {
  if (!fixtureDirectory) {
    fixtureDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'karpenter-controller-bundle-'));
    bundleController({ root: REPO, entry: FIXTURE_ENTRY, outdir: fixtureDirectory, minify: false });
  }
  return fixtureDirectory;
}

/** A fake karpenter-cdk package root (package.json, controller sources, Dockerfile), optionally with node_modules. */
export function fakePackageRoot(options: { sources?: boolean; nodeModules?: boolean } = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'karpenter-cdk-root-'));
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'karpenter-cdk', version: '0.0.0' }));
  if (options.sources ?? true) {
    fs.mkdirSync(path.join(root, 'controller', 'src'), { recursive: true });
    fs.copyFileSync(FIXTURE_ENTRY, path.join(root, 'controller', 'src', 'main.ts'));
    fs.copyFileSync(path.join(REPO, 'controller', 'Dockerfile'), path.join(root, 'controller', 'Dockerfile'));
  }
  if (options.nodeModules ?? true) {
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  }
  return root;
}

/** The logical ID of the CloudFormation resource under a construct. */
export function resourceIdOf(construct: IConstruct): string {
  const resource = construct.node.findAll().find((child) => child instanceof CfnResource) as CfnResource;
  return Stack.of(construct).getLogicalId(resource);
}

/** The objects of a KubernetesManifest, with CloudFormation references left as `{ Ref }` / `{ Fn::GetAtt }`. */
export function manifestObjects(template: Template, logicalId: string): any[] {
  const manifest = template.findResources('Custom::AWSCDK-EKS-KubernetesResource')[logicalId].Properties.Manifest;
  if (typeof manifest === 'string') {
    return JSON.parse(manifest);
  }
  // Fn::Join of string parts and references: put each reference back as a JSON object.
  const parts: unknown[] = manifest['Fn::Join'][1];
  const references: unknown[] = [];
  const text = parts.map((part) => (typeof part === 'string' ? part : `@@${references.push(part) - 1}@@`)).join('');
  return JSON.parse(text, (_key, value) => {
    const match = typeof value === 'string' ? /^@@(\d+)@@$/.exec(value) : null;
    return match ? references[Number(match[1])] : value;
  });
}
