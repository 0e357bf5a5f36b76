/** Karpenter's getting-started guide, as the issues list it: what the examples must reproduce exactly. */
import { EC2_NODE_CLASS_CRD, rawSchema } from '../manifests/crd-schema';

/** The getting-started guide's objects, as the issue lists them. */
export const GUIDE_NODE_POOL = {
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodePool',
  metadata: { name: 'default' },
  spec: {
    template: {
      spec: {
        requirements: [
          { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['t3.medium', 't3.large', 't3a.medium', 't3a.large', 'm5.large', 'm5a.large'] },
        ],
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      },
    },
    disruption: {
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '30s',
      budgets: [{ nodes: '20%' }, { nodes: '0', schedule: '0 9 * * 1-5', duration: '8h' }],
    },
    limits: { cpu: 100, memory: '200Gi' },
  },
};

/** The guide's EC2NodeClass for a node role name and a cluster name. */
export function guideEc2NodeClass(role: unknown, clusterName: unknown) {
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: 'default' },
    spec: {
      role,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': clusterName } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': clusterName } }],
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '50Gi', volumeType: 'gp3', deleteOnTermination: true } }],
    },
  };
}

/**
 * The one field the constructs add to the guide: the secure IMDS settings, written explicitly. They are exactly
 * the CRD's own default, so the object the API server stores is the guide's.
 */
export const CRD_DEFAULT_METADATA_OPTIONS = rawSchema(EC2_NODE_CLASS_CRD).properties.spec.properties.metadataOptions.default;

