/**
 * The NodePool and EC2NodeClass of Karpenter's getting-started guide, shared by the examples: the CDK environment
 * (`examples/environment`) and the GitOps app (`examples/gitops`) emit exactly these.
 *
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/#5-create-nodepool
 */
import { Duration, Size } from 'cdk8s';
import {
  AmiSelector, Budget, ConsolidateAfter, ConsolidationPolicy, EbsVolumeType, Ec2NodeClassOptions, NodePoolOptions,
  Requirement, WellKnownLabels,
} from '../lib/manifests';

/** EC2NodeClass `default`, without the environment-specific role and selectors. */
export const GETTING_STARTED_NODE_CLASS: Ec2NodeClassOptions = {
  amiSelectorTerms: [AmiSelector.alias('al2023@latest')],
  blockDeviceMappings: [{
    deviceName: '/dev/xvda',
    ebs: { volumeSize: Size.gibibytes(50), volumeType: EbsVolumeType.GP3, deleteOnTermination: true },
  }],
};

/** NodePool `default`, without its node class reference. */
export const GETTING_STARTED_NODE_POOL: NodePoolOptions = {
  requirements: [
    Requirement.in(WellKnownLabels.ARCH, ['amd64']),
    Requirement.in(WellKnownLabels.CAPACITY_TYPE, ['spot', 'on-demand']),
    Requirement.in(WellKnownLabels.INSTANCE_TYPE, ['t3.medium', 't3.large', 't3a.medium', 't3a.large', 'm5.large', 'm5a.large']),
  ],
  disruption: {
    consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED,
    // The guide's value. Under 1 minute, so synth warns that nodes may churn.
    consolidateAfter: ConsolidateAfter.after(Duration.seconds(30)),
    budgets: [
      Budget.percentage(20),
      // No voluntary disruption during business hours (09:00-17:00 UTC, Monday to Friday).
      Budget.count(0, { schedule: '0 9 * * 1-5', duration: Duration.hours(8) }),
    ],
  },
  limits: { cpu: 100, memory: Size.gibibytes(200) },
};
