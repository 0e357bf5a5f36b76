import { EC2_NODE_CLASS_CASES, NODE_POOL_CASES, renderCase } from './cases';
import {
  crdErrors, EC2_NODE_CLASS_CRD, NODE_POOL_CRD, objectLeafPaths, rawSchema, schemaLeafPaths, toAjvSchema,
} from './crd-schema';

/** Fields the constructs never write, and why. */
const NOT_WRITTEN: Record<string, string> = {
  'spec.template.spec.taints[].timeAdded': 'set by the controllers on NoExecute taints, not in a template',
  'spec.template.spec.startupTaints[].timeAdded': 'set by the controllers on NoExecute taints, not in a template',
};

describe('the schema translation', () => {
  const schema = toAjvSchema(rawSchema(NODE_POOL_CRD));
  const requirement = schema.properties.spec.properties.template.properties.spec.properties.requirements.items;

  test('closes objects that list their properties', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(requirement.additionalProperties).toBe(false);
  });

  test('leaves maps and free-form objects open', () => {
    expect(schema.properties.metadata.additionalProperties).toBeUndefined();
    expect(schema.properties.spec.properties.limits.additionalProperties.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
  });

  test('applies the string checks written on the values array to its items', () => {
    expect(requirement.properties.values.items).toMatchObject({ type: 'string', maxLength: 63 });
    expect(requirement.properties.values.pattern).toBeUndefined();
  });

  test('drops the x-kubernetes extensions', () => {
    expect(JSON.stringify(schema)).not.toContain('x-kubernetes-');
  });
});

describe('the CRD validators catch what the API server would reject or drop', () => {
  const guide = renderCase(NODE_POOL_CASES[0]);

  test('a valid NodePool passes', () => {
    expect(crdErrors(guide)).toEqual([]);
  });

  test('a misspelt field fails', () => {
    const typo = JSON.parse(JSON.stringify(guide));
    typo.spec.template.spec.requirments = typo.spec.template.spec.requirements;
    expect(crdErrors(typo).join('\n')).toContain('additionalProperty":"requirments"');
  });

  test.each([
    ['an unknown operator', (o: any) => { o.spec.template.spec.requirements[0].operator = 'Within'; }, '/spec/template/spec/requirements/0/operator'],
    ['a bad budget', (o: any) => { o.spec.disruption.budgets[0].nodes = '120%'; }, '/spec/disruption/budgets/0/nodes'],
    ['a fractional weight', (o: any) => { o.spec.weight = 1.5; }, '/spec/weight'],
    ['a label value with a space', (o: any) => { o.spec.template.spec.requirements[0].values[0] = 'amd 64'; }, '/spec/template/spec/requirements/0/values/0'],
  ])('%s fails', (_title, mutate, at) => {
    const object = JSON.parse(JSON.stringify(guide));
    mutate(object);
    expect(crdErrors(object).join('\n')).toContain(at);
  });
});

describe.each([
  ['NodePool', NODE_POOL_CASES, NODE_POOL_CRD],
  ['EC2NodeClass', EC2_NODE_CLASS_CASES, EC2_NODE_CLASS_CRD],
])('every emitted %s', (kind, cases, crd) => {
  const rendered = cases.map(c => [c.title, renderCase(c)] as const);

  test.each(rendered)('%s validates against the upstream CRD', (_title, object) => {
    expect(object.kind).toBe(kind);
    expect(crdErrors(object)).toEqual([]);
  });

  test('the table sets every field of the CRD spec', () => {
    const written = new Set(rendered.flatMap(([, object]) => objectLeafPaths(crd, object)));
    const missing = schemaLeafPaths(crd).filter(p => !written.has(p) && NOT_WRITTEN[p] === undefined);
    expect(missing).toEqual([]);
  });
});
