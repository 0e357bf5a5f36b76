import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { bindBundledController, BundledControllerOptions } from './bundled-engine';
import { ControllerPlacement } from './controller-placement';
import { bindHelmChartController, HelmChartControllerOptions } from './helm-engine';

/**
 * What an engine is given by the `Karpenter` construct.
 * @internal
 */
export interface ControllerEngineContext {
  readonly cluster: eks.ICluster;
  readonly clusterName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** The ServiceAccount (with its identity) the controller runs as; created before the controller. */
  readonly serviceAccount: Construct;
  /** Name of the interruption queue, or undefined when interruption handling is off. */
  readonly interruptionQueueName?: string;
  readonly placement: ControllerPlacement;
}

/**
 * What an engine installed, for ordering the rest after it.
 * @internal
 */
export interface ControllerEngineBinding {
  /** The CRDs (NodePool, NodeClaim, EC2NodeClass). */
  readonly crds: Construct;
  /** The controller itself. */
  readonly controller: Construct;
}

type Binder = (scope: Construct, context: ControllerEngineContext) => ControllerEngineBinding;

/**
 * The engine that runs Karpenter in the cluster: the choice between engines.
 *
 * @example
 * KarpenterController.bundled({ replicas: 2 })
 * KarpenterController.helmChart({ version: '1.14.1' })
 */
export class KarpenterController {
  /**
   * Upstream Karpenter, installed from its Helm charts: `karpenter-crd`, then `karpenter` with `skipCrds`,
   * both from `oci://public.ecr.aws/karpenter`, at a pinned version.
   *
   * @throws ValidationError when `version` is not a semantic version, or `values` contradict what the
   * environment sets (cluster name, interruption queue, service account).
   * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#4-install-karpenter
   */
  public static helmChart(options: HelmChartControllerOptions = {}): KarpenterController {
    return new KarpenterController('helm-chart', (scope, context) => bindHelmChartController(scope, context, options));
  }

  /**
   * The TypeScript controller shipped in this package, deployed in the same stack: its image (built by `cdk deploy`
   * from the bundle in the package, or a prebuilt one), the CRDs from the upstream `karpenter-crd` chart, least
   * privilege RBAC, a Deployment (2 replicas with leader election, spread over zones and nodes, never on capacity
   * Karpenter manages, restricted security context, probes), a PodDisruptionBudget and a metrics Service.
   * `cdk synth` needs no Docker.
   *
   * @throws ValidationError for a version that is not semantic, replicas below 1, requests above limits, or a
   * batch idle duration longer than the batch maximum.
   * @see https://karpenter.sh/docs/reference/settings/
   */
  public static bundled(options: BundledControllerOptions = {}): KarpenterController {
    return new KarpenterController('bundled', (scope, context) => bindBundledController(scope, context, options));
  }

  private constructor(
    /** Short name of the engine (`helm-chart`, `bundled`). */
    public readonly engineName: string,
    private readonly binder: Binder,
  ) {}

  /** @internal */
  public _bind(scope: Construct, context: ControllerEngineContext): ControllerEngineBinding {
    return this.binder(scope, context);
  }
}
