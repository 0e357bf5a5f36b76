import { Annotations, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { ControllerEngineBinding, ControllerEngineContext } from './controller-engine';
import { ControllerImage } from './controller-image';
import { CONTROLLER_CLUSTER_RULES, CONTROLLER_NAMESPACE_RULES, RbacRule } from './controller-rbac';
import { addKarpenterCrdChart, DEFAULT_KARPENTER_VERSION, validateKarpenterVersion } from './crd-chart';
import { fail } from '../private/errors';

const FACTORY = 'KarpenterController.bundled';

/** Name of the Deployment, Service, PodDisruptionBudget and RBAC objects (distinct from the Helm release's). */
export const BUNDLED_CONTROLLER_NAME = 'karpenter-controller';

/** Ports of the controller container. */
export const METRICS_PORT = 8080;
export const HEALTH_PROBE_PORT = 8081;

/** The uid and gid the image runs as (`USER` in controller/Dockerfile). */
const NON_ROOT_ID = 65532;

/** Log verbosity of the bundled controller. */
export enum ControllerLogLevel {
  /** Errors only. */
  ERROR = 'error',
  /** Errors and warnings. */
  WARN = 'warn',
  /** Lifecycle messages (`launched nodeclaim`, `registered nodeclaim`, ...), as upstream's default. */
  INFO = 'info',
  /** Everything, including scheduling decisions. */
  DEBUG = 'debug',
}

/** CPU and memory of each controller replica. */
export interface ControllerResources {
  /**
   * CPU request in millicores.
   *
   * @default 250
   */
  readonly cpuRequestMillicores?: number;

  /**
   * CPU limit in millicores; at least the request.
   *
   * @default 1000
   */
  readonly cpuLimitMillicores?: number;

  /**
   * Memory request, a whole number of mebibytes.
   *
   * @default Size.mebibytes(512)
   */
  readonly memoryRequest?: Size;

  /**
   * Memory limit, a whole number of mebibytes; at least the request.
   *
   * @default Size.gibibytes(1)
   */
  readonly memoryLimit?: Size;
}

/** Options of {@link KarpenterController.bundled}. */
export interface BundledControllerOptions {
  /**
   * The controller image.
   *
   * @default ControllerImage.fromBundle() - built by `cdk deploy` from the bundle shipped in this package
   */
  readonly image?: ControllerImage;

  /**
   * Version of the upstream `karpenter-crd` chart (NodePool, NodeClaim and EC2NodeClass CRDs). The bundled
   * controller implements 1.14.1; another version only warns.
   *
   * @default '1.14.1'
   * @see https://gallery.ecr.aws/karpenter/karpenter-crd
   */
  readonly version?: string;

  /**
   * OCI registry path holding the `karpenter-crd` chart (a mirror, for private clusters).
   *
   * @default 'oci://public.ecr.aws/karpenter'
   */
  readonly repository?: string;

  /**
   * Number of controller replicas. They elect a leader on a Lease; the others stand by.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * CPU and memory requests and limits of each replica.
   *
   * @default - 250m CPU / 512Mi memory requested, 1 CPU / 1Gi memory limit
   */
  readonly resources?: ControllerResources;

  /**
   * Log verbosity.
   *
   * @default ControllerLogLevel.INFO
   */
  readonly logLevel?: ControllerLogLevel;

  /**
   * How long the provisioner waits with no new pending pod before it closes a batch.
   *
   * @default Duration.seconds(1)
   * @see https://karpenter.sh/docs/reference/settings/
   */
  readonly batchIdleDuration?: Duration;

  /**
   * The longest a provisioning batch stays open; at least `batchIdleDuration`.
   *
   * @default Duration.seconds(10)
   * @see https://karpenter.sh/docs/reference/settings/
   */
  readonly batchMaxDuration?: Duration;
}

/** The options with their defaults, validated. */
interface ResolvedOptions {
  readonly replicas: number;
  readonly cpuRequestMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryRequestMebibytes: number;
  readonly memoryLimitMebibytes: number;
  readonly logLevel: ControllerLogLevel;
  readonly batchIdleDuration?: string;
  readonly batchMaxDuration?: string;
}

/** Installs the CRDs (upstream chart) and the bundled controller. */
export function bindBundledController(
  scope: Construct,
  context: ControllerEngineContext,
  options: BundledControllerOptions,
): ControllerEngineBinding {
  const version = options.version ?? DEFAULT_KARPENTER_VERSION;
  validateKarpenterVersion(FACTORY, version, scope);
  if (!Token.isUnresolved(version) && version !== DEFAULT_KARPENTER_VERSION) {
    Annotations.of(scope).addWarningV2('karpenter-cdk:bundled-crd-version', `${FACTORY}: the CRDs are installed at ` +
      `version ${version}, but the bundled controller implements ${DEFAULT_KARPENTER_VERSION}. Fields the controller ` +
      'does not know are ignored; omit version unless you need it.');
  }
  const resolved = resolveOptions(scope, options);

  const crds = addKarpenterCrdChart(scope, context, { version, repository: options.repository });
  const controller = new BundledController(scope, 'Controller', {
    context,
    image: options.image ?? ControllerImage.fromBundle(),
    options: resolved,
  });
  controller.node.addDependency(crds, context.serviceAccount);
  return { crds, controller };
}

function resolveOptions(scope: Construct, options: BundledControllerOptions): ResolvedOptions {
  const replicas = options.replicas ?? 2;
  if (!Token.isUnresolved(replicas) && (!Number.isInteger(replicas) || replicas < 1)) {
    fail(`${FACTORY}: replicas is ${replicas}, but must be a whole number of at least 1. Use 2 (the default): one ` +
      'leader and one standby.', scope);
  }

  const resources = options.resources ?? {};
  const cpuRequest = resources.cpuRequestMillicores ?? 250;
  const cpuLimit = resources.cpuLimitMillicores ?? 1000;
  for (const [prop, value] of [['cpuRequestMillicores', cpuRequest], ['cpuLimitMillicores', cpuLimit]] as const) {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
      fail(`${FACTORY}: resources.${prop} is ${value}, but must be a whole number of millicores of at least 1, ` +
        'e.g. 250 for a quarter of a CPU.', scope);
    }
  }
  if (cpuRequest > cpuLimit) {
    fail(`${FACTORY}: resources.cpuRequestMillicores (${cpuRequest}) is above resources.cpuLimitMillicores ` +
      `(${cpuLimit}). Lower the request or raise the limit.`, scope);
  }
  const memoryRequest = mebibytes(scope, 'memoryRequest', resources.memoryRequest ?? Size.mebibytes(512));
  const memoryLimit = mebibytes(scope, 'memoryLimit', resources.memoryLimit ?? Size.gibibytes(1));
  if (memoryRequest > memoryLimit) {
    fail(`${FACTORY}: resources.memoryRequest (${memoryRequest}Mi) is above resources.memoryLimit (${memoryLimit}Mi). ` +
      'Lower the request or raise the limit.', scope);
  }

  const idle = options.batchIdleDuration && goDuration(scope, 'batchIdleDuration', options.batchIdleDuration);
  const max = options.batchMaxDuration && goDuration(scope, 'batchMaxDuration', options.batchMaxDuration);
  const idleMillis = (options.batchIdleDuration ?? Duration.seconds(1)).toMilliseconds();
  const maxMillis = (options.batchMaxDuration ?? Duration.seconds(10)).toMilliseconds();
  if (idleMillis > maxMillis) {
    fail(`${FACTORY}: batchIdleDuration (${idleMillis} ms) is longer than batchMaxDuration (${maxMillis} ms). ` +
      'The idle window closes a batch early, so it must not exceed the longest batch: shorten it or lengthen ' +
      'batchMaxDuration.', scope);
  }

  return {
    replicas,
    cpuRequestMillicores: cpuRequest,
    cpuLimitMillicores: cpuLimit,
    memoryRequestMebibytes: memoryRequest,
    memoryLimitMebibytes: memoryLimit,
    logLevel: options.logLevel ?? ControllerLogLevel.INFO,
    batchIdleDuration: idle,
    batchMaxDuration: max,
  };
}

function mebibytes(scope: Construct, prop: string, size: Size): number {
  let value: number | undefined;
  try {
    value = size.toMebibytes();
  } catch {
    value = undefined;
  }
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    fail(`${FACTORY}: resources.${prop} is ${size.toKibibytes()} KiB, but must be a whole number of mebibytes of ` +
      'at least 1, e.g. Size.mebibytes(512).', scope);
  }
  return value;
}

/** A Go duration string (`1s`, `500ms`), as the controller's settings expect. */
function goDuration(scope: Construct, prop: string, duration: Duration): string {
  const millis = duration.toMilliseconds();
  if (!Number.isInteger(millis) || millis < 1) {
    fail(`${FACTORY}: ${prop} is ${duration.toHumanString()}, but must be a whole number of milliseconds of at ` +
      'least 1, e.g. Duration.seconds(1).', scope);
  }
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

interface BundledControllerProps {
  readonly context: ControllerEngineContext;
  readonly image: ControllerImage;
  readonly options: ResolvedOptions;
}

/**
 * The bundled controller in the cluster: its image, RBAC (`Rbac`), then the Deployment, PodDisruptionBudget and
 * metrics Service (`Resource`), rendered with cdk8s-plus and applied as two manifests.
 */
class BundledController extends Construct {
  constructor(scope: Construct, id: string, props: BundledControllerProps) {
    super(scope, id);
    const { context, options } = props;
    const imageUri = props.image._bind(this);
    const namespace = context.namespace;
    const labels = {
      'app.kubernetes.io/name': 'karpenter',
      'app.kubernetes.io/instance': BUNDLED_CONTROLLER_NAME,
    };
    const metadata = (namespaced: boolean) => ({
      name: BUNDLED_CONTROLLER_NAME,
      namespace: namespaced ? namespace : undefined,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'karpenter-cdk' },
    });

    // RBAC
    const rbac = new cdk8s.Chart(new cdk8s.App({ outdir: undefined }), 'rbac');
    const serviceAccount = kplus.ServiceAccount.fromServiceAccountName(rbac, 'ServiceAccount', context.serviceAccountName, {
      namespaceName: namespace,
    });
    const clusterRole = new kplus.ClusterRole(rbac, 'ClusterRole', { metadata: metadata(false) });
    for (const rule of CONTROLLER_CLUSTER_RULES) {
      clusterRole.allow(rule.verbs, ...apiEndpoints(rule));
    }
    new kplus.ClusterRoleBinding(rbac, 'ClusterRoleBinding', { metadata: metadata(false), role: clusterRole })
      .addSubjects(serviceAccount);
    const role = new kplus.Role(rbac, 'Role', { metadata: metadata(true) });
    for (const rule of CONTROLLER_NAMESPACE_RULES) {
      role.allow(rule.verbs, ...apiEndpoints(rule));
    }
    new kplus.RoleBinding(rbac, 'RoleBinding', { metadata: metadata(true), role }).addSubjects(serviceAccount);

    // Workload
    const workload = new cdk8s.Chart(new cdk8s.App({ outdir: undefined }), 'controller');
    const deployment = new kplus.Deployment(workload, 'Deployment', {
      metadata: metadata(true),
      replicas: options.replicas,
      select: false,
      // On Fargate, also the labels the Fargate profile selects.
      podMetadata: { labels: { ...(context.placement.onFargate ? context.placement.fargateOptions?.podLabels : {}), ...labels } },
      strategy: kplus.DeploymentStrategy.rollingUpdate({ maxUnavailable: kplus.PercentOrAbsolute.absolute(1) }),
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(workload, 'ServiceAccount', context.serviceAccountName, {
        namespaceName: namespace,
      }),
      // The controller talks to the API server with its service account token.
      automountServiceAccountToken: true,
      securityContext: { ensureNonRoot: true, user: NON_ROOT_ID, group: NON_ROOT_ID, fsGroup: NON_ROOT_ID },
      containers: [{
        name: 'controller',
        image: imageUri,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [
          { name: 'http-metrics', number: METRICS_PORT, protocol: kplus.Protocol.TCP },
          { name: 'http', number: HEALTH_PROBE_PORT, protocol: kplus.Protocol.TCP },
        ],
        envVariables: environment(this, context, options),
        resources: {
          cpu: { request: kplus.Cpu.millis(options.cpuRequestMillicores), limit: kplus.Cpu.millis(options.cpuLimitMillicores) },
          memory: { request: cdk8s.Size.mebibytes(options.memoryRequestMebibytes), limit: cdk8s.Size.mebibytes(options.memoryLimitMebibytes) },
        },
        liveness: kplus.Probe.fromHttpGet('/healthz', {
          port: HEALTH_PROBE_PORT,
          initialDelaySeconds: cdk8s.Duration.seconds(30),
          timeoutSeconds: cdk8s.Duration.seconds(30),
        }),
        readiness: kplus.Probe.fromHttpGet('/readyz', {
          port: HEALTH_PROBE_PORT,
          initialDelaySeconds: cdk8s.Duration.seconds(5),
          timeoutSeconds: cdk8s.Duration.seconds(30),
        }),
        securityContext: {
          ensureNonRoot: true,
          user: NON_ROOT_ID,
          group: NON_ROOT_ID,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      }],
    });
    deployment.select(kplus.LabelSelector.of({ labels }));

    // Never on capacity Karpenter manages (a consolidation could remove the node the controller runs on), one
    // replica per node, Linux nodes (and the placement's labels), system node groups tainted CriticalAddonsOnly.
    if (!context.placement.onFargate) {
      deployment.scheduling.attract(kplus.Node.labeled(
        kplus.NodeLabelQuery.doesNotExist('karpenter.sh/nodepool'),
        kplus.NodeLabelQuery.is('kubernetes.io/os', 'linux'),
        ...Object.entries(context.placement.nodeSelectorLabels).map(([key, value]) => kplus.NodeLabelQuery.is(key, value)),
      ));
    }
    // Selected by the app labels rather than cdk8s-plus' address label: readable, and what dashboards select on.
    const pods = kplus.Pods.select(workload, 'Pods', { labels });
    deployment.scheduling.separate(pods, { topology: kplus.Topology.HOSTNAME });
    deployment.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists('CriticalAddonsOnly')));
    // What cdk8s-plus has no API for.
    const podSpec = '/spec/template/spec';
    cdk8s.ApiObject.of(deployment).addJsonPatch(
      cdk8s.JsonPatch.add(`${podSpec}/priorityClassName`, 'system-cluster-critical'),
      cdk8s.JsonPatch.add(`${podSpec}/topologySpreadConstraints`, [{
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: labels },
      }]),
    );

    new kplus.k8s.KubePodDisruptionBudget(workload, 'PodDisruptionBudget', {
      metadata: metadata(true),
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } },
    });
    new kplus.Service(workload, 'Service', {
      metadata: metadata(true),
      type: kplus.ServiceType.CLUSTER_IP,
      selector: pods,
      ports: [{ name: 'http-metrics', port: METRICS_PORT, targetPort: METRICS_PORT, protocol: kplus.Protocol.TCP }],
    });

    // Rendered now rather than lazily: every input is known, and plain objects get the kubectl provider's prune
    // label, so an object dropped in a later version of this construct is deleted from the cluster.
    const rbacManifest = new eks.KubernetesManifest(this, 'Rbac', {
      cluster: context.cluster,
      manifest: rbac.toJson(),
      overwrite: true,
    });
    const resource = new eks.KubernetesManifest(this, 'Resource', {
      cluster: context.cluster,
      manifest: workload.toJson(),
      overwrite: true,
    });
    resource.node.addDependency(rbacManifest);
  }
}

/** The controller's settings (upstream's environment variable names). */
function environment(scope: Construct, context: ControllerEngineContext, options: ResolvedOptions): Record<string, kplus.EnvValue> {
  const env: Record<string, kplus.EnvValue> = {
    CLUSTER_NAME: kplus.EnvValue.fromValue(context.clusterName),
  };
  const endpoint = clusterEndpoint(context.cluster);
  if (endpoint) {
    env.CLUSTER_ENDPOINT = kplus.EnvValue.fromValue(endpoint);
  }
  if (context.interruptionQueueName) {
    env.INTERRUPTION_QUEUE = kplus.EnvValue.fromValue(context.interruptionQueueName);
  }
  env.AWS_REGION = kplus.EnvValue.fromValue(Stack.of(scope).region);
  env.LOG_LEVEL = kplus.EnvValue.fromValue(options.logLevel);
  if (options.batchIdleDuration) {
    env.BATCH_IDLE_DURATION = kplus.EnvValue.fromValue(options.batchIdleDuration);
  }
  if (options.batchMaxDuration) {
    env.BATCH_MAX_DURATION = kplus.EnvValue.fromValue(options.batchMaxDuration);
  }
  env.METRICS_PORT = kplus.EnvValue.fromValue(String(METRICS_PORT));
  env.HEALTH_PROBE_PORT = kplus.EnvValue.fromValue(String(HEALTH_PROBE_PORT));
  env.SYSTEM_NAMESPACE = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAMESPACE);
  return env;
}

/** The cluster's API endpoint, when the cluster knows it (an imported cluster may not). */
function clusterEndpoint(cluster: eks.ICluster): string | undefined {
  try {
    return cluster.clusterEndpoint;
  } catch {
    return undefined;
  }
}

/** A rule as cdk8s-plus API endpoints (one per resource, each with the rule's names). */
function apiEndpoints(rule: RbacRule): Array<kplus.IApiResource & kplus.IApiEndpoint> {
  return rule.resources.flatMap((resourceType) => (rule.resourceNames ?? [undefined]).map((resourceName) => {
    const resource: kplus.IApiResource = { apiGroup: rule.apiGroup, resourceType, resourceName };
    return { ...resource, asApiResource: () => resource, asNonApiResource: () => undefined };
  }));
}
