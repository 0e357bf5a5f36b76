import { CreateTagsCommand, DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { DiscoveryTags } from '../../lib';
import { DiscoveryTagsEc2, reconcileDiscoveryTags } from '../../lib/discovery/discovery-tags-handler';
import { testStack } from '../helpers/fixtures';
import { cfnEvent, inlineCodeOf, loadInlineHandler } from '../helpers/inline-handler';

const ec2Mock = mockClient(EC2Client);
beforeEach(() => ec2Mock.reset());

function notFound(code: string): Error {
  const error = new Error(`The ID does not exist (${code})`);
  error.name = code;
  return error;
}

const client = (): DiscoveryTagsEc2 => ({ client: new EC2Client({ region: 'us-east-1' }) as unknown as DiscoveryTagsEc2['client'], CreateTagsCommand, DeleteTagsCommand });
const properties = (resources: string[], value = 'demo', key = 'karpenter.sh/discovery') => ({ TagKey: key, TagValue: value, Resources: resources });

describe('handler logic', () => {
  test('create tags every listed resource', async () => {
    await reconcileDiscoveryTags(client(), { RequestType: 'Create', ResourceProperties: properties(['subnet-1', 'sg-1']) });
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input)).toEqual([
      { Resources: ['subnet-1', 'sg-1'], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'demo' }] },
    ]);
    expect(ec2Mock.commandCalls(DeleteTagsCommand)).toHaveLength(0);
  });

  test('update untags the resources dropped from the list (with the old value) and tags the listed ones', async () => {
    await reconcileDiscoveryTags(client(), {
      RequestType: 'Update',
      ResourceProperties: properties(['subnet-1', 'subnet-3']),
      OldResourceProperties: properties(['subnet-1', 'subnet-2', 'sg-1']),
    });
    expect(ec2Mock.commandCalls(DeleteTagsCommand).map((call) => call.args[0].input)).toEqual([
      { Resources: ['subnet-2', 'sg-1'], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'demo' }] },
    ]);
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input)).toEqual([
      { Resources: ['subnet-1', 'subnet-3'], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'demo' }] },
    ]);
  });

  test('update to a new value overwrites the listed resources and untags only the dropped ones', async () => {
    await reconcileDiscoveryTags(client(), {
      RequestType: 'Update',
      ResourceProperties: properties(['subnet-1'], 'renamed'),
      OldResourceProperties: properties(['subnet-1', 'subnet-2'], 'demo'),
    });
    expect(ec2Mock.commandCalls(DeleteTagsCommand).map((call) => call.args[0].input)).toEqual([
      { Resources: ['subnet-2'], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'demo' }] },
    ]);
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input.Tags).toEqual([{ Key: 'karpenter.sh/discovery', Value: 'renamed' }]);
  });

  test('update with the same list is idempotent: no untagging, tags written again', async () => {
    await reconcileDiscoveryTags(client(), {
      RequestType: 'Update', ResourceProperties: properties(['subnet-1']), OldResourceProperties: properties(['subnet-1']),
    });
    expect(ec2Mock.commandCalls(DeleteTagsCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(1);
  });

  test('delete removes the tag (only with this cluster as value), skipping resources that are gone', async () => {
    ec2Mock.on(DeleteTagsCommand, { Resources: ['subnet-1', 'subnet-gone', 'sg-1'] }).rejects(notFound('InvalidSubnetID.NotFound'));
    ec2Mock.on(DeleteTagsCommand, { Resources: ['subnet-gone'] }).rejects(notFound('InvalidSubnetID.NotFound'));
    await reconcileDiscoveryTags(client(), { RequestType: 'Delete', ResourceProperties: properties(['subnet-1', 'subnet-gone', 'sg-1']) });
    const calls = ec2Mock.commandCalls(DeleteTagsCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Resources)).toEqual([['subnet-1', 'subnet-gone', 'sg-1'], ['subnet-1'], ['subnet-gone'], ['sg-1']]);
    expect(calls.every((input) => JSON.stringify(input.Tags) === '[{"Key":"karpenter.sh/discovery","Value":"demo"}]')).toBe(true);
  });

  test('other errors are not swallowed, and say what failed', async () => {
    ec2Mock.on(CreateTagsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    await expect(reconcileDiscoveryTags(client(), { RequestType: 'Create', ResourceProperties: properties(['subnet-1']) }))
      .rejects.toThrow('tagging subnet-1 with karpenter.sh/discovery=demo: UnauthorizedOperation: not authorized');
  });

  test('more than 500 resources are tagged in batches', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `subnet-${i}`);
    await reconcileDiscoveryTags(client(), { RequestType: 'Create', ResourceProperties: properties(ids) });
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((call) => call.args[0].input.Resources!.length)).toEqual([500, 500, 1]);
  });
});

describe('on an existing VPC', () => {
  const stack = testStack();
  const subnets = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2']
    .map((subnetId, i) => ec2.Subnet.fromSubnetAttributes(stack, `Subnet${i}`, { subnetId, availabilityZone: `us-east-1${'ab'[i]}` }));
  const tags = new DiscoveryTags(stack, 'DiscoveryTags', { clusterName: 'existing', subnets, securityGroupIds: ['sg-0bbbbbbbbbbbbbbbb'] });
  const template = Template.fromStack(stack);

  test('the custom resource lists exactly the imported subnets and security groups', () => {
    expect(tags.taggedByCustomResource).toEqual(['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'sg-0bbbbbbbbbbbbbbbb']);
    template.hasResourceProperties('Custom::KarpenterDiscoveryTags', {
      TagKey: 'karpenter.sh/discovery',
      TagValue: 'existing',
      Resources: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2', 'sg-0bbbbbbbbbbbbbbbb'],
      ServiceTimeout: '180',
    });
  });

  test('CreateTags only on those resources and only the discovery tag; DeleteTags only of this cluster\'s tag', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const statements = stack.resolve(policy.Properties.PolicyDocument.Statement);
    const create = statements.find((s: any) => s.Sid === 'TagTheseResources');
    expect(create.Action).toBe('ec2:CreateTags');
    expect(JSON.stringify(create.Resource)).toContain(':subnet/subnet-0aaaaaaaaaaaaaaa1');
    expect(create.Resource).toHaveLength(3);
    expect(create.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['karpenter.sh/discovery'] },
      'StringEquals': { 'aws:RequestTag/karpenter.sh/discovery': 'existing' },
    });
    const untag = statements.find((s: any) => s.Sid === 'UntagThisClustersResources');
    expect(untag.Action).toBe('ec2:DeleteTags');
    expect(untag.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['karpenter.sh/discovery'] },
      'StringEquals': { 'aws:ResourceTag/karpenter.sh/discovery': 'existing' },
    });
    expect(JSON.stringify(untag.Resource)).toMatch(/:subnet\/\*.*:security-group\/\*/);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('ec2:'))).toEqual(['ec2:CreateTags', 'ec2:DeleteTags']);
  });

  test('the function is Node.js with inline code, its own role and no AWS managed policy', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Handler: 'index.handler' });
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as any[];
    expect(roles.every((role) => role.Properties.ManagedPolicyArns === undefined)).toBe(true);
  });

  describe('the inline code, as deployed', () => {
    const code = inlineCodeOf(template, 'Tags subnets');

    test('creates the tags and answers SUCCESS', async () => {
      const { handler, responses } = loadInlineHandler(code);
      await handler(cfnEvent('Create', properties(['subnet-1'])));
      expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(1);
      expect(responses).toHaveLength(1);
      expect(responses[0].url).toBe('https://cloudformation-custom-resource-response.example/response?sig=1');
      expect(responses[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'karpenter.sh/discovery=demo', RequestId: 'request-1' });
    });

    test('untags on update, keeping its physical ID', async () => {
      const { handler, responses } = loadInlineHandler(code);
      await handler(cfnEvent('Update', properties(['subnet-1']), {
        PhysicalResourceId: 'karpenter.sh/discovery=demo', OldResourceProperties: properties(['subnet-1', 'subnet-2']),
      }));
      expect(ec2Mock.commandCalls(DeleteTagsCommand)[0].args[0].input.Resources).toEqual(['subnet-2']);
      expect(responses[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'karpenter.sh/discovery=demo' });
    });

    test('answers FAILED with the reason', async () => {
      ec2Mock.on(CreateTagsCommand).rejects(Object.assign(new Error('no'), { name: 'UnauthorizedOperation' }));
      const { handler, responses } = loadInlineHandler(code);
      await handler(cfnEvent('Create', properties(['subnet-1'])));
      expect(responses[0].body.Status).toBe('FAILED');
      expect(responses[0].body.Reason).toBe('Karpenter discovery tags: tagging subnet-1 with karpenter.sh/discovery=demo: UnauthorizedOperation: no');
    });
  });
});
