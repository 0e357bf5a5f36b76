/**
 * Builds the controller's image build context, assets/controller/: controller/src/main.ts bundled with esbuild
 * (CommonJS, Node.js 22+) into index.js, controller/Dockerfile, and THIRD-PARTY-LICENSES.txt.
 *
 *   npx ts-node --transpile-only scripts/bundle-controller.ts [--entry <file>] [--outdir <dir>] [--no-minify]
 *
 * The same code builds a missing or stale bundle at synth in a source checkout (lib/engine/controller-bundle.ts).
 */
import * as path from 'path';
import { bundleController } from '../lib/engine/controller-bundle';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

try {
  const entry = argument('--entry');
  const outdir = argument('--outdir');
  const bundle = bundleController({
    entry: entry && path.resolve(entry),
    outdir: outdir && path.resolve(outdir),
    minify: !process.argv.includes('--no-minify'),
  });
  for (const warning of bundle.warnings) {
    console.error(`warning: ${warning}`);
  }
  const kib = (bundle.bundleBytes / 1024).toFixed(0);
  console.log(`${path.relative(process.cwd(), bundle.directory) || '.'}: index.js ${kib} KiB, ${bundle.packages.length} npm packages inlined`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
