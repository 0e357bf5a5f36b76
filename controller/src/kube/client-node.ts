/**
 * The one place that loads `@kubernetes/client-node`. The package is ESM-only and the controller compiles to
 * CommonJS: Node >= 20.19 `require()`s ES modules natively, esbuild bundles the `require`, and jest transforms the
 * package (see package.json). Types come through `resolution-mode: import`.
 */
export type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
type ClientNode = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

let loaded: ClientNode | undefined;

export function clientNode(): ClientNode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@kubernetes/client-node') as ClientNode;
  return loaded;
}
