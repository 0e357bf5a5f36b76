import { catalog, HOUR, NOW, pool } from './fixtures';
import { consolidatableDecision, withCondition } from '../../../controller/src/core/disruption/conditions';
import { detectDrift, nodeClassDrift, NodeClassForDrift } from '../../../controller/src/core/disruption/drift-detection';
import { expirationDecision } from '../../../controller/src/core/disruption/expiration';
import {
  fnv1a64, NODECLASS_HASH_ANNOTATION, NODECLASS_HASH_VERSION_ANNOTATION, nodeClassHash, NODEPOOL_HASH_ANNOTATION, NODEPOOL_HASH_VERSION,
  NODEPOOL_HASH_VERSION_ANNOTATION, nodePoolHash, nodePoolHashAnnotations, restampNodeClaim,
} from '../../../controller/src/core/disruption/hash';
import { NodeClaim, NodePool } from '../../../controller/src/core/kube-types';

function claim(o: { annotations?: Record<string, string>; labels?: Record<string, string>; imageID?: string } = {}): NodeClaim {
  return {
    metadata: { name: 'default-abcde', annotations: o.annotations, labels: { 'node.kubernetes.io/instance-type': 'small', 'karpenter.sh/capacity-type': 'on-demand', ...o.labels } },
    spec: { requirements: [] },
    status: { imageID: o.imageID },
  };
}

function withTaint(np: NodePool): NodePool {
  return { ...np, spec: { ...np.spec, template: { ...np.spec.template, spec: { ...np.spec.template.spec, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } } } };
}

describe('NodePool hash', () => {
  test('is our own FNV-1a over the static fields, with our own version', () => {
    expect(fnv1a64('')).toBe('14695981039346656037');
    expect(NODEPOOL_HASH_VERSION).not.toBe('v3');
    const np = pool();
    expect(nodePoolHash(np)).toMatch(/^\d+$/);
    expect(nodePoolHash(withTaint(np))).not.toBe(nodePoolHash(np));
    // requirements, expireAfter and terminationGracePeriod are not static fields
    const other = pool({ requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] });
    other.spec.template.spec.expireAfter = '24h';
    expect(nodePoolHash(other)).toBe(nodePoolHash(np));
  });

  test('taint order does not matter', () => {
    const a = withTaint(pool());
    const b = withTaint(pool());
    a.spec.template.spec.taints!.push({ key: 'b', effect: 'NoExecute' });
    b.spec.template.spec.taints!.unshift({ key: 'b', effect: 'NoExecute' });
    expect(nodePoolHash(a)).toBe(nodePoolHash(b));
  });
});

describe('drift', () => {
  const np = pool();

  test('static drift when the hash changed under the same version', () => {
    const stamped = claim({ annotations: nodePoolHashAnnotations(np) });
    expect(detectDrift({ nodeClaim: stamped, nodePool: np })).toBeUndefined();
    expect(detectDrift({ nodeClaim: stamped, nodePool: withTaint(np) })).toBe('NodePoolDrifted');
  });

  test('a NodeClaim stamped by upstream (another hash version) is re-stamped, not drifted', () => {
    const upstream = claim({ annotations: { [NODEPOOL_HASH_ANNOTATION]: '123456', [NODEPOOL_HASH_VERSION_ANNOTATION]: 'v3' } });
    expect(detectDrift({ nodeClaim: upstream, nodePool: np })).toBeUndefined();
    expect(restampNodeClaim(upstream, np)).toEqual(nodePoolHashAnnotations(np));
    expect(restampNodeClaim(claim({ annotations: nodePoolHashAnnotations(np) }), np)).toBeUndefined();
    expect(restampNodeClaim(upstream, np, true)).toBeUndefined(); // already Drifted: left alone
  });

  test('requirements drift: a NodePool requirement the NodeClaim labels no longer satisfy', () => {
    const arm = pool({ requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] });
    expect(detectDrift({ nodeClaim: claim(), nodePool: arm })).toBe('RequirementsDrifted');
    const notIn = pool({ requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'NotIn', values: ['t3'] }] });
    expect(detectDrift({ nodeClaim: claim(), nodePool: notIn })).toBeUndefined();
    const missing = pool({ requirements: [{ key: 'team', operator: 'In', values: ['a'] }] });
    expect(detectDrift({ nodeClaim: claim(), nodePool: missing })).toBe('RequirementsDrifted');
  });

  test('instance type no longer offered', () => {
    expect(detectDrift({ nodeClaim: claim(), nodePool: np, instanceTypes: catalog() })).toBeUndefined();
    expect(detectDrift({ nodeClaim: claim({ labels: { 'node.kubernetes.io/instance-type': 'm1.small' } }), nodePool: np, instanceTypes: catalog() })).toBe('InstanceTypeNotFound');
  });

  const nodeClass = (o: Partial<NonNullable<NodeClassForDrift['status']>> = {}, spec: Record<string, unknown> = { role: 'r' }): NodeClassForDrift => ({
    metadata: { name: 'default' },
    spec,
    status: { amis: [{ id: 'ami-new' }], subnets: [{ id: 'subnet-a' }, { id: 'subnet-b' }], securityGroups: [{ id: 'sg-1' }, { id: 'sg-2' }], ...o },
  });

  test.each([
    ['current AMI, subnet and groups', { imageId: 'ami-new', subnetId: 'subnet-a', securityGroupIds: ['sg-2', 'sg-1'] }, undefined],
    ['AMI not resolved any more', { imageId: 'ami-old' }, 'AMIDrift'],
    ['subnet not selected any more', { imageId: 'ami-new', subnetId: 'subnet-z' }, 'SubnetDrift'],
    ['a security group missing', { securityGroupIds: ['sg-1'] }, 'SecurityGroupDrift'],
    ['an extra security group', { securityGroupIds: ['sg-1', 'sg-2', 'sg-3'] }, 'SecurityGroupDrift'],
  ])('EC2NodeClass: %s', (_, instance, reason) => {
    expect(nodeClassDrift(claim(), nodeClass(), instance)).toBe(reason);
  });

  test('AMI from the NodeClaim status; no resolved AMIs is not drift', () => {
    expect(nodeClassDrift(claim({ imageID: 'ami-old' }), nodeClass())).toBe('AMIDrift');
    expect(nodeClassDrift(claim({ imageID: 'ami-old' }), nodeClass({ amis: [] }))).toBeUndefined();
  });

  test('EC2NodeClass static drift by hash (same version only); selector terms are not hashed', () => {
    const spec = { role: 'r', amiSelectorTerms: [{ alias: 'al2023@latest' }] };
    const annotations = { [NODECLASS_HASH_ANNOTATION]: nodeClassHash(spec), [NODECLASS_HASH_VERSION_ANNOTATION]: 'kcdk-v1' };
    expect(nodeClassDrift(claim({ annotations }), nodeClass({}, { ...spec, amiSelectorTerms: [{ id: 'ami-x' }] }))).toBeUndefined();
    expect(nodeClassDrift(claim({ annotations }), nodeClass({}, { ...spec, userData: 'echo hi' }))).toBe('NodeClassDrift');
    const upstream = { ...annotations, [NODECLASS_HASH_VERSION_ANNOTATION]: 'v4' };
    expect(nodeClassDrift(claim({ annotations: upstream }), nodeClass({}, { ...spec, userData: 'echo hi' }))).toBeUndefined();
  });
});

describe('Consolidatable condition', () => {
  const initialized = (at: Date): NodeClaim => ({ ...claim(), status: { conditions: withCondition([], 'Initialized', 'True', at) } });
  const ago = (ms: number) => new Date(NOW.getTime() - ms);

  test.each([
    ['30s', undefined, 60_000, 'True'],
    ['5m', undefined, 60_000, undefined],
    ['5m', 4 * 60_000, 10 * 60_000, undefined], // a pod event 4 minutes ago restarts the wait
    ['5m', 6 * 60_000, 10 * 60_000, 'True'],
    ['Never', undefined, HOUR, undefined],
    ['0s', 1, 1, 'True'],
  ])('consolidateAfter %s, last pod event %s ms ago, initialized %s ms ago: %s', (after, podEventAgo, initAgo, status) => {
    const np = pool({ consolidateAfter: after });
    const d = consolidatableDecision(initialized(ago(initAgo)), np, podEventAgo === undefined ? undefined : ago(podEventAgo), NOW);
    expect(d.status).toBe(status);
  });

  test('tells when it will flip; not initialized never consolidatable', () => {
    const d = consolidatableDecision(initialized(ago(60_000)), pool({ consolidateAfter: '5m' }), undefined, NOW);
    expect(d.consolidatableAt).toEqual(new Date(NOW.getTime() + 4 * 60_000));
    expect(consolidatableDecision(claim(), pool(), undefined, NOW).status).toBeUndefined();
  });
});

describe('expiration', () => {
  const created = (ago: number, expireAfter?: string): NodeClaim => ({
    ...claim(), metadata: { name: 'x', creationTimestamp: new Date(NOW.getTime() - ago).toISOString() }, spec: { requirements: [], expireAfter },
  });
  test('expired regardless of anything else; Never and unset never expire', () => {
    expect(expirationDecision(created(721 * HOUR, '720h'), NOW)).toEqual({ expired: true });
    expect(expirationDecision(created(HOUR, '720h'), NOW)).toEqual({ expired: false, at: new Date(NOW.getTime() + 719 * HOUR) });
    expect(expirationDecision(created(10_000 * HOUR, 'Never'), NOW)).toEqual({ expired: false, at: undefined });
    expect(expirationDecision(created(10_000 * HOUR), NOW)).toEqual({ expired: false, at: undefined });
  });
});
