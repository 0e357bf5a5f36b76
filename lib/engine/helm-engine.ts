import { Duration, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import type { ControllerEngineBinding, ControllerEngineContext } from './controller-engine';
import { addKarpenterCrdChart, chartRepository, DEFAULT_KARPENTER_VERSION, validateKarpenterVersion } from './crd-chart';
import { deepMerge, valueAtPath } from '../private/deep-merge';
import { fail } from '../private/errors';

export { DEFAULT_KARPENTER_VERSION, KARPENTER_CHART_REPOSITORY } from './crd-chart';

/** Options of {@link KarpenterController.helmChart}. */
export interface HelmChartControllerOptions {
  /**
   * Version of both charts (`karpenter-crd` and `karpenter`), a semantic version without a `v` prefix.
   *
   * @default '1.14.1'
   * @see https://gallery.ecr.aws/karpenter/karpenter
   */
  readonly version?: string;

  /**
   * OCI registry path holding the `karpenter-crd` and `karpenter` charts (a mirror, for private clusters).
   *
   * @default 'oci://public.ecr.aws/karpenter'
   */
  readonly repository?: string;

  /**
   * Extra chart values, deep-merged over the construct's (yours win), e.g. `{ replicas: 1, logLevel: 'debug' }`.
   * `settings.clusterName`, `settings.interruptionQueue`, `serviceAccount.create` and `serviceAccount.name` are
   * set by the environment and cannot be changed here.
   *
   * @default - none
   * @see https://github.com/aws/karpenter-provider-aws/blob/main/charts/karpenter/values.yaml
   */
  readonly values?: { [key: string]: any };

  /**
   * How long Helm waits for the release.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * The chart values the environment needs: cluster name, interruption queue, the service account the stack
 * created, and the placement.
 */
function environmentValues(context: ControllerEngineContext): Record<string, unknown> {
  const values: Record<string, unknown> = {
    settings: {
      clusterName: context.clusterName,
      interruptionQueue: context.interruptionQueueName ?? '',
    },
    serviceAccount: { create: false, name: context.serviceAccountName },
  };
  if (!context.placement.onFargate) {
    // Never on capacity Karpenter manages (the chart's default, made explicit so the template shows it).
    values.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'karpenter.sh/nodepool', operator: 'DoesNotExist' }] }],
        },
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }],
      },
    };
  }
  if (Object.keys(context.placement.nodeSelectorLabels).length > 0) {
    values.nodeSelector = { 'kubernetes.io/os': 'linux', ...context.placement.nodeSelectorLabels };
  }
  return values;
}

const ENFORCED_VALUES = ['settings.clusterName', 'settings.interruptionQueue', 'serviceAccount.create', 'serviceAccount.name'];

/** Merges user values over the environment's, refusing any that contradict what the environment needs. */
export function mergeHelmValues(
  required: Record<string, unknown>,
  userValues: Record<string, unknown>,
  scope?: Construct,
): Record<string, unknown> {
  for (const path of ENFORCED_VALUES) {
    const wanted = valueAtPath(required, path);
    const given = valueAtPath(userValues, path);
    if (given === undefined || Token.isUnresolved(given) || Token.isUnresolved(wanted)) {
      continue;
    }
    if (given !== wanted) {
      fail(
        `KarpenterController.helmChart: values.${path} is ${JSON.stringify(given)}, but this environment needs ` +
          `${JSON.stringify(wanted)}. The Karpenter construct sets it; remove it from values (or change the matching ` +
          'prop of the Karpenter construct).',
        scope,
      );
    }
  }
  // Enforced paths are equal in both by now: user values win everywhere else.
  return deepMerge(required, userValues);
}

/** Installs the upstream charts. */
export function bindHelmChartController(
  scope: Construct,
  context: ControllerEngineContext,
  options: HelmChartControllerOptions,
): ControllerEngineBinding {
  const version = options.version ?? DEFAULT_KARPENTER_VERSION;
  validateKarpenterVersion('KarpenterController.helmChart', version, scope);
  const repository = chartRepository(options.repository);
  const timeout = options.timeout ?? Duration.minutes(5);

  const crds = addKarpenterCrdChart(scope, context, { version, repository, timeout });

  const controller = new eks.HelmChart(scope, 'Chart', {
    cluster: context.cluster,
    chart: 'karpenter',
    repository: `${repository}/karpenter`,
    release: 'karpenter',
    version,
    namespace: context.namespace,
    createNamespace: false,
    skipCrds: true,
    wait: true,
    timeout,
    values: mergeHelmValues(environmentValues(context), options.values ?? {}, scope),
  });
  controller.node.addDependency(crds, context.serviceAccount);
  return { crds, controller };
}
