import { Annotations, Stack } from 'aws-cdk-lib';
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
 * The objects are cdk8s constructs: in a plain cdk8s app there are no CDK annotations, and a cdk8s chart handed to
 * an EKS cluster lives in its own construct tree, so `Annotations.of(nodePool)` would never reach `cdk synth`.
 * A warning therefore goes to the handler set on the nearest enclosing scope (`setHandler(app, ...)`,
 * `setHandler(chart, ...)`); without one, to `Annotations.of(scope).addWarningV2()` when the object sits under an
 * AWS CDK stack, else to `console.warn`. A construct that wraps the charts (the `Karpenter` construct) sets a
 * handler forwarding to its own annotations; tests set one that collects.
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
    if (scopes.some(s => Stack.isStack(s))) {
      Annotations.of(scope).addWarningV2(id, message);
      return;
    }
    console.warn(`[WARNING] ${scope.node.path}: ${message} [${id}]`);
  }

  private constructor() {}
}
