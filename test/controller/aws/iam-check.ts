/**
 * The IAM check shared by the AWS-side tests: every recorded AWS call (see `fake-aws.ts`) is turned into the IAM
 * requests AWS authorizes for it (action, resource ARN, request and resource tags, region) and simulated against the
 * synthesized controller policies with @cloud-copilot/iam-simulate.
 */
import { runSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ACCOUNT, CLUSTER, FakeAws, RecordedCall, REGION } from './fake-aws';
import { ControllerPolicies } from '../../../lib/iam/controller-policies';
import { PolicyDocument, resolveManagedPolicies } from '../../helpers/resolve-template';

const CONTROLLER_ROLE = `arn:aws:iam::${ACCOUNT}:role/karpenter-controller`;
export const NODE_ROLE_NAME = 'KarpenterNodeRole-demo';
const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/${NODE_ROLE_NAME}`;
export const OTHER_NODE_ROLE_NAME = 'gpu-nodes';

export interface IamRequest {
  readonly call: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
}

type Tags = Record<string, string>;
const tagMap = (tags: Array<{ Key?: string; Value?: string }> | undefined): Tags => Object.fromEntries((tags ?? []).map(t => [t.Key!, t.Value ?? '']));
const requestTags = (tags: Tags) => ({
  ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  'aws:TagKeys': Object.keys(tags),
});
const resourceTags = (tags: Tags) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
const ec2Arn = (resource: string, account = ACCOUNT) => `arn:aws:ec2:${REGION}:${account}:${resource}`;
/** A concrete ARN for a resource a call creates (the simulator needs one; the id does not matter to the policy). */
const NEW_ID: Record<string, string> = { 'instance': 'i-0new', 'volume': 'vol-0new', 'fleet': 'fleet-0new', 'launch-template': 'lt-0new', 'network-interface': 'eni-0new' };
const profileArn = (name: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/${name}`;

/** The IAM requests AWS evaluates for one recorded call. Unknown calls throw: every call must be mapped. */
export function iamRequests(call: RecordedCall, aws: FakeAws): IamRequest[] {
  const id = `${call.service}:${call.command}`;
  const req = (action: string, resource: string, context: Record<string, string | string[]> = {}): IamRequest =>
    ({ call: id, action, resource, context: { 'aws:RequestedRegion': call.region, ...context } });
  const i = call.input;
  switch (id) {
    case 'ec2:DescribeSubnets': case 'ec2:DescribeSecurityGroups': case 'ec2:DescribeImages': case 'ec2:DescribeInstanceTypes':
    case 'ec2:DescribeInstanceTypeOfferings': case 'ec2:DescribeSpotPriceHistory': case 'ec2:DescribeLaunchTemplates': case 'ec2:DescribeInstances':
      return [req(`ec2:${call.command}`, '*')];
    case 'pricing:GetProducts':
      return [req('pricing:GetProducts', '*')];
    case 'eks:DescribeCluster':
      return [req('eks:DescribeCluster', `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${i.name}`)];
    case 'ssm:GetParameter':
      return [req('ssm:GetParameter', `arn:aws:ssm:${REGION}::parameter${i.Name}`)];
    case 'iam:GetInstanceProfile':
      return [req('iam:GetInstanceProfile', profileArn(i.InstanceProfileName))];
    case 'iam:CreateInstanceProfile':
      return [req('iam:CreateInstanceProfile', profileArn(i.InstanceProfileName), requestTags(tagMap(i.Tags)))];
    case 'iam:TagInstanceProfile': {
      const have = call.profileTags ?? {};
      return [req('iam:TagInstanceProfile', profileArn(i.InstanceProfileName), { ...resourceTags(have), ...requestTags(tagMap(i.Tags)) })];
    }
    case 'iam:AddRoleToInstanceProfile': case 'iam:RemoveRoleFromInstanceProfile': {
      const have = call.profileTags ?? {};
      const out = [req(`iam:${call.command}`, profileArn(i.InstanceProfileName), resourceTags(have))];
      if (call.command === 'AddRoleToInstanceProfile') {
        out.push(req('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${i.RoleName}`, { 'iam:PassedToService': 'ec2.amazonaws.com' }));
      }
      return out;
    }
    case 'ec2:CreateLaunchTemplate': {
      const tags = tagMap(i.TagSpecifications?.[0]?.Tags);
      return [
        req('ec2:CreateLaunchTemplate', ec2Arn(`launch-template/${NEW_ID['launch-template']}`), requestTags(tags)),
        req('ec2:CreateTags', ec2Arn(`launch-template/${NEW_ID['launch-template']}`), { ...requestTags(tags), 'ec2:CreateAction': 'CreateLaunchTemplate' }),
      ];
    }
    case 'ec2:CreateFleet': {
      const out: IamRequest[] = [];
      for (const spec of i.TagSpecifications ?? []) {
        const tags = tagMap(spec.Tags);
        const resource = ec2Arn(`${spec.ResourceType}/${NEW_ID[spec.ResourceType]}`);
        out.push(req('ec2:CreateFleet', resource, requestTags(tags)));
        out.push(req('ec2:CreateTags', resource, { ...requestTags(tags), 'ec2:CreateAction': 'CreateFleet' }));
      }
      for (const config of i.LaunchTemplateConfigs ?? []) {
        const lt = aws.launchTemplates.get(config.LaunchTemplateSpecification.LaunchTemplateName)!;
        out.push(req('ec2:CreateFleet', ec2Arn(`launch-template/${lt.id}`), resourceTags(lt.tags)));
        out.push(req('ec2:RunInstances', ec2Arn(`launch-template/${lt.id}`), resourceTags(lt.tags)));
        out.push(req('ec2:CreateFleet', `arn:aws:ec2:${REGION}::image/${lt.data.ImageId}`));
        // the service reference has no security-group resource for CreateFleet: the launch authorizes it as RunInstances
        for (const sg of lt.data.SecurityGroupIds ?? []) out.push(req('ec2:RunInstances', ec2Arn(`security-group/${sg}`)));
        for (const o of config.Overrides ?? []) out.push(req('ec2:CreateFleet', ec2Arn(`subnet/${o.SubnetId}`)));
        const profile = aws.instanceProfiles.get(lt.data.IamInstanceProfile!.Name!);
        for (const role of profile?.Roles ?? []) {
          out.push(req('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${role.RoleName}`, { 'iam:PassedToService': 'ec2.amazonaws.com' }));
        }
      }
      return out;
    }
    case 'ec2:TerminateInstances':
      return (i.InstanceIds as string[]).map(instanceId => req('ec2:TerminateInstances', ec2Arn(`instance/${instanceId}`),
        resourceTags(tagMap(aws.instances.get(instanceId)?.Tags))));
    default:
      throw new Error(`no IAM mapping for ${id}: add one to iam-check.ts`);
  }
}

export function policyDocuments(): PolicyDocument[] {
  const stack = new Stack(new App(), 'TestStack', { env: { account: ACCOUNT, region: REGION } });
  const policies = new ControllerPolicies(stack, 'ControllerPolicies', {
    clusterName: CLUSTER,
    nodeRoles: [iam.Role.fromRoleArn(stack, 'NodeRole', NODE_ROLE)],
    interruptionQueue: sqs.Queue.fromQueueArn(stack, 'Queue', `arn:aws:sqs:${REGION}:${ACCOUNT}:demo`),
  });
  policies.addPassableRole(iam.Role.fromRoleArn(stack, 'OtherNodeRole', `arn:aws:iam::${ACCOUNT}:role/${OTHER_NODE_ROLE_NAME}`));
  return resolveManagedPolicies(stack, policies.policies);
}

/** Public SSM parameter ARNs have no account, which iam-simulate cannot parse: match them against the policy text. */
function ssmAllowed(documents: PolicyDocument[], request: IamRequest): boolean {
  const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return documents.some(d => d.Statement.some(s => s.Effect === 'Allow' && !s.Condition &&
    list(s.Action).some(a => glob(a).test(request.action)) && list(s.Resource).some(r => glob(r).test(request.resource))));
}

export async function decide(documents: PolicyDocument[], request: IamRequest): Promise<string> {
  if (request.action === 'ssm:GetParameter') return ssmAllowed(documents, request) ? 'Allowed' : 'ImplicitlyDenied';
  const simulation: Simulation = {
    identityPolicies: documents.map((policy, index) => ({ name: `policy-${index}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: CONTROLLER_ROLE,
      action: request.action,
      resource: { resource: request.resource, accountId: ACCOUNT },
      contextVariables: request.context,
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`invalid simulation of ${request.call} (${request.action} on ${request.resource}): ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

/** The distinct IAM requests of `calls`, and the ones the policies do not allow (as readable lines). */
export async function deniedRequests(
  documents: PolicyDocument[], calls: readonly RecordedCall[], aws: FakeAws,
): Promise<{ checked: number; denied: string[] }> {
  const denied: string[] = [];
  const seen = new Set<string>();
  for (const r of calls.flatMap(c => iamRequests(c, aws))) {
    const key = JSON.stringify(r);
    if (seen.has(key)) continue;
    seen.add(key);
    const decision = await decide(documents, r);
    if (decision !== 'Allowed') denied.push(`${r.call} -> ${r.action} on ${r.resource} ${JSON.stringify(r.context)}: ${decision}`);
  }
  return { checked: seen.size, denied };
}
