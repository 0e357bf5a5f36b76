import { ApiObject, ApiObjectMetadata, Duration, GroupVersionKind, Lazy, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { AmiFamily, AmiSelector } from './ami-selector';
import { BlockDeviceMapping, EbsVolumeType } from './block-device-mapping';
import { KubeletConfiguration } from './kubelet';
import { EnablementState, HttpTokens, MetadataOptions } from './metadata-options';
import { ConnectionTracking, NetworkInterface, NetworkInterfaceType } from './network-interface';
import {
  EVICTION_THRESHOLD, isNonNegativeInteger, isUnresolved, QUANTITY, Reporter, show,
} from './private/validation';
import {
  CapacityReservationSelectorTerm, InstanceMatchCriteria, PlacementGroupSelector, SecurityGroupSelectorTerm, SubnetSelectorTerm,
} from './selector-terms';
import { describeDuration, describeSize, durationToKube, durationToSeconds, sizeToGibibytes } from './to-kube';
import { EC2_NODE_CLASS_TAG_KEY, EKS_CLUSTER_NAME_TAG_KEY, NODE_CLAIM_TAG_KEY, NODE_POOL_TAG_KEY } from '../shared/tags';

/** How Karpenter uses the instance store volumes of instance types that have them. */
export enum InstanceStorePolicy {
  /** Combine the instance store volumes into a RAID0 array used for ephemeral storage (kubelet, containerd). */
  RAID0 = 'RAID0',
}

/**
 * CPU options of the nodes (`spec.cpuOptions`).
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#speccpuoptions
 */
export interface CpuOptions {
  /**
   * Nested virtualization. When enabled, only instance types that support it are launched.
   *
   * @default - EC2 default (disabled)
   */
  readonly nestedVirtualization?: EnablementState;
}

/**
 * Everything an EC2NodeClass can be given except what its environment can default (the node role or instance
 * profile, and the subnet and security group selectors): what `Karpenter.addEc2NodeClass()` takes.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export interface Ec2NodeClassOptions {
  /**
   * Metadata of the EC2NodeClass object (`metadata.name`, its labels and annotations). NodePools refer to the name.
   *
   * @default - cdk8s generates a unique name from the construct path
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * AMI family: user data format and default block device mappings. Inferred from an alias term (then it may
   * only be that family or `Custom`); required without one.
   *
   * @default - the family of the alias term
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamifamily
   */
  readonly amiFamily?: AmiFamily;

  /**
   * Which AMIs the nodes run (terms are ORed; at most 30). An alias term must be the only term.
   * More with `addAmiSelectorTerm()`.
   *
   * @default - the latest EKS-optimized AMI of `amiFamily` (`al2023@latest` without amiFamily); pin a version in production
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
   */
  readonly amiSelectorTerms?: AmiSelector[];

  /**
   * On-demand capacity reservations and capacity blocks the nodes may launch into (terms are ORed; at most 30).
   *
   * @default - none
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#speccapacityreservationselectorterms
   */
  readonly capacityReservationSelectorTerms?: CapacityReservationSelectorTerm[];

  /**
   * The placement group the nodes launch in.
   *
   * @default - none
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specplacementgroupselector
   */
  readonly placementGroupSelector?: PlacementGroupSelector;

  /**
   * Tags put on the instances, volumes, launch templates and instance profiles Karpenter creates. Keys Karpenter
   * sets itself are rejected (`eks:eks-cluster-name`, `kubernetes.io/cluster/*`, `karpenter.sh/nodepool`,
   * `karpenter.sh/nodeclaim`, `karpenter.k8s.aws/ec2nodeclass`). More with `addTag()`.
   *
   * @default - none
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#spectags
   */
  readonly tags?: Record<string, string>;

  /**
   * Kubelet settings.
   *
   * @default - Karpenter's defaults
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#speckubelet
   */
  readonly kubelet?: KubeletConfiguration;

  /**
   * Volumes of the nodes (at most 50, at most one `rootVolume`), used as given. More with
   * `addBlockDeviceMapping()`.
   *
   * @default - an encrypted gp3 volume deleted on termination, as Karpenter's own defaults but explicit:
   * `/dev/xvda` 20 GiB for AL2 and AL2023; `/dev/xvda` 4 GiB (OS) and `/dev/xvdb` 20 GiB (data) for Bottlerocket;
   * `/dev/sda1` 50 GiB for Windows; none for Custom (the AMI's own mappings)
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specblockdevicemappings
   */
  readonly blockDeviceMappings?: BlockDeviceMapping[];

  /**
   * How instance store volumes are used.
   *
   * @default - not used by Karpenter
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specinstancestorepolicy
   */
  readonly instanceStorePolicy?: InstanceStorePolicy;

  /**
   * User data, in the format of the AMI family (Karpenter merges its bootstrap configuration into it).
   *
   * @default - Karpenter's bootstrap only
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specuserdata
   */
  readonly userData?: string;

  /**
   * Whether EC2 detailed monitoring (1-minute metrics) is enabled.
   *
   * @default false
   */
  readonly detailedMonitoring?: boolean;

  /**
   * Whether instances get a public IPv4 address.
   *
   * @default - the subnet's setting
   */
  readonly associatePublicIPAddress?: boolean;

  /**
   * Instance metadata service options; fields left out keep the secure defaults.
   *
   * @default - IMDSv2 required, hop limit 1, endpoint enabled, IPv6 endpoint disabled (always written)
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specmetadataoptions
   */
  readonly metadataOptions?: MetadataOptions;

  /**
   * The EC2 Fleet `Context` reserved field, for AWS-provided capacity arrangements.
   *
   * @default - none
   */
  readonly context?: string;

  /**
   * Network interfaces of the nodes (EFA). Must include the primary interface.
   *
   * @default - one primary interface
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
   */
  readonly networkInterfaces?: NetworkInterface[];

  /**
   * Idle connection tracking timeouts.
   *
   * @default - EC2 defaults
   */
  readonly connectionTracking?: ConnectionTracking;

  /**
   * CPU options.
   *
   * @default - EC2 defaults
   */
  readonly cpuOptions?: CpuOptions;

  /**
   * Number of IPv4 prefixes assigned to the primary interface (prefix delegation), 0 or more.
   *
   * @default - none
   */
  readonly ipPrefixCount?: number;
}

/** Props of an {@link Ec2NodeClass}. */
export interface Ec2NodeClassProps extends Ec2NodeClassOptions {
  /**
   * Name of the IAM role of the nodes (not its ARN); Karpenter creates and manages the instance profile. Exactly
   * one of `role` and `instanceProfile`. A CDK token (`role.roleName`) is accepted.
   *
   * @default - use instanceProfile
   */
  readonly role?: string;

  /**
   * Name of an existing instance profile, managed by you. Exactly one of `role` and `instanceProfile`.
   *
   * @default - use role
   */
  readonly instanceProfile?: string;

  /**
   * Which subnets the nodes launch in (terms are ORed; at least one, at most 30). More with
   * `addSubnetSelectorTerm()`.
   *
   * @default - none: add at least one before rendering
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsubnetselectorterms
   */
  readonly subnetSelectorTerms?: SubnetSelectorTerm[];

  /**
   * Which security groups the nodes get (terms are ORed; at least one, at most 30). More with
   * `addSecurityGroupSelectorTerm()`.
   *
   * @default - none: add at least one before rendering
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specsecuritygroupselectorterms
   */
  readonly securityGroupSelectorTerms?: SecurityGroupSelectorTerm[];
}

const ALIAS_FAMILIES: Record<string, AmiFamily> = {
  al2: AmiFamily.AL2,
  al2023: AmiFamily.AL2023,
  bottlerocket: AmiFamily.BOTTLEROCKET,
  windows2019: AmiFamily.WINDOWS_2019,
  windows2022: AmiFamily.WINDOWS_2022,
  windows2025: AmiFamily.WINDOWS_2025,
};
const WINDOWS_ALIASES = ['windows2019', 'windows2022', 'windows2025'];
const RESTRICTED_TAGS = [EKS_CLUSTER_NAME_TAG_KEY, NODE_POOL_TAG_KEY, NODE_CLAIM_TAG_KEY, EC2_NODE_CLASS_TAG_KEY];
const RESERVED_KEYS = ['cpu', 'memory', 'ephemeral-storage', 'pid'];
const EVICTION_SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'];
const MAX_TERMS = 30;
const MAX_SELECTOR_TAGS = 20;
const MAX_BLOCK_DEVICE_MAPPINGS = 50;
const MAX_NETWORK_INTERFACES = 150;
const MAX_VOLUME_GIB = 59_000;

/** Encrypted gp3 volume, deleted on termination. */
function encryptedGp3(deviceName: string, gibibytes: number): Record<string, unknown> {
  return { deviceName, ebs: { volumeSize: `${gibibytes}Gi`, volumeType: EbsVolumeType.GP3, encrypted: true, deleteOnTermination: true } };
}

/** Karpenter's default block device mappings per AMI family, made explicit (encrypted gp3). */
const DEFAULT_BLOCK_DEVICE_MAPPINGS: Partial<Record<AmiFamily, Array<Record<string, unknown>>>> = {
  [AmiFamily.AL2]: [encryptedGp3('/dev/xvda', 20)],
  [AmiFamily.AL2023]: [encryptedGp3('/dev/xvda', 20)],
  [AmiFamily.BOTTLEROCKET]: [encryptedGp3('/dev/xvda', 4), encryptedGp3('/dev/xvdb', 20)],
  [AmiFamily.WINDOWS_2019]: [encryptedGp3('/dev/sda1', 50)],
  [AmiFamily.WINDOWS_2022]: [encryptedGp3('/dev/sda1', 50)],
  [AmiFamily.WINDOWS_2025]: [encryptedGp3('/dev/sda1', 50)],
};

/** The default alias for an AMI family. */
const DEFAULT_ALIASES: Partial<Record<AmiFamily, string>> = {
  [AmiFamily.AL2]: 'al2@latest',
  [AmiFamily.AL2023]: 'al2023@latest',
  [AmiFamily.BOTTLEROCKET]: 'bottlerocket@latest',
  [AmiFamily.WINDOWS_2019]: 'windows2019@latest',
  [AmiFamily.WINDOWS_2022]: 'windows2022@latest',
  [AmiFamily.WINDOWS_2025]: 'windows2025@latest',
};

/**
 * A Karpenter EC2NodeClass (`karpenter.k8s.aws/v1`): the AWS side of the nodes (AMI, role, subnets, security
 * groups, volumes, metadata options, kubelet). A cdk8s object: use it in a plain cdk8s chart (GitOps) or through
 * the `Karpenter` construct.
 *
 * Secure by default: IMDSv2 required with a hop limit of 1, and encrypted gp3 volumes when no block device
 * mappings are given. Every prop is checked against the EC2NodeClass CRD schema and its CEL rules: an invalid
 * object throws an error naming the prop, the value and the fix.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export class Ec2NodeClass extends ApiObject {
  /** API version and kind of EC2NodeClass. */
  public static readonly GVK: GroupVersionKind = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass' };

  private readonly options: Ec2NodeClassProps;
  private readonly amiSelectorTerms: AmiSelector[] = [];
  private readonly subnetSelectorTerms: SubnetSelectorTerm[] = [];
  private readonly securityGroupSelectorTerms: SecurityGroupSelectorTerm[] = [];
  private readonly capacityReservationSelectorTerms: CapacityReservationSelectorTerm[] = [];
  private readonly blockDeviceMappings: BlockDeviceMapping[] = [];
  private readonly tags: Record<string, string> = {};
  private readonly report: Reporter;

  constructor(scope: Construct, id: string, props: Ec2NodeClassProps = {}) {
    const spec: { render?: () => unknown } = {};
    super(scope, id, {
      ...Ec2NodeClass.GVK,
      metadata: props.metadata,
      spec: Lazy.any({ produce: () => spec.render!() }),
    });
    spec.render = () => this.renderSpec(true);
    this.options = props;
    this.report = new Reporter('EC2NodeClass', this.name, this);
    this.amiSelectorTerms.push(...(props.amiSelectorTerms ?? []));
    this.subnetSelectorTerms.push(...(props.subnetSelectorTerms ?? []));
    this.securityGroupSelectorTerms.push(...(props.securityGroupSelectorTerms ?? []));
    this.capacityReservationSelectorTerms.push(...(props.capacityReservationSelectorTerms ?? []));
    this.blockDeviceMappings.push(...(props.blockDeviceMappings ?? []));
    Object.assign(this.tags, props.tags ?? {});
    this.renderSpec(false);
  }

  /** Adds AMI selector terms (replacing the default alias). */
  public addAmiSelectorTerm(...terms: AmiSelector[]): void {
    this.amiSelectorTerms.push(...terms);
    this.renderSpec(false);
  }

  /** Adds subnet selector terms. */
  public addSubnetSelectorTerm(...terms: SubnetSelectorTerm[]): void {
    this.subnetSelectorTerms.push(...terms);
    this.renderSpec(false);
  }

  /** Adds security group selector terms. */
  public addSecurityGroupSelectorTerm(...terms: SecurityGroupSelectorTerm[]): void {
    this.securityGroupSelectorTerms.push(...terms);
    this.renderSpec(false);
  }

  /** Adds capacity reservation selector terms. */
  public addCapacityReservationSelectorTerm(...terms: CapacityReservationSelectorTerm[]): void {
    this.capacityReservationSelectorTerms.push(...terms);
    this.renderSpec(false);
  }

  /** Adds block device mappings (replacing the secure default mappings). */
  public addBlockDeviceMapping(...mappings: BlockDeviceMapping[]): void {
    this.blockDeviceMappings.push(...mappings);
    this.renderSpec(false);
  }

  /** Adds a tag put on the EC2 resources Karpenter creates. */
  public addTag(key: string, value: string): void {
    this.tags[key] = value;
    this.renderSpec(false);
  }

  /**
   * The AMI family the nodes run: `amiFamily`, else the family of the alias term.
   * `undefined` when neither is known (then rendering fails: amiFamily is required without an alias).
   */
  public get effectiveAmiFamily(): AmiFamily | undefined {
    if (this.options.amiFamily !== undefined) {
      return this.options.amiFamily;
    }
    const alias = this.renderedAmiTerms().find(t => t.props.alias !== undefined)?.props.alias;
    return alias !== undefined ? ALIAS_FAMILIES[alias.split('@')[0]] : undefined;
  }

  /** Renders the EC2NodeClass, validating it first (errors are thrown as is, not wrapped by cdk8s). */
  public toJson(): any {
    this.renderSpec(true);
    return super.toJson();
  }

  private renderedAmiTerms(): AmiSelector[] {
    if (this.amiSelectorTerms.length > 0) {
      return this.amiSelectorTerms;
    }
    const alias = DEFAULT_ALIASES[this.options.amiFamily ?? AmiFamily.AL2023];
    return alias ? [AmiSelector.alias(alias)] : [];
  }

  /** Validates and renders the spec; `complete` adds the checks that later `add*()` calls could still fix. */
  private renderSpec(complete: boolean): Record<string, unknown> {
    const p = this.options;
    if (p.amiFamily !== undefined && !(Object.values(AmiFamily) as string[]).includes(p.amiFamily)) {
      this.report.fail('amiFamily', show(p.amiFamily), `is not one of ${Object.values(AmiFamily).join(', ')}`, 'Use an AmiFamily value such as AmiFamily.AL2023');
    }
    this.validateIdentity();
    const amiSelectorTerms = this.renderAmiSelectorTerms();
    this.validateAmiFamily();
    return {
      role: p.role,
      instanceProfile: p.instanceProfile,
      amiFamily: p.amiFamily,
      amiSelectorTerms,
      subnetSelectorTerms: this.renderSubnetSelectorTerms(complete),
      securityGroupSelectorTerms: this.renderSecurityGroupSelectorTerms(complete),
      capacityReservationSelectorTerms: this.renderCapacityReservationSelectorTerms(),
      placementGroupSelector: this.renderPlacementGroupSelector(),
      tags: this.renderTags(),
      kubelet: this.renderKubelet(),
      blockDeviceMappings: this.renderBlockDeviceMappings(),
      instanceStorePolicy: this.renderInstanceStorePolicy(),
      userData: p.userData,
      detailedMonitoring: p.detailedMonitoring,
      associatePublicIPAddress: p.associatePublicIPAddress,
      metadataOptions: this.renderMetadataOptions(),
      context: p.context,
      networkInterfaces: this.renderNetworkInterfaces(),
      connectionTracking: this.renderConnectionTracking(),
      cpuOptions: this.renderCpuOptions(),
      ipPrefixCount: this.renderIpPrefixCount(),
    };
  }

  private validateIdentity(): void {
    const { role, instanceProfile } = this.options;
    if (role !== undefined && instanceProfile !== undefined) {
      this.report.fail('role, instanceProfile', `both set: ${show(role)}, ${show(instanceProfile)}`, 'exactly one of role and instanceProfile must be set',
        'Remove one: role (Karpenter manages the instance profile) or instanceProfile (an existing one)');
    }
    if (role === undefined && instanceProfile === undefined) {
      this.report.fail('role, instanceProfile', 'neither set', 'exactly one of role and instanceProfile must be set',
        'Set role to the name of the node IAM role, or instanceProfile to an existing instance profile');
    }
    for (const [field, value] of [['role', role], ['instanceProfile', instanceProfile]] as const) {
      if (value !== undefined && !isUnresolved(value) && value.trim() === '') {
        this.report.fail(field, show(value), `${field} may not be empty`, `Set ${field} to a name, or remove it`);
      }
    }
  }

  private renderAmiSelectorTerms(): Array<Record<string, unknown>> {
    const terms = this.renderedAmiTerms();
    if (terms.length === 0) {
      this.report.fail('amiSelectorTerms', '[]', `at least one term is required with amiFamily ${this.options.amiFamily}`,
        "Add AmiSelector.id('ami-...'), AmiSelector.tags({...}) or AmiSelector.ssmParameter('...')");
    }
    if (terms.length > MAX_TERMS) {
      this.report.fail('amiSelectorTerms', `${terms.length} terms`, `at most ${MAX_TERMS} terms are allowed`, 'Remove terms');
    }
    terms.forEach((term, i) => {
      const t = term.props;
      const path = `amiSelectorTerms[${i}]`;
      const value = show(term._toKube());
      const fail = (problem: string, fix: string) => this.report.fail(path, value, problem, fix);
      const set = (['alias', 'id', 'name', 'owner', 'tags', 'ssmParameter'] as const).filter(k => t[k] !== undefined);
      if (!set.some(k => k !== 'owner')) {
        fail('a term needs at least one of tags, id, name, alias or ssmParameter', "Use AmiSelector.alias('al2023@latest') or another AmiSelector factory");
      }
      if (t.id !== undefined && set.some(k => ['alias', 'tags', 'name', 'owner'].includes(k))) {
        fail('id cannot be combined with alias, tags, name or owner in the same term', 'Use AmiSelector.id(id) alone, or put the other fields in another term');
      }
      if (t.alias !== undefined && set.length > 1) {
        fail(`alias cannot be combined with other fields in the same term (got ${set.join(', ')})`, 'Use AmiSelector.alias(alias) alone');
      }
      if (t.alias !== undefined && terms.length > 1) {
        fail(`an alias term must be the only term, got ${terms.length} terms`, 'Keep only the alias term, or select AMIs by id, name, tags or ssmParameter');
      }
      if (t.alias !== undefined && !isUnresolved(t.alias)) {
        this.validateAlias(path, t.alias);
      }
      if (t.id !== undefined && !isUnresolved(t.id) && !/^ami-[0-9a-z]+$/.test(t.id)) {
        fail(`id ${show(t.id)} is not an AMI ID`, "Use an ID of the form ami-0123456789abcdef0, or AmiSelector.ssmParameter('...') for an AMI ID in SSM");
      }
      if (t.tags !== undefined) {
        this.validateSelectorTags(path, t.tags);
      }
    });
    return terms.map(t => t._toKube());
  }

  private validateAlias(path: string, alias: string): void {
    const fail = (problem: string) => this.report.fail(`${path}.alias`, show(alias), problem,
      "Use family@version with a family among al2, al2023, bottlerocket, windows2019, windows2022, windows2025, e.g. AmiSelector.alias('al2023@v20240625')");
    if (!/^[a-zA-Z0-9]+@.+$/.test(alias)) {
      fail("alias must have the form 'family@version'");
    }
    if (alias.length > 30) {
      fail(`alias is longer than 30 characters (${alias.length})`);
    }
    const [family, version] = alias.split('@');
    if (ALIAS_FAMILIES[family] === undefined) {
      fail(`family ${show(family)} is not supported`);
    }
    if (WINDOWS_ALIASES.includes(family) && version !== 'latest') {
      this.report.fail(`${path}.alias`, show(alias), 'windows families may only specify version latest', `Use AmiSelector.alias('${family}@latest')`);
    }
  }

  private validateAmiFamily(): void {
    const family = this.options.amiFamily;
    const terms = this.renderedAmiTerms();
    const aliasIndex = terms.findIndex(t => t.props.alias !== undefined);
    if (aliasIndex < 0) {
      if (family === undefined) {
        this.report.fail('amiFamily', 'not set', 'amiFamily is required when amiSelectorTerms has no alias',
          'Set amiFamily to the family of the selected AMIs (e.g. AmiFamily.AL2023), or AmiFamily.CUSTOM with your own userData');
      }
      return;
    }
    const alias = terms[aliasIndex].props.alias!;
    const aliasFamily = ALIAS_FAMILIES[alias.split('@')[0]];
    if (family !== undefined && !isUnresolved(alias) && family !== AmiFamily.CUSTOM && family !== aliasFamily) {
      this.report.fail('amiFamily', show(family), `must be ${aliasFamily} or Custom with the alias ${show(alias)} (amiSelectorTerms[${aliasIndex}])`,
        `Remove amiFamily (it is inferred from the alias), or set AmiFamily.${Object.entries(AmiFamily).find(([, v]) => v === aliasFamily)![0]}`);
    }
  }

  private validateSelectorTags(path: string, tags: Record<string, string>): void {
    const entries = Object.entries(tags);
    if (entries.length > MAX_SELECTOR_TAGS) {
      this.report.fail(`${path}.tags`, `${entries.length} tags`, `at most ${MAX_SELECTOR_TAGS} tags are allowed in a term`, 'Split the term or remove tags');
    }
    for (const [key, value] of entries) {
      if (key === '' || (value === '' && !isUnresolved(value))) {
        this.report.fail(`${path}.tags`, `${show(key)}: ${show(value)}`, 'empty tag keys or values are not supported', "Use '*' to match any value of a key");
      }
    }
  }

  private renderSubnetSelectorTerms(complete: boolean): Array<Record<string, unknown>> {
    const terms = this.subnetSelectorTerms;
    if (complete && terms.length === 0) {
      this.report.fail('subnetSelectorTerms', '[]', 'at least one term is required',
        "Pass SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': clusterName }) or call addSubnetSelectorTerm()");
    }
    this.validateTermCount('subnetSelectorTerms', terms.length);
    return terms.map((term, i) => {
      const path = `subnetSelectorTerms[${i}]`;
      if (term._id !== undefined && !isUnresolved(term._id) && !/^subnet-[0-9a-z]+$/.test(term._id)) {
        this.report.fail(path, show(term._id), `id ${show(term._id)} is not a subnet ID`, 'Use an ID of the form subnet-0123456789abcdef0, or select by tags');
      }
      if (term._tags !== undefined) {
        this.validateSelectorTags(path, term._tags);
      }
      return { id: term._id, tags: term._tags };
    });
  }

  private renderSecurityGroupSelectorTerms(complete: boolean): Array<Record<string, unknown>> {
    const terms = this.securityGroupSelectorTerms;
    if (complete && terms.length === 0) {
      this.report.fail('securityGroupSelectorTerms', '[]', 'at least one term is required',
        "Pass SecurityGroupSelectorTerm.tags({ 'karpenter.sh/discovery': clusterName }) or call addSecurityGroupSelectorTerm()");
    }
    this.validateTermCount('securityGroupSelectorTerms', terms.length);
    return terms.map((term, i) => {
      const path = `securityGroupSelectorTerms[${i}]`;
      if (term._id !== undefined && !isUnresolved(term._id) && !/^sg-[0-9a-z]+$/.test(term._id)) {
        this.report.fail(path, show(term._id), `id ${show(term._id)} is not a security group ID`, 'Use an ID of the form sg-0123456789abcdef0, or select by tags');
      }
      if (term._name !== undefined && !isUnresolved(term._name) && term._name === '') {
        this.report.fail(path, show(term._name), 'name may not be empty', 'Use the security group name, or select by tags');
      }
      if (term._tags !== undefined) {
        this.validateSelectorTags(path, term._tags);
      }
      return { id: term._id, name: term._name, tags: term._tags };
    });
  }

  private renderCapacityReservationSelectorTerms(): Array<Record<string, unknown>> | undefined {
    const terms = this.capacityReservationSelectorTerms;
    this.validateTermCount('capacityReservationSelectorTerms', terms.length);
    const criteria = Object.values(InstanceMatchCriteria) as string[];
    const rendered = terms.map((term, i) => {
      const path = `capacityReservationSelectorTerms[${i}]`;
      const { tags, ownerID, instanceMatchCriteria } = term._props;
      const value = show({ id: term._id, ...term._props });
      if (term._id === undefined && tags === undefined && instanceMatchCriteria === undefined) {
        this.report.fail(path, value, 'a term needs at least one of tags, id or instanceMatchCriteria',
          "Use CapacityReservationSelectorTerm.id('cr-...') or CapacityReservationSelectorTerm.of({ tags })");
      }
      if (term._id !== undefined && !isUnresolved(term._id) && !/^cr-[0-9a-z]+$/.test(term._id)) {
        this.report.fail(path, value, `id ${show(term._id)} is not a capacity reservation ID`, 'Use an ID of the form cr-0123456789abcdef0');
      }
      if (ownerID !== undefined && !isUnresolved(ownerID) && !/^[0-9]{12}$/.test(ownerID)) {
        this.report.fail(path, value, `ownerID ${show(ownerID)} is not a 12-digit account ID`, 'Use the account ID that owns the reservation, e.g. 123456789012');
      }
      if (instanceMatchCriteria !== undefined && !criteria.includes(instanceMatchCriteria)) {
        this.report.fail(path, value, `instanceMatchCriteria ${show(instanceMatchCriteria)} is not one of ${criteria.join(', ')}`,
          'Use InstanceMatchCriteria.OPEN or InstanceMatchCriteria.TARGETED');
      }
      if (tags !== undefined) {
        this.validateSelectorTags(path, tags);
      }
      return { id: term._id, tags, ownerID, instanceMatchCriteria };
    });
    return rendered.length > 0 ? rendered : undefined;
  }

  private validateTermCount(field: string, count: number): void {
    if (count > MAX_TERMS) {
      this.report.fail(field, `${count} terms`, `at most ${MAX_TERMS} terms are allowed`, 'Remove terms, or select several resources by tags in one term');
    }
  }

  private renderPlacementGroupSelector(): Record<string, unknown> | undefined {
    const selector = this.options.placementGroupSelector;
    if (!selector) {
      return undefined;
    }
    if (selector._id !== undefined && !isUnresolved(selector._id) && !/^pg-[0-9a-z]+$/.test(selector._id)) {
      this.report.fail('placementGroupSelector', show(selector._id), `id ${show(selector._id)} is not a placement group ID`,
        "Use an ID of the form pg-0123456789abcdef0, or PlacementGroupSelector.byName('...')");
    }
    if (selector._name !== undefined && selector._name === '') {
      this.report.fail('placementGroupSelector', show(selector._name), 'name may not be empty', 'Use the placement group name');
    }
    return { id: selector._id, name: selector._name };
  }

  private renderTags(): Record<string, string> | undefined {
    const entries = Object.entries(this.tags);
    for (const [key, value] of entries) {
      if (isUnresolved(key)) {
        continue;
      }
      const path = `tags[${show(key)}]`;
      if (key === '') {
        this.report.fail(path, show(value), 'empty tag keys are not supported', 'Use a non-empty key');
      }
      if (RESTRICTED_TAGS.includes(key) || key.startsWith('kubernetes.io/cluster')) {
        this.report.fail(path, show(value), `tag ${show(key)} is reserved: Karpenter sets it`, 'Remove this tag (Karpenter tags every resource it creates with it)');
      }
    }
    return entries.length > 0 ? { ...this.tags } : undefined;
  }

  private renderKubelet(): Record<string, unknown> | undefined {
    const k = this.options.kubelet;
    if (!k) {
      return undefined;
    }
    const checkCount = (field: 'maxPods' | 'podsPerCore') => {
      const value = k[field];
      if (value !== undefined && !isNonNegativeInteger(value)) {
        this.report.fail(`kubelet.${field}`, show(value), 'must be a non-negative integer', 'Use a whole number, e.g. 110');
      }
    };
    checkCount('maxPods');
    checkCount('podsPerCore');
    for (const field of ['systemReserved', 'kubeReserved'] as const) {
      for (const [key, value] of Object.entries(k[field] ?? {})) {
        const path = `kubelet.${field}[${show(key)}]`;
        if (!RESERVED_KEYS.includes(key)) {
          this.report.fail(path, show(value), `${show(key)} is not a valid key for ${field}`, `Use one of ${RESERVED_KEYS.join(', ')}`);
        }
        if (!isUnresolved(value) && !QUANTITY.test(value)) {
          this.report.fail(path, show(value), 'is not a valid Kubernetes quantity', 'Use a quantity such as "100m", "100Mi" or "1Gi"');
        }
        if (value.startsWith('-')) {
          this.report.fail(path, show(value), `${field} value cannot be a negative resource quantity`, 'Use a quantity of 0 or more');
        }
      }
    }
    for (const field of ['evictionHard', 'evictionSoft'] as const) {
      for (const [key, value] of Object.entries(k[field] ?? {})) {
        const path = `kubelet.${field}[${show(key)}]`;
        if (!EVICTION_SIGNALS.includes(key)) {
          this.report.fail(path, show(value), `${show(key)} is not a valid eviction signal`, `Use one of ${EVICTION_SIGNALS.join(', ')}`);
        }
        if (!isUnresolved(value) && !EVICTION_THRESHOLD.test(value)) {
          this.report.fail(path, show(value), 'is not a percentage or a quantity', 'Use a threshold such as "5%" or "500Mi"');
        }
      }
    }
    const gracePeriods: Record<string, string> = {};
    for (const [key, value] of Object.entries(k.evictionSoftGracePeriod ?? {})) {
      const path = `kubelet.evictionSoftGracePeriod[${show(key)}]`;
      if (!EVICTION_SIGNALS.includes(key)) {
        this.report.fail(path, describeDuration(value), `${show(key)} is not a valid eviction signal`, `Use one of ${EVICTION_SIGNALS.join(', ')}`);
      }
      const text = durationToKube(value);
      if (text === undefined) {
        this.report.fail(path, describeDuration(value), 'must be a whole number of seconds', 'Use Duration.seconds(n) or Duration.minutes(n)');
      }
      gracePeriods[key] = text;
    }
    const soft = Object.keys(k.evictionSoft ?? {});
    const grace = Object.keys(gracePeriods);
    for (const signal of soft.filter(s => !grace.includes(s))) {
      this.report.fail(`kubelet.evictionSoft[${show(signal)}]`, show(k.evictionSoft![signal]), 'has no matching evictionSoftGracePeriod',
        `Add evictionSoftGracePeriod: { '${signal}': Duration.minutes(1) }`);
    }
    for (const signal of grace.filter(s => !soft.includes(s))) {
      this.report.fail(`kubelet.evictionSoftGracePeriod[${show(signal)}]`, gracePeriods[signal], 'has no matching evictionSoft threshold',
        `Add evictionSoft: { '${signal}': '500Mi' } or remove the grace period`);
    }
    let evictionMaxPodGracePeriod: number | undefined;
    if (k.evictionMaxPodGracePeriod !== undefined) {
      evictionMaxPodGracePeriod = durationToSeconds(k.evictionMaxPodGracePeriod);
      if (evictionMaxPodGracePeriod === undefined || evictionMaxPodGracePeriod > 2 ** 31 - 1) {
        this.report.fail('kubelet.evictionMaxPodGracePeriod', describeDuration(k.evictionMaxPodGracePeriod), 'must be a whole number of seconds',
          'Use Duration.seconds(n)');
      }
    }
    const { imageGCHighThresholdPercent: high, imageGCLowThresholdPercent: low } = k;
    for (const [field, value] of [['imageGCHighThresholdPercent', high], ['imageGCLowThresholdPercent', low]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 100)) {
        this.report.fail(`kubelet.${field}`, show(value), 'must be an integer from 0 to 100', 'Use a percentage of disk usage, e.g. 85');
      }
    }
    if (high !== undefined && low !== undefined && high <= low) {
      this.report.fail('kubelet.imageGCHighThresholdPercent', show(high), `imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent (${low})`,
        'Raise imageGCHighThresholdPercent or lower imageGCLowThresholdPercent');
    }
    return {
      clusterDNS: k.clusterDNS ? [...k.clusterDNS] : undefined,
      maxPods: k.maxPods,
      podsPerCore: k.podsPerCore,
      systemReserved: k.systemReserved ? { ...k.systemReserved } : undefined,
      kubeReserved: k.kubeReserved ? { ...k.kubeReserved } : undefined,
      evictionHard: k.evictionHard ? { ...k.evictionHard } : undefined,
      evictionSoft: k.evictionSoft ? { ...k.evictionSoft } : undefined,
      evictionSoftGracePeriod: grace.length > 0 ? gracePeriods : undefined,
      evictionMaxPodGracePeriod,
      imageGCHighThresholdPercent: high,
      imageGCLowThresholdPercent: low,
      cpuCFSQuota: k.cpuCFSQuota,
    };
  }

  private renderBlockDeviceMappings(): Array<Record<string, unknown>> | undefined {
    const mappings = this.blockDeviceMappings;
    if (mappings.length === 0) {
      const family = this.effectiveAmiFamily;
      const defaults = family !== undefined ? DEFAULT_BLOCK_DEVICE_MAPPINGS[family] : undefined;
      return defaults?.map(m => ({ ...m, ebs: { ...(m.ebs as object) } }));
    }
    if (mappings.length > MAX_BLOCK_DEVICE_MAPPINGS) {
      this.report.fail('blockDeviceMappings', `${mappings.length} mappings`, `at most ${MAX_BLOCK_DEVICE_MAPPINGS} mappings are allowed`, 'Remove mappings');
    }
    const types = Object.values(EbsVolumeType) as string[];
    const roots = mappings.map((m, i) => (m.rootVolume ? i : -1)).filter(i => i >= 0);
    if (roots.length > 1) {
      this.report.fail(`blockDeviceMappings[${roots[1]}]`, show(mappings[roots[1]].deviceName),
        `only one mapping may have rootVolume, blockDeviceMappings[${roots[0]}] already has it`, 'Set rootVolume on one mapping only');
    }
    return mappings.map((m, i) => {
      const path = `blockDeviceMappings[${i}]`;
      const ebs = m.ebs ?? {};
      if (!isUnresolved(m.deviceName) && (m.deviceName ?? '') === '') {
        this.report.fail(`${path}.deviceName`, show(m.deviceName), 'deviceName may not be empty', "Use a device name such as '/dev/xvda'");
      }
      let volumeSize: string | undefined;
      if (ebs.volumeSize !== undefined) {
        volumeSize = this.renderVolumeSize(`${path}.ebs.volumeSize`, ebs.volumeSize);
      } else if (ebs.snapshotID === undefined) {
        this.report.fail(`${path}.ebs`, show(m.deviceName), 'volumeSize or snapshotID must be set', 'Set volumeSize, e.g. Size.gibibytes(50), or snapshotID');
      }
      if (ebs.volumeType !== undefined && !types.includes(ebs.volumeType)) {
        this.report.fail(`${path}.ebs.volumeType`, show(ebs.volumeType), `is not one of ${types.join(', ')}`, 'Use EbsVolumeType.GP3');
      }
      for (const field of ['iops', 'throughput'] as const) {
        const value = ebs[field];
        if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
          this.report.fail(`${path}.ebs.${field}`, show(value), 'must be a positive integer', field === 'iops' ? 'Use e.g. 3000 for gp3' : 'Use MiB/s, e.g. 125 for gp3');
        }
      }
      const rate = ebs.volumeInitializationRate;
      if (rate !== undefined) {
        if (!Number.isInteger(rate) || rate < 100 || rate > 300) {
          this.report.fail(`${path}.ebs.volumeInitializationRate`, show(rate), 'must be an integer from 100 to 300 (MiB/s)', 'Use a rate between 100 and 300');
        }
        if (ebs.snapshotID === undefined || ebs.snapshotID === '') {
          this.report.fail(`${path}.ebs.volumeInitializationRate`, show(rate), 'snapshotID must be set when volumeInitializationRate is set',
            'Set snapshotID, or remove volumeInitializationRate');
        }
      }
      return {
        deviceName: m.deviceName,
        rootVolume: m.rootVolume,
        ebs: {
          volumeSize,
          volumeType: ebs.volumeType,
          iops: ebs.iops,
          throughput: ebs.throughput,
          encrypted: ebs.encrypted,
          kmsKeyID: ebs.kmsKeyID,
          snapshotID: ebs.snapshotID,
          volumeInitializationRate: ebs.volumeInitializationRate,
          deleteOnTermination: ebs.deleteOnTermination,
        },
      };
    });
  }

  private renderVolumeSize(path: string, size: Size): string {
    const gibibytes = sizeToGibibytes(size);
    if (gibibytes === undefined) {
      this.report.fail(path, describeSize(size), 'must be a whole number of GiB', 'Use Size.gibibytes(n), e.g. Size.gibibytes(50)');
    }
    if (gibibytes < 1) {
      this.report.fail(path, describeSize(size), 'volume size must be positive', 'Use Size.gibibytes(n) with n from 1 to 59000, e.g. Size.gibibytes(50)');
    }
    if (gibibytes > MAX_VOLUME_GIB) {
      this.report.fail(path, describeSize(size), `volume size must be at most ${MAX_VOLUME_GIB} GiB`, 'Use a smaller volume, or several volumes');
    }
    return `${gibibytes}Gi`;
  }

  private renderInstanceStorePolicy(): string | undefined {
    const policy = this.options.instanceStorePolicy;
    if (policy !== undefined && !(Object.values(InstanceStorePolicy) as string[]).includes(policy)) {
      this.report.fail('instanceStorePolicy', show(policy), `is not one of ${Object.values(InstanceStorePolicy).join(', ')}`, 'Use InstanceStorePolicy.RAID0');
    }
    return policy;
  }

  private renderMetadataOptions(): Record<string, unknown> {
    const m = this.options.metadataOptions ?? {};
    const states = Object.values(EnablementState) as string[];
    for (const field of ['httpEndpoint', 'httpProtocolIPv6'] as const) {
      if (m[field] !== undefined && !states.includes(m[field])) {
        this.report.fail(`metadataOptions.${field}`, show(m[field]), `is not one of ${states.join(', ')}`, 'Use EnablementState.ENABLED or EnablementState.DISABLED');
      }
    }
    const tokens = Object.values(HttpTokens) as string[];
    if (m.httpTokens !== undefined && !tokens.includes(m.httpTokens)) {
      this.report.fail('metadataOptions.httpTokens', show(m.httpTokens), `is not one of ${tokens.join(', ')}`, 'Use HttpTokens.REQUIRED (IMDSv2)');
    }
    const hopLimit = m.httpPutResponseHopLimit;
    if (hopLimit !== undefined && (!Number.isInteger(hopLimit) || hopLimit < 1 || hopLimit > 64)) {
      this.report.fail('metadataOptions.httpPutResponseHopLimit', show(hopLimit), 'must be an integer from 1 to 64',
        'Use 1 (pods cannot reach the node credentials) or 2 (containers without host networking can reach IMDS)');
    }
    return {
      httpEndpoint: m.httpEndpoint ?? EnablementState.ENABLED,
      httpProtocolIPv6: m.httpProtocolIPv6 ?? EnablementState.DISABLED,
      httpPutResponseHopLimit: hopLimit ?? 1,
      httpTokens: m.httpTokens ?? HttpTokens.REQUIRED,
    };
  }

  private renderNetworkInterfaces(): Array<Record<string, unknown>> | undefined {
    const interfaces = this.options.networkInterfaces;
    if (!interfaces || interfaces.length === 0) {
      return undefined;
    }
    if (interfaces.length > MAX_NETWORK_INTERFACES) {
      this.report.fail('networkInterfaces', `${interfaces.length} interfaces`, `at most ${MAX_NETWORK_INTERFACES} interfaces are allowed`, 'Remove interfaces');
    }
    const types = Object.values(NetworkInterfaceType) as string[];
    const describe = (n: NetworkInterface) => `card ${n.networkCardIndex}, device ${n.deviceIndex}, ${n.interfaceType}`;
    interfaces.forEach((n, i) => {
      const path = `networkInterfaces[${i}]`;
      if (!isNonNegativeInteger(n.networkCardIndex) || !isNonNegativeInteger(n.deviceIndex)) {
        this.report.fail(path, describe(n), 'networkCardIndex and deviceIndex must be non-negative integers', 'Use indexes of 0 or more');
      }
      if (!types.includes(n.interfaceType)) {
        this.report.fail(path, describe(n), `interfaceType ${show(n.interfaceType)} is not one of ${types.join(', ')}`,
          'Use NetworkInterfaceType.INTERFACE or NetworkInterfaceType.EFA_ONLY');
      }
      const twin = interfaces.findIndex(o => o.networkCardIndex === n.networkCardIndex && o.deviceIndex === n.deviceIndex);
      if (twin !== i) {
        this.report.fail(path, describe(n), `networkInterfaces[${twin}] has the same networkCardIndex and deviceIndex`, 'Give each interface its own card and device index pair');
      }
      const efa = interfaces.findIndex(o => o.networkCardIndex === n.networkCardIndex && o.interfaceType === NetworkInterfaceType.EFA_ONLY);
      if (n.interfaceType === NetworkInterfaceType.EFA_ONLY && efa !== i) {
        this.report.fail(path, describe(n), `networkInterfaces[${efa}] is already the EFA-only interface of card ${n.networkCardIndex}`,
          'Keep at most one EFA-only interface per network card');
      }
    });
    if (!interfaces.some(n => n.networkCardIndex === 0 && n.deviceIndex === 0 && n.interfaceType === NetworkInterfaceType.INTERFACE)) {
      this.report.fail('networkInterfaces', interfaces.map(describe).join('; '), 'networkInterfaces must include a primary interface',
        'Add { networkCardIndex: 0, deviceIndex: 0, interfaceType: NetworkInterfaceType.INTERFACE }');
    }
    return interfaces.map(n => ({ networkCardIndex: n.networkCardIndex, deviceIndex: n.deviceIndex, interfaceType: n.interfaceType }));
  }

  private renderConnectionTracking(): Record<string, unknown> | undefined {
    const c = this.options.connectionTracking;
    if (!c) {
      return undefined;
    }
    const fields: Array<[keyof ConnectionTracking, number, number]> = [
      ['tcpEstablishedTimeout', 60, 432_000],
      ['udpStreamTimeout', 60, 180],
      ['udpTimeout', 30, 60],
    ];
    const rendered: Record<string, number> = {};
    for (const [field, min, max] of fields) {
      const value: Duration | undefined = c[field];
      if (value === undefined) {
        continue;
      }
      const seconds = durationToSeconds(value);
      if (seconds === undefined || seconds < min || seconds > max) {
        this.report.fail(`connectionTracking.${field}`, describeDuration(value), `must be a whole number of seconds from ${min} to ${max}`,
          `Use Duration.seconds(n) with n from ${min} to ${max}`);
      }
      rendered[field] = seconds;
    }
    if (Object.keys(rendered).length === 0) {
      this.report.fail('connectionTracking', '{}', 'at least one of tcpEstablishedTimeout, udpStreamTimeout or udpTimeout must be set',
        'Set a timeout, or remove connectionTracking');
    }
    return rendered;
  }

  private renderCpuOptions(): Record<string, unknown> | undefined {
    const cpu = this.options.cpuOptions;
    if (!cpu) {
      return undefined;
    }
    const states = Object.values(EnablementState) as string[];
    if (cpu.nestedVirtualization !== undefined && !states.includes(cpu.nestedVirtualization)) {
      this.report.fail('cpuOptions.nestedVirtualization', show(cpu.nestedVirtualization), `is not one of ${states.join(', ')}`,
        'Use EnablementState.ENABLED or EnablementState.DISABLED');
    }
    return { nestedVirtualization: cpu.nestedVirtualization };
  }

  private renderIpPrefixCount(): number | undefined {
    const count = this.options.ipPrefixCount;
    if (count !== undefined && !isNonNegativeInteger(count)) {
      this.report.fail('ipPrefixCount', show(count), 'must be a non-negative integer', 'Use a whole number of prefixes, e.g. 1');
    }
    return count;
  }
}
