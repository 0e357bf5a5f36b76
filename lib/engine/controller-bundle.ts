/**
 * The controller's image build context, `assets/controller/` (one esbuild bundle, its Dockerfile and the third-party
 * license notices): where it is, and how it is built. Used by the `bundle:controller` build step
 * (`scripts/bundle-controller.ts`) and, at synth in a source checkout, to build a missing or stale bundle on the fly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fail } from '../private/errors';

/** The npm package name, to find the package root from anywhere inside it (`lib/`, `out/`, `node_modules/`). */
const PACKAGE_NAME = 'karpenter-cdk';

/** Paths inside the package root. */
export const CONTROLLER_ENTRY = path.join('controller', 'src', 'main.ts');
export const CONTROLLER_SOURCES = path.join('controller', 'src');
export const CONTROLLER_DOCKERFILE = path.join('controller', 'Dockerfile');
export const CONTROLLER_ASSET_DIR = path.join('assets', 'controller');

/** File names inside the build context. */
export const BUNDLE_FILE = 'index.js';
export const DOCKERFILE = 'Dockerfile';
export const LICENSES_FILE = 'THIRD-PARTY-LICENSES.txt';

/** The Node.js versions the bundle is compiled for (the image runs a newer LTS). */
export const BUNDLE_TARGET = 'node22';

/** The root of the karpenter-cdk package this file belongs to (the repository in a checkout). */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) {
          return dir;
        }
      } catch {
        // Not a readable package.json: keep walking up.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`Cannot find the ${PACKAGE_NAME} package root above ${from}.`);
    }
    dir = parent;
  }
}

/** Options of {@link bundleController}. */
export interface BundleControllerOptions {
  /** The package root. @default - {@link packageRoot} */
  readonly root?: string;
  /** Entry point. @default `<root>/controller/src/main.ts` */
  readonly entry?: string;
  /** Dockerfile copied next to the bundle. @default `<root>/controller/Dockerfile` */
  readonly dockerfile?: string;
  /** Output directory. @default `<root>/assets/controller` */
  readonly outdir?: string;
  /** Minify the bundle. @default true */
  readonly minify?: boolean;
}

/** What {@link bundleController} wrote. */
export interface ControllerBundle {
  /** The build context directory. */
  readonly directory: string;
  /** Size of `index.js` in bytes. */
  readonly bundleBytes: number;
  /** npm packages inlined into the bundle (name@version), sorted. */
  readonly packages: string[];
  /** esbuild warnings, formatted. */
  readonly warnings: string[];
}

interface EsbuildMessage { readonly text: string; readonly location?: { readonly file: string; readonly line: number } | null }
interface EsbuildApi {
  buildSync(options: Record<string, unknown>): {
    readonly outputFiles?: { readonly path: string; readonly contents: Uint8Array }[];
    readonly metafile?: { readonly inputs: Record<string, unknown> };
    readonly warnings: EsbuildMessage[];
  };
}

/** esbuild from the package's own dependencies (a devDependency: present in a checkout, absent when installed). */
export function loadEsbuild(root: string): EsbuildApi | undefined {
  let resolved: string;
  try {
    resolved = require.resolve('esbuild', { paths: [root] });
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolved) as EsbuildApi;
}

/**
 * Bundles the controller into one CommonJS file for Node.js (`index.js`), copies the Dockerfile, and writes the
 * license notices of every inlined npm package. Each file is written to a temporary name and renamed, so a
 * concurrent reader (another synth, another jest worker) never sees a half-written bundle.
 */
export function bundleController(options: BundleControllerOptions = {}): ControllerBundle {
  const root = options.root ?? packageRoot();
  const entry = options.entry ?? path.join(root, CONTROLLER_ENTRY);
  const dockerfile = options.dockerfile ?? path.join(root, CONTROLLER_DOCKERFILE);
  const outdir = options.outdir ?? path.join(root, CONTROLLER_ASSET_DIR);
  for (const [what, file] of [['entry point', entry], ['Dockerfile', dockerfile]]) {
    if (!fs.existsSync(file)) {
      throw new Error(`Cannot bundle the controller: its ${what} ${file} does not exist.`);
    }
  }
  const esbuild = loadEsbuild(root);
  if (!esbuild) {
    throw new Error(`Cannot bundle the controller: esbuild is not installed under ${root}. Run \`npm install\` first.`);
  }

  const result = esbuild.buildSync({
    entryPoints: [entry],
    outfile: path.join(outdir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLE_TARGET,
    minify: options.minify ?? true,
    // Class and function names survive minification: stack traces and error names (`InsufficientCapacityError`)
    // stay readable in the logs.
    keepNames: true,
    // ESM-only dependencies compiled to CommonJS still read `import.meta.url`.
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: 'const __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
    // Dependencies resolve from the package, wherever the entry point is.
    nodePaths: [path.join(root, 'node_modules')],
  });
  const output = result.outputFiles?.find((file) => file.path.endsWith(BUNDLE_FILE));
  if (!output) {
    throw new Error(`Cannot bundle the controller: esbuild wrote no ${BUNDLE_FILE}.`);
  }
  const packages = inlinedPackages(root, Object.keys(result.metafile?.inputs ?? {}));

  fs.mkdirSync(outdir, { recursive: true });
  writeAtomically(path.join(outdir, LICENSES_FILE), licenseNotices(packages));
  writeAtomically(path.join(outdir, DOCKERFILE), fs.readFileSync(dockerfile));
  // The bundle last: its presence (and mtime) says the build context is complete.
  writeAtomically(path.join(outdir, BUNDLE_FILE), output.contents);
  return {
    directory: outdir,
    bundleBytes: output.contents.byteLength,
    packages: packages.map((pkg) => `${pkg.name}@${pkg.version}`),
    warnings: result.warnings.map((w) => (w.location ? `${w.location.file}:${w.location.line}: ${w.text}` : w.text)),
  };
}

/**
 * The controller's build context for synth: `<root>/assets/controller`, built first when it is missing, or, in a
 * source checkout (where `controller/src` exists), when any controller source, the Dockerfile or the lock file is
 * newer than the bundle. An installed package ships the bundle and has no sources: it is used as is.
 *
 * @param factory the public factory that needs the bundle, for error messages.
 */
export function ensureControllerBundle(factory: string, root: string = packageRoot()): string {
  const outdir = path.join(root, CONTROLLER_ASSET_DIR);
  const bundle = path.join(outdir, BUNDLE_FILE);
  const complete = [BUNDLE_FILE, DOCKERFILE, LICENSES_FILE].every((file) => fs.existsSync(path.join(outdir, file)));
  const sources = path.join(root, CONTROLLER_SOURCES);
  const checkout = fs.existsSync(sources);

  if (complete && (!checkout || !newerThan(fs.statSync(bundle).mtimeMs, [
    sources,
    path.join(root, CONTROLLER_DOCKERFILE),
    path.join(root, 'package-lock.json'),
  ]))) {
    return outdir;
  }
  if (!checkout) {
    fail(`${factory}: the controller image build context ${outdir} is missing or incomplete in this installation of ` +
      `${PACKAGE_NAME}. Reinstall the package, or use a prebuilt image: image: ControllerImage.fromRegistry(uri) or ` +
      'ControllerImage.fromEcrRepository(repository, tag).');
  }
  if (!loadEsbuild(root)) {
    fail(`${factory}: the controller bundle ${bundle} is ${complete ? 'out of date' : 'missing'} and esbuild is not ` +
      'installed to build it. Run `npm install`, then `npx projen post-compile` (or `npx projen build`).');
  }
  try {
    bundleController({ root });
  } catch (error) {
    fail(`${factory}: could not build the controller bundle ${bundle} from ${path.join(root, CONTROLLER_ENTRY)}: ` +
      `${(error as Error).message.trim()}\nFix the error, then run \`npx projen post-compile\` (or synth again).`);
  }
  return outdir;
}

/** Whether any file under `paths` (files or directories, missing ones ignored) was modified after `mtimeMs`. */
function newerThan(mtimeMs: number, paths: string[]): boolean {
  const pending = [...paths];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(current)) {
        pending.push(path.join(current, child));
      }
    } else if (stat.mtimeMs > mtimeMs) {
      return true;
    }
  }
  return false;
}

function writeAtomically(file: string, contents: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

interface InlinedPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly directory: string;
}

/** The npm packages whose files esbuild inlined, from the metafile's input paths. */
function inlinedPackages(root: string, inputs: string[]): InlinedPackage[] {
  const directories = new Set<string>();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.split(path.sep).join('/'));
    if (match) {
      directories.add(path.resolve(root, match[1]));
    }
  }
  const packages: InlinedPackage[] = [];
  for (const directory of directories) {
    const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8'));
    packages.push({
      name: manifest.name,
      version: manifest.version,
      license: typeof manifest.license === 'string' ? manifest.license : JSON.stringify(manifest.license ?? 'UNKNOWN'),
      directory,
    });
  }
  const seen = new Set<string>();
  return packages
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version))
    .filter((pkg) => {
      const key = `${pkg.name}@${pkg.version}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** One notice per inlined package: name, version, license, and its license file when it ships one. */
function licenseNotices(packages: InlinedPackage[]): string {
  const sections = packages.map((pkg) => {
    const files = fs.readdirSync(pkg.directory).filter((name) => /^(licen[cs]e|copying|notice)(\.|-|$)/i.test(name)).sort();
    const text = files.length > 0
      ? files.map((file) => fs.readFileSync(path.join(pkg.directory, file), 'utf8').trim()).join('\n\n')
      : `License: ${pkg.license} (the package ships no license file)`;
    return `${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  return [
    'The karpenter-cdk controller bundle (index.js) includes the following third-party npm packages.',
    '',
    ...sections.map((section) => `${'-'.repeat(80)}\n${section}`),
  ].join('\n');
}
