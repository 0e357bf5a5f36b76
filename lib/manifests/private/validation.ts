/**
 * Patterns and checks shared by the manifest constructs. They mirror the OpenAPI schemas and CEL rules of the
 * upstream CRDs (karpenter.sh_nodepools.yaml, karpenter.k8s.aws_ec2nodeclasses.yaml, Karpenter 1.14).
 * Internal: not re-exported from the package.
 */
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { fail } from '../../private/errors';

/** A label or taint key: optional DNS-subdomain prefix and `/`, then a name (CRD `requirements[].key`, `taints[].key`). */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Maximum length of a label key (CRD `requirements[].key.maxLength`). */
export const MAX_LABEL_KEY_LENGTH = 316;

/** A label value (CRD `requirements[].values`, `template.metadata.labels`). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Maximum length of a label value. */
export const MAX_LABEL_VALUE_LENGTH = 63;

/** A Kubernetes resource quantity (`resource.Quantity`), as in the CRD `limits` and `kubeReserved` patterns. */
export const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** An eviction threshold: a percentage or a quantity (CRD `kubelet.evictionHard` pattern). */
export const EVICTION_THRESHOLD = /^((\d{1,2}(\.\d{1,2})?|100(\.0{1,2})?)%||(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?)$/;

/** Label keys of the `karpenter.sh` domain that NodePool requirements and labels may use. */
export const ALLOWED_KARPENTER_SH_LABELS = ['karpenter.sh/capacity-type', 'karpenter.sh/nodepool'];

/** Label keys of the `karpenter.k8s.aws` domain that NodePool requirements and labels may use (CRD CEL list, in order). */
export const ALLOWED_KARPENTER_K8S_AWS_LABELS = [
  'karpenter.k8s.aws/instance-tenancy',
  'karpenter.k8s.aws/capacity-reservation-type',
  'karpenter.k8s.aws/capacity-reservation-id',
  'karpenter.k8s.aws/capacity-reservation-interruptible',
  'karpenter.k8s.aws/ec2nodeclass',
  'karpenter.k8s.aws/instance-encryption-in-transit-supported',
  'karpenter.k8s.aws/instance-category',
  'karpenter.k8s.aws/instance-hypervisor',
  'karpenter.k8s.aws/instance-family',
  'karpenter.k8s.aws/instance-generation',
  'karpenter.k8s.aws/instance-local-nvme',
  'karpenter.k8s.aws/instance-size',
  'karpenter.k8s.aws/instance-cpu',
  'karpenter.k8s.aws/instance-cpu-manufacturer',
  'karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz',
  'karpenter.k8s.aws/instance-memory',
  'karpenter.k8s.aws/instance-ebs-bandwidth',
  'karpenter.k8s.aws/instance-network-bandwidth',
  'karpenter.k8s.aws/instance-gpu-name',
  'karpenter.k8s.aws/instance-gpu-manufacturer',
  'karpenter.k8s.aws/instance-gpu-count',
  'karpenter.k8s.aws/instance-gpu-memory',
  'karpenter.k8s.aws/instance-accelerator-name',
  'karpenter.k8s.aws/instance-accelerator-manufacturer',
  'karpenter.k8s.aws/instance-accelerator-count',
  'karpenter.k8s.aws/instance-capability-flex',
  'karpenter.k8s.aws/placement-group-id',
  'karpenter.k8s.aws/placement-group-partition',
];

/**
 * Whether a string holds an unresolved AWS CDK token (`role.roleName`, `cluster.clusterName`...).
 * Checks on such strings are skipped: the value is only known at deploy time.
 */
export function isUnresolved(value: unknown): boolean {
  return typeof value === 'string' && Token.isUnresolved(value);
}

/** JSON text of a value, for error messages. */
export function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Whether `n` is a whole number `>= 0`. */
export function isNonNegativeInteger(n: number): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/**
 * Why a label key (requirement key or template label) is rejected, mirroring the CRD schema and its CEL rules,
 * or `undefined` when it is accepted.
 */
export function labelKeyProblem(key: string): string | undefined {
  if (isUnresolved(key)) {
    return undefined;
  }
  if (key.length > MAX_LABEL_KEY_LENGTH || !QUALIFIED_NAME.test(key)) {
    return `"${key}" is not a valid label key (an optional DNS subdomain prefix and "/", then a name of at most 63 characters: alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)`;
  }
  // CEL: x.find("^([^/]+)") is the part before the first "/" (the whole key when there is none).
  const domain = key.split('/')[0];
  if (key === 'karpenter.sh/nodepool') {
    return 'label "karpenter.sh/nodepool" is restricted (Karpenter sets it to the NodePool name)';
  }
  if (key === 'kubernetes.io/hostname') {
    return 'label "kubernetes.io/hostname" is restricted (every node has its own)';
  }
  if (!ALLOWED_KARPENTER_SH_LABELS.includes(key) && domain.endsWith('karpenter.sh')) {
    return `label domain "karpenter.sh" is restricted (only ${ALLOWED_KARPENTER_SH_LABELS[0]} may be used)`;
  }
  if (!ALLOWED_KARPENTER_K8S_AWS_LABELS.includes(key) && domain.endsWith('karpenter.k8s.aws')) {
    return 'label domain "karpenter.k8s.aws" is restricted (only the well-known karpenter.k8s.aws labels may be used, see WellKnownLabels)';
  }
  return undefined;
}

/** Why a label value is rejected, or `undefined`. */
export function labelValueProblem(value: string): string | undefined {
  if (isUnresolved(value)) {
    return undefined;
  }
  if (value.length > MAX_LABEL_VALUE_LENGTH) {
    return `value "${value}" is longer than ${MAX_LABEL_VALUE_LENGTH} characters`;
  }
  if (!LABEL_VALUE.test(value)) {
    return `value "${value}" is not a valid label value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)`;
  }
  return undefined;
}

/**
 * Throws errors of the form `<Kind> "<name>": <path> (<value>): <problem>. <fix>` through the project `fail()`.
 */
export class Reporter {
  constructor(private readonly kind: string, private readonly name: string, private readonly scope: IConstruct) {}

  public fail(path: string, value: string, problem: string, fix: string): never {
    return fail(`${this.kind} "${this.name}": ${path} (${value}): ${problem}. ${fix}.`, this.scope);
  }
}
