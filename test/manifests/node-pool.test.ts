import { Duration, Size, Testing } from 'cdk8s';
import { chartWithWarnings, expectValidationError } from './helpers';
import {
  Budget, ConsolidateAfter, ConsolidationPolicy, DisruptionReason, Ec2NodeClass, ExpireAfter, NodeClassReference, NodePool, NodePoolProps,
  Requirement, RequirementOperator, SecurityGroupSelectorTerm, SubnetSelectorTerm, Taint, TaintEffect, WellKnownLabels,
} from '../../lib/manifests';

const nodeClass = NodeClassReference.fromName('default');

/** Renders a NodePool named `test` in a fresh chart (warnings collected and dropped). */
function render(props: Partial<NodePoolProps> = {}): any {
  const { chart } = chartWithWarnings();
  return new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass, ...props }).toJson();
}

describe('rendering', () => {
  test('a minimal NodePool has the nodeClassRef and empty requirements, and nothing Karpenter defaults', () => {
    expect(render()).toEqual({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'test' },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: [],
          },
        },
      },
    });
  });

  test('without metadata.name, cdk8s generates a name from the construct path', () => {
    const chart = Testing.chart();
    const pool = new NodePool(chart, 'General', { nodeClass });
    expect(pool.name).toMatch(/^test-general-c8[0-9a-f]{6}$/);
    expect(pool.toJson().metadata.name).toBe(pool.name);
  });

  test('a node class construct is referenced by its name and written before the NodePool', () => {
    const chart = Testing.chart();
    const ec2 = new Ec2NodeClass(chart, 'Class', {
      metadata: { name: 'general' },
      role: 'NodeRole',
      subnetSelectorTerms: [SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': 'c' })],
      securityGroupSelectorTerms: [SecurityGroupSelectorTerm.tags({ 'karpenter.sh/discovery': 'c' })],
    });
    const pool = new NodePool(chart, 'Pool', { nodeClass: NodeClassReference.fromEc2NodeClass(ec2) });
    expect(pool.toJson().spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'general' });
    expect(pool.node.dependencies).toContain(ec2);
    expect(Testing.synth(chart).map(o => o.kind)).toEqual(['EC2NodeClass', 'NodePool']);
  });

  test.each([
    [ExpireAfter.after(Duration.days(30)), '720h'],
    [ExpireAfter.after(Duration.seconds(90)), '1m30s'],
    [ExpireAfter.after(Duration.seconds(0)), '0s'],
    [ExpireAfter.never(), 'Never'],
  ])('expireAfter %# renders %s', (expireAfter, text) => {
    expect(render({ expireAfter }).spec.template.spec.expireAfter).toBe(text);
  });

  test('terminationGracePeriod is a Go duration', () => {
    expect(render({ terminationGracePeriod: Duration.minutes(150) }).spec.template.spec.terminationGracePeriod).toBe('2h30m');
  });

  test('consolidateAfter is written as Karpenter defaults it (0s) when only budgets are given, as the CRD requires it', () => {
    expect(render({ disruption: { budgets: [Budget.percentage(5)] } }).spec.disruption).toEqual({ consolidateAfter: '0s', budgets: [{ nodes: '5%' }] });
  });

  test('consolidateAfter never, policy and budgets with reasons and schedules', () => {
    expect(render({
      disruption: {
        consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY,
        consolidateAfter: ConsolidateAfter.never(),
        budgets: [
          Budget.nodes('3', { reasons: [DisruptionReason.DRIFTED] }),
          Budget.count(0, { schedule: '@weekly', duration: Duration.minutes(90) }),
        ],
      },
    }).spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: 'Never',
      budgets: [{ nodes: '3', reasons: ['Drifted'] }, { nodes: '0', schedule: '@weekly', duration: '1h30m' }],
    });
  });

  test('limits: whole vCPUs as numbers, fractions and sizes as quantities, extended resources as given', () => {
    expect(render({
      limits: { cpu: 0.5, memory: Size.mebibytes(1536), ephemeralStorage: Size.tebibytes(1), nodes: 10, pods: 500, extendedResources: { 'nvidia.com/gpu': '8' } },
    }).spec.limits).toEqual({ 'cpu': '0.5', 'memory': '1536Mi', 'ephemeral-storage': '1Ti', 'nodes': 10, 'pods': 500, 'nvidia.com/gpu': '8' });
  });

  test('values added after construction are rendered', () => {
    const { chart } = chartWithWarnings();
    const pool = new NodePool(chart, 'Pool', { nodeClass, limits: { cpu: 10 } });
    pool.addRequirement(Requirement.in(WellKnownLabels.ARCH, ['arm64']), Requirement.gte(WellKnownLabels.INSTANCE_CPU, 4));
    pool.addTaint(Taint.noSchedule('example.com/dedicated', 'ml'));
    pool.addStartupTaint(Taint.noExecute('example.com/not-ready'));
    pool.addBudget(Budget.percentage(10));
    pool.addLimit('cpu', '20');
    pool.addLimit('nvidia.com/gpu', '4');
    pool.addLabel('example.com/team', 'ml');
    pool.addAnnotation('example.com/owner', 'ml-platform');
    const spec = pool.toJson().spec;
    expect(spec.template).toEqual({
      metadata: { labels: { 'example.com/team': 'ml' }, annotations: { 'example.com/owner': 'ml-platform' } },
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        requirements: [
          { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
          { key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gte', values: ['4'] },
        ],
        taints: [{ key: 'example.com/dedicated', value: 'ml', effect: 'NoSchedule' }],
        startupTaints: [{ key: 'example.com/not-ready', effect: 'NoExecute' }],
      },
    });
    expect(spec.limits).toEqual({ 'cpu': '20', 'nvidia.com/gpu': '4' });
    expect(spec.disruption).toEqual({ consolidateAfter: '0s', budgets: [{ nodes: '10%' }] });
  });

  test('a key may appear twice as one lower and one upper bound', () => {
    expect(render({
      requirements: [Requirement.gt(WellKnownLabels.INSTANCE_CPU, 3), Requirement.lte(WellKnownLabels.INSTANCE_CPU, 32)],
    }).spec.template.spec.requirements).toHaveLength(2);
  });

  test('minValues is written on the requirement', () => {
    expect(render({
      requirements: [Requirement.in(WellKnownLabels.INSTANCE_FAMILY, ['m5', 'm6i', 'm7i'], { minValues: 2 })],
    }).spec.template.spec.requirements).toEqual([{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'm6i', 'm7i'], minValues: 2 }]);
  });

  test('weight and replicas', () => {
    expect(render({ weight: 100 }).spec.weight).toBe(100);
    expect(render({ replicas: 0, limits: { nodes: 3 } }).spec).toMatchObject({ replicas: 0, limits: { nodes: 3 } });
  });

  test('a CDK token in a label value or nodeClass name skips the checks and passes through', () => {
    const token = '${Token[TOKEN.42]}';
    const json = render({ nodeClass: NodeClassReference.fromName(token), labels: { 'example.com/cluster': token } });
    expect(json.spec.template.spec.nodeClassRef.name).toBe(token);
    expect(json.spec.template.metadata.labels['example.com/cluster']).toBe(token);
  });
});

describe('validation', () => {
  test('the example of the issue, verbatim', () => {
    const { chart } = chartWithWarnings();
    expectValidationError(() => new NodePool(chart, 'Default', {
      metadata: { name: 'default' },
      nodeClass,
      requirements: [
        Requirement.in(WellKnownLabels.ARCH, ['amd64']),
        Requirement.in(WellKnownLabels.INSTANCE_TYPE, ['m5.large']),
        Requirement.of({ key: WellKnownLabels.CAPACITY_TYPE, operator: RequirementOperator.GT, values: ['1', '2'] }),
      ],
    }), 'NodePool "default": requirements[2] (karpenter.sh/capacity-type Gt ["1","2"]): operator Gt takes exactly one integer value, got 2 values. Use Requirement.gt(key, 1).');
  });

  test('errors are thrown by the constructor, by add methods and by toJson(), with the same message', () => {
    const { chart } = chartWithWarnings();
    const pool = new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass, requirements: [Requirement.in(WellKnownLabels.ARCH, ['amd64'])] });
    const message = 'NodePool "test": requirements[1] (kubernetes.io/arch In ["arm64"]): key kubernetes.io/arch is already used by requirements[0] '
      + '(kubernetes.io/arch In ["amd64"]). Merge them into one requirement (a key may appear twice only as one lower bound, Gt or Gte, and one upper bound, Lt or Lte).';
    expectValidationError(() => pool.addRequirement(Requirement.in(WellKnownLabels.ARCH, ['arm64'])), message);
    expectValidationError(() => pool.toJson(), message);
    expectValidationError(() => Testing.synth(chart), message);
  });

  const P = 'NodePool "test": ';
  const MERGE = 'Merge them into one requirement (a key may appear twice only as one lower bound, Gt or Gte, and one upper bound, Lt or Lte).';
  const KEY_FIX = 'Use WellKnownLabels or a key of your own domain, such as example.com/team.';

  describe.each<[string, Partial<NodePoolProps>, string]>([
    // --- requirements: operators and values
    ['Gt with 0 values', { requirements: [Requirement.of({ key: 'example.com/size', operator: RequirementOperator.GT })] },
      'requirements[0] (example.com/size Gt): operator Gt takes exactly one integer value, got 0 values. Use Requirement.gt(key, 1).'],
    ['Lte with 2 values', { requirements: [Requirement.of({ key: 'example.com/size', operator: RequirementOperator.LTE, values: ['1', '2'] })] },
      'requirements[0] (example.com/size Lte ["1","2"]): operator Lte takes exactly one integer value, got 2 values. Use Requirement.lte(key, 1).'],
    ['Gt with a fraction', { requirements: [Requirement.gt(WellKnownLabels.INSTANCE_GENERATION, 1.5)] },
      'requirements[0] (karpenter.k8s.aws/instance-generation Gt ["1.5"]): operator Gt takes a non-negative integer value, got "1.5". Use a whole number of 0 or more, e.g. Requirement.gt(key, 1).'],
    ['Lt with a negative value', { requirements: [Requirement.lt(WellKnownLabels.INSTANCE_CPU, -1)] },
      'requirements[0] (karpenter.k8s.aws/instance-cpu Lt ["-1"]): operator Lt takes a non-negative integer value, got "-1". Use a whole number of 0 or more, e.g. Requirement.lt(key, 1).'],
    ['Gte with a word', { requirements: [Requirement.of({ key: WellKnownLabels.INSTANCE_CPU, operator: RequirementOperator.GTE, values: ['four'] })] },
      'requirements[0] (karpenter.k8s.aws/instance-cpu Gte ["four"]): operator Gte takes a non-negative integer value, got "four". Use a whole number of 0 or more, e.g. Requirement.gte(key, 1).'],
    ['In without values', { requirements: [Requirement.in(WellKnownLabels.ZONE, [])] },
      "requirements[0] (topology.kubernetes.io/zone In): operator In needs at least one value, got none. Pass the values, e.g. Requirement.in(key, ['a', 'b']), or use Requirement.exists(key)."],
    ['NotIn without values', { requirements: [Requirement.notIn(WellKnownLabels.ZONE, [])] },
      "requirements[0] (topology.kubernetes.io/zone NotIn): operator NotIn needs at least one value, got none. Pass the values, e.g. Requirement.notIn(key, ['a', 'b']), or use Requirement.exists(key)."],
    ['Exists with a value', { requirements: [Requirement.of({ key: 'example.com/team', operator: RequirementOperator.EXISTS, values: ['a'] })] },
      'requirements[0] (example.com/team Exists ["a"]): operator Exists takes no values, got 1 value. Use Requirement.exists(key), or Requirement.in(key, values) to constrain the values.'],
    ['DoesNotExist with values', { requirements: [Requirement.of({ key: 'example.com/team', operator: RequirementOperator.DOES_NOT_EXIST, values: ['a', 'b'] })] },
      'requirements[0] (example.com/team DoesNotExist ["a","b"]): operator DoesNotExist takes no values, got 2 values. Use Requirement.doesNotExist(key), or Requirement.in(key, values) to constrain the values.'],
    ['an unknown operator', { requirements: [Requirement.of({ key: 'example.com/team', operator: 'Within' as RequirementOperator, values: ['a'] })] },
      'requirements[0] (example.com/team Within ["a"]): operator "Within" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt, Gte, Lte. Use a Requirement factory such as Requirement.in(key, values).'],
    ['an invalid label value', { requirements: [Requirement.in('example.com/team', ['team a'])] },
      'requirements[0] (example.com/team In ["team a"]): value "team a" is not a valid label value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric). Use values of at most 63 alphanumerics, "-", "_" or ".".'],
    ['a label value of 64 characters', { requirements: [Requirement.in('example.com/team', ['a'.repeat(64)])] },
      `requirements[0] (example.com/team In ["${'a'.repeat(64)}"]): value "${'a'.repeat(64)}" is longer than 63 characters. Use values of at most 63 alphanumerics, "-", "_" or ".".`],
    // --- requirements: restricted and invalid keys
    ['a karpenter.sh key', { requirements: [Requirement.exists('karpenter.sh/team')] },
      `requirements[0] (karpenter.sh/team Exists): label domain "karpenter.sh" is restricted (only karpenter.sh/capacity-type may be used). ${KEY_FIX}`],
    ['a karpenter.sh subdomain key', { requirements: [Requirement.exists('team.karpenter.sh/x')] },
      `requirements[0] (team.karpenter.sh/x Exists): label domain "karpenter.sh" is restricted (only karpenter.sh/capacity-type may be used). ${KEY_FIX}`],
    ['karpenter.sh/nodepool', { requirements: [Requirement.in(WellKnownLabels.NODE_POOL, ['a'])] },
      `requirements[0] (karpenter.sh/nodepool In ["a"]): label "karpenter.sh/nodepool" is restricted (Karpenter sets it to the NodePool name). ${KEY_FIX}`],
    ['kubernetes.io/hostname', { requirements: [Requirement.in(WellKnownLabels.HOSTNAME, ['ip-10-0-0-1'])] },
      `requirements[0] (kubernetes.io/hostname In ["ip-10-0-0-1"]): label "kubernetes.io/hostname" is restricted (every node has its own). ${KEY_FIX}`],
    ['an unknown karpenter.k8s.aws key', { requirements: [Requirement.in('karpenter.k8s.aws/instance-color', ['red'])] },
      `requirements[0] (karpenter.k8s.aws/instance-color In ["red"]): label domain "karpenter.k8s.aws" is restricted (only the well-known karpenter.k8s.aws labels may be used, see WellKnownLabels). ${KEY_FIX}`],
    ['an invalid key', { requirements: [Requirement.exists('Example.com/team')] },
      'requirements[0] (Example.com/team Exists): "Example.com/team" is not a valid label key (an optional DNS subdomain prefix and "/", then a name of at most 63 characters: '
      + `alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric). ${KEY_FIX}`],
    // --- requirements: minValues
    ['minValues 0', { requirements: [Requirement.exists(WellKnownLabels.INSTANCE_TYPE, { minValues: 0 })] },
      'requirements[0] (node.kubernetes.io/instance-type Exists minValues=0): minValues must be an integer from 1 to 50, got 0. Set minValues between 1 and 50.'],
    ['minValues 51', { requirements: [Requirement.exists(WellKnownLabels.INSTANCE_TYPE, { minValues: 51 })] },
      'requirements[0] (node.kubernetes.io/instance-type Exists minValues=51): minValues must be an integer from 1 to 50, got 51. Set minValues between 1 and 50.'],
    ['minValues 2.5', { requirements: [Requirement.notIn(WellKnownLabels.INSTANCE_TYPE, ['t3.nano'], { minValues: 2.5 })] },
      'requirements[0] (node.kubernetes.io/instance-type NotIn ["t3.nano"] minValues=2.5): minValues must be an integer from 1 to 50, got 2.5. Set minValues between 1 and 50.'],
    ['minValues above the number of In values', { requirements: [Requirement.in(WellKnownLabels.INSTANCE_TYPE, ['m5.large', 'm6i.large'], { minValues: 3 })] },
      'requirements[0] (node.kubernetes.io/instance-type In ["m5.large","m6i.large"] minValues=3): minValues 3 is more than the 2 values given. Add values or lower minValues to at most 2.'],
    // --- requirements: duplicates and count
    ['two Gt on one key', { requirements: [Requirement.gt(WellKnownLabels.INSTANCE_CPU, 2), Requirement.gte(WellKnownLabels.INSTANCE_CPU, 4)] },
      `requirements[1] (karpenter.k8s.aws/instance-cpu Gte ["4"]): key karpenter.k8s.aws/instance-cpu is already used by requirements[0] (karpenter.k8s.aws/instance-cpu Gt ["2"]). ${MERGE}`],
    ['a range plus a third requirement on the key', {
      requirements: [Requirement.gt(WellKnownLabels.INSTANCE_CPU, 2), Requirement.lt(WellKnownLabels.INSTANCE_CPU, 64), Requirement.notIn(WellKnownLabels.INSTANCE_CPU, ['3'])],
    }, 'requirements[1] (karpenter.k8s.aws/instance-cpu Lt ["64"]): key karpenter.k8s.aws/instance-cpu is already used by requirements[0] '
      + `(karpenter.k8s.aws/instance-cpu Gt ["2"]). ${MERGE}`],
    ['101 requirements', { requirements: Array.from({ length: 101 }, (_, i) => Requirement.exists(`example.com/k${i}`)) },
      'requirements (101 requirements): at most 100 requirements are allowed. Merge requirements on the same key or remove some.'],
    // --- template labels
    ['a restricted label', { labels: { 'karpenter.sh/capacity-type': 'spot', 'karpenter.sh/owner': 'me' } },
      'labels["karpenter.sh/owner"] ("me"): label domain "karpenter.sh" is restricted (only karpenter.sh/capacity-type may be used). Use a key of your own domain, such as example.com/team.'],
    ['the nodepool label', { labels: { 'karpenter.sh/nodepool': 'x' } },
      'labels["karpenter.sh/nodepool"] ("x"): label "karpenter.sh/nodepool" is restricted (Karpenter sets it to the NodePool name). Use a key of your own domain, such as example.com/team.'],
    ['a karpenter.k8s.aws label', { labels: { 'karpenter.k8s.aws/team': 'x' } },
      'labels["karpenter.k8s.aws/team"] ("x"): label domain "karpenter.k8s.aws" is restricted (only the well-known karpenter.k8s.aws labels may be used, see WellKnownLabels). '
      + 'Use a key of your own domain, such as example.com/team.'],
    ['the hostname label', { labels: { 'kubernetes.io/hostname': 'x' } },
      'labels["kubernetes.io/hostname"] ("x"): label "kubernetes.io/hostname" is restricted (every node has its own). Use a key of your own domain, such as example.com/team.'],
    ['an invalid label value', { labels: { 'example.com/team': 'team/a' } },
      'labels["example.com/team"] ("team/a"): value "team/a" is not a valid label value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric). '
      + 'Use at most 63 alphanumerics, "-", "_" or ".".'],
    ['101 labels', { labels: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`example.com/l${i}`, 'x'])) },
      'labels (101 labels): at most 100 labels are allowed. Remove labels.'],
    // --- taints
    ['an unknown taint effect', { taints: [Taint.of({ key: 'example.com/x', effect: 'NoScheduled' as TaintEffect })] },
      'taints[0] (example.com/x:NoScheduled): effect "NoScheduled" is not one of NoSchedule, PreferNoSchedule, NoExecute. '
      + 'Use Taint.noSchedule(key), Taint.preferNoSchedule(key) or Taint.noExecute(key).'],
    ['an invalid taint key', { startupTaints: [Taint.noSchedule('example.com/not ready')] },
      'startupTaints[0] (example.com/not ready:NoSchedule): key "example.com/not ready" is not a valid taint key (an optional DNS subdomain prefix and "/", '
      + 'then a name: alphanumerics, "-", "_" or "."). Use a key such as example.com/dedicated.'],
    ['an invalid taint value', { taints: [Taint.noSchedule('example.com/team', 'a b')] },
      'taints[0] (example.com/team=a b:NoSchedule): value "a b" is not a valid taint value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric). '
      + 'Use a value such as "gpu" or "team-a".'],
    ['an empty taint value', { taints: [Taint.noSchedule('example.com/team', '')] },
      'taints[0] (example.com/team=:NoSchedule): value "" is not a valid taint value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric). '
      + 'Use a value such as "gpu" or "team-a".'],
    ['a taint duplicated as a startup taint', { taints: [Taint.noSchedule('example.com/gpu')], startupTaints: [Taint.noSchedule('example.com/gpu', 'x')] },
      'startupTaints[0] (example.com/gpu=x:NoSchedule): taint example.com/gpu:NoSchedule duplicates taints[0] (same key and effect). Remove one of them.'],
    // --- durations
    ['expireAfter with milliseconds', { expireAfter: ExpireAfter.after(Duration.millis(1500)) },
      'expireAfter (1500ms): must be a whole number of seconds. Use ExpireAfter.after(Duration.hours(n)), ExpireAfter.after(Duration.seconds(n)) or ExpireAfter.never().'],
    ['terminationGracePeriod with milliseconds', { terminationGracePeriod: Duration.millis(10) },
      'terminationGracePeriod (10ms): must be a whole number of seconds. Use Duration.seconds(n), Duration.minutes(n) or Duration.hours(n).'],
    ['consolidateAfter with milliseconds', { disruption: { consolidateAfter: ConsolidateAfter.after(Duration.millis(100_500)) } },
      'disruption.consolidateAfter (100500ms): must be a whole number of seconds. '
      + 'Use ConsolidateAfter.after(Duration.seconds(n)), ConsolidateAfter.after(Duration.minutes(n)) or ConsolidateAfter.never().'],
    ['an unknown consolidation policy', { disruption: { consolidationPolicy: 'WhenUnderutilized' as ConsolidationPolicy } },
      'disruption.consolidationPolicy ("WhenUnderutilized"): is not one of WhenEmpty, WhenEmptyOrUnderutilized, Balanced. '
      + 'Use ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED or ConsolidationPolicy.WHEN_EMPTY.'],
    // --- budgets
    ['a budget of 101%', { disruption: { budgets: [Budget.percentage(101)] } },
      'disruption.budgets[0].nodes ("101%"): must be a node count or a percentage from 0% to 100%. Use Budget.count(n) or Budget.percentage(p) with p from 0 to 100.'],
    ['a fractional percentage', { disruption: { budgets: [Budget.percentage(12.5)] } },
      'disruption.budgets[0].nodes ("12.5%"): must be a node count or a percentage from 0% to 100%. Use Budget.count(n) or Budget.percentage(p) with p from 0 to 100.'],
    ['a negative count', { disruption: { budgets: [Budget.percentage(10), Budget.count(-1)] } },
      'disruption.budgets[1].nodes ("-1"): must be a node count or a percentage from 0% to 100%. Use Budget.count(n) or Budget.percentage(p) with p from 0 to 100.'],
    ['a budget written in words', { disruption: { budgets: [Budget.nodes('ten')] } },
      'disruption.budgets[0].nodes ("ten"): must be a node count or a percentage from 0% to 100%. Use Budget.count(n) or Budget.percentage(p) with p from 0 to 100.'],
    ['a schedule without duration', { disruption: { budgets: [Budget.count(0, { schedule: '0 9 * * 1-5' })] } },
      'disruption.budgets[0] (schedule "0 9 * * 1-5", no duration): schedule must be set with duration. Add duration to the budget options, e.g. { schedule, duration: Duration.hours(8) }.'],
    ['a duration without schedule', { disruption: { budgets: [Budget.count(0, { duration: Duration.hours(8) })] } },
      "disruption.budgets[0] (duration 8h, no schedule): duration must be set with schedule. Add schedule to the budget options (e.g. schedule: '0 9 * * 1-5'), or remove duration."],
    ['a duration in seconds', { disruption: { budgets: [Budget.count(0, { schedule: '@daily', duration: Duration.seconds(90) })] } },
      'disruption.budgets[0].duration (1m30s): must be a whole number of minutes (Karpenter accepts hours and minutes only). Use Duration.minutes(n) or Duration.hours(n).'],
    ['a schedule with 6 fields', { disruption: { budgets: [Budget.count(0, { schedule: '0 0 9 * * 1-5', duration: Duration.hours(8) })] } },
      'disruption.budgets[0].schedule ("0 0 9 * * 1-5"): expected 5 fields, got 6. '
      + 'Use 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or a macro such as @daily.'],
    ['a schedule hour out of range', { disruption: { budgets: [Budget.count(0, { schedule: '0 24 * * *', duration: Duration.hours(1) })] } },
      'disruption.budgets[0].schedule ("0 24 * * *"): hour field "24" is out of range 0-23. '
      + 'Use 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or a macro such as @daily.'],
    ['an unknown macro', { disruption: { budgets: [Budget.count(0, { schedule: '@every 1h', duration: Duration.hours(1) })] } },
      'disruption.budgets[0].schedule ("@every 1h"): unknown macro "@every 1h". '
      + 'Use 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or a macro such as @daily.'],
    ['a time zone', { disruption: { budgets: [Budget.count(0, { schedule: 'TZ=Europe/Paris 0 9 * * 1-5', duration: Duration.hours(1) })] } },
      'disruption.budgets[0].schedule ("TZ=Europe/Paris 0 9 * * 1-5"): time zones are not supported. '
      + 'Use 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or a macro such as @daily.'],
    ['an unknown reason', { disruption: { budgets: [Budget.percentage(10, { reasons: ['Expired' as DisruptionReason] })] } },
      'disruption.budgets[0].reasons[0] ("Expired"): is not one of Underutilized, Empty, Drifted. Use DisruptionReason.UNDERUTILIZED, EMPTY or DRIFTED.'],
    ['a duplicate reason', { disruption: { budgets: [Budget.percentage(10, { reasons: [DisruptionReason.EMPTY, DisruptionReason.EMPTY] })] } },
      'disruption.budgets[0].reasons[1] ("Empty"): duplicates reasons[0]. List each reason once.'],
    ['51 budgets', { disruption: { budgets: Array.from({ length: 51 }, () => Budget.percentage(10)) } },
      'disruption.budgets (51 budgets): at most 50 budgets are allowed. Remove budgets.'],
    // --- weight, replicas, limits
    ['weight 0', { weight: 0 }, 'weight (0): must be an integer from 1 to 100. Use a weight between 1 (lowest) and 100 (highest priority).'],
    ['weight 101', { weight: 101 }, 'weight (101): must be an integer from 1 to 100. Use a weight between 1 (lowest) and 100 (highest priority).'],
    ['weight 2.5', { weight: 2.5 }, 'weight (2.5): must be an integer from 1 to 100. Use a weight between 1 (lowest) and 100 (highest priority).'],
    ['negative replicas', { replicas: -1 }, 'replicas (-1): must be a non-negative integer. Use a whole number of nodes, e.g. 3.'],
    ['replicas with a cpu limit', { replicas: 2, limits: { nodes: 2, cpu: 8 } },
      'limits (cpu): only limits.nodes is supported on static NodePools (replicas set). Remove the other limits, or remove replicas for a dynamic NodePool.'],
    ['replicas with a weight', { replicas: 2, weight: 10 },
      'weight (10): weight is not supported on static NodePools (replicas set). Remove weight, or remove replicas for a dynamic NodePool.'],
    ['a negative cpu limit', { limits: { cpu: -1 } }, 'limits.cpu (-1): must be a non-negative number. Use a number of vCPUs such as 100 or 0.5.'],
    ['a fractional node limit', { limits: { nodes: 1.5 } }, 'limits.nodes (1.5): must be a non-negative integer. Use a whole number of nodes, e.g. 10.'],
    ['a sub-kibibyte memory limit', { limits: { memory: Size.kibibytes(0.5) } },
      'limits.memory (0.5Ki): must be a whole number of kibibytes. Use a size such as Size.gibibytes(200) or Size.mebibytes(512).'],
    ['an extended resource that is not a quantity', { limits: { extendedResources: { 'nvidia.com/gpu': 'eight' } } },
      'limits.extendedResources["nvidia.com/gpu"] ("eight"): is not a valid Kubernetes quantity. Use a quantity such as "8", "500m" or "200Gi".'],
    ['a negative extended resource', { limits: { extendedResources: { 'nvidia.com/gpu': '-8' } } },
      'limits.extendedResources["nvidia.com/gpu"] ("-8"): must not be negative. Use a quantity such as "8", "500m" or "200Gi".'],
    ['an invalid resource name', { limits: { extendedResources: { 'my gpu': '8' } } },
      'limits.extendedResources["my gpu"] ("8"): "my gpu" is not a valid resource name. Use a resource name such as cpu, memory or nvidia.com/gpu.'],
    // --- node class
    ['an empty node class name', { nodeClass: NodeClassReference.fromName('') },
      "nodeClass (\"\"): the node class name may not be empty. Use NodeClassReference.fromEc2NodeClass(nodeClass) or NodeClassReference.fromName('default')."],
  ])('%s', (_title, props, message) => {
    test('throws at construction with the exact message', () => {
      expectValidationError(() => render(props), P + message);
    });
  });

  test('a limit set with addLimit is checked with its own path', () => {
    const { chart } = chartWithWarnings();
    const pool = new NodePool(chart, 'Pool', { metadata: { name: 'test' }, nodeClass });
    expectValidationError(() => pool.addLimit('memory', '200GB'), 'NodePool "test": limits["memory"] ("200GB"): is not a valid Kubernetes quantity. Use a quantity such as "8", "500m" or "200Gi".');
  });

  test('negative durations are refused by cdk8s Duration itself', () => {
    expect(() => ExpireAfter.after(Duration.seconds(-1))).toThrow('Duration amounts cannot be negative. Received: -1');
    expect(() => ConsolidateAfter.after(Duration.minutes(-5))).toThrow('Duration amounts cannot be negative. Received: -5');
  });
});
