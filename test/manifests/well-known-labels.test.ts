import { NODE_POOL_CRD, rawSchema } from './crd-schema';
import { WellKnownLabels } from '../../lib/manifests';
import { ALLOWED_KARPENTER_K8S_AWS_LABELS, ALLOWED_KARPENTER_SH_LABELS, labelKeyProblem } from '../../lib/manifests/private/validation';

/** The allow-lists written in the CEL rules of the NodePool CRD, for requirement keys and template labels. */
function celAllowList(domain: string): string[][] {
  const template = rawSchema(NODE_POOL_CRD).properties.spec.properties.template.properties;
  const rules = [
    ...template.metadata.properties.labels['x-kubernetes-validations'],
    ...template.spec.properties.requirements.items.properties.key['x-kubernetes-validations'],
  ].filter((r: any) => r.message === `label domain "${domain}" is restricted`);
  expect(rules).toHaveLength(2);
  return rules.map((r: any) => [...new Set<string>(JSON.parse(r.rule.match(/\[(.*?)\]/)[0]))]);
}

const constants = Object.entries(WellKnownLabels).filter(([, v]) => typeof v === 'string').map(([, v]) => v as string);

test('the karpenter.k8s.aws allow-list is the one in the CRD CEL rules', () => {
  for (const list of celAllowList('karpenter.k8s.aws')) {
    expect([...ALLOWED_KARPENTER_K8S_AWS_LABELS].sort()).toEqual([...list].sort());
  }
});

test('the karpenter.sh allow-list is the one in the CRD CEL rules', () => {
  for (const list of celAllowList('karpenter.sh')) {
    expect([...ALLOWED_KARPENTER_SH_LABELS].sort()).toEqual([...list].sort());
  }
});

test('every allowed karpenter.k8s.aws label has a WellKnownLabels constant', () => {
  expect(constants).toEqual(expect.arrayContaining(ALLOWED_KARPENTER_K8S_AWS_LABELS));
});

test('every WellKnownLabels constant but HOSTNAME and NODE_POOL may be used in a NodePool requirement', () => {
  const refused = constants.filter(key => labelKeyProblem(key) !== undefined);
  expect(refused.sort()).toEqual([WellKnownLabels.HOSTNAME, WellKnownLabels.NODE_POOL].sort());
});
