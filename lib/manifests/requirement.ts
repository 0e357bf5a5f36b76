/**
 * Operators of a NodePool requirement.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecrequirements
 */
export enum RequirementOperator {
  /** The label value is one of `values`. */
  IN = 'In',
  /** The label value is none of `values`. */
  NOT_IN = 'NotIn',
  /** The label exists, with any value. */
  EXISTS = 'Exists',
  /** The label does not exist. */
  DOES_NOT_EXIST = 'DoesNotExist',
  /** The label value, an integer, is greater than the single value. */
  GT = 'Gt',
  /** The label value, an integer, is less than the single value. */
  LT = 'Lt',
  /** The label value, an integer, is greater than or equal to the single value. */
  GTE = 'Gte',
  /** The label value, an integer, is less than or equal to the single value. */
  LTE = 'Lte',
}

/** Options shared by the requirement factories that accept `minValues`. */
export interface RequirementOptions {
  /**
   * Minimum number of unique values of this key the instance types Karpenter considers must span
   * (flexibility, e.g. at least 5 instance types for Spot). Between 1 and 50; for `In`, at most the number of values.
   *
   * @default - no minimum
   * @see https://karpenter.sh/docs/concepts/nodepools/#min-values
   */
  readonly minValues?: number;
}

/** Every field of a requirement, for {@link Requirement.of}. */
export interface RequirementProps extends RequirementOptions {
  /** The label key, e.g. `WellKnownLabels.INSTANCE_TYPE` or `example.com/team`. */
  readonly key: string;
  /** How the label relates to `values`. */
  readonly operator: RequirementOperator;
  /**
   * The values: at least one for `In` and `NotIn`, none for `Exists` and `DoesNotExist`, exactly one non-negative
   * integer for `Gt`, `Lt`, `Gte` and `Lte`.
   *
   * @default []
   */
  readonly values?: string[];
}

/**
 * A node selector requirement of a NodePool (`spec.template.spec.requirements[]`): constrains the labels of the
 * nodes Karpenter launches. Validated when the NodePool is built and rendered.
 *
 * @example Requirement.in(WellKnownLabels.CAPACITY_TYPE, ['spot', 'on-demand'])
 * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespecrequirements
 */
export class Requirement {
  /** The label value is one of `values`. */
  public static in(key: string, values: string[], options: RequirementOptions = {}): Requirement {
    return new Requirement({ key, operator: RequirementOperator.IN, values, minValues: options.minValues });
  }

  /** The label value is none of `values`. */
  public static notIn(key: string, values: string[], options: RequirementOptions = {}): Requirement {
    return new Requirement({ key, operator: RequirementOperator.NOT_IN, values, minValues: options.minValues });
  }

  /** The label exists, with any value (workload segregation: pods pick the value). */
  public static exists(key: string, options: RequirementOptions = {}): Requirement {
    return new Requirement({ key, operator: RequirementOperator.EXISTS, minValues: options.minValues });
  }

  /** The label does not exist. */
  public static doesNotExist(key: string): Requirement {
    return new Requirement({ key, operator: RequirementOperator.DOES_NOT_EXIST });
  }

  /** The label value, an integer, is greater than `value` (a non-negative integer). */
  public static gt(key: string, value: number): Requirement {
    return new Requirement({ key, operator: RequirementOperator.GT, values: [String(value)] });
  }

  /** The label value, an integer, is less than `value` (a non-negative integer). */
  public static lt(key: string, value: number): Requirement {
    return new Requirement({ key, operator: RequirementOperator.LT, values: [String(value)] });
  }

  /** The label value, an integer, is greater than or equal to `value` (a non-negative integer). */
  public static gte(key: string, value: number): Requirement {
    return new Requirement({ key, operator: RequirementOperator.GTE, values: [String(value)] });
  }

  /** The label value, an integer, is less than or equal to `value` (a non-negative integer). */
  public static lte(key: string, value: number): Requirement {
    return new Requirement({ key, operator: RequirementOperator.LTE, values: [String(value)] });
  }

  /** Any combination of key, operator and values (validated like the others when the NodePool is rendered). */
  public static of(props: RequirementProps): Requirement {
    return new Requirement(props);
  }

  /** The label key. */
  public readonly key: string;
  /** The operator. */
  public readonly operator: RequirementOperator;
  /** The values (empty for `Exists` and `DoesNotExist`). */
  public readonly values: string[];
  /** Minimum number of unique values, if set. */
  public readonly minValues?: number;

  private constructor(props: RequirementProps) {
    this.key = props.key;
    this.operator = props.operator;
    this.values = [...(props.values ?? [])];
    this.minValues = props.minValues;
  }

  /** `key Operator ["values"] minValues=n`, for messages. */
  public toString(): string {
    const values = this.values.length > 0 ? ` ${JSON.stringify(this.values)}` : '';
    const minValues = this.minValues !== undefined ? ` minValues=${this.minValues}` : '';
    return `${this.key} ${this.operator}${values}${minValues}`;
  }

  /** @internal */
  public _toKube(): Record<string, unknown> {
    return {
      key: this.key,
      operator: this.operator,
      values: this.values.length > 0 || this.operator === RequirementOperator.IN ? [...this.values] : undefined,
      minValues: this.minValues,
    };
  }
}
