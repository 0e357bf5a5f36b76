import { CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { exampleEnvironment } from './helpers/environment';
import { testCluster, testStack } from './helpers/fixtures';
import { CRD_DEFAULT_METADATA_OPTIONS, guideEc2NodeClass, GUIDE_NODE_POOL } from './helpers/getting-started-guide';
import { cfnLogicalIds, logicalIdOf } from './helpers/resolve-template';
import { crdErrors } from './manifests/crd-schema';
import { KarpenterEnvironmentStack } from '../examples/environment/karpenter-environment-stack';
import { Karpenter, NodeClassReference, Requirement, WellKnownLabels } from '../lib';

/** The objects of a KubernetesManifest, with CloudFormation references left as `{ Ref }` / `{ Fn::GetAtt }`. */
function manifestObjects(template: Template, stack: Stack, logicalId: string): any[] {
  const manifest = template.findResources('Custom::AWSCDK-EKS-KubernetesResource')[logicalId].Properties.Manifest;
  if (typeof manifest === 'string') {
    return JSON.parse(manifest);
  }
  // Fn::Join of string parts and references: put each reference back as a JSON object.
  const parts: unknown[] = stack.resolve(manifest)['Fn::Join'][1];
  const references: unknown[] = [];
  const text = parts.map((part) => (typeof part === 'string' ? part : `@@${references.push(part) - 1}@@`)).join('');
  return JSON.parse(text, (_key, value) => {
    const match = typeof value === 'string' ? /^@@(\d+)@@$/.exec(value) : null;
    return match ? references[Number(match[1])] : value;
  });
}

/** The logical ID of the manifest `Karpenter/Manifests/<id>` of a stack. */
function manifestId(stack: Stack, id: string): string {
  const manifest = stack.node.findChild('Karpenter').node.findChild('Manifests').node.findChild(id);
  const resource = manifest.node.findAll().find((child) => child instanceof CfnResource) as CfnResource;
  return stack.getLogicalId(resource);
}

describe('the example environment', () => {
  let stack: KarpenterEnvironmentStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = exampleEnvironment());
  });

  test('applies the guide\'s EC2NodeClass, field for field, with the node role and the cluster\'s discovery tag', () => {
    const [nodeClass] = manifestObjects(template, stack, manifestId(stack, 'EC2NodeClass-default'));
    const guide = guideEc2NodeClass({ Ref: logicalIdOf(stack.karpenter.nodeRole) }, { Ref: logicalIdOf(stack.cluster) });
    expect(nodeClass).toEqual({ ...guide, spec: { ...guide.spec, metadataOptions: CRD_DEFAULT_METADATA_OPTIONS } });
  });

  test('applies the guide\'s NodePool, field for field', () => {
    const [nodePool] = manifestObjects(template, stack, manifestId(stack, 'NodePool-default'));
    expect(nodePool).toEqual(GUIDE_NODE_POOL);
  });

  test('both validate against the upstream CRD schemas', () => {
    const ids = ['EC2NodeClass-default', 'NodePool-default'].map((id) => manifestId(stack, id));
    for (const id of ids) {
      const [object] = manifestObjects(template, stack, id);
      // References become the strings they resolve to at deploy time.
      const concrete = JSON.parse(JSON.stringify(object).replace(/\{"Ref":"[^"]+"\}/g, '"resolved-name"'));
      expect(crdErrors(concrete)).toEqual([]);
    }
  });

  test('manifests come after the CRDs and the controller, the NodePool after its EC2NodeClass', () => {
    const resources = template.toJSON().Resources;
    const nodeClassId = manifestId(stack, 'EC2NodeClass-default');
    const nodePoolId = manifestId(stack, 'NodePool-default');
    const engine = [...cfnLogicalIds(stack.karpenter.crdResource), ...cfnLogicalIds(stack.karpenter.controllerResource)];
    expect(engine.length).toBeGreaterThanOrEqual(2);
    expect(resources[nodeClassId].DependsOn).toEqual(expect.arrayContaining(engine));
    expect(resources[nodePoolId].DependsOn).toEqual(expect.arrayContaining([...engine, nodeClassId]));
  });

  test('the guide\'s 30 s consolidateAfter is reported as a warning, not an error', () => {
    Annotations.fromStack(stack).hasWarning('/KarpenterEnvironment/Karpenter/Manifests', Match.stringLikeRegexp('consolidateAfter \\(30s\\) is under 1 minute'));
  });
});

describe('addNodePool and addEc2NodeClass', () => {
  test('values added after construction are rendered', () => {
    const stack = testStack();
    const karpenter = new Karpenter(stack, 'Karpenter', { cluster: testCluster(stack) });
    karpenter.addEc2NodeClass('default');
    const nodePool = karpenter.addNodePool('general');
    nodePool.addRequirement(Requirement.in(WellKnownLabels.CAPACITY_TYPE, ['spot']));
    const template = Template.fromStack(stack);
    const [rendered] = manifestObjects(template, stack, manifestId(stack, 'NodePool-general'));
    expect(rendered.metadata.name).toBe('general');
    expect(rendered.spec.template.spec.requirements).toEqual([{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }]);
    expect(rendered.spec.template.spec.nodeClassRef.name).toBe('default');
  });

  test('an instance profile replaces the role, and selectors can be given', () => {
    const stack = testStack();
    const karpenter = new Karpenter(stack, 'Karpenter', { cluster: testCluster(stack), createInstanceProfile: true });
    karpenter.addEc2NodeClass('profiled', { instanceProfile: 'my-profile' });
    karpenter.addNodePool('pool', { nodeClass: NodeClassReference.fromName('profiled') });
    const template = Template.fromStack(stack);
    const [nodeClass] = manifestObjects(template, stack, manifestId(stack, 'EC2NodeClass-profiled'));
    expect(nodeClass.spec.instanceProfile).toBe('my-profile');
    expect(nodeClass.spec.role).toBeUndefined();
    expect(crdErrors(JSON.parse(JSON.stringify(nodeClass).replace(/\{"Ref":"[^"]+"\}/g, '"resolved"')))).toEqual([]);
  });

  test('a NodePool without a node class is refused with the fix', () => {
    const stack = testStack();
    const karpenter = new Karpenter(stack, 'Karpenter', { cluster: testCluster(stack) });
    const error = new Error('Karpenter.addNodePool("general"): nodeClass is not set and no EC2NodeClass was added yet. ' +
      'Call addEc2NodeClass() first, or pass nodeClass: NodeClassReference.fromName("<name>").');
    error.name = 'ValidationError';
    expect(() => karpenter.addNodePool('general')).toThrow(error);
  });
});
