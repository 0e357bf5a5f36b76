/**
 * AMI families: the user data format and default block device mappings Karpenter uses.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamifamily
 */
export enum AmiFamily {
  /** Amazon Linux 2 (EKS-optimized). */
  AL2 = 'AL2',
  /** Amazon Linux 2023 (EKS-optimized, nodeadm user data). */
  AL2023 = 'AL2023',
  /** Bottlerocket (TOML user data). */
  BOTTLEROCKET = 'Bottlerocket',
  /** Any AMI: Karpenter adds no bootstrap user data and no default block device mappings. */
  CUSTOM = 'Custom',
  /** Windows Server 2019. */
  WINDOWS_2019 = 'Windows2019',
  /** Windows Server 2022. */
  WINDOWS_2022 = 'Windows2022',
  /** Windows Server 2025. */
  WINDOWS_2025 = 'Windows2025',
}

/** Every field of an AMI selector term, for {@link AmiSelector.of}. Fields of one term are ANDed. */
export interface AmiSelectorProps {
  /**
   * An EKS-optimized AMI alias, `family@version`: `al2023@latest`, `al2023@v20240625`, `bottlerocket@v1.20.0`,
   * `windows2022@latest` (Windows: `latest` only). Cannot be combined with other fields or terms.
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * An AMI ID, `ami-...`. Cannot be combined with other fields.
   *
   * @default - no ID
   */
  readonly id?: string;

  /**
   * The AMI name (the `Name` field, not the Name tag); wildcards allowed.
   *
   * @default - no name
   */
  readonly name?: string;

  /**
   * The AMI owner: an account ID, `self`, `amazon` or `aws-marketplace`.
   *
   * @default - Karpenter's default owners
   */
  readonly owner?: string;

  /**
   * Tags the AMI must have (`*` matches any value). At most 20; no empty keys or values.
   *
   * @default - no tags
   */
  readonly tags?: Record<string, string>;

  /**
   * Name or ARN of an SSM parameter holding the AMI ID.
   *
   * @default - no SSM parameter
   */
  readonly ssmParameter?: string;
}

/**
 * One AMI selector term of an EC2NodeClass (`spec.amiSelectorTerms[]`); terms are ORed.
 *
 * @example AmiSelector.alias('al2023@latest')
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
 */
export class AmiSelector {
  /**
   * The EKS-optimized AMI of a family and version, `family@version`, e.g. `al2023@latest` or `al2023@v20240625`.
   * Pin a version in production: `latest` replaces every node when a new AMI is released.
   */
  public static alias(alias: string): AmiSelector {
    return new AmiSelector({ alias });
  }

  /** An AMI by ID (`ami-...`). */
  public static id(id: string): AmiSelector {
    return new AmiSelector({ id });
  }

  /** AMIs by name (wildcards allowed), optionally of one owner. */
  public static byName(name: string, owner?: string): AmiSelector {
    return new AmiSelector({ name, owner });
  }

  /** AMIs by tags, optionally of one owner. */
  public static tags(tags: Record<string, string>, owner?: string): AmiSelector {
    return new AmiSelector({ tags, owner });
  }

  /** The AMI whose ID an SSM parameter holds. */
  public static ssmParameter(parameter: string): AmiSelector {
    return new AmiSelector({ ssmParameter: parameter });
  }

  /** Any combination of fields (validated when the EC2NodeClass is rendered). */
  public static of(props: AmiSelectorProps): AmiSelector {
    return new AmiSelector(props);
  }

  /** The fields of this term. */
  public readonly props: AmiSelectorProps;

  private constructor(props: AmiSelectorProps) {
    this.props = { ...props, tags: props.tags ? { ...props.tags } : undefined };
  }

  /** @internal */
  public _toKube(): Record<string, unknown> {
    const p = this.props;
    return { alias: p.alias, id: p.id, name: p.name, owner: p.owner, tags: p.tags, ssmParameter: p.ssmParameter };
  }
}
