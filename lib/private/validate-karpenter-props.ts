import { Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IConstruct } from 'constructs';
import { fail } from './errors';
import type { ControllerPlacement } from '../engine/controller-placement';
import type { KarpenterProps } from '../karpenter';

/** The controller identity when none is given: IRSA on Fargate (no Pod Identity agent there), Pod Identity elsewhere. */
export function defaultIdentityType(placement: ControllerPlacement | undefined): eks.IdentityType {
  return placement?.onFargate ? eks.IdentityType.IRSA : eks.IdentityType.POD_IDENTITY;
}

const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks the props of the `Karpenter` construct; throws a ValidationError naming the prop, value and fix. */
export function validateKarpenterProps(scope: IConstruct, props: KarpenterProps): void {
  const namespace = props.namespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace)
    && (namespace.length > 63 || !RFC1123_LABEL.test(namespace))) {
    fail(
      `Karpenter: namespace "${namespace}" is not a valid Kubernetes namespace name. Use at most 63 lowercase ` +
        'letters, digits and "-", starting and ending with a letter or digit (an RFC 1123 label), e.g. "kube-system" or "karpenter".',
      scope,
    );
  }

  const serviceAccountName = props.serviceAccountName;
  if (serviceAccountName !== undefined && !Token.isUnresolved(serviceAccountName)
    && (serviceAccountName.length > 253 || !RFC1123_SUBDOMAIN.test(serviceAccountName))) {
    fail(
      `Karpenter: serviceAccountName "${serviceAccountName}" is not a valid Kubernetes service account name. Use ` +
        'at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (an RFC 1123 subdomain), e.g. "karpenter".',
      scope,
    );
  }

  const identityType = props.identityType ?? defaultIdentityType(props.placement);
  if (props.placement?.onFargate && identityType === eks.IdentityType.POD_IDENTITY) {
    fail(
      'Karpenter: identityType POD_IDENTITY cannot be used with placement ControllerPlacement.fargate(): the EKS ' +
        'Pod Identity agent does not run on Fargate. Remove identityType (IRSA is the default on Fargate) or set ' +
        'identityType: eks.IdentityType.IRSA (the cluster needs an OIDC provider), or place the controller on a node group.',
      scope,
    );
  }
  if (identityType === eks.IdentityType.IRSA && !hasOpenIdConnectProvider(props.cluster)) {
    fail(
      `Karpenter: identityType IRSA${props.placement?.onFargate ? ' (the identity on Fargate)' : ''} needs the ` +
        'cluster\'s OIDC provider, but the cluster was imported without openIdConnectProvider. Pass ' +
        'openIdConnectProvider to eks.Cluster.fromClusterAttributes (e.g. iam.OpenIdConnectProvider.' +
        'fromOpenIdConnectProviderArn with the ARN of the cluster\'s IAM OIDC provider).',
      scope,
    );
  }

  const drain = props.cleanupDrainTimeout;
  if (drain && (drain.toSeconds() < 0 || drain.toSeconds() > 780)) {
    fail(
      `Karpenter: cleanupDrainTimeout is ${drain.toSeconds()} seconds; the cleanup runs at most 14 minutes and needs ` +
        'one of them to terminate what is left. Use 0 to 13 minutes, e.g. Duration.minutes(5).',
      scope,
    );
  }
  if (props.cleanupOnDelete === false && drain) {
    fail(
      'Karpenter: cleanupDrainTimeout was given but cleanupOnDelete is false, so there is no cleanup to wait in. ' +
        'Remove cleanupDrainTimeout, or set cleanupOnDelete to true.',
      scope,
    );
  }

  if (props.interruptionHandling === false && props.interruptionQueue) {
    fail(
      'Karpenter: interruptionQueue was given but interruptionHandling is false, so the queue would never be read. ' +
        'Remove interruptionQueue, or set interruptionHandling to true.',
      scope,
    );
  }
  if (props.interruptionQueue && props.interruptionQueueEncryptionKey) {
    fail(
      'Karpenter: interruptionQueueEncryptionKey applies only to the queue the construct creates, but ' +
        'interruptionQueue was given. Encrypt your queue yourself, or remove interruptionQueue.',
      scope,
    );
  }

  if (props.nodeRole && props.nodeRoleManagedPolicies?.length) {
    fail(
      `Karpenter: nodeRoleManagedPolicies (${props.nodeRoleManagedPolicies.length} given) cannot be combined with ` +
        'nodeRole: a role you bring is used as it is. Attach the policies to your role, or remove nodeRole to let ' +
        'the construct create one.',
      scope,
    );
  }
}

/** Whether the cluster has (or, for a cluster of this app, can create) an IAM OIDC provider. */
function hasOpenIdConnectProvider(cluster: eks.ICluster): boolean {
  if (cluster instanceof eks.Cluster) {
    return true;
  }
  try {
    return cluster.openIdConnectProvider !== undefined;
  } catch {
    return false;
  }
}
