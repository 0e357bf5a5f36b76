import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fail } from '../private/errors';

/**
 * The AWS managed policies every Karpenter node role carries, as in the upstream CloudFormation template.
 *
 * @see https://karpenter.sh/docs/reference/cloudformation/#node-authorization
 */
export const NODE_ROLE_MANAGED_POLICY_NAMES: readonly string[] = [
  'AmazonEKS_CNI_Policy',
  'AmazonEKSWorkerNodePolicy',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonSSMManagedInstanceCore',
];

/** Properties of {@link NodeRole}. */
export interface NodeRoleProps {
  /**
   * Bring your own node role instead of creating one. It must be trusted by `ec2.amazonaws.com` and carry the
   * policies nodes need; the construct adds nothing to it.
   *
   * @default - a role is created
   */
  readonly role?: iam.IRole;

  /**
   * Extra managed policies for the created role, e.g. `AmazonEBSCSIDriverPolicy` or your own.
   * Cannot be combined with `role`.
   *
   * @default - only the four policies in `NODE_ROLE_MANAGED_POLICY_NAMES`
   */
  readonly additionalManagedPolicies?: iam.IManagedPolicy[];

  /**
   * Create an instance profile for the role, for EC2NodeClasses that name `instanceProfile` instead of `role`.
   * With `role`, Karpenter creates and manages instance profiles itself and none is needed.
   *
   * @default false
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specinstanceprofile
   */
  readonly createInstanceProfile?: boolean;
}

/**
 * The IAM role of the nodes Karpenter launches: trusted by EC2 (`ec2.<URL suffix>`), with the EKS worker, CNI,
 * ECR pull-only and SSM managed policies.
 *
 * @throws ValidationError when `role` and `additionalManagedPolicies` are both given.
 * @see https://karpenter.sh/docs/reference/cloudformation/#node-authorization
 */
export class NodeRole extends Construct {
  /** The node role (created, or the one given). */
  public readonly role: iam.IRole;

  /** The instance profile, when `createInstanceProfile` is true. */
  public readonly instanceProfile?: iam.InstanceProfile;

  constructor(scope: Construct, id: string, props: NodeRoleProps = {}) {
    super(scope, id);
    if (props.role && props.additionalManagedPolicies?.length) {
      fail(
        `NodeRole: additionalManagedPolicies (${props.additionalManagedPolicies.length} given) cannot be combined with role: ` +
          'a role you bring is used as it is. Attach the policies to your role yourself, or drop role to let the construct create one.',
        this,
      );
    }

    this.role = props.role ?? new iam.Role(this, 'Resource', {
      description: 'Nodes launched by Karpenter',
      assumedBy: new iam.ServicePrincipal(`ec2.${Aws.URL_SUFFIX}`),
      managedPolicies: [
        ...NODE_ROLE_MANAGED_POLICY_NAMES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
        ...(props.additionalManagedPolicies ?? []),
      ],
    });

    if (props.createInstanceProfile) {
      this.instanceProfile = new iam.InstanceProfile(this, 'InstanceProfile', { role: this.role });
    }
  }
}
