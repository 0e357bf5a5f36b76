import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ControllerPlacement, Karpenter, KarpenterController, KarpenterProps, NodeRole } from '../lib';
import { testCluster, testStack } from './helpers/fixtures';

// One cluster for every case: validation throws before anything is synthesized.
const stack = testStack();
const cluster = testCluster(stack);
let counter = 0;

function karpenter(props: Partial<KarpenterProps>): () => Karpenter {
  return () => new Karpenter(stack, `Karpenter${counter++}`, { cluster, ...props });
}

function validationError(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationError';
  return error;
}

test.each([
  ['Kube_System', 'namespace "Kube_System" is not a valid Kubernetes namespace name'],
  ['-karpenter', 'namespace "-karpenter" is not a valid Kubernetes namespace name'],
  ['a'.repeat(64), `namespace "${'a'.repeat(64)}" is not a valid Kubernetes namespace name`],
])('namespace %j is refused', (namespace, start) => {
  expect(karpenter({ namespace })).toThrow(validationError(
    `Karpenter: ${start}. Use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit ` +
      '(an RFC 1123 label), e.g. "kube-system" or "karpenter".',
  ));
});

test('an invalid service account name is refused', () => {
  expect(karpenter({ serviceAccountName: 'Karpenter Controller' })).toThrow(validationError(
    'Karpenter: serviceAccountName "Karpenter Controller" is not a valid Kubernetes service account name. Use at most ' +
      '253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. "karpenter".',
  ));
});

test('Pod Identity with a Fargate placement is refused, naming the fix', () => {
  expect(karpenter({ placement: ControllerPlacement.fargate(), identityType: eks.IdentityType.POD_IDENTITY })).toThrow(validationError(
    'Karpenter: identityType POD_IDENTITY cannot be used with placement ControllerPlacement.fargate(): the EKS Pod ' +
      'Identity agent does not run on Fargate. Remove identityType (IRSA is the default on Fargate) or set ' +
      'identityType: eks.IdentityType.IRSA (the cluster needs an OIDC provider), or place the controller on a node group.',
  ));
  expect(karpenter({ placement: ControllerPlacement.fargate(), identityType: eks.IdentityType.IRSA })).not.toThrow();
  expect(karpenter({ placement: ControllerPlacement.fargate() })).not.toThrow();
});

test('a queue with interruption handling off is refused', () => {
  const queue = new sqs.Queue(stack, 'Queue');
  expect(karpenter({ interruptionHandling: false, interruptionQueue: queue })).toThrow(validationError(
    'Karpenter: interruptionQueue was given but interruptionHandling is false, so the queue would never be read. ' +
      'Remove interruptionQueue, or set interruptionHandling to true.',
  ));
});

test('an encryption key for a queue the construct does not create is refused', () => {
  const queue = new sqs.Queue(stack, 'Queue2');
  expect(karpenter({ interruptionQueue: queue, interruptionQueueEncryptionKey: new kms.Key(stack, 'Key') })).toThrow(validationError(
    'Karpenter: interruptionQueueEncryptionKey applies only to the queue the construct creates, but interruptionQueue ' +
      'was given. Encrypt your queue yourself, or remove interruptionQueue.',
  ));
});

test('a node role together with node policies is refused', () => {
  const nodeRole = iam.Role.fromRoleArn(stack, 'NodeRole', 'arn:aws:iam::111122223333:role/nodes');
  const policies = [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEBSCSIDriverPolicy')];
  expect(karpenter({ nodeRole, nodeRoleManagedPolicies: policies })).toThrow(validationError(
    'Karpenter: nodeRoleManagedPolicies (1 given) cannot be combined with nodeRole: a role you bring is used as it is. ' +
      'Attach the policies to your role, or remove nodeRole to let the construct create one.',
  ));
  expect(() => new NodeRole(stack, 'Direct', { role: nodeRole, additionalManagedPolicies: policies })).toThrow(validationError(
    'NodeRole: additionalManagedPolicies (1 given) cannot be combined with role: a role you bring is used as it is. ' +
      'Attach the policies to your role yourself, or drop role to let the construct create one.',
  ));
});

test.each(['v1.14.1', '1.14', 'latest'])('chart version %j is refused', (version) => {
  expect(karpenter({ controller: KarpenterController.helmChart({ version }) })).toThrow(validationError(
    `KarpenterController.helmChart: version "${version}" is not a semantic version. Use MAJOR.MINOR.PATCH without a "v" prefix, e.g. "1.14.1".`,
  ));
});

test.each([
  ['settings.clusterName', { settings: { clusterName: 'other' } }, '"other"', '"demo"'],
  ['serviceAccount.name', { serviceAccount: { name: 'other' } }, '"other"', '"karpenter"'],
  ['serviceAccount.create', { serviceAccount: { create: true } }, 'true', 'false'],
])('values that contradict the environment (%s) are refused', (path, values, given, wanted) => {
  // Contradictions are checked on literal values: use a cluster whose name is a literal.
  const literal = testStack();
  const named = eks.Cluster.fromClusterAttributes(literal, 'Named', {
    clusterName: 'demo',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(literal, 'Kubectl', { serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:k' }),
  });
  expect(() => new Karpenter(literal, 'Karpenter', {
    cluster: named, discoveryTags: false, controller: KarpenterController.helmChart({ values }),
  })).toThrow(validationError(
    `KarpenterController.helmChart: values.${path} is ${given}, but this environment needs ${wanted}. The ` +
      'Karpenter construct sets it; remove it from values (or change the matching prop of the Karpenter construct).',
  ));
});

test('values equal to what the environment sets are accepted', () => {
  expect(karpenter({ controller: KarpenterController.helmChart({ values: { serviceAccount: { create: false, name: 'karpenter' } } }) })).not.toThrow();
});
