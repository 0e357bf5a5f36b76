/** The API resources the controller reads and writes: where they live in the REST API. */

export interface ApiResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const r = (group: string, version: string, plural: string, kind: string, namespaced: boolean): ApiResource =>
  ({ group, version, plural, kind, namespaced });

export const PODS = r('', 'v1', 'pods', 'Pod', true);
export const NODES = r('', 'v1', 'nodes', 'Node', false);
export const EVENTS = r('', 'v1', 'events', 'Event', true);
export const NODECLAIMS = r('karpenter.sh', 'v1', 'nodeclaims', 'NodeClaim', false);
export const NODEPOOLS = r('karpenter.sh', 'v1', 'nodepools', 'NodePool', false);
export const EC2NODECLASSES = r('karpenter.k8s.aws', 'v1', 'ec2nodeclasses', 'EC2NodeClass', false);
export const DAEMONSETS = r('apps', 'v1', 'daemonsets', 'DaemonSet', true);
export const PDBS = r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true);
export const LEASES = r('coordination.k8s.io', 'v1', 'leases', 'Lease', true);
export const PERSISTENT_VOLUME_CLAIMS = r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
export const STORAGE_CLASSES = r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false);
export const VOLUME_ATTACHMENTS = r('storage.k8s.io', 'v1', 'volumeattachments', 'VolumeAttachment', false);

export function apiVersionOf(res: ApiResource): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/** `/api/v1/namespaces/ns/pods/name/status` and friends. */
export function resourcePath(res: ApiResource, opts: { namespace?: string; name?: string; subresource?: string } = {}): string {
  const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  const ns = res.namespaced && opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name ? `/${encodeURIComponent(opts.name)}` : '';
  const sub = opts.name && opts.subresource ? `/${opts.subresource}` : '';
  return `${base}${ns}/${res.plural}${name}${sub}`;
}
