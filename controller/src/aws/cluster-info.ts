/** Cluster facts from `eks:DescribeCluster`: endpoint, CA bundle, service CIDR (and the cluster DNS IP), version. */
import { EksApi } from './api';

export interface ClusterInfo {
  readonly name: string;
  readonly endpoint: string;
  /** Base64 PEM bundle, as EKS returns it. */
  readonly caBundle: string;
  /** The Kubernetes service CIDR (`10.100.0.0/16`, or the IPv6 one on an IPv6 cluster). */
  readonly serviceCidr: string;
  /** The cluster DNS service IP: the 10th address of the service CIDR. */
  readonly clusterDns: string;
  readonly ipFamily: 'ipv4' | 'ipv6';
  /** Kubernetes minor version, e.g. `1.35`. */
  readonly version: string;
}

export class ClusterInfoError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterInfoError';
  }
}

/** The cluster DNS IP of a service CIDR: network address + 10 (`10.100.0.0/16` -> `10.100.0.10`, `fd00::/108` -> `fd00::a`). */
export function clusterDnsIp(serviceCidr: string): string {
  const [net] = serviceCidr.split('/');
  if (net.includes(':')) {
    const base = net.endsWith('::') ? net : `${net}::`;
    return `${base.replace(/::$/, '::')}a`;
  }
  const octets = net.split('.').map(Number);
  if (octets.length !== 4 || octets.some(o => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new ClusterInfoError(`invalid service CIDR "${serviceCidr}": expected an IPv4 or IPv6 CIDR such as 10.100.0.0/16`);
  }
  let n = ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3] + 10;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    out.unshift(n % 256);
    n = Math.floor(n / 256);
  }
  return out.join('.');
}

/** Reads the cluster once; callers cache the result (it does not change while the controller runs). */
export async function describeClusterInfo(eks: EksApi, name: string): Promise<ClusterInfo> {
  let cluster;
  try {
    cluster = (await eks.describeCluster({ name })).cluster;
  } catch (cause) {
    throw new ClusterInfoError(`describing EKS cluster ${name}`, { cause });
  }
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
    throw new ClusterInfoError(`EKS cluster ${name} has no endpoint or certificate authority yet (status ${cluster?.status ?? 'unknown'})`);
  }
  const net = cluster.kubernetesNetworkConfig;
  const ipFamily = net?.ipFamily === 'ipv6' ? 'ipv6' : 'ipv4';
  const serviceCidr = ipFamily === 'ipv6' ? net?.serviceIpv6Cidr : net?.serviceIpv4Cidr;
  if (!serviceCidr) throw new ClusterInfoError(`EKS cluster ${name} reports no ${ipFamily} service CIDR`);
  return {
    name,
    endpoint: cluster.endpoint,
    caBundle: cluster.certificateAuthority.data,
    serviceCidr,
    clusterDns: clusterDnsIp(serviceCidr),
    ipFamily,
    version: cluster.version ?? '',
  };
}
