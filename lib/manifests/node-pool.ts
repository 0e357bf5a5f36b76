import { ApiObject, ApiObjectMetadata, Duration, GroupVersionKind, Lazy, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ConsolidateAfter, ConsolidationPolicy, NodePoolDisruption } from './disruption';
import { Budget, DisruptionReason } from './disruption-budget';
import { ExpireAfter } from './expire-after';
import { NodeClassReference } from './node-class-reference';
import { cronProblem } from './private/cron';
import {
  isNonNegativeInteger, isUnresolved, labelKeyProblem, labelValueProblem, QUALIFIED_NAME, QUANTITY, Reporter, show,
} from './private/validation';
import { Requirement, RequirementOperator } from './requirement';
import { Taint, TaintEffect } from './taint';
import { describeDuration, describeSize, durationToKube, minutesToKube, NEVER, sizeToKube } from './to-kube';
import { ManifestWarnings } from './warnings';

/**
 * Resource limits of a NodePool (`spec.limits`): Karpenter launches no node once the NodePool's nodes add up to a
 * limit.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
 */
export interface NodePoolLimits {
  /**
   * Total vCPUs, e.g. `100` (fractions are written as quantities, `0.5` -> `"0.5"`).
   *
   * @default - no CPU limit
   */
  readonly cpu?: number;

  /**
   * Total memory, e.g. `Size.gibibytes(200)` (written `200Gi`).
   *
   * @default - no memory limit
   */
  readonly memory?: Size;

  /**
   * Total ephemeral storage (`ephemeral-storage`).
   *
   * @default - no ephemeral storage limit
   */
  readonly ephemeralStorage?: Size;

  /**
   * Number of nodes. The only limit allowed on a static NodePool (`replicas`).
   *
   * @default - no node count limit
   */
  readonly nodes?: number;

  /**
   * Number of pods.
   *
   * @default - no pod limit
   */
  readonly pods?: number;

  /**
   * Other resources, by resource name, as Kubernetes quantities, e.g. `{ 'nvidia.com/gpu': '8' }`.
   *
   * @default - none
   */
  readonly extendedResources?: Record<string, string>;
}

/**
 * Everything a NodePool can be given except its node class: what `Karpenter.addNodePool()` takes.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/
 */
export interface NodePoolOptions {
  /**
   * Metadata of the NodePool object itself (`metadata.name`, its labels and annotations).
   *
   * @default - cdk8s generates a unique name from the construct path
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * Labels put on every node (`spec.template.metadata.labels`). Keys of the `karpenter.sh` and
   * `karpenter.k8s.aws` domains are restricted; values are label values (at most 63 characters). At most 100.
   * More can be added with `addLabel()`.
   *
   * @default - none
   */
  readonly labels?: Record<string, string>;

  /**
   * Annotations put on every node (`spec.template.metadata.annotations`). More with `addAnnotation()`.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;

  /**
   * Constraints on the nodes' labels (instance types, zones, capacity types, architectures...). At most 100; a key
   * may appear once, or twice as one lower bound (Gt/Gte) and one upper bound (Lt/Lte). More with
   * `addRequirement()`.
   *
   * @default [] - any instance type the node class allows
   * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecrequirements
   */
  readonly requirements?: Requirement[];

  /**
   * Taints put on every node; pods must tolerate them to be scheduled there. More with `addTaint()`.
   *
   * @default - none
   * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespectaints
   */
  readonly taints?: Taint[];

  /**
   * Taints put on nodes at startup and expected to be removed by another component (a DaemonSet); pods need not
   * tolerate them to trigger provisioning. More with `addStartupTaint()`.
   *
   * @default - none
   * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecstartuptaints
   */
  readonly startupTaints?: Taint[];

  /**
   * How long a node lives before Karpenter replaces it.
   *
   * @default - Karpenter's default, 720h (30 days)
   * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecexpireafter
   */
  readonly expireAfter?: ExpireAfter;

  /**
   * How long Karpenter waits for pods to drain before forcefully deleting them when a node is disrupted
   * (whole seconds). Takes precedence over PodDisruptionBudgets and `karpenter.sh/do-not-disrupt`.
   *
   * @default - wait indefinitely
   * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecterminationgraceperiod
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * Consolidation policy, delay and disruption budgets. Budgets can be added with `addBudget()`.
   *
   * @default - Karpenter's defaults: WhenEmptyOrUnderutilized, 0s, one budget of 10%
   * @see https://karpenter.sh/docs/concepts/disruption/
   */
  readonly disruption?: NodePoolDisruption;

  /**
   * Upper bounds on the resources of all the NodePool's nodes. More with `addLimit()`.
   *
   * @default - unlimited
   * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
   */
  readonly limits?: NodePoolLimits;

  /**
   * Priority of this NodePool over others, from 1 (lowest) to 100. Not allowed with `replicas`.
   *
   * @default - no weight (treated as 0)
   * @see https://karpenter.sh/docs/concepts/nodepools/#specweight
   */
  readonly weight?: number;

  /**
   * Static NodePool (alpha): keep exactly this many nodes (a non-negative integer), whatever the pods. Only
   * `limits.nodes` may be set alongside, and no `weight`. Cannot be added or removed after creation.
   *
   * @default - dynamic provisioning from pending pods
   * @see https://karpenter.sh/docs/concepts/nodepools/#specreplicas
   */
  readonly replicas?: number;
}

/** Props of a {@link NodePool}. */
export interface NodePoolProps extends NodePoolOptions {
  /**
   * The EC2NodeClass the nodes are launched with: `NodeClassReference.fromEc2NodeClass(nodeClass)` or
   * `NodeClassReference.fromName('default')`.
   */
  readonly nodeClass: NodeClassReference;
}

const OPERATORS = Object.values(RequirementOperator) as string[];
const EFFECTS = Object.values(TaintEffect) as string[];
const POLICIES = Object.values(ConsolidationPolicy) as string[];
const REASONS = Object.values(DisruptionReason) as string[];
const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const MAX_REQUIREMENTS = 100;
const MAX_LABELS = 100;
const MAX_BUDGETS = 50;
const ONE_MINUTE_MS = 60_000;

/**
 * A Karpenter NodePool (`karpenter.sh/v1`): which nodes Karpenter may launch for pending pods, and how it
 * disrupts them. A cdk8s object: use it in a plain cdk8s chart (GitOps) or through the `Karpenter` construct.
 *
 * Every prop is checked against the NodePool CRD schema and its CEL rules when the object is created, when
 * something is added, and when it is rendered: an invalid object throws an error naming the prop, the value and
 * the fix, instead of being rejected by the API server.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/
 */
export class NodePool extends ApiObject {
  /** API version and kind of NodePool. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'karpenter.sh/v1', kind: 'NodePool' };

  /** The node class the nodes are launched with. */
  public readonly nodeClass: NodeClassReference;

  private readonly labels: Record<string, string> = {};
  private readonly annotations: Record<string, string> = {};
  private readonly requirements: Requirement[] = [];
  private readonly taints: Taint[] = [];
  private readonly startupTaints: Taint[] = [];
  private readonly budgets: Budget[] = [];
  private readonly limits = new Map<string, string | number>();
  private readonly limitPaths = new Map<string, string>();
  private readonly options: NodePoolProps;
  private readonly report: Reporter;
  private warned = false;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    const spec: { render?: () => unknown } = {};
    super(scope, id, {
      ...NodePool.GVK,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => spec.render!() }),
    });
    spec.render = () => this.renderSpec();
    this.options = props;
    this.nodeClass = props.nodeClass;
    this.report = new Reporter('NodePool', this.name, this);

    Object.assign(this.labels, props.labels ?? {});
    Object.assign(this.annotations, props.annotations ?? {});
    this.requirements.push(...(props.requirements ?? []));
    this.taints.push(...(props.taints ?? []));
    this.startupTaints.push(...(props.startupTaints ?? []));
    this.budgets.push(...(props.disruption?.budgets ?? []));
    this.seedLimits(props.limits ?? {});

    if (props.nodeClass.nodeClass) {
      this.addDependency(props.nodeClass.nodeClass);
    }
    this.renderSpec();
  }

  /** Adds requirements (`spec.template.spec.requirements`). */
  public addRequirement(...requirements: Requirement[]): void {
    this.requirements.push(...requirements);
    this.renderSpec();
  }

  /** Adds taints (`spec.template.spec.taints`). */
  public addTaint(...taints: Taint[]): void {
    this.taints.push(...taints);
    this.renderSpec();
  }

  /** Adds startup taints (`spec.template.spec.startupTaints`). */
  public addStartupTaint(...taints: Taint[]): void {
    this.startupTaints.push(...taints);
    this.renderSpec();
  }

  /** Adds disruption budgets (`spec.disruption.budgets`). */
  public addBudget(...budgets: Budget[]): void {
    this.budgets.push(...budgets);
    this.renderSpec();
  }

  /**
   * Sets a limit (`spec.limits[resource]`) to a Kubernetes quantity, e.g. `addLimit('nvidia.com/gpu', '8')`.
   * Replaces the limit of the same resource if there is one.
   */
  public addLimit(resource: string, quantity: string): void {
    this.limits.set(resource, quantity);
    this.limitPaths.set(resource, `limits[${show(resource)}]`);
    this.renderSpec();
  }

  /** Adds a label put on every node (`spec.template.metadata.labels`). */
  public addLabel(key: string, value: string): void {
    this.labels[key] = value;
    this.renderSpec();
  }

  /** Adds an annotation put on every node (`spec.template.metadata.annotations`). */
  public addAnnotation(key: string, value: string): void {
    this.annotations[key] = value;
    this.renderSpec();
  }

  /**
   * Renders the NodePool. Validates it first (errors are thrown as is, not wrapped by cdk8s) and emits its
   * warnings once (see {@link ManifestWarnings}).
   */
  public toJson(): any {
    this.renderSpec();
    if (!this.warned) {
      this.warned = true;
      this.emitWarnings();
    }
    return super.toJson();
  }

  private seedLimits(limits: NodePoolLimits): void {
    const sizes: Array<[string, string, Size | undefined]> = [
      ['memory', 'limits.memory', limits.memory],
      ['ephemeral-storage', 'limits.ephemeralStorage', limits.ephemeralStorage],
    ];
    const numbers: Array<[string, string, number | undefined]> = [
      ['cpu', 'limits.cpu', limits.cpu],
      ['nodes', 'limits.nodes', limits.nodes],
      ['pods', 'limits.pods', limits.pods],
    ];
    for (const [key, path, size] of sizes) {
      if (size === undefined) {
        continue;
      }
      const text = sizeToKube(size);
      if (text === undefined) {
        this.report.fail(path, describeSize(size), 'must be a whole number of kibibytes', 'Use a size such as Size.gibibytes(200) or Size.mebibytes(512)');
      }
      this.limits.set(key, text);
      this.limitPaths.set(key, path);
    }
    for (const [key, path, value] of numbers) {
      if (value !== undefined) {
        this.limits.set(key, value);
        this.limitPaths.set(key, path);
      }
    }
    for (const [resource, quantity] of Object.entries(limits.extendedResources ?? {})) {
      this.limits.set(resource, quantity);
      this.limitPaths.set(resource, `limits.extendedResources[${show(resource)}]`);
    }
  }

  private renderSpec(): Record<string, unknown> {
    const templateSpec: Record<string, unknown> = {
      nodeClassRef: this.renderNodeClassRef(),
      requirements: this.renderRequirements(),
      taints: this.renderTaints(),
      startupTaints: this.startupTaints.length > 0 ? this.startupTaints.map(t => t._toKube()) : undefined,
      expireAfter: this.renderExpireAfter(),
      terminationGracePeriod: this.renderTerminationGracePeriod(),
    };
    const metadata = this.renderTemplateMetadata();
    const spec: Record<string, unknown> = {
      template: { metadata, spec: templateSpec },
      disruption: this.renderDisruption(),
      limits: this.renderLimits(),
      weight: this.renderWeight(),
      replicas: this.renderReplicas(),
    };
    this.validateStatic();
    return spec;
  }

  private renderNodeClassRef(): Record<string, string> {
    const ref = this.nodeClass;
    if (!isUnresolved(ref.name) && ref.name.trim() === '') {
      this.report.fail('nodeClass', show(ref.name), 'the node class name may not be empty',
        "Use NodeClassReference.fromEc2NodeClass(nodeClass) or NodeClassReference.fromName('default')");
    }
    return { group: ref.group, kind: ref.kind, name: ref.name };
  }

  private renderTemplateMetadata(): Record<string, unknown> | undefined {
    const labels = Object.entries(this.labels);
    if (labels.length > MAX_LABELS) {
      this.report.fail('labels', `${labels.length} labels`, `at most ${MAX_LABELS} labels are allowed`, 'Remove labels');
    }
    for (const [key, value] of labels) {
      const path = `labels[${show(key)}]`;
      const keyProblem = labelKeyProblem(key);
      if (keyProblem) {
        this.report.fail(path, show(value), keyProblem, 'Use a key of your own domain, such as example.com/team');
      }
      const valueProblem = labelValueProblem(value);
      if (valueProblem) {
        this.report.fail(path, show(value), valueProblem, 'Use at most 63 alphanumerics, "-", "_" or "."');
      }
    }
    const metadata = {
      labels: labels.length > 0 ? { ...this.labels } : undefined,
      annotations: Object.keys(this.annotations).length > 0 ? { ...this.annotations } : undefined,
    };
    return metadata.labels || metadata.annotations ? metadata : undefined;
  }

  private renderRequirements(): Array<Record<string, unknown>> {
    if (this.requirements.length > MAX_REQUIREMENTS) {
      this.report.fail('requirements', `${this.requirements.length} requirements`, `at most ${MAX_REQUIREMENTS} requirements are allowed`,
        'Merge requirements on the same key or remove some');
    }
    this.requirements.forEach((r, i) => this.validateRequirement(r, i));
    this.requirements.forEach((r, i) => this.validateRequirementKeyUnique(r, i));
    return this.requirements.map(r => r._toKube());
  }

  private validateRequirement(r: Requirement, i: number): void {
    const path = `requirements[${i}]`;
    const fail = (problem: string, fix: string) => this.report.fail(path, r.toString(), problem, fix);
    const op = r.operator as string;
    if (!OPERATORS.includes(op)) {
      fail(`operator ${show(op)} is not one of ${OPERATORS.join(', ')}`, 'Use a Requirement factory such as Requirement.in(key, values)');
    }
    const keyProblem = labelKeyProblem(r.key);
    if (keyProblem) {
      fail(keyProblem, 'Use WellKnownLabels or a key of your own domain, such as example.com/team');
    }
    const count = r.values.length;
    switch (r.operator) {
      case RequirementOperator.IN:
      case RequirementOperator.NOT_IN:
        if (count === 0) {
          const factory = r.operator === RequirementOperator.IN ? 'in' : 'notIn';
          fail(`operator ${op} needs at least one value, got none`, `Pass the values, e.g. Requirement.${factory}(key, ['a', 'b']), or use Requirement.exists(key)`);
        }
        break;
      case RequirementOperator.EXISTS:
      case RequirementOperator.DOES_NOT_EXIST:
        if (count > 0) {
          const factory = r.operator === RequirementOperator.EXISTS ? 'exists' : 'doesNotExist';
          fail(`operator ${op} takes no values, got ${count} value${count === 1 ? '' : 's'}`,
            `Use Requirement.${factory}(key), or Requirement.in(key, values) to constrain the values`);
        }
        break;
      default: {
        const factory = op.toLowerCase();
        if (count !== 1) {
          fail(`operator ${op} takes exactly one integer value, got ${count} value${count === 1 ? '' : 's'}`, `Use Requirement.${factory}(key, 1)`);
        }
        if (!isUnresolved(r.values[0]) && !/^[0-9]+$/.test(r.values[0])) {
          fail(`operator ${op} takes a non-negative integer value, got ${show(r.values[0])}`, `Use a whole number of 0 or more, e.g. Requirement.${factory}(key, 1)`);
        }
      }
    }
    for (const value of r.values) {
      const problem = labelValueProblem(value);
      if (problem) {
        fail(problem, 'Use values of at most 63 alphanumerics, "-", "_" or "."');
      }
    }
    if (r.minValues !== undefined) {
      if (!Number.isInteger(r.minValues) || r.minValues < 1 || r.minValues > 50) {
        fail(`minValues must be an integer from 1 to 50, got ${r.minValues}`, 'Set minValues between 1 and 50');
      }
      if (r.operator === RequirementOperator.IN && r.minValues > count) {
        fail(`minValues ${r.minValues} is more than the ${count} value${count === 1 ? '' : 's'} given`,
          `Add values or lower minValues to at most ${count}`);
      }
    }
  }

  private validateRequirementKeyUnique(r: Requirement, i: number): void {
    const lower = [RequirementOperator.GT, RequirementOperator.GTE];
    const upper = [RequirementOperator.LT, RequirementOperator.LTE];
    for (let j = 0; j < i; j++) {
      const other = this.requirements[j];
      if (other.key !== r.key) {
        continue;
      }
      const isRange = (lower.includes(other.operator) && upper.includes(r.operator))
        || (upper.includes(other.operator) && lower.includes(r.operator));
      const sameKeyCount = this.requirements.filter(x => x.key === r.key).length;
      if (!isRange || sameKeyCount > 2) {
        this.report.fail(`requirements[${i}]`, r.toString(), `key ${r.key} is already used by requirements[${j}] (${other.toString()})`,
          'Merge them into one requirement (a key may appear twice only as one lower bound, Gt or Gte, and one upper bound, Lt or Lte)');
      }
    }
  }

  private renderTaints(): Array<Record<string, unknown>> | undefined {
    const seen = new Map<string, string>();
    const check = (list: Taint[], field: string) => list.forEach((t, i) => {
      const path = `${field}[${i}]`;
      const fail = (problem: string, fix: string) => this.report.fail(path, t.toString(), problem, fix);
      if (!EFFECTS.includes(t.effect as string)) {
        fail(`effect ${show(t.effect)} is not one of ${EFFECTS.join(', ')}`, 'Use Taint.noSchedule(key), Taint.preferNoSchedule(key) or Taint.noExecute(key)');
      }
      if (!isUnresolved(t.key) && (t.key.length > 316 || !QUALIFIED_NAME.test(t.key))) {
        fail(`key ${show(t.key)} is not a valid taint key (an optional DNS subdomain prefix and "/", then a name: alphanumerics, "-", "_" or ".")`,
          'Use a key such as example.com/dedicated');
      }
      if (t.value !== undefined && !isUnresolved(t.value) && !QUALIFIED_NAME.test(t.value)) {
        fail(`value ${show(t.value)} is not a valid taint value (alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric)`,
          'Use a value such as "gpu" or "team-a"');
      }
      const id = `${t.key}:${t.effect}`;
      const previous = seen.get(id);
      if (previous) {
        fail(`taint ${id} duplicates ${previous} (same key and effect)`, 'Remove one of them');
      }
      seen.set(id, path);
    });
    check(this.taints, 'taints');
    check(this.startupTaints, 'startupTaints');
    return this.taints.length > 0 ? this.taints.map(t => t._toKube()) : undefined;
  }

  private renderExpireAfter(): string | undefined {
    const expireAfter = this.options.expireAfter;
    if (!expireAfter) {
      return undefined;
    }
    if (!expireAfter.duration) {
      return NEVER;
    }
    const text = durationToKube(expireAfter.duration);
    if (text === undefined) {
      this.report.fail('expireAfter', describeDuration(expireAfter.duration), 'must be a whole number of seconds',
        'Use ExpireAfter.after(Duration.hours(n)), ExpireAfter.after(Duration.seconds(n)) or ExpireAfter.never()');
    }
    return text;
  }

  private renderTerminationGracePeriod(): string | undefined {
    const period = this.options.terminationGracePeriod;
    if (!period) {
      return undefined;
    }
    const text = durationToKube(period);
    if (text === undefined) {
      this.report.fail('terminationGracePeriod', describeDuration(period), 'must be a whole number of seconds', 'Use Duration.seconds(n), Duration.minutes(n) or Duration.hours(n)');
    }
    return text;
  }

  private renderDisruption(): Record<string, unknown> | undefined {
    const disruption = this.options.disruption ?? {};
    const policy = disruption.consolidationPolicy;
    if (policy !== undefined && !POLICIES.includes(policy as string)) {
      this.report.fail('disruption.consolidationPolicy', show(policy), `is not one of ${POLICIES.join(', ')}`,
        'Use ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED or ConsolidationPolicy.WHEN_EMPTY');
    }
    const consolidateAfter = this.renderConsolidateAfter(disruption.consolidateAfter);
    const budgets = this.renderBudgets();
    if (policy === undefined && consolidateAfter === undefined && budgets === undefined) {
      return undefined;
    }
    // consolidateAfter is required by the CRD once `disruption` is written: write Karpenter's default.
    return { consolidationPolicy: policy, consolidateAfter: consolidateAfter ?? '0s', budgets };
  }

  private renderConsolidateAfter(consolidateAfter: ConsolidateAfter | undefined): string | undefined {
    if (!consolidateAfter) {
      return undefined;
    }
    if (!consolidateAfter.duration) {
      return NEVER;
    }
    const text = durationToKube(consolidateAfter.duration);
    if (text === undefined) {
      this.report.fail('disruption.consolidateAfter', describeDuration(consolidateAfter.duration), 'must be a whole number of seconds',
        'Use ConsolidateAfter.after(Duration.seconds(n)), ConsolidateAfter.after(Duration.minutes(n)) or ConsolidateAfter.never()');
    }
    return text;
  }

  private renderBudgets(): Array<Record<string, unknown>> | undefined {
    if (this.budgets.length > MAX_BUDGETS) {
      this.report.fail('disruption.budgets', `${this.budgets.length} budgets`, `at most ${MAX_BUDGETS} budgets are allowed`, 'Remove budgets');
    }
    const rendered = this.budgets.map((budget, i) => {
      const b = { nodes: budget._nodes, ...budget._options };
      const path = `disruption.budgets[${i}]`;
      if (!BUDGET_NODES.test(b.nodes)) {
        this.report.fail(`${path}.nodes`, show(b.nodes), 'must be a node count or a percentage from 0% to 100%',
          'Use Budget.count(n) or Budget.percentage(p) with p from 0 to 100');
      }
      const reasons = b.reasons ?? [];
      reasons.forEach((reason, j) => {
        if (!REASONS.includes(reason as string)) {
          this.report.fail(`${path}.reasons[${j}]`, show(reason), `is not one of ${REASONS.join(', ')}`, 'Use DisruptionReason.UNDERUTILIZED, EMPTY or DRIFTED');
        }
        if (reasons.indexOf(reason) !== j) {
          this.report.fail(`${path}.reasons[${j}]`, show(reason), `duplicates reasons[${reasons.indexOf(reason)}]`, 'List each reason once');
        }
      });
      if (b.schedule !== undefined && b.duration === undefined) {
        this.report.fail(path, `schedule ${show(b.schedule)}, no duration`, 'schedule must be set with duration',
          'Add duration to the budget options, e.g. { schedule, duration: Duration.hours(8) }');
      }
      let duration: string | undefined;
      if (b.duration !== undefined) {
        if (b.schedule === undefined) {
          this.report.fail(path, `duration ${describeDuration(b.duration)}, no schedule`, 'duration must be set with schedule',
            "Add schedule to the budget options (e.g. schedule: '0 9 * * 1-5'), or remove duration");
        }
        duration = minutesToKube(b.duration);
        if (duration === undefined) {
          this.report.fail(`${path}.duration`, describeDuration(b.duration), 'must be a whole number of minutes (Karpenter accepts hours and minutes only)',
            'Use Duration.minutes(n) or Duration.hours(n)');
        }
      }
      if (b.schedule !== undefined && !isUnresolved(b.schedule)) {
        const problem = cronProblem(b.schedule);
        if (problem) {
          this.report.fail(`${path}.schedule`, show(b.schedule), problem,
            'Use 5 cron fields in UTC (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or a macro such as @daily');
        }
      }
      return { nodes: b.nodes, reasons: reasons.length > 0 ? [...reasons] : undefined, schedule: b.schedule, duration };
    });
    return rendered.length > 0 ? rendered : undefined;
  }

  private renderLimits(): Record<string, string | number> | undefined {
    if (this.limits.size === 0) {
      return undefined;
    }
    const limits: Record<string, string | number> = {};
    for (const [resource, value] of this.limits) {
      const path = this.limitPaths.get(resource) ?? `limits[${show(resource)}]`;
      if (!isUnresolved(resource) && (resource.length > 316 || !QUALIFIED_NAME.test(resource))) {
        this.report.fail(path, show(value), `${show(resource)} is not a valid resource name`, 'Use a resource name such as cpu, memory or nvidia.com/gpu');
      }
      if (typeof value === 'number') {
        const integral = resource === 'nodes' || resource === 'pods';
        if (!Number.isFinite(value) || value < 0 || (integral && !Number.isInteger(value))) {
          this.report.fail(path, show(value), `must be a non-negative ${integral ? 'integer' : 'number'}`,
            integral ? `Use a whole number of ${resource}, e.g. 10` : 'Use a number of vCPUs such as 100 or 0.5');
        }
        limits[resource] = Number.isInteger(value) ? value : String(value);
      } else {
        if (!isUnresolved(value) && (!QUANTITY.test(value) || value.startsWith('-'))) {
          this.report.fail(path, show(value), value.startsWith('-') && QUANTITY.test(value) ? 'must not be negative' : 'is not a valid Kubernetes quantity',
            'Use a quantity such as "8", "500m" or "200Gi"');
        }
        limits[resource] = value;
      }
    }
    return limits;
  }

  private renderWeight(): number | undefined {
    const weight = this.options.weight;
    if (weight !== undefined && (!Number.isInteger(weight) || weight < 1 || weight > 100)) {
      this.report.fail('weight', show(weight), 'must be an integer from 1 to 100', 'Use a weight between 1 (lowest) and 100 (highest priority)');
    }
    return weight;
  }

  private renderReplicas(): number | undefined {
    const replicas = this.options.replicas;
    if (replicas !== undefined && !isNonNegativeInteger(replicas)) {
      this.report.fail('replicas', show(replicas), 'must be a non-negative integer', 'Use a whole number of nodes, e.g. 3');
    }
    return replicas;
  }

  /** CEL rules of the NodePool spec that span several fields. */
  private validateStatic(): void {
    if (this.options.replicas === undefined) {
      return;
    }
    const others = [...this.limits.keys()].filter(k => k !== 'nodes');
    if (others.length > 0) {
      this.report.fail('limits', others.join(', '), 'only limits.nodes is supported on static NodePools (replicas set)',
        'Remove the other limits, or remove replicas for a dynamic NodePool');
    }
    if (this.options.weight !== undefined) {
      this.report.fail('weight', show(this.options.weight), 'weight is not supported on static NodePools (replicas set)',
        'Remove weight, or remove replicas for a dynamic NodePool');
    }
  }

  private emitWarnings(): void {
    const disruption = this.options.disruption ?? {};
    const policy = disruption.consolidationPolicy ?? ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED;
    const after = disruption.consolidateAfter?.duration;
    if (after && policy !== ConsolidationPolicy.WHEN_EMPTY && after.toMilliseconds() < ONE_MINUTE_MS) {
      ManifestWarnings.warn(this, 'karpenter-cdk:consolidateAfter',
        `NodePool "${this.name}": disruption.consolidateAfter (${durationToKube(after)}) is under 1 minute with consolidationPolicy ${policy}: ` +
        'nodes are consolidated as soon as pods move, which makes the cluster churn. Use ConsolidateAfter.after(Duration.minutes(1)) or more.');
    }
  }
}
