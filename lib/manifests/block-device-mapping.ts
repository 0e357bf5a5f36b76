import { Size } from 'cdk8s';

/**
 * EBS volume types.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html
 */
export enum EbsVolumeType {
  /** General purpose SSD, baseline 3,000 IOPS and 125 MiB/s (recommended). */
  GP3 = 'gp3',
  /** General purpose SSD, previous generation. */
  GP2 = 'gp2',
  /** Provisioned IOPS SSD. */
  IO1 = 'io1',
  /** Provisioned IOPS SSD, higher durability. */
  IO2 = 'io2',
  /** Throughput optimized HDD. */
  ST1 = 'st1',
  /** Cold HDD. */
  SC1 = 'sc1',
  /** Magnetic, previous generation. */
  STANDARD = 'standard',
}

/**
 * An EBS volume of a block device mapping (`blockDeviceMappings[].ebs`).
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specblockdevicemappings
 */
export interface BlockDevice {
  /**
   * Size of the volume, a whole number of GiB from 1 to 59,000 (written `50Gi`). Required unless `snapshotID`.
   *
   * @default - the snapshot's size
   */
  readonly volumeSize?: Size;

  /**
   * Volume type.
   *
   * @default - EBS default for the account (gp2 or gp3)
   */
  readonly volumeType?: EbsVolumeType;

  /**
   * Provisioned IOPS (gp3, io1, io2).
   *
   * @default - the volume type's baseline
   */
  readonly iops?: number;

  /**
   * Provisioned throughput of a gp3 volume, in MiB/s.
   *
   * @default - 125 MiB/s for gp3
   */
  readonly throughput?: number;

  /**
   * Whether the volume is encrypted.
   *
   * @default - the account's EBS encryption-by-default setting
   */
  readonly encrypted?: boolean;

  /**
   * KMS key (ID, alias or ARN) that encrypts the volume.
   *
   * @default - the AWS managed key aws/ebs
   */
  readonly kmsKeyID?: string;

  /**
   * Snapshot the volume is created from (`snap-...`).
   *
   * @default - an empty volume
   */
  readonly snapshotID?: string;

  /**
   * Rate, in MiB/s from 100 to 300, at which snapshot blocks are downloaded (volume initialization).
   * Requires `snapshotID`.
   *
   * @default - EBS default initialization
   */
  readonly volumeInitializationRate?: number;

  /**
   * Whether the volume is deleted when the instance terminates.
   *
   * @default - EC2 default (true for volumes created at launch)
   */
  readonly deleteOnTermination?: boolean;
}

/**
 * A block device mapping of an EC2NodeClass (`spec.blockDeviceMappings[]`).
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specblockdevicemappings
 */
export interface BlockDeviceMapping {
  /** Device name, e.g. `/dev/xvda` (root of AL2023 and AL2), `/dev/xvdb` (Bottlerocket data volume). */
  readonly deviceName: string;

  /** The EBS volume. */
  readonly ebs: BlockDevice;

  /**
   * Whether this volume holds the kubelet root directory (ephemeral storage). At most one mapping.
   *
   * @default false
   */
  readonly rootVolume?: boolean;
}
