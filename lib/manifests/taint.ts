/**
 * What a taint does to pods that do not tolerate it.
 *
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 */
export enum TaintEffect {
  /** Pods that do not tolerate the taint are not scheduled on the node. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler tries to avoid the node for pods that do not tolerate the taint. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Pods that do not tolerate the taint are evicted, and not scheduled. */
  NO_EXECUTE = 'NoExecute',
}

/** Every field of a taint, for {@link Taint.of}. */
export interface TaintProps {
  /** The taint key, e.g. `example.com/special` (a label-style key). */
  readonly key: string;
  /**
   * The taint value.
   *
   * @default - no value
   */
  readonly value?: string;
  /** The effect. */
  readonly effect: TaintEffect;
}

/**
 * A taint on the nodes of a NodePool (`taints[]`), or a startup taint (`startupTaints[]`) that a DaemonSet removes
 * once the node is initialized.
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/#spectemplatespectaints
 */
export class Taint {
  /** A `NoSchedule` taint. */
  public static noSchedule(key: string, value?: string): Taint {
    return new Taint({ key, value, effect: TaintEffect.NO_SCHEDULE });
  }

  /** A `PreferNoSchedule` taint. */
  public static preferNoSchedule(key: string, value?: string): Taint {
    return new Taint({ key, value, effect: TaintEffect.PREFER_NO_SCHEDULE });
  }

  /** A `NoExecute` taint. */
  public static noExecute(key: string, value?: string): Taint {
    return new Taint({ key, value, effect: TaintEffect.NO_EXECUTE });
  }

  /** A taint from its fields. */
  public static of(props: TaintProps): Taint {
    return new Taint(props);
  }

  /** The key. */
  public readonly key: string;
  /** The value, if any. */
  public readonly value?: string;
  /** The effect. */
  public readonly effect: TaintEffect;

  private constructor(props: TaintProps) {
    this.key = props.key;
    this.value = props.value;
    this.effect = props.effect;
  }

  /** `key=value:Effect`, as kubectl writes taints. */
  public toString(): string {
    return `${this.key}${this.value !== undefined ? `=${this.value}` : ''}:${this.effect}`;
  }

  /** @internal */
  public _toKube(): Record<string, unknown> {
    return { key: this.key, value: this.value, effect: this.effect };
  }
}
