import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ControllerPlacement, Karpenter, KarpenterController } from '../../lib';
import { BundledControllerOptions, ControllerLogLevel } from '../../lib/engine/bundled-engine';
import { packageRoot } from '../../lib/engine/controller-bundle';
import { ControllerImage } from '../../lib/engine/controller-image';
import { CONTROLLER_CLUSTER_RULES, CONTROLLER_NAMESPACE_RULES } from '../../lib/engine/controller-rbac';
import { manifestObjects, resourceIdOf } from '../helpers/bundle';
import { testCluster, testStack } from '../helpers/fixtures';
import { logicalIdOf } from '../helpers/resolve-template';

interface Environment {
  readonly stack: Stack;
  readonly karpenter: Karpenter;
  readonly template: Template;
  /** The Docker images of the stack's asset manifest, by hash. */
  readonly dockerImages: Record<string, any>;
  readonly outdir: string;
}

/** Synthesizes a stack with the bundled engine. */
function synthesize(options: BundledControllerOptions, props: { placement?: ControllerPlacement; interruptionHandling?: boolean } = {}): Environment {
  const stack = testStack();
  const cluster = testCluster(stack);
  const karpenter = new Karpenter(stack, 'Karpenter', {
    cluster,
    controller: KarpenterController.bundled(options),
    ...props,
  });
  karpenter.addEc2NodeClass('default');
  karpenter.addNodePool('default');
  const assembly = (stack.node.root as App).synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const assetManifest = assembly.artifacts.find((candidate): candidate is cxapi.AssetManifestArtifact =>
    candidate instanceof cxapi.AssetManifestArtifact && candidate.id === `${stack.artifactId}.assets`);
  return {
    stack,
    karpenter,
    template: Template.fromJSON(artifact.template),
    dockerImages: assetManifest?.contents.dockerImages ?? {},
    outdir: assembly.directory,
  };
}

function objectsOf(environment: Environment, id: 'Rbac' | 'Resource'): any[] {
  const controller = environment.karpenter.controllerResource;
  return manifestObjects(environment.template, resourceIdOf(controller.node.findChild(id)));
}

function objectOf(objects: any[], kind: string): any {
  const found = objects.filter((object) => object.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

function envOf(deployment: any): Record<string, unknown> {
  const container = deployment.spec.template.spec.containers[0];
  return Object.fromEntries(container.env.map((variable: any) => [variable.name, variable.value ?? variable.valueFrom]));
}

describe('bundled engine with its defaults', () => {
  let environment: Environment;
  let deployment: any;
  beforeAll(() => {
    environment = synthesize({});
    deployment = objectOf(objectsOf(environment, 'Resource'), 'Deployment');
  });

  test('the image is a Docker image asset of the package\'s bundle, staged (not built) at synth', () => {
    const images = Object.entries(environment.dockerImages);
    expect(images).toHaveLength(1);
    const [hash, image] = images[0];
    const staged = path.join(environment.outdir, image.source.directory);
    expect(fs.readdirSync(staged).sort()).toEqual(['Dockerfile', 'THIRD-PARTY-LICENSES.txt', 'index.js']);
    const bundle = path.join(packageRoot(), 'assets', 'controller', 'index.js');
    expect(fs.readFileSync(path.join(staged, 'index.js'))).toEqual(fs.readFileSync(bundle));
    expect(image.source.platform).toBe('linux/amd64');
    const reference = deployment.spec.template.spec.containers[0].image;
    expect(JSON.stringify(reference)).toContain(`container-assets-\${AWS::AccountId}-\${AWS::Region}:${hash}`);
  });

  test('the Deployment runs 2 replicas as the stack-created service account, with leader election settings', () => {
    expect(deployment.metadata).toMatchObject({ name: 'karpenter-controller', namespace: 'kube-system' });
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'karpenter', 'app.kubernetes.io/instance': 'karpenter-controller' },
    });
    expect(deployment.spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('karpenter');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(envOf(deployment).SYSTEM_NAMESPACE).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
  });

  test('is never scheduled on capacity Karpenter manages, one replica per node, spread over zones', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{
      matchExpressions: [
        { key: 'karpenter.sh/nodepool', operator: 'DoesNotExist' },
        { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
      ],
    }]);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{
      labelSelector: deployment.spec.selector,
      topologyKey: 'kubernetes.io/hostname',
    }]);
    expect(pod.topologySpreadConstraints).toEqual([{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: deployment.spec.selector,
    }]);
    expect(pod.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists' }]);
  });

  test('runs with the restricted security context', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.hostNetwork).toBe(false);
  });

  test('has health probes on 8081, metrics on 8080, requests and limits', () => {
    const container = deployment.spec.template.spec.containers[0];
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8081 } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 8081 } });
    expect(container.ports).toEqual([
      { name: 'http-metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'http', containerPort: 8081, protocol: 'TCP' },
    ]);
    expect(container.resources).toEqual({
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1000m', memory: '1024Mi' },
    });
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('the settings are wired from the environment: cluster, endpoint, queue name, region', () => {
    const env = envOf(deployment);
    const clusterId = logicalIdOf(environment.karpenter.cluster);
    expect(env).toMatchObject({
      CLUSTER_NAME: { Ref: clusterId },
      CLUSTER_ENDPOINT: { 'Fn::GetAtt': [clusterId, 'Endpoint'] },
      INTERRUPTION_QUEUE: { 'Fn::GetAtt': [logicalIdOf(environment.karpenter.interruptionQueue!), 'QueueName'] },
      AWS_REGION: { Ref: 'AWS::Region' },
      LOG_LEVEL: 'info',
      METRICS_PORT: '8080',
      HEALTH_PROBE_PORT: '8081',
    });
    expect(env.BATCH_IDLE_DURATION).toBeUndefined();
    expect(env.BATCH_MAX_DURATION).toBeUndefined();
  });

  test('a PodDisruptionBudget keeps all but one replica, and a Service exposes the metrics', () => {
    const objects = objectsOf(environment, 'Resource');
    expect(objectOf(objects, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector });
    const service = objectOf(objects, 'Service');
    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      selector: deployment.spec.selector.matchLabels,
      ports: [{ name: 'http-metrics', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
    expect(objects.map((object) => object.kind).sort()).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
  });

  test('RBAC: a ClusterRole with exactly the listed rules and a Role limited to the leader-election Lease', () => {
    const objects = objectsOf(environment, 'Rbac');
    expect(objects.map((object) => object.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    const flatten = (rules: readonly any[]) => rules.flatMap((rule) => (rule.resources as string[]).map((resource) => ({
      apiGroup: rule.apiGroup ?? rule.apiGroups[0], resource, verbs: [...rule.verbs].sort(), names: rule.resourceNames ?? [],
    }))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(flatten(objectOf(objects, 'ClusterRole').rules)).toEqual(flatten(CONTROLLER_CLUSTER_RULES));
    expect(flatten(objectOf(objects, 'Role').rules)).toEqual(flatten(CONTROLLER_NAMESPACE_RULES));
    expect(objectOf(objects, 'Role').metadata.namespace).toBe('kube-system');
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      expect(objectOf(objects, kind).subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'karpenter', namespace: 'kube-system' }]);
    }
  });

  test('RBAC is least privilege: no wildcard, no secrets, writes only where the controller writes', () => {
    const rules = [...objectOf(objectsOf(environment, 'Rbac'), 'ClusterRole').rules, ...objectOf(objectsOf(environment, 'Rbac'), 'Role').rules];
    for (const rule of rules) {
      expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
      expect(rule.resources).not.toContain('configmaps');
      expect(rule.verbs).not.toContain('deletecollection');
      expect(rule.verbs).not.toContain('escalate');
    }
    const writes = new Set(rules.filter((rule) => rule.verbs.some((verb: string) => !['get', 'list', 'watch'].includes(verb)))
      .flatMap((rule) => rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}`)));
    expect([...writes].sort()).toEqual([
      '/events', '/nodes', '/pods/eviction',
      'coordination.k8s.io/leases',
      'karpenter.k8s.aws/ec2nodeclasses', 'karpenter.k8s.aws/ec2nodeclasses/status',
      'karpenter.sh/nodeclaims', 'karpenter.sh/nodeclaims/status', 'karpenter.sh/nodepools', 'karpenter.sh/nodepools/status',
    ]);
    const leaseWrites = rules.filter((rule) => rule.resources.includes('leases') && rule.verbs.includes('update'));
    expect(leaseWrites.map((rule) => rule.resourceNames)).toEqual([['karpenter-leader-election']]);
  });

  test('the CRDs come from the upstream karpenter-crd chart 1.14.1, and no Helm release runs the controller', () => {
    environment.template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'karpenter-crd',
      Release: 'karpenter-crd',
      Version: '1.14.1',
      Repository: 'oci://public.ecr.aws/karpenter/karpenter-crd',
      Namespace: 'kube-system',
      Wait: true,
    });
    const charts = Object.values(environment.template.findResources('Custom::AWSCDK-EKS-HelmChart'));
    expect(charts.map((chart: any) => chart.Properties.Chart)).toEqual(['karpenter-crd']);
  });

  test('ordering: RBAC and the Deployment after the CRDs, the service account, its identity and policies; node manifests after the controller', () => {
    const { template, karpenter } = environment;
    const dependsOn = (logicalId: string): string[] => template.toJSON().Resources[logicalId].DependsOn ?? [];
    const rbac = resourceIdOf(karpenter.controllerResource.node.findChild('Rbac'));
    const resource = resourceIdOf(karpenter.controllerResource.node.findChild('Resource'));
    const crds = logicalIdOf(karpenter.crdResource);
    const serviceAccount = resourceIdOf(karpenter.serviceAccount);
    const association = Object.keys(template.findResources('AWS::EKS::PodIdentityAssociation'))[0];
    const policies = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    for (const id of [rbac, resource]) {
      expect(dependsOn(id)).toEqual(expect.arrayContaining([crds, serviceAccount, association, ...policies]));
    }
    expect(dependsOn(resource)).toContain(rbac);
    const nodeManifests = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .filter((id) => id.startsWith('KarpenterManifests'));
    expect(nodeManifests).toHaveLength(2);
    for (const id of nodeManifests) {
      expect(dependsOn(id)).toEqual(expect.arrayContaining([crds, rbac, resource]));
    }
  });

  test('the CRD release has the same construct ID (and logical ID) as with the Helm engine: switching keeps NodePools', () => {
    const helmStack = testStack();
    const helmKarpenter = new Karpenter(helmStack, 'Karpenter', { cluster: testCluster(helmStack), controller: KarpenterController.helmChart() });
    expect(logicalIdOf(helmKarpenter.crdResource)).toBe(logicalIdOf(environment.karpenter.crdResource));
    expect(KarpenterController.bundled().engineName).toBe('bundled');
  });
});

describe('bundled engine with options', () => {
  let environment: Environment;
  let deployment: any;
  beforeAll(() => {
    const stack = new Stack(undefined, 'Unused');
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repository', 'karpenter-cdk');
    environment = synthesize({
      image: ControllerImage.fromEcrRepository(repository, '0.3.0'),
      replicas: 3,
      resources: { cpuRequestMillicores: 500, cpuLimitMillicores: 2000, memoryRequest: Size.mebibytes(768), memoryLimit: Size.gibibytes(2) },
      logLevel: ControllerLogLevel.DEBUG,
      batchIdleDuration: Duration.millis(500),
      batchMaxDuration: Duration.seconds(20),
      version: '1.14.2',
    }, { placement: ControllerPlacement.nodeSelector({ 'eks.amazonaws.com/nodegroup': 'system' }), interruptionHandling: false });
    deployment = objectOf(objectsOf(environment, 'Resource'), 'Deployment');
  });

  test('a prebuilt image needs no image asset', () => {
    expect(environment.dockerImages).toEqual({});
    expect(JSON.stringify(deployment.spec.template.spec.containers[0].image)).toContain('/karpenter-cdk:0.3.0');
  });

  test('replicas, resources, log level and batch windows are rendered', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '500m', memory: '768Mi' },
      limits: { cpu: '2000m', memory: '2048Mi' },
    });
    expect(envOf(deployment)).toMatchObject({ LOG_LEVEL: 'debug', BATCH_IDLE_DURATION: '500ms', BATCH_MAX_DURATION: '20s' });
  });

  test('the placement labels join the node affinity; no queue, no INTERRUPTION_QUEUE', () => {
    expect(deployment.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toContainEqual({ key: 'eks.amazonaws.com/nodegroup', operator: 'In', values: ['system'] });
    expect(envOf(deployment).INTERRUPTION_QUEUE).toBeUndefined();
  });

  test('another CRD version is installed, with a warning', () => {
    environment.template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'karpenter-crd', Version: '1.14.2' });
    Annotations.fromStack(environment.stack).hasWarning('/TestStack/Karpenter', Match.stringLikeRegexp('implements 1\\.14\\.1'));
  });
});

describe('bundled engine on Fargate', () => {
  test('no node affinity (Fargate nodes are not Karpenter\'s), the profile\'s pod labels on the pods', () => {
    const environment = synthesize({ image: ControllerImage.fromRegistry('example.com/karpenter:1') }, {
      placement: ControllerPlacement.fargate({ podLabels: { 'example.com/profile': 'karpenter' } }),
    });
    const deployment = objectOf(objectsOf(environment, 'Resource'), 'Deployment');
    const pod = deployment.spec.template;
    expect(pod.spec.affinity.nodeAffinity).toBeUndefined();
    expect(pod.spec.affinity.podAntiAffinity).toBeDefined();
    expect(pod.metadata.labels).toMatchObject({ 'example.com/profile': 'karpenter', ...deployment.spec.selector.matchLabels });
  });
});

describe('bad options fail at synth with the prop, the value and the fix', () => {
  function bind(options: BundledControllerOptions): void {
    const stack = testStack();
    new Karpenter(stack, 'Karpenter', { cluster: testCluster(stack), controller: KarpenterController.bundled({ image: ControllerImage.fromRegistry('example.com/karpenter:1'), ...options }) });
  }

  test.each<[string, BundledControllerOptions, string]>([
    ['replicas 0', { replicas: 0 }, 'KarpenterController.bundled: replicas is 0, but must be a whole number of at least 1. Use 2 (the default): one leader and one standby.'],
    ['fractional replicas', { replicas: 1.5 }, 'KarpenterController.bundled: replicas is 1.5, but must be a whole number of at least 1. Use 2 (the default): one leader and one standby.'],
    ['a non-semantic version', { version: 'v1.14.1' }, 'KarpenterController.bundled: version "v1.14.1" is not a semantic version. Use MAJOR.MINOR.PATCH without a "v" prefix, e.g. "1.14.1".'],
    ['zero CPU', { resources: { cpuRequestMillicores: 0 } }, 'KarpenterController.bundled: resources.cpuRequestMillicores is 0, but must be a whole number of millicores of at least 1, e.g. 250 for a quarter of a CPU.'],
    ['a CPU request above the limit', { resources: { cpuRequestMillicores: 2000 } }, 'KarpenterController.bundled: resources.cpuRequestMillicores (2000) is above resources.cpuLimitMillicores (1000). Lower the request or raise the limit.'],
    ['a memory request above the limit', { resources: { memoryRequest: Size.gibibytes(2) } }, 'KarpenterController.bundled: resources.memoryRequest (2048Mi) is above resources.memoryLimit (1024Mi). Lower the request or raise the limit.'],
    ['a memory size in fractions of a MiB', { resources: { memoryLimit: Size.kibibytes(1536) } }, 'KarpenterController.bundled: resources.memoryLimit is 1536 KiB, but must be a whole number of mebibytes of at least 1, e.g. Size.mebibytes(512).'],
    ['an idle window longer than the batch', { batchIdleDuration: Duration.seconds(30) }, 'KarpenterController.bundled: batchIdleDuration (30000 ms) is longer than batchMaxDuration (10000 ms). The idle window closes a batch early, so it must not exceed the longest batch: shorten it or lengthen batchMaxDuration.'],
    ['a zero batch window', { batchMaxDuration: Duration.seconds(0) }, 'KarpenterController.bundled: batchMaxDuration is 0 seconds, but must be a whole number of milliseconds of at least 1, e.g. Duration.seconds(1).'],
  ])('%s', (_name, options, message) => {
    expect(() => bind(options)).toThrow(message);
  });

  test('image references are checked when given', () => {
    const stack = new Stack();
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repository', 'karpenter-cdk');
    expect(() => ControllerImage.fromRegistry('')).toThrow('ControllerImage.fromRegistry: imageUri "" is not an image reference. ' +
      'Use "[registry/]repository[:tag][@digest]", e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/karpenter-cdk:0.3.0".');
    expect(() => ControllerImage.fromEcrRepository(repository, 'latest tag')).toThrow('ControllerImage.fromEcrRepository: ' +
      'tagOrDigest "latest tag" is neither an image tag nor a digest. Use a tag of letters, digits, "_", "." and "-" ' +
      '(at most 128 characters, e.g. "0.3.0") or "sha256:<64 hex digits>".');
    expect(() => ControllerImage.fromEcrRepository(repository, `sha256:${'a'.repeat(64)}`)).not.toThrow();
    expect(() => ControllerImage.fromAsset('/nonexistent/context')).toThrow('ControllerImage.fromAsset: directory ' +
      '"/nonexistent/context" has no Dockerfile. Pass a Docker build context, e.g. a copy of the package\'s assets/controller.');
  });

  test('errors are ValidationErrors', () => {
    let error: unknown;
    try {
      bind({ replicas: 0 });
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe('ValidationError');
  });
});
