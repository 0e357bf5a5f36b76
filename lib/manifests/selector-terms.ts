/**
 * One subnet selector term of an EC2NodeClass (`spec.subnetSelectorTerms[]`); terms are ORed.
 *
 * @example SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': 'my-cluster' })
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsubnetselectorterms
 */
export class SubnetSelectorTerm {
  /** Subnets with all these tags (`*` matches any value). At most 20; no empty keys or values. */
  public static tags(tags: Record<string, string>): SubnetSelectorTerm {
    return new SubnetSelectorTerm(undefined, { ...tags });
  }

  /** One subnet by ID (`subnet-...`). */
  public static id(id: string): SubnetSelectorTerm {
    return new SubnetSelectorTerm(id, undefined);
  }

  /** @internal */
  public readonly _id?: string;
  /** @internal */
  public readonly _tags?: Record<string, string>;

  private constructor(id: string | undefined, tags: Record<string, string> | undefined) {
    this._id = id;
    this._tags = tags;
  }
}

/**
 * One security group selector term of an EC2NodeClass (`spec.securityGroupSelectorTerms[]`); terms are ORed.
 *
 * @example SecurityGroupSelectorTerm.tags({ 'karpenter.sh/discovery': 'my-cluster' })
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsecuritygroupselectorterms
 */
export class SecurityGroupSelectorTerm {
  /** Security groups with all these tags (`*` matches any value). At most 20; no empty keys or values. */
  public static tags(tags: Record<string, string>): SecurityGroupSelectorTerm {
    return new SecurityGroupSelectorTerm({ tags: { ...tags } });
  }

  /** One security group by ID (`sg-...`). */
  public static id(id: string): SecurityGroupSelectorTerm {
    return new SecurityGroupSelectorTerm({ id });
  }

  /** Security groups by name (the group name, not the Name tag). */
  public static byName(name: string): SecurityGroupSelectorTerm {
    return new SecurityGroupSelectorTerm({ name });
  }

  /** @internal */
  public readonly _id?: string;
  /** @internal */
  public readonly _name?: string;
  /** @internal */
  public readonly _tags?: Record<string, string>;

  private constructor(fields: { id?: string; name?: string; tags?: Record<string, string> }) {
    this._id = fields.id;
    this._name = fields.name;
    this._tags = fields.tags;
  }
}

/**
 * Which instance launches a capacity reservation accepts.
 */
export enum InstanceMatchCriteria {
  /** Any matching launch. */
  OPEN = 'open',
  /** Only launches that target the reservation. */
  TARGETED = 'targeted',
}

/** Fields of a capacity reservation selector term other than its ID; fields are ANDed. */
export interface CapacityReservationSelectorTermProps {
  /**
   * Tags the reservation must have (`*` matches any value). At most 20; no empty keys or values.
   *
   * @default - no tags
   */
  readonly tags?: Record<string, string>;

  /**
   * The 12-digit account ID that owns the reservation (for shared reservations). Needs `tags` or
   * `instanceMatchCriteria`.
   *
   * @default - any owner
   */
  readonly ownerID?: string;

  /**
   * Only reservations with this match criteria.
   *
   * @default - any
   */
  readonly instanceMatchCriteria?: InstanceMatchCriteria;
}

/**
 * One capacity reservation selector term of an EC2NodeClass (`spec.capacityReservationSelectorTerms[]`);
 * terms are ORed. Nodes launched into reservations have capacity type `reserved`.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#speccapacityreservationselectorterms
 */
export class CapacityReservationSelectorTerm {
  /** One reservation by ID (`cr-...`). */
  public static id(id: string): CapacityReservationSelectorTerm {
    return new CapacityReservationSelectorTerm({}, id);
  }

  /** Reservations by tags, owner and match criteria (at least one of `tags` or `instanceMatchCriteria`). */
  public static of(props: CapacityReservationSelectorTermProps): CapacityReservationSelectorTerm {
    return new CapacityReservationSelectorTerm(props, undefined);
  }

  /** @internal */
  public readonly _id?: string;
  /** @internal */
  public readonly _props: CapacityReservationSelectorTermProps;

  private constructor(props: CapacityReservationSelectorTermProps, id: string | undefined) {
    this._props = { ...props, tags: props.tags ? { ...props.tags } : undefined };
    this._id = id;
  }
}

/**
 * The placement group of an EC2NodeClass (`spec.placementGroupSelector`): by name or by ID.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specplacementgroupselector
 */
export class PlacementGroupSelector {
  /** A placement group by name. */
  public static byName(name: string): PlacementGroupSelector {
    return new PlacementGroupSelector(undefined, name);
  }

  /** A placement group by ID (`pg-...`). */
  public static id(id: string): PlacementGroupSelector {
    return new PlacementGroupSelector(id, undefined);
  }

  /** @internal */
  public readonly _id?: string;
  /** @internal */
  public readonly _name?: string;

  private constructor(id: string | undefined, name: string | undefined) {
    this._id = id;
    this._name = name;
  }
}
