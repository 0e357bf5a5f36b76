/** `enabled` or `disabled`. */
export enum EnablementState {
  /** `enabled` */
  ENABLED = 'enabled',
  /** `disabled` */
  DISABLED = 'disabled',
}

/** Whether instance metadata requests need a session token (IMDSv2). */
export enum HttpTokens {
  /** IMDSv2 only: every request needs a token (secure default). */
  REQUIRED = 'required',
  /** IMDSv1 allowed. */
  OPTIONAL = 'optional',
}

/**
 * Instance metadata service options of the nodes (`spec.metadataOptions`). Each field left out keeps the secure
 * default: endpoint enabled, IPv6 endpoint disabled, IMDSv2 required, hop limit 1 (pods without host networking
 * cannot reach the node role credentials).
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specmetadataoptions
 */
export interface MetadataOptions {
  /**
   * Whether the metadata endpoint is reachable.
   *
   * @default EnablementState.ENABLED
   */
  readonly httpEndpoint?: EnablementState;

  /**
   * Whether the IPv6 metadata endpoint is reachable.
   *
   * @default EnablementState.DISABLED
   */
  readonly httpProtocolIPv6?: EnablementState;

  /**
   * Number of network hops a metadata PUT response may travel, from 1 to 64. 1 keeps pods from reading the node
   * credentials; 2 lets containers without host networking reach IMDS.
   *
   * @default 1
   */
  readonly httpPutResponseHopLimit?: number;

  /**
   * Whether requests need a session token.
   *
   * @default HttpTokens.REQUIRED
   */
  readonly httpTokens?: HttpTokens;
}
