import { Duration, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import type { ControllerEngineContext } from './controller-engine';
import { fail } from '../private/errors';

/** The Karpenter release both engines install (and the bundled controller implements) unless told otherwise. */
export const DEFAULT_KARPENTER_VERSION = '1.14.1';

/** The OCI registry path of the upstream charts. */
export const KARPENTER_CHART_REPOSITORY = 'oci://public.ecr.aws/karpenter';

const SEMANTIC_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Throws unless `version` is a semantic version without a `v` prefix (tokens are not checked).
 *
 * @param factory the factory the version was given to, for the message (`KarpenterController.helmChart`).
 */
export function validateKarpenterVersion(factory: string, version: string, scope?: Construct): void {
  if (!Token.isUnresolved(version) && !SEMANTIC_VERSION.test(version)) {
    fail(
      `${factory}: version "${version}" is not a semantic version. ` +
        `Use MAJOR.MINOR.PATCH without a "v" prefix, e.g. "${DEFAULT_KARPENTER_VERSION}".`,
      scope,
    );
  }
}

/** Where and how the `karpenter-crd` chart is installed. */
export interface KarpenterCrdChartOptions {
  /** Chart version (validated by the caller). */
  readonly version: string;
  /** OCI registry path holding the chart, without the chart name. */
  readonly repository?: string;
  /** How long Helm waits for the release. */
  readonly timeout?: Duration;
}

/** Strips trailing slashes from a registry path, defaulting to upstream's. */
export function chartRepository(repository?: string): string {
  return (repository ?? KARPENTER_CHART_REPOSITORY).replace(/\/+$/, '');
}

/**
 * The upstream `karpenter-crd` chart (NodePool, NodeClaim, EC2NodeClass CRDs), released as `karpenter-crd` in the
 * controller's namespace, under the construct ID `CrdChart`. Both engines use it with the same ID and release name,
 * so switching engines keeps the CRDs (and every NodePool) in place.
 */
export function addKarpenterCrdChart(
  scope: Construct,
  context: ControllerEngineContext,
  options: KarpenterCrdChartOptions,
): eks.HelmChart {
  return new eks.HelmChart(scope, 'CrdChart', {
    cluster: context.cluster,
    chart: 'karpenter-crd',
    repository: `${chartRepository(options.repository)}/karpenter-crd`,
    release: 'karpenter-crd',
    version: options.version,
    namespace: context.namespace,
    createNamespace: false,
    wait: true,
    timeout: options.timeout ?? Duration.minutes(5),
  });
}
