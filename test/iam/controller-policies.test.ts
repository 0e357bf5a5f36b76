import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ControllerPolicies } from '../../lib/iam/controller-policies';
import { SHARED_REFERENCE, testCluster, testStack } from '../helpers/fixtures';
import {
  asList,
  CloudFormationTemplate,
  logicalIdOf,
  parseCloudFormationYaml,
  PolicyDocument,
  PolicyStatement,
  resolvePolicyDocuments,
  synthesizedTemplate,
  TemplateResolver,
} from '../helpers/resolve-template';

const ENV = { account: '111122223333', region: 'us-east-1' };
const CLUSTER_NAME = 'demo';

/** The upstream policy logical IDs and the matching property of the construct. */
const UPSTREAM_POLICIES = [
  ['NodeLifecyclePolicy', 'nodeLifecyclePolicy'],
  ['IAMIntegrationPolicy', 'iamIntegrationPolicy'],
  ['EKSIntegrationPolicy', 'eksIntegrationPolicy'],
  ['InterruptionPolicy', 'interruptionPolicy'],
  ['ZonalShiftPolicy', 'zonalShiftPolicy'],
  ['ResourceDiscoveryPolicy', 'resourceDiscoveryPolicy'],
] as const;

/** One statement in a form where order does not matter: sorted actions, resources and condition values. */
interface ComparableStatement {
  readonly [element: string]: unknown;
}

/** A policy document as `{ Version, statements by Sid }`, each statement comparable. Fails on a missing or duplicate Sid. */
function comparable(document: PolicyDocument): { Version?: string; Statements: { [sid: string]: ComparableStatement } } {
  const statements: { [sid: string]: ComparableStatement } = {};
  for (const statement of document.Statement) {
    const { Sid, Action, Resource, Condition, ...rest } = statement as PolicyStatement;
    if (!Sid) throw new Error(`statement without Sid: ${JSON.stringify(statement)}`);
    if (Sid in statements) throw new Error(`duplicate Sid ${Sid}`);
    statements[Sid] = {
      ...rest,
      Action: [...asList(Action)].sort(),
      Resource: [...asList(Resource)].sort(),
      Condition: Object.fromEntries(Object.entries(Condition ?? {}).map(([operator, block]) => [
        operator,
        Object.fromEntries(Object.entries(block).map(([conditionKey, value]) => [conditionKey, [...asList(value)].sort()])),
      ])),
    };
  }
  return { Version: document.Version, Statements: statements };
}

/** The upstream template, parsed once. */
function referenceTemplate(): CloudFormationTemplate {
  return parseCloudFormationYaml(fs.readFileSync(path.join(SHARED_REFERENCE, 'cloudformation.yaml'), 'utf8'));
}

interface ParityStack {
  readonly stack: Stack;
  readonly policies: ControllerPolicies;
  readonly nodeRole: iam.Role;
  readonly queue: sqs.Queue;
}

/** A stack with a node role, a queue and the controller policies; the cluster name is a literal or a parameter. */
function parityStack(clusterName: 'literal' | 'parameter', props: StackProps = { env: ENV }): ParityStack {
  const stack = new Stack(new App(), 'TestStack', props);
  const name = clusterName === 'literal' ? CLUSTER_NAME : new CfnParameter(stack, 'ClusterName', { type: 'String' }).valueAsString;
  const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const queue = new sqs.Queue(stack, 'Queue');
  const policies = new ControllerPolicies(stack, 'ControllerPolicies', { clusterName: name, nodeRoles: [nodeRole], interruptionQueue: queue });
  return { stack, policies, nodeRole, queue };
}

describe('parity with the upstream CloudFormation template', () => {
  describe.each(['literal', 'parameter'] as const)('with a %s cluster name', (clusterName) => {
    let policies: ControllerPolicies;
    let template: CloudFormationTemplate;
    let synthesized: { [logicalId: string]: PolicyDocument };
    let reference: { [logicalId: string]: PolicyDocument };
    beforeAll(() => {
      const parity = parityStack(clusterName);
      policies = parity.policies;
      template = synthesizedTemplate(parity.stack);
      const parameters = { ClusterName: CLUSTER_NAME };
      synthesized = resolvePolicyDocuments(template, { parameters });
      const resolver = new TemplateResolver(template, { parameters });
      reference = resolvePolicyDocuments(referenceTemplate(), {
        parameters,
        references: {
          'KarpenterNodeRole.Arn': resolver.getAtt(logicalIdOf(parity.nodeRole), 'Arn'),
          'KarpenterInterruptionQueue.Arn': resolver.getAtt(logicalIdOf(parity.queue), 'Arn'),
        },
      });
    });

    test('creates exactly the six upstream managed policies', () => {
      expect(Object.keys(synthesized).sort()).toEqual(UPSTREAM_POLICIES.map(([, property]) => logicalIdOf(policies[property]!)).sort());
      expect(Object.keys(reference).sort()).toEqual(UPSTREAM_POLICIES.map(([upstream]) => upstream).sort());
    });

    test.each(UPSTREAM_POLICIES)('%s has the same statements, actions, resources and conditions', (upstream, property) => {
      const policy = policies[property]!;
      expect(comparable(synthesized[logicalIdOf(policy)])).toEqual(comparable(reference[upstream]));
    });

    test('no policy has a physical name', () => {
      for (const [, property] of UPSTREAM_POLICIES) {
        expect(template.Resources[logicalIdOf(policies[property]!)].Properties?.ManagedPolicyName).toBeUndefined();
      }
    });
  });

  test('a literal cluster name is written directly, without CfnJson', () => {
    const { stack } = parityStack('literal');
    const template = synthesizedTemplate(stack);
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'Custom::AWSCDKCfnJson')).toHaveLength(0);
    const text = JSON.stringify(template);
    expect(text).toContain('"aws:ResourceTag/kubernetes.io/cluster/demo":"owned"');
  });

  test('a token cluster name puts the condition blocks whose keys name the cluster through CfnJson', () => {
    const { stack, policies } = parityStack('parameter');
    const template = synthesizedTemplate(stack);
    const cfnJson = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'Custom::AWSCDKCfnJson');
    // one per distinct block: owned by cluster, requested for cluster, creation tagging, and three instance-profile blocks
    expect(cfnJson).toHaveLength(6);
    const lifecycle = template.Resources[logicalIdOf(policies.nodeLifecyclePolicy)].Properties?.PolicyDocument as PolicyDocument;
    const deletion = lifecycle.Statement.find((statement) => statement.Sid === 'AllowScopedDeletion')!;
    expect(deletion.Condition?.StringEquals).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ControllerPoliciesOwnedByClusterCondition/), 'Value'] });
    // every condition block is either a CfnJson value or has plain condition keys
    for (const policy of Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::IAM::ManagedPolicy')) {
      for (const statement of (policy.Properties?.PolicyDocument as PolicyDocument).Statement) {
        for (const block of Object.values(statement.Condition ?? {})) {
          const getAtt = (block as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
          if (getAtt) {
            expect(template.Resources[getAtt[0]].Type).toBe('Custom::AWSCDKCfnJson');
          } else {
            Object.keys(block).forEach((conditionKey) => expect(conditionKey).toMatch(/^[\w:/.-]+$/));
          }
        }
      }
    }
  });

  test('an env-agnostic stack takes region, account and partition from pseudo parameters', () => {
    const { stack, policies } = parityStack('literal', {});
    const resolved = resolvePolicyDocuments(synthesizedTemplate(stack), { region: 'eu-west-3', account: '444455556666', partition: 'aws-cn' });
    const eks = resolved[logicalIdOf(policies.eksIntegrationPolicy)];
    expect(eks.Statement[0].Resource).toBe('arn:aws-cn:eks:eu-west-3:444455556666:cluster/demo');
  });
});

describe('the cluster name of an eks-v2 cluster', () => {
  test('synthesizes, with CfnJson conditions built from the cluster reference', () => {
    const stack = testStack();
    const cluster = testCluster(stack);
    const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const policies = new ControllerPolicies(stack, 'ControllerPolicies', { clusterName: cluster.clusterName, nodeRoles: [nodeRole] });
    const template = synthesizedTemplate(stack);
    const cfnJson = Object.values(template.Resources).filter((resource) => resource.Type === 'Custom::AWSCDKCfnJson');
    expect(cfnJson.length).toBeGreaterThan(0);
    expect(JSON.stringify(cfnJson[0].Properties?.Value)).toContain(`"Ref":"${logicalIdOf(cluster)}"`);
    expect(policies.interruptionPolicy).toBeUndefined();
    expect(policies.policies).toHaveLength(5);
  });
});

describe('passing roles to EC2', () => {
  function passingInstanceRole(stack: Stack, policies: ControllerPolicies): PolicyStatement {
    const document = resolvePolicyDocuments(synthesizedTemplate(stack))[logicalIdOf(policies.iamIntegrationPolicy)];
    return document.Statement.find((statement) => statement.Sid === 'AllowPassingInstanceRole')!;
  }

  test('covers every node role given and those added later, once each', () => {
    const stack = new Stack(new App(), 'TestStack', { env: ENV });
    const nodeRole = iam.Role.fromRoleArn(stack, 'NodeRole', 'arn:aws:iam::111122223333:role/KarpenterNodeRole-demo');
    const gpuRole = iam.Role.fromRoleArn(stack, 'GpuRole', 'arn:aws:iam::111122223333:role/gpu-nodes');
    const policies = new ControllerPolicies(stack, 'ControllerPolicies', { clusterName: CLUSTER_NAME, nodeRoles: [nodeRole, nodeRole] });
    policies.addPassableRole(gpuRole);
    policies.addPassableRole(nodeRole);
    expect(asList(passingInstanceRole(stack, policies).Resource).sort()).toEqual([
      'arn:aws:iam::111122223333:role/KarpenterNodeRole-demo',
      'arn:aws:iam::111122223333:role/gpu-nodes',
    ]);
  });
});

describe('attaching to the controller role', () => {
  test('a role created in the app lists every policy in its ManagedPolicyArns', () => {
    const { stack, policies } = parityStack('literal');
    const controllerRole = new iam.Role(stack, 'ControllerRole', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    policies.attachTo(controllerRole);
    const template = synthesizedTemplate(stack);
    const arns = template.Resources[logicalIdOf(controllerRole)].Properties?.ManagedPolicyArns;
    expect(arns).toEqual(policies.policies.map((policy) => ({ Ref: logicalIdOf(policy) })));
    expect(arns).toHaveLength(6);
  });

  test('an imported role is attached from the policy side', () => {
    const { stack, policies } = parityStack('literal');
    policies.attachTo(iam.Role.fromRoleName(stack, 'ControllerRole', 'karpenter-controller'));
    const template = synthesizedTemplate(stack);
    for (const policy of policies.policies) {
      expect(template.Resources[logicalIdOf(policy)].Properties?.Roles).toEqual(['karpenter-controller']);
    }
  });
});

describe('size', () => {
  const MANAGED_POLICY_LIMIT = 6144;

  test('each document stays under the managed-policy limit with a 100-character cluster name', () => {
    const clusterName = `c${'-long-name'.repeat(10)}`.slice(0, 100);
    expect(clusterName).toHaveLength(100);
    // a long partition and region and a 64-character role name: an upper bound for real environments
    const stack = new Stack(new App(), 'TestStack', { env: { account: '111122223333', region: 'ap-southeast-5' } });
    const nodeRole = iam.Role.fromRoleArn(stack, 'NodeRole', `arn:aws-us-gov:iam::111122223333:role/${'n'.repeat(64)}`);
    const queue = new sqs.Queue(stack, 'Queue');
    const policies = new ControllerPolicies(stack, 'ControllerPolicies', { clusterName, nodeRoles: [nodeRole], interruptionQueue: queue });
    const documents = resolvePolicyDocuments(synthesizedTemplate(stack), {
      partition: 'aws-us-gov',
      references: { [`${logicalIdOf(queue)}.Arn`]: `arn:aws-us-gov:sqs:ap-southeast-5:111122223333:${'q'.repeat(80)}` },
    });
    const sizes = policies.policies.map((policy) => JSON.stringify(documents[logicalIdOf(policy)]).replace(/\s/g, '').length);
    expect(sizes).toHaveLength(6);
    for (const size of sizes) {
      expect(size).toBeLessThan(MANAGED_POLICY_LIMIT);
    }
    // the largest, node lifecycle, keeps a margin for future upstream statements
    expect(Math.max(...sizes)).toBeLessThan(MANAGED_POLICY_LIMIT * 0.75);
  });
});

describe('bad input', () => {
  test('an empty nodeRoles list', () => {
    const stack = testStack();
    expect(() => new ControllerPolicies(stack, 'ControllerPolicies', { clusterName: CLUSTER_NAME, nodeRoles: [] })).toThrow(new Error(
      'ControllerPolicies: nodeRoles is empty ([]). Pass at least one role the controller may pass to EC2, ' +
        'e.g. the Karpenter node role: iam:PassRole needs a resource.',
    ));
  });

  test.each(['', 'has space', '-starts-with-hyphen', 'x'.repeat(101)])('an invalid literal cluster name %j', (clusterName) => {
    const stack = testStack();
    const nodeRole = iam.Role.fromRoleName(stack, 'NodeRole', 'node');
    expect(() => new ControllerPolicies(stack, 'ControllerPolicies', { clusterName, nodeRoles: [nodeRole] })).toThrow(new Error(
      `ControllerPolicies: clusterName "${clusterName}" is not a valid EKS cluster name. ` +
        'Use 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit, or pass cluster.clusterName.',
    ));
  });

  test('the error is a ValidationError scoped to the construct', () => {
    const stack = testStack();
    let error: unknown;
    try {
      new ControllerPolicies(stack, 'ControllerPolicies', { clusterName: CLUSTER_NAME, nodeRoles: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'ValidationError', constructPath: 'TestStack/ControllerPolicies' });
  });
});
