import { WELL_KNOWN_LABELS } from '../../../../controller/src/core/labels';
import { Requirement, RequirementError, isRequirementError } from '../../../../controller/src/core/scheduling/requirement';
import { Requirements } from '../../../../controller/src/core/scheduling/requirements';

const K = 'key';
const r = (op: string, ...values: string[]) => Requirement.create(K, op, values);

describe('Requirement.has', () => {
  test.each<[string, string[], string, boolean]>([
    ['In', ['a', 'b'], 'a', true],
    ['In', ['a', 'b'], 'c', false],
    ['NotIn', ['a'], 'a', false],
    ['NotIn', ['a'], 'z', true],
    ['Exists', [], 'anything', true],
    ['DoesNotExist', [], 'anything', false],
    ['Gt', ['4'], '5', true],
    ['Gt', ['4'], '4', false],
    ['Gt', ['4'], 'x', false],
    ['Gte', ['4'], '4', true],
    ['Gte', ['4'], '3', false],
    ['Lt', ['4'], '3', true],
    ['Lt', ['4'], '4', false],
    ['Lte', ['4'], '4', true],
    ['Lte', ['4'], '5', false],
  ])('%s %j has %p = %p', (op, values, value, expected) => {
    expect(r(op, ...values).has(value)).toBe(expected);
  });
});

describe('Requirement.intersection', () => {
  // [a, b, expected operator, values that must be allowed, values that must not]
  test.each<[Requirement, Requirement, string, string[], string[]]>([
    [r('In', 'a', 'b'), r('In', 'b', 'c'), 'In', ['b'], ['a', 'c']],
    [r('In', 'a'), r('In', 'b'), 'DoesNotExist', [], ['a', 'b']],
    [r('In', 'a', 'b'), r('NotIn', 'a'), 'In', ['b'], ['a']],
    [r('NotIn', 'a'), r('In', 'a', 'b'), 'In', ['b'], ['a']],
    [r('NotIn', 'a'), r('NotIn', 'b'), 'NotIn', ['c'], ['a', 'b']],
    [r('Exists'), r('In', 'a'), 'In', ['a'], ['b']],
    [r('Exists'), r('NotIn', 'a'), 'NotIn', ['b'], ['a']],
    [r('Exists'), r('DoesNotExist'), 'DoesNotExist', [], ['a']],
    [r('DoesNotExist'), r('DoesNotExist'), 'DoesNotExist', [], ['a']],
    [r('NotIn', 'a'), r('DoesNotExist'), 'DoesNotExist', [], ['b']],
    [r('Gt', '2'), r('Lt', '6'), 'Exists', ['3', '5'], ['2', '6', 'x']],
    [r('Gt', '2'), r('In', '1', '3', 'x'), 'In', ['3'], ['1', 'x']],
    [r('Gte', '4'), r('Lte', '4'), 'Exists', ['4'], ['3', '5']],
    [r('Gt', '5'), r('Lt', '6'), 'DoesNotExist', [], ['5', '6']],
    [r('Gt', '5'), r('Lt', '3'), 'DoesNotExist', [], ['4']],
    [r('Gt', '2'), r('NotIn', '3'), 'NotIn', ['4'], ['2', '3']],
  ])('%s ∩ %s', (a, b, op, allowed, denied) => {
    for (const [x, y] of [[a, b], [b, a]]) {
      const i = x.intersection(y);
      expect(i.operator()).toBe(op);
      for (const v of allowed) expect(i.has(v)).toBe(true);
      for (const v of denied) expect(i.has(v)).toBe(false);
    }
  });

  test('minValues takes the larger', () => {
    const a = Requirement.create(K, 'Exists', [], 2);
    const b = Requirement.create(K, 'In', ['a', 'b', 'c'], 3);
    expect(a.intersection(b).minValues).toBe(3);
    expect(b.intersection(a).minValues).toBe(3);
    expect(a.intersection(r('In', 'x')).minValues).toBe(2);
  });

  test('returns the same object when nothing changes (identity signals "unchanged")', () => {
    const a = r('In', 'a', 'b');
    expect(a.intersection(r('Exists'))).toBe(a);
    expect(a.intersection(r('In', 'a', 'b', 'c'))).toBe(a);
    expect(a.intersection(r('In', 'a'))).not.toBe(a);
  });

  test('len counts complements as unbounded', () => {
    expect(r('In', 'a', 'b').len()).toBe(2);
    expect(r('DoesNotExist').len()).toBe(0);
    expect(r('NotIn', 'a').len()).toBeGreaterThan(1e15);
  });
});

describe('Requirement.create', () => {
  test.each([
    ['Foo', [], /unknown operator "Foo"/],
    ['Gt', ['a'], /needs exactly one integer value/],
    ['Lt', ['1', '2'], /needs exactly one integer value/],
    ['Gte', [], /needs exactly one integer value/],
  ])('%s %j is rejected', (op, values, message) => {
    expect(() => Requirement.create(K, op as string, values as string[])).toThrow(message as RegExp);
    try {
      Requirement.create(K, op as string, values as string[]);
    } catch (e) {
      expect(isRequirementError(e)).toBe(true);
      expect(e).toBeInstanceOf(RequirementError);
    }
  });

  test('beta labels are normalised', () => {
    expect(Requirement.create('failure-domain.beta.kubernetes.io/zone', 'In', ['a']).key).toBe('topology.kubernetes.io/zone');
    expect(Requirement.create('beta.kubernetes.io/arch', 'In', ['arm64']).key).toBe('kubernetes.io/arch');
    expect(Requirement.create('beta.kubernetes.io/instance-type', 'In', ['m5.large']).key).toBe('node.kubernetes.io/instance-type');
    expect(Requirement.create('topology.ebs.csi.aws.com/zone', 'In', ['a']).key).toBe('topology.kubernetes.io/zone');
  });

  test('round trips to node selector requirements', () => {
    expect(Requirement.create(K, 'In', ['b', 'a'], 2).toNodeSelectorRequirements()).toEqual([{ key: K, operator: 'In', values: ['a', 'b'], minValues: 2 }]);
    expect(r('Gte', '4').toNodeSelectorRequirements()).toEqual([{ key: K, operator: 'Gt', values: ['3'] }]);
    expect(r('Gt', '1').intersection(r('Lt', '9')).toNodeSelectorRequirements()).toEqual([
      { key: K, operator: 'Gt', values: ['1'] }, { key: K, operator: 'Lt', values: ['9'] },
    ]);
    expect(r('Exists').toNodeSelectorRequirements()).toEqual([{ key: K, operator: 'Exists' }]);
    expect(r('DoesNotExist').toNodeSelectorRequirements()).toEqual([{ key: K, operator: 'DoesNotExist' }]);
    expect(r('NotIn', 'x').toNodeSelectorRequirements()).toEqual([{ key: K, operator: 'NotIn', values: ['x'] }]);
  });

  test('any() finds a satisfying value', () => {
    expect(r('In', 'b', 'a').any()).toBe('a');
    expect(r('DoesNotExist').any()).toBeUndefined();
    expect(r('Gt', '3').any()).toBe('4');
    expect(r('Lt', '3').any()).toBe('2');
    expect(r('NotIn', 'any-0').any()).toBe('any-1');
  });
});

describe('Requirements.compatible', () => {
  const node = (reqs: Array<[string, string, string[]]>) =>
    Requirements.fromNodeSelectorRequirements(reqs.map(([key, operator, values]) => ({ key, operator, values })));
  // node side, pod side, compatible?
  test.each<[string, Array<[string, string, string[]]>, Array<[string, string, string[]]>, boolean]>([
    ['same value', [['team', 'In', ['a']]], [['team', 'In', ['a']]], true],
    ['disjoint values', [['team', 'In', ['a']]], [['team', 'In', ['b']]], false],
    ['undefined custom label, In', [], [['team', 'In', ['a']]], false],
    ['undefined custom label, Exists', [], [['team', 'Exists', []]], false],
    ['undefined custom label, NotIn', [], [['team', 'NotIn', ['a']]], true],
    ['undefined custom label, DoesNotExist', [], [['team', 'DoesNotExist', []]], true],
    ['undefined well-known label', [], [['kubernetes.io/arch', 'In', ['arm64']]], true],
    ['well-known label conflict', [['kubernetes.io/arch', 'In', ['amd64']]], [['kubernetes.io/arch', 'In', ['arm64']]], false],
    ['NotIn vs DoesNotExist', [['team', 'DoesNotExist', []]], [['team', 'NotIn', ['a']]], true],
    ['DoesNotExist vs DoesNotExist', [['team', 'DoesNotExist', []]], [['team', 'DoesNotExist', []]], true],
    ['In vs DoesNotExist', [['team', 'DoesNotExist', []]], [['team', 'In', ['a']]], false],
    ['Exists vs DoesNotExist', [['team', 'Exists', []]], [['team', 'DoesNotExist', []]], false],
    ['NotIn covering all', [['team', 'In', ['a']]], [['team', 'NotIn', ['a']]], false],
    ['Gt within', [['karpenter.k8s.aws/instance-cpu', 'In', ['8']]], [['karpenter.k8s.aws/instance-cpu', 'Gt', ['4']]], true],
    ['Gt outside', [['karpenter.k8s.aws/instance-cpu', 'In', ['2']]], [['karpenter.k8s.aws/instance-cpu', 'Gt', ['4']]], false],
    ['Lte on boundary', [['karpenter.k8s.aws/instance-cpu', 'In', ['4']]], [['karpenter.k8s.aws/instance-cpu', 'Lte', ['4']]], true],
    ['beta zone label', [['topology.kubernetes.io/zone', 'In', ['z1']]], [['failure-domain.beta.kubernetes.io/zone', 'In', ['z2']]], false],
  ])('%s', (_, nodeSide, podSide, ok) => {
    const err = node(nodeSide).compatible(node(podSide), WELL_KNOWN_LABELS);
    expect(err === undefined).toBe(ok);
    if (!ok) expect(err).toMatch(/label|conflicts/);
  });

  test('add intersects per key and reports change', () => {
    const reqs = Requirements.of(Requirement.in('a', 'x', 'y'));
    expect(reqs.add(Requirement.exists('a'))).toBe(false);
    expect(reqs.add(Requirement.in('a', 'x'))).toBe(true);
    expect(reqs.get('a').toString()).toBe('a In [x]');
    expect(reqs.labels()).toEqual({ a: 'x' });
    expect(reqs.get('missing').operator()).toBe('Exists');
  });

  test('messages name the key and both sides', () => {
    const err = node([['kubernetes.io/arch', 'In', ['amd64']]]).compatible(node([['kubernetes.io/arch', 'In', ['arm64']]]));
    expect(err).toBe('kubernetes.io/arch In [arm64] conflicts with kubernetes.io/arch In [amd64]');
    expect(node([]).compatible(node([['team', 'In', ['a']]]))).toBe('label "team" is required (team In [a]) but not defined');
  });
});
