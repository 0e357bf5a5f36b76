import { Duration } from 'cdk8s';

/** Type of a network interface. */
export enum NetworkInterfaceType {
  /** A regular ENI (ENA, optionally EFA). */
  INTERFACE = 'interface',
  /** An EFA-only interface, with no IP address. */
  EFA_ONLY = 'efa-only',
}

/**
 * A network interface attached to the nodes (`spec.networkInterfaces[]`). The list must contain the primary
 * interface (network card 0, device 0, type `interface`); pairs are unique; at most one EFA-only interface per card.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
 */
export interface NetworkInterface {
  /** Index of the network card, 0 or more. */
  readonly networkCardIndex: number;
  /** Device index on the card, 0 or more. */
  readonly deviceIndex: number;
  /** Interface type. */
  readonly interfaceType: NetworkInterfaceType;
}

/**
 * Idle connection tracking timeouts of the nodes' interfaces (`spec.connectionTracking`). At least one field.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specconnectiontracking
 */
export interface ConnectionTracking {
  /**
   * Timeout of idle established TCP connections, 60 seconds to 5 days (whole seconds).
   *
   * @default - EC2 default (350 s on Nitro v6, 432,000 s otherwise)
   */
  readonly tcpEstablishedTimeout?: Duration;

  /**
   * Timeout of idle UDP stream flows, 60 to 180 seconds.
   *
   * @default - EC2 default, 180 s
   */
  readonly udpStreamTimeout?: Duration;

  /**
   * Timeout of idle one-way UDP flows, 30 to 60 seconds.
   *
   * @default - EC2 default, 30 s
   */
  readonly udpTimeout?: Duration;
}
