/**
 * End-to-end through the real composition root (`startController`) and `@kubernetes/client-node` against the
 * in-process fake API server, with the fake cloud provider: pending pod -> NodeClaim -> launched -> Node registers
 * and initializes -> deletion drains the Node, terminates the instance and removes the finalizers.
 */
import { FAST, httpGet, kubeletNode, nodePool, pendingPod, testSettings, waitFor } from './helpers';
import { FakeCloudProvider } from '../../../controller/src/cloudprovider/fake/cloud-provider';
import { fakeInstanceType } from '../../../controller/src/cloudprovider/fake/instance-types';
import { startController, RunningController } from '../../../controller/src/main';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { FakeApiServer, R } from '../helpers/fake-apiserver';

jest.setTimeout(60_000);

describe('controller end to end (fake cloud provider)', () => {
  const server = new FakeApiServer();
  const logger = new MemoryLogger();
  const cloud = new FakeCloudProvider([
    fakeInstanceType({ name: 'small', cpu: 2, memoryGi: 4 }),
    fakeInstanceType({ name: 'large', cpu: 8, memoryGi: 32 }),
  ]);
  let controller: RunningController | undefined;

  beforeAll(async () => {
    await server.start();
    server.create(R.nodePools, { ...nodePool(), metadata: { name: 'default' } });
    server.create(R.ec2NodeClasses, { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: {} });
    controller = await startController({
      settings: testSettings(),
      kubeServer: server.url,
      cloudProvider: cloud,
      logger,
      host: '127.0.0.1',
      defaultMetrics: false,
      identity: 'e2e-a',
      tuning: FAST,
      onLeadershipLost: () => undefined,
    });
  });

  afterAll(async () => {
    await controller?.stop();
    await server.stop();
  });

  test('pending pod -> nodeclaim -> registered -> initialized -> deleted', async () => {
    await waitFor('leadership', () => controller!.operator.isLeader() && controller!.operator.synced());
    expect(server.get(R.leases, 'karpenter-leader-election', 'kube-system')?.spec.holderIdentity).toBe('e2e-a');

    server.create(R.pods, pendingPod('web-1'));
    const nc = await waitFor('a launched nodeclaim', () => server.list(R.nodeClaims).find(o => o.status?.providerID));
    expect(nc.metadata.name).toMatch(/^default-[a-z0-9]{5}$/);
    expect(nc.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'NodePool', name: 'default', uid: expect.any(String) })]);
    expect(nc.metadata.annotations['karpenter.sh/nodepool-hash']).toMatch(/^\d+$/);
    expect(nc.metadata.annotations['karpenter.sh/nodepool-hash-version']).toBe('kcdk-v1');
    expect(nc.metadata.finalizers).toEqual(['karpenter.sh/termination']);
    expect(nc.metadata.labels).toMatchObject({ 'karpenter.sh/nodepool': 'default', 'team': 'e2e', 'node.kubernetes.io/instance-type': 'small' });
    expect(nc.spec.requirements).toEqual(expect.arrayContaining([
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ]));
    expect(nc.spec.resources.requests).toMatchObject({ cpu: '1', memory: '1Gi', pods: '1' });
    expect(nc.spec.startupTaints).toEqual([{ key: 'example.com/agent-not-ready', effect: 'NoSchedule' }]);
    expect(nc.status.conditions.find((c: any) => c.type === 'Launched')).toMatchObject({ status: 'True', reason: 'Launched' });
    expect(cloud.createCalls).toHaveLength(1);

    // the kubelet registers the Node
    server.create(R.nodes, kubeletNode('ip-10-0-0-1', nc.status.providerID, nc));
    const registered = await waitFor('registration', () => {
      const c = server.get(R.nodeClaims, nc.metadata.name);
      return c?.status?.conditions?.find((x: any) => x.type === 'Registered' && x.status === 'True') ? c : undefined;
    });
    expect(registered.status.nodeName).toBe('ip-10-0-0-1');
    const node = server.get(R.nodes, 'ip-10-0-0-1')!;
    expect(node.metadata.finalizers).toContain('karpenter.sh/termination');
    expect(node.metadata.labels).toMatchObject({ 'karpenter.sh/registered': 'true', 'karpenter.sh/nodepool': 'default', 'team': 'e2e' });
    expect(node.spec.taints.map((t: any) => t.key)).not.toContain('karpenter.sh/unregistered');
    expect(node.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'NodeClaim', name: nc.metadata.name })]);
    expect(server.get(R.nodeClaims, nc.metadata.name)!.status.conditions.find((c: any) => c.type === 'Initialized'))
      .toMatchObject({ status: 'Unknown', reason: 'NodeNotReady' });

    // the node becomes Ready and its agent removes the startup taint
    server.update(R.nodes, 'ip-10-0-0-1', undefined, o => {
      o.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }];
      o.spec.taints = o.spec.taints.filter((t: any) => t.key !== 'example.com/agent-not-ready');
    });
    const initialized = await waitFor('initialization', () => {
      const c = server.get(R.nodeClaims, nc.metadata.name);
      return c?.status?.conditions?.find((x: any) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
    });
    expect(initialized.status.conditions.find((c: any) => c.type === 'Initialized')).toMatchObject({ status: 'True' });
    expect(server.get(R.nodes, 'ip-10-0-0-1')!.metadata.labels['karpenter.sh/initialized']).toBe('true');

    // the scheduler binds the pod; no second NodeClaim is created for it
    server.update(R.pods, 'web-1', 'default', o => {
      o.spec.nodeName = 'ip-10-0-0-1';
      o.status = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    });

    const messages = logger.messages();
    for (const m of ['found provisionable pod(s)', 'created nodeclaim', 'launched nodeclaim', 'registered nodeclaim', 'initialized nodeclaim']) {
      expect(messages).toContain(m);
    }
    const events = server.list(R.events);
    expect(events.find(e => e.reason === 'Nominated')?.message).toBe(`Pod should schedule on: nodeclaim/${nc.metadata.name}`);

    const metrics = await httpGet(`http://127.0.0.1:${controller!.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('karpenter_nodeclaims_created_total{reason="provisioning",nodepool="default",min_values_relaxed="false"} 1');
    expect(metrics.body).toContain('karpenter_nodes_created_total{nodepool="default"} 1');
    expect(metrics.body).toContain('karpenter_cloudprovider_duration_seconds_count{controller="nodeclaim.lifecycle",method="Create",provider="fake"} 1');
    expect((await httpGet(`http://127.0.0.1:${controller!.healthProbePort}/healthz`)).status).toBe(200);
    expect((await httpGet(`http://127.0.0.1:${controller!.healthProbePort}/readyz`)).status).toBe(200);

    // deletion: the node is drained through the Eviction API, the instance terminated, the finalizers removed
    server.remove(R.nodeClaims, nc.metadata.name);
    await waitFor('nodeclaim gone', () => !server.get(R.nodeClaims, nc.metadata.name), 15_000);
    expect(server.get(R.nodes, 'ip-10-0-0-1')).toBeUndefined();
    expect(server.get(R.pods, 'web-1', 'default')).toBeUndefined();
    expect(server.requests.some(r => r.method === 'POST' && r.path === '/api/v1/namespaces/default/pods/web-1/eviction')).toBe(true);
    expect(cloud.deleteCalls.length).toBeGreaterThanOrEqual(1);
    expect(cloud.created.size).toBe(0);
    // the server drops the object before the controller has read the response: wait for its log line
    await waitFor('the deleted nodeclaim log', () => logger.messages().includes('deleted nodeclaim'));
    expect(logger.entries.filter(e => e.level === 'ERROR')).toEqual([]);
  });
});
