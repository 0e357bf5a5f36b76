import { IConstruct } from 'constructs';

/**
 * Receives the non-fatal warnings of the manifest constructs (for example `consolidateAfter` under one minute).
 */
export interface IManifestWarningHandler {
  /**
   * Called once per warning and object.
   *
   * @param scope the construct the warning is about
   * @param id a stable identifier, e.g. `karpenter-cdk:consolidateAfter`, usable to acknowledge the warning
   * @param message what is surprising and what to do
   */
  warn(scope: IConstruct, id: string, message: string): void;
}

const handlers = new WeakMap<IConstruct, IManifestWarningHandler>();

/**
 * Where the warnings of NodePool and EC2NodeClass go.
 *
 * The objects are cdk8s constructs and live in a cdk8s app, even when the chart is handed to an EKS cluster of an
 * AWS CDK stack (`cluster.addCdk8sChart()`): `Annotations.of(nodePool)` would never reach `cdk synth`, and a cdk8s
 * app has no annotations of its own. A warning therefore goes to the handler set on the nearest enclosing scope
 * (`setHandler(app, ...)`, `setHandler(chart, ...)`), else to `console.warn`. A construct that owns the charts
 * (the `Karpenter` construct) sets a handler forwarding to `Annotations.of(itself).addWarningV2(id, message)`;
 * tests set one that collects.
 */
export class ManifestWarnings {
  /** Sends the warnings of every manifest construct under `scope` to `handler`. */
  public static setHandler(scope: IConstruct, handler: IManifestWarningHandler): void {
    handlers.set(scope, handler);
  }

  /** Emits a warning about `scope` through the nearest handler, or the default (see the class documentation). */
  public static warn(scope: IConstruct, id: string, message: string): void {
    const scopes = scope.node.scopes;
    for (let i = scopes.length - 1; i >= 0; i--) {
      const handler = handlers.get(scopes[i]);
      if (handler) {
        handler.warn(scope, id, message);
        return;
      }
    }
    console.warn(`[WARNING] ${scope.node.path}: ${message} [${id}]`);
  }

  private constructor() {}
}
