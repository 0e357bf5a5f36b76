import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { fakeInstanceType } from '../../../controller/src/cloudprovider/fake/instance-types';
import { KubePod } from '../../../controller/src/core/kube-types';
import { NodeTermination } from '../../../controller/src/core/lifecycle/node-termination';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNode, ClusterNodeClaim, ClusterPod } from '../../../controller/src/core/state/objects';
import { KubeWriter, MemoryEventRecorder, MergePatch } from '../../../controller/src/core/state/ports';
import { VolumeState } from '../../../controller/src/core/state/volumes';
import { STUCK_TERMINATING_MS } from '../../../controller/src/core/termination/drain';
import { isDrainable, pendingVolumeAttachments, podClaimKeys, VolumeAttachment } from '../../../controller/src/core/termination/volumes';
import { FakeTimers } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';

const NOW = new Date('2026-01-01T00:00:00Z');

interface PodExtra { tolerant?: boolean; daemonSet?: boolean; static?: boolean; ephemeral?: string; deletedAt?: Date }

function pod(name: string, claims: string[], extra: PodExtra = {}): ClusterPod {
  const owners = [
    ...(extra.daemonSet ? [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', controller: true }] : []),
    ...(extra.static ? [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', controller: true }] : []),
  ];
  return {
    metadata: {
      name,
      namespace: 'default',
      ...(owners.length ? { ownerReferences: owners } : {}),
      ...(extra.deletedAt ? { deletionTimestamp: extra.deletedAt.toISOString() } : {}),
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'c' }],
      ...(extra.tolerant ? { tolerations: [{ key: 'karpenter.sh/disrupted', operator: 'Exists' }] } : {}),
      volumes: [
        ...claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
        ...(extra.ephemeral ? [{ name: extra.ephemeral, ephemeral: { volumeClaimTemplate: {} } }] : []),
        { name: 'config', configMap: { name: 'x' } },
      ],
    } as ClusterPod['spec'],
    status: { phase: 'Running' },
  } as ClusterPod;
}

const va = (name: string, pv: string | undefined, node = 'node-1'): VolumeAttachment => ({
  metadata: { name },
  spec: { attacher: 'ebs.csi.aws.com', nodeName: node, source: pv ? { persistentVolumeName: pv } : {} },
  status: { attached: true },
});

const claims: Record<string, string> = {
  'default/data': 'pv-data',
  'default/logs': 'pv-logs',
  'default/ds-data': 'pv-ds',
  'default/static-data': 'pv-static',
  'default/stuck-data': 'pv-stuck',
  'default/db-0-scratch': 'pv-scratch',
};

describe('pendingVolumeAttachments (upstream filterVolumeAttachments)', () => {
  const all = [va('va-data', 'pv-data'), va('va-logs', 'pv-logs'), va('va-ds', 'pv-ds'), va('va-static', 'pv-static'),
    va('va-stuck', 'pv-stuck'), va('va-scratch', 'pv-scratch'), va('va-gone', 'pv-of-an-evicted-pod'), va('va-inline', undefined)];
  const names = (pods: KubePod[]) => pendingVolumeAttachments({ attachments: all, pods, volumeOfClaim: k => claims[k], now: NOW })
    .map(v => v.metadata.name);

  test('claims of a pod: persistentVolumeClaim volumes and generic ephemeral volumes (<pod>-<volume>)', () => {
    expect(podClaimKeys(pod('db-0', ['data'], { ephemeral: 'scratch' }))).toEqual(['default/data', 'default/db-0-scratch']);
  });

  test('drainable pods: DaemonSet pods are drained, tolerant, static and stuck pods are not', () => {
    expect(isDrainable(pod('a', []), NOW.getTime())).toBe(true);
    expect(isDrainable(pod('a', [], { daemonSet: true }), NOW.getTime())).toBe(true);
    expect(isDrainable(pod('a', [], { tolerant: true }), NOW.getTime())).toBe(false);
    expect(isDrainable(pod('a', [], { static: true }), NOW.getTime())).toBe(false);
    expect(isDrainable(pod('a', [], { deletedAt: new Date(NOW.getTime() - STUCK_TERMINATING_MS - 1) }), NOW.getTime())).toBe(false);
    expect(isDrainable(pod('a', [], { deletedAt: new Date(NOW.getTime() - 1_000) }), NOW.getTime())).toBe(true);
  });

  test.each([
    ['no pods left: every attachment of a persistent volume is waited for', [],
      ['va-data', 'va-logs', 'va-ds', 'va-static', 'va-stuck', 'va-scratch', 'va-gone']],
    ['a tolerant DaemonSet pod keeps its volume attached: not waited for', [pod('csi-node', ['ds-data'], { daemonSet: true, tolerant: true })],
      ['va-data', 'va-logs', 'va-static', 'va-stuck', 'va-scratch', 'va-gone']],
    ['a DaemonSet pod that does not tolerate the taint is drained: its volume is waited for', [pod('agent', ['ds-data'], { daemonSet: true })],
      ['va-data', 'va-logs', 'va-ds', 'va-static', 'va-stuck', 'va-scratch', 'va-gone']],
    ['static and stuck-terminating pods are not drained', [
      pod('mirror', ['static-data'], { static: true }),
      pod('stuck', ['stuck-data'], { deletedAt: new Date(NOW.getTime() - STUCK_TERMINATING_MS - 1) }),
    ], ['va-data', 'va-logs', 'va-ds', 'va-scratch', 'va-gone']],
    ['a pod being drained: its volumes are waited for', [pod('db-0', ['data', 'logs'], { ephemeral: 'scratch' })],
      ['va-data', 'va-logs', 'va-ds', 'va-static', 'va-stuck', 'va-scratch', 'va-gone']],
    ['a tolerant pod with an ephemeral volume and an unknown claim', [pod('db-0', ['unknown'], { tolerant: true, ephemeral: 'scratch' })],
      ['va-data', 'va-logs', 'va-ds', 'va-static', 'va-stuck', 'va-gone']],
  ] as Array<[string, KubePod[], string[]]>)('%s', (_, pods, expected) => {
    expect(names(pods)).toEqual(expected);
  });

  test('no attachments: nothing to wait for', () => {
    expect(pendingVolumeAttachments({ attachments: [], pods: [], volumeOfClaim: () => undefined, now: NOW })).toEqual([]);
  });
});

describe('VolumeState', () => {
  test('indexes attachments by node and claims by namespace/name; moves and deletions', () => {
    const s = new VolumeState();
    s.upsertAttachment(va('a', 'pv-a', 'node-1'));
    s.upsertAttachment(va('b', 'pv-b', 'node-2'));
    expect(s.attachmentsOnNode('node-1').map(v => v.metadata.name)).toEqual(['a']);
    s.upsertAttachment(va('b', 'pv-b', 'node-1'));
    expect(s.attachmentsOnNode('node-1').map(v => v.metadata.name).sort()).toEqual(['a', 'b']);
    expect(s.attachmentsOnNode('node-2')).toEqual([]);
    s.deleteAttachment(va('a', 'pv-a'));
    expect(s.attachmentsOnNode('node-1').map(v => v.metadata.name)).toEqual(['b']);
    s.upsertClaim({ metadata: { name: 'data', namespace: 'apps' }, spec: { volumeName: 'pv-1' } });
    s.upsertClaim({ metadata: { name: 'pending', namespace: 'apps' }, spec: {} });
    expect(s.volumeOfClaim('apps/data')).toBe('pv-1');
    expect(s.volumeOfClaim('apps/pending')).toBeUndefined();
    s.deleteClaim({ metadata: { name: 'data', namespace: 'apps' } });
    expect(s.volumeOfClaim('apps/data')).toBeUndefined();
  });
});

function merge(t: any, p: any): any {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return p;
  const out = { ...(t ?? {}) };
  for (const [k, v] of Object.entries(p)) out[k] = v === null ? undefined : merge(out[k], v);
  return out;
}

/** Applies writes to the ClusterState directly. */
class StateWriter implements KubeWriter {
  constructor(private readonly cluster: ClusterState) {}
  async createNodeClaim(): Promise<ClusterNodeClaim> { throw new Error('unused'); }
  async patchNodeClaim(name: string, patch: MergePatch): Promise<ClusterNodeClaim> {
    const next = merge(this.cluster.nodeClaims.get(name), patch);
    this.cluster.upsertNodeClaim(next);
    return next;
  }
  async patchNodeClaimStatus(name: string, status: any): Promise<ClusterNodeClaim> {
    return this.patchNodeClaim(name, { status });
  }
  async deleteNodeClaim(): Promise<void> { throw new Error('unused'); }
  async patchNode(name: string, patch: MergePatch): Promise<ClusterNode> {
    const next = merge(this.cluster.nodes.get(name), patch);
    this.cluster.upsertNode(next);
    return next;
  }
  async deleteNode(): Promise<void> { throw new Error('unused'); }
  async evictPod(namespace: string, name: string): Promise<boolean> {
    const p = this.cluster.pods.get(`${namespace}/${name}`);
    if (p) this.cluster.deletePod(p);
    return true;
  }
}

describe('node termination waits for VolumeAttachments (VolumesDetached)', () => {
  async function setup(terminationGracePeriod?: string) {
    const clock = new FakeTimers(NOW.toISOString());
    const cluster = new ClusterState();
    const volumes = new VolumeState();
    const cloud = new FakeCloudProvider([fakeInstanceType({ name: 'm', cpu: 4, memoryGi: 16 })]);
    const events = new MemoryEventRecorder();
    const launched = await cloud.create({
      metadata: { name: 'default-abcde', labels: { 'karpenter.sh/nodepool': 'default' } },
      spec: { requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m'] }], terminationGracePeriod },
    });
    const providerID = launched.status!.providerID!;
    cluster.upsertNodeClaim({
      ...launched,
      metadata: { ...launched.metadata, name: 'default-abcde', deletionTimestamp: NOW.toISOString(), finalizers: ['karpenter.sh/termination'] },
      status: { ...launched.status, nodeName: 'node-1' },
    } as ClusterNodeClaim);
    cluster.upsertNode({
      metadata: { name: 'node-1', deletionTimestamp: NOW.toISOString(), finalizers: ['karpenter.sh/termination'], labels: { 'karpenter.sh/nodepool': 'default' } },
      spec: { providerID, taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] },
    });
    for (const [k, pv] of Object.entries(claims)) {
      const [namespace, name] = k.split('/');
      volumes.upsertClaim({ metadata: { name, namespace }, spec: { volumeName: pv } });
    }
    const termination = new NodeTermination({
      cluster, cloudProvider: cloud, writer: new StateWriter(cluster), events, logger: new MemoryLogger(), clock, volumes,
    });
    const conds = () => cluster.nodeClaims.get('default-abcde')!.status!.conditions ?? [];
    return { clock, cluster, volumes, cloud, events, termination, conds };
  }

  test('the instance is terminated only once the attachments of drained pods are gone; tolerant pods do not hold it', async () => {
    const { cluster, volumes, cloud, events, termination, conds } = await setup();
    cluster.upsertPod(pod('db-0', ['data']));
    cluster.upsertPod(pod('csi-node', ['ds-data'], { daemonSet: true, tolerant: true }));
    volumes.upsertAttachment(va('va-data', 'pv-data'));
    volumes.upsertAttachment(va('va-ds', 'pv-ds'));
    volumes.upsertAttachment(va('va-elsewhere', 'pv-logs', 'node-2'));

    // drain: db-0 is evicted (the tolerant DaemonSet pod stays)
    await termination.reconcile('node-1');
    expect(cluster.podsOnNode('node-1').map(p => p.metadata.name)).toEqual(['csi-node']);
    // drained, but va-data is still attached: wait
    expect(await termination.reconcile('node-1')).toEqual({ requeueAfterMs: 1_000 });
    expect(conds()).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'Drained', status: 'True' }),
      expect.objectContaining({ type: 'VolumesDetached', status: 'False', reason: 'AwaitingVolumeDetachment' }),
    ]));
    expect(cloud.deleteCalls).toHaveLength(0);
    await termination.reconcile('node-1');
    expect(cloud.deleteCalls).toHaveLength(0);
    expect(events.events.filter(e => e.reason === 'AwaitingVolumeDetachment')).toEqual([
      expect.objectContaining({ object: expect.objectContaining({ kind: 'Node', name: 'node-1' }), message: 'Awaiting deletion of bound volumeattachments (va-data)' }),
    ]);

    // the CSI driver detaches the volume: the instance is terminated (va-ds of the tolerant pod is not waited for)
    volumes.deleteAttachment(va('va-data', 'pv-data'));
    await termination.reconcile('node-1');
    expect(cloud.deleteCalls).toHaveLength(1);
    expect(conds()).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'VolumesDetached', status: 'True', reason: 'VolumesDetached' }),
      expect.objectContaining({ type: 'InstanceTerminating', status: 'True' }),
    ]));
  });

  test('terminationGracePeriod elapsed: the volume wait is skipped', async () => {
    const { clock, volumes, cloud, termination, conds } = await setup('1m');
    volumes.upsertAttachment(va('va-data', 'pv-data'));
    await termination.reconcile('node-1');
    expect(cloud.deleteCalls).toHaveLength(0);
    await clock.advance(61_000);
    await termination.reconcile('node-1');
    expect(cloud.deleteCalls).toHaveLength(1);
    expect(conds()).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'VolumesDetached', status: 'False', reason: 'TerminationGracePeriodElapsed' }),
    ]));
  });
});
