import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleController, CONTROLLER_ENTRY, ensureControllerBundle, packageRoot } from '../../lib/engine/controller-bundle';
import { fakePackageRoot, FIXTURE_ENTRY, fixtureBundleDirectory } from '../helpers/bundle';

const REPO = path.resolve(__dirname, '..', '..');
const DOCKERFILE = fs.readFileSync(path.join(REPO, 'controller', 'Dockerfile'), 'utf8');

function run(bundleDirectory: string, env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['CLUSTER_NAME', 'AWS_REGION'].includes(name)));
  return spawnSync(process.execPath, [path.join(bundleDirectory, 'index.js')], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
}

describe('the Dockerfile', () => {
  const instructions = DOCKERFILE.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));

  test('runs the bundle on a current Node.js LTS as a non-root user, exposing metrics and probes', () => {
    expect(instructions[0]).toMatch(/^FROM node:(22|24)(\.\d+)*-(alpine|slim)/);
    expect(instructions).toContain('USER 65532:65532');
    expect(instructions).toContain('EXPOSE 8080 8081');
    expect(instructions[instructions.length - 1]).toBe('CMD ["node", "index.js"]');
  });

  test('has no RUN step, so it builds for any platform without emulation', () => {
    expect(instructions.filter((line) => /^RUN\b/.test(line))).toEqual([]);
  });
});

describe('bundleController', () => {
  test('writes index.js, the Dockerfile and the license notices', () => {
    const directory = fixtureBundleDirectory();
    expect(fs.readdirSync(directory).sort()).toEqual(['Dockerfile', 'THIRD-PARTY-LICENSES.txt', 'index.js']);
    expect(fs.readFileSync(path.join(directory, 'Dockerfile'), 'utf8')).toBe(DOCKERFILE);
  });

  test('the bundle runs on its own: no CLUSTER_NAME is a clear non-zero exit, with it the controller starts', () => {
    const directory = fixtureBundleDirectory();
    const missing = run(directory, {});
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('CLUSTER_NAME is required');
    const started = run(directory, { CLUSTER_NAME: 'test', HEALTH_PROBE_PORT: '0' });
    expect(started.stderr).toBe('');
    expect(started.status).toBe(0);
  });

  test('inlines npm packages and lists each with its license', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'karpenter-bundle-'));
    const entry = path.join(outdir, 'entry.ts');
    fs.writeFileSync(entry, "import { parse } from 'yaml';\nconsole.log(JSON.stringify(parse('a: 1')));\n");
    const bundle = bundleController({ root: REPO, entry, outdir: path.join(outdir, 'out') });
    expect(bundle.packages).toEqual([expect.stringMatching(/^yaml@\d/)]);
    const notices = fs.readFileSync(path.join(outdir, 'out', 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    expect(notices).toMatch(/^yaml@\S+ \(ISC\)$/m);
    expect(notices).toContain('Permission to use, copy, modify');
    expect(run(path.join(outdir, 'out'), {}).stdout.trim()).toBe('{"a":1}');
  });
});

describe('ensureControllerBundle (synth)', () => {
  test('builds a missing bundle in a source checkout, then reuses it until a source changes', () => {
    const root = fakePackageRoot();
    const outdir = ensureControllerBundle('KarpenterController.bundled', root);
    expect(outdir).toBe(path.join(root, 'assets', 'controller'));
    const bundle = path.join(outdir, 'index.js');
    const built = fs.statSync(bundle).mtimeMs;

    ensureControllerBundle('KarpenterController.bundled', root);
    expect(fs.statSync(bundle).mtimeMs).toBe(built);

    const source = path.join(root, CONTROLLER_ENTRY);
    fs.appendFileSync(source, '\n// changed\n');
    const later = new Date(built + 5_000);
    fs.utimesSync(source, later, later);
    ensureControllerBundle('KarpenterController.bundled', root);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
  });

  test('an installed package uses its shipped bundle as is, and says what to do when it is missing', () => {
    const root = fakePackageRoot({ sources: false, nodeModules: false });
    expect(() => ensureControllerBundle('KarpenterController.bundled', root)).toThrow(
      `KarpenterController.bundled: the controller image build context ${path.join(root, 'assets', 'controller')} is missing or ` +
      'incomplete in this installation of karpenter-cdk. Reinstall the package, or use a prebuilt image: image: ' +
      'ControllerImage.fromRegistry(uri) or ControllerImage.fromEcrRepository(repository, tag).');
    fs.cpSync(fixtureBundleDirectory(), path.join(root, 'assets', 'controller'), { recursive: true });
    expect(ensureControllerBundle('KarpenterController.bundled', root)).toBe(path.join(root, 'assets', 'controller'));
  });

  test('a checkout without esbuild says to install and build', () => {
    const root = fakePackageRoot({ nodeModules: false });
    expect(() => ensureControllerBundle('KarpenterController.bundled', root)).toThrow(
      `KarpenterController.bundled: the controller bundle ${path.join(root, 'assets', 'controller', 'index.js')} is missing ` +
      'and esbuild is not installed to build it. Run `npm install`, then `npx projen post-compile` (or `npx projen build`).');
  });

  test('a controller that does not compile names the file and the fix', () => {
    const root = fakePackageRoot();
    fs.writeFileSync(path.join(root, CONTROLLER_ENTRY), 'export const broken = ;\n');
    expect(() => ensureControllerBundle('KarpenterController.bundled', root)).toThrow(
      /^KarpenterController\.bundled: could not build the controller bundle .*index\.js from .*main\.ts: [\s\S]*Unexpected ";"[\s\S]*npx projen post-compile/);
  });

  test('the package root is found from lib/ (and would be from out/ or node_modules/)', () => {
    expect(packageRoot(path.join(REPO, 'lib', 'engine'))).toBe(REPO);
    const root = fakePackageRoot({ sources: false, nodeModules: false });
    fs.mkdirSync(path.join(root, 'out', 'engine'), { recursive: true });
    expect(packageRoot(path.join(root, 'out', 'engine'))).toBe(root);
  });
});

const realEntry = path.join(REPO, CONTROLLER_ENTRY);
(fs.existsSync(realEntry) ? describe : describe.skip)('the real controller (controller/src/main.ts)', () => {
  test('bundles into a runnable index.js that refuses to start without CLUSTER_NAME', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'karpenter-controller-real-'));
    const bundle = bundleController({ root: REPO, outdir });
    expect(bundle.bundleBytes).toBeGreaterThan(0);
    const result = run(outdir, {});
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('CLUSTER_NAME');
  });
});

test('the fixture entry point exists', () => {
  expect(fs.existsSync(FIXTURE_ENTRY)).toBe(true);
});
