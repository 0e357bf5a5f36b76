/**
 * End-to-end through the real composition root (`startController`) with the AWS cloud provider: `@kubernetes/client-node`
 * against the in-process fake API server, and the real AWS SDK v3 clients whose transport is mocked by
 * `aws-sdk-client-mock` over a small fake account (`../aws/fake-aws.ts`). The EC2NodeClass becomes Ready, a pending
 * pod leads to a NodeClaim and a CreateFleet, the Node registers and initializes, the NodeClaim's deletion terminates
 * the instance and removes the finalizer. Then every AWS call made during the run is checked against the synthesized
 * controller policies with iam-simulate.
 */
import { FAST, httpGet, kubeletNode, nodePool, pendingPod, testSettings, waitFor } from './helpers';
import { startController, RunningController } from '../../../controller/src/main';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { PolicyDocument } from '../../helpers/resolve-template';
import { CLUSTER, FakeAws, REGION, ZONES } from '../aws/fake-aws';
import { deniedRequests, NODE_ROLE_NAME, policyDocuments } from '../aws/iam-check';
import { FakeApiServer, R } from '../helpers/fake-apiserver';

jest.setTimeout(60_000);

const NODE = 'ip-10-0-0-1.ec2.internal';
const ec2NodeClass = {
  apiVersion: 'karpenter.k8s.aws/v1',
  kind: 'EC2NodeClass',
  metadata: { name: 'default' },
  spec: {
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
    securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': CLUSTER } }],
    role: NODE_ROLE_NAME,
    tags: { team: 'platform' },
  },
};
const cond = (o: any, type: string) => (o?.status?.conditions ?? []).find((c: any) => c.type === type);

describe('controller end to end (AWS cloud provider, mocked SDK)', () => {
  const server = new FakeApiServer();
  const logger = new MemoryLogger();
  let aws: FakeAws;
  let documents: PolicyDocument[];
  let controller: RunningController | undefined;

  beforeAll(async () => {
    documents = policyDocuments();
    aws = new FakeAws();
    await server.start();
    server.create(R.nodePools, { ...nodePool(), metadata: { name: 'default' } });
    server.create(R.ec2NodeClasses, ec2NodeClass);
    controller = await startController({
      settings: testSettings({ clusterName: CLUSTER, awsRegion: REGION }),
      kubeServer: server.url,
      awsApis: aws.apis(),
      logger,
      host: '127.0.0.1',
      defaultMetrics: false,
      identity: 'e2e-aws',
      tuning: FAST,
      onLeadershipLost: () => undefined,
    });
  });

  afterAll(async () => {
    await controller?.stop();
    await server.stop();
    aws?.restore();
  });

  test('ec2nodeclass ready -> pending pod -> CreateFleet -> registered -> initialized -> terminated', async () => {
    expect(controller!.cloudProvider.name()).toBe('aws');
    await waitFor('leadership', () => controller!.operator.isLeader() && controller!.operator.synced());

    // the EC2NodeClass is reconciled and its status written back through the status subresource
    const nodeClass = await waitFor('a ready ec2nodeclass', () => {
      const o = server.get(R.ec2NodeClasses, 'default');
      return cond(o, 'Ready')?.status === 'True' ? o : undefined;
    });
    expect(nodeClass.status.subnets.map((s: any) => s.id).sort()).toEqual(['subnet-1', 'subnet-2', 'subnet-3']);
    expect(nodeClass.status.securityGroups.map((s: any) => s.id)).toEqual(['sg-1']);
    expect(nodeClass.status.amis.map((a: any) => a.id)).toContain('ami-amd64');
    expect(nodeClass.status.instanceProfile).toEqual(expect.any(String));
    expect(aws.instanceProfiles.get(nodeClass.status.instanceProfile)?.Roles?.map(r => r.RoleName)).toEqual([NODE_ROLE_NAME]);
    expect(server.requests.some(r => r.method === 'PATCH' && r.path.endsWith('/ec2nodeclasses/default/status'))).toBe(true);

    // a pending pod -> a NodeClaim launched with CreateFleet
    const pod = pendingPod('web-1');
    server.create(R.pods, { ...pod, metadata: { ...pod.metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: 'rs-1', controller: true }] } });
    const nc = await waitFor('a launched nodeclaim', () => server.list(R.nodeClaims).find(o => o.status?.providerID), 20_000);
    expect(nc.metadata.name).toMatch(/^default-[a-z0-9]{5}$/);
    expect(nc.metadata.finalizers).toEqual(['karpenter.sh/termination']);
    expect(nc.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
    expect(cond(nc, 'Launched')).toMatchObject({ status: 'True' });

    const fleets = aws.callsOf('CreateFleet');
    expect(fleets).toHaveLength(1);
    const fleet = fleets[0];
    expect(fleet.Type).toBe('instant');
    expect(fleet.TargetCapacitySpecification).toMatchObject({ TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' });
    // overrides: the NodeClaim's instance types x the zones they are offered in, each zone on its subnet
    const nodeClaimTypes: string[] = nc.spec.requirements.find((r: any) => r.key === 'node.kubernetes.io/instance-type').values;
    const overrides = fleet.LaunchTemplateConfigs.flatMap((c: any) => c.Overrides);
    const offered = new Set(aws.offerings.map(o => `${o.InstanceType}/${o.Location}`));
    const expected = nodeClaimTypes.flatMap(t => ZONES.filter(z => offered.has(`${t}/${z}`)).map(z => `${t}/${z}/subnet-${ZONES.indexOf(z) + 1}`));
    expect(overrides.map((o: any) => `${o.InstanceType}/${o.AvailabilityZone}/${o.SubnetId}`).sort()).toEqual(expected.sort());
    expect(overrides.length).toBeGreaterThan(ZONES.length);
    expect(expected).toEqual(expect.arrayContaining(['m5.large/test-zone-1a/subnet-1', 'm5.large/test-zone-1b/subnet-2', 'm5.large/test-zone-1c/subnet-3']));
    expect(new Set(overrides.map((o: any) => o.AvailabilityZone))).toEqual(new Set(ZONES));
    // every override is amd64 (the NodePool's requirement): no Graviton type
    expect(overrides.filter((o: any) => /^(c6g|t4g)\./.test(o.InstanceType))).toEqual([]);
    // tags on the instance, its volumes and the fleet
    expect(fleet.TagSpecifications.map((s: any) => s.ResourceType).sort()).toEqual(['fleet', 'instance', 'volume']);
    for (const spec of fleet.TagSpecifications) {
      expect(Object.fromEntries(spec.Tags.map((t: any) => [t.Key, t.Value]))).toMatchObject({
        [`kubernetes.io/cluster/${CLUSTER}`]: 'owned',
        'eks:eks-cluster-name': CLUSTER,
        'karpenter.sh/nodepool': 'default',
        'karpenter.sh/nodeclaim': nc.metadata.name,
        'karpenter.k8s.aws/ec2nodeclass': 'default',
        'team': 'platform',
      });
    }
    const instanceId = [...aws.instances.keys()][0];
    expect(aws.instances.size).toBe(1);
    const instance = aws.instances.get(instanceId)!;
    expect(nc.status.providerID).toBe(`aws:///${instance.Placement!.AvailabilityZone}/${instanceId}`);
    expect(nc.metadata.labels).toMatchObject({
      'karpenter.sh/nodepool': 'default',
      'node.kubernetes.io/instance-type': instance.InstanceType,
      'topology.kubernetes.io/zone': instance.Placement!.AvailabilityZone,
      'karpenter.sh/capacity-type': 'on-demand',
    });
    // the launch template the fleet used: the AMI from the alias, the instance profile, the cluster's security group
    const lt = aws.launchTemplates.get(fleet.LaunchTemplateConfigs[0].LaunchTemplateSpecification.LaunchTemplateName)!;
    expect(lt.data).toMatchObject({ ImageId: 'ami-amd64', SecurityGroupIds: ['sg-1'], IamInstanceProfile: { Name: nodeClass.status.instanceProfile } });

    // scrape-time gauges: the pod is pending on no node; the instance types the provisioner listed
    let metrics = (await httpGet(`http://127.0.0.1:${controller!.metricsPort}/metrics`)).body;
    expect(metrics).toContain('karpenter_pods_state{name="web-1",namespace="default",owner="/apis/apps/v1/namespaces/default/replicasets/web-7d9f",node="",nodepool="N/A",zone="N/A",arch="N/A",'
      + 'capacity_type="N/A",instance_type="N/A",phase="Pending"} 1');
    expect(metrics).toContain('karpenter_cloudprovider_instance_type_cpu_cores{instance_type="m5.large"} 2');
    // memory capacity net of the VM overhead (VM_MEMORY_OVERHEAD_PERCENT 7.5%), as upstream
    const memory = Number(/^karpenter_cloudprovider_instance_type_memory_bytes\{instance_type="m5.large"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(memory).toBeGreaterThan(8192 * 2 ** 20 * 0.92);
    expect(memory).toBeLessThan(8192 * 2 ** 20);
    expect(metrics).toContain('karpenter_cloudprovider_instance_type_offering_available{instance_type="m5.large",capacity_type="on-demand",zone="test-zone-1c"} 1');
    expect(metrics).toContain('karpenter_cloudprovider_instance_type_offering_price_estimate{instance_type="m5.large",capacity_type="on-demand",zone="test-zone-1a"} 0.096');
    expect(metrics).toContain('operator_nodeclaim_status_condition_count{type="Launched",status="True",reason="Launched"} 1');

    // the kubelet registers the Node
    server.create(R.nodes, kubeletNode(NODE, nc.status.providerID, nc));
    const registered = await waitFor('registration', () => {
      const c = server.get(R.nodeClaims, nc.metadata.name);
      return cond(c, 'Registered')?.status === 'True' ? c : undefined;
    });
    expect(registered.status.nodeName).toBe(NODE);
    const node = server.get(R.nodes, NODE)!;
    expect(node.metadata.finalizers).toContain('karpenter.sh/termination');
    expect(node.metadata.labels).toMatchObject({ 'karpenter.sh/registered': 'true', 'karpenter.sh/nodepool': 'default' });
    expect(node.spec.taints.map((t: any) => t.key)).not.toContain('karpenter.sh/unregistered');

    // Ready, startup taint removed -> initialized
    server.update(R.nodes, NODE, undefined, o => {
      o.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }];
      o.spec.taints = o.spec.taints.filter((t: any) => t.key !== 'example.com/agent-not-ready');
    });
    const initialized = await waitFor('initialization', () => {
      const c = server.get(R.nodeClaims, nc.metadata.name);
      return cond(c, 'Ready')?.status === 'True' ? c : undefined;
    });
    expect(cond(initialized, 'Initialized')).toMatchObject({ status: 'True' });
    expect(server.get(R.nodes, NODE)!.metadata.labels['karpenter.sh/initialized']).toBe('true');
    server.update(R.pods, 'web-1', 'default', o => {
      o.spec.nodeName = NODE;
      o.status = { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] };
    });

    const where = `zone="${instance.Placement!.AvailabilityZone}"`;
    // the informer sees the binding shortly after
    metrics = await waitFor('the bound pod in karpenter_pods_state', async () => {
      const body = (await httpGet(`http://127.0.0.1:${controller!.metricsPort}/metrics`)).body;
      return /^karpenter_pods_state\{name="web-1",.*phase="Running"\} 1$/m.test(body) ? body : undefined;
    });
    expect(metrics).toContain(`karpenter_nodes_allocatable{node_name="${NODE}",nodepool="default",resource_type="cpu",instance_type="${instance.InstanceType}",`
      + `capacity_type="on-demand",${where}} ${parseFloat(nc.status.allocatable.cpu) / (nc.status.allocatable.cpu.endsWith('m') ? 1000 : 1)}`);
    expect(metrics).toContain(`karpenter_pods_state{name="web-1",namespace="default",owner="/apis/apps/v1/namespaces/default/replicasets/web-7d9f",node="${NODE}",nodepool="default",${where},arch="amd64",`
      + `capacity_type="on-demand",instance_type="${instance.InstanceType}",phase="Running"} 1`);
    expect(metrics).toContain('operator_nodeclaim_status_condition_count{type="Initialized",status="True",reason="Initialized"} 1');
    expect(metrics).toContain('karpenter_cloudprovider_duration_seconds_count{controller="nodeclaim.lifecycle",method="Create",provider="aws"} 1');
    expect(metrics).toContain('karpenter_nodeclaims_created_total{reason="provisioning",nodepool="default",min_values_relaxed="false"} 1');

    // deletion: the Node is drained and the instance terminated; the finalizers stay until EC2 reports it terminated
    server.remove(R.nodeClaims, nc.metadata.name);
    await waitFor('TerminateInstances', () => aws.callsOf('TerminateInstances').length > 0, 15_000);
    expect(aws.callsOf('TerminateInstances')).toEqual([{ InstanceIds: [instanceId] }]);
    expect(server.get(R.pods, 'web-1', 'default')).toBeUndefined();
    expect(server.requests.some(r => r.method === 'POST' && r.path === '/api/v1/namespaces/default/pods/web-1/eviction')).toBe(true);
    expect(server.get(R.nodeClaims, nc.metadata.name)?.metadata.finalizers).toEqual(['karpenter.sh/termination']);
    instance.State = { Name: 'terminated' };
    await waitFor('node and nodeclaim gone', () => !server.get(R.nodes, NODE) && !server.get(R.nodeClaims, nc.metadata.name), 15_000);
    expect(aws.callsOf('TerminateInstances')).toHaveLength(1);
    await waitFor('the deleted nodeclaim log', () => logger.messages().includes('deleted nodeclaim'));
    expect(server.list(R.nodeClaims)).toEqual([]);
    // no stale series for the deleted objects
    metrics = await waitFor('no series of the deleted objects', async () => {
      const body = (await httpGet(`http://127.0.0.1:${controller!.metricsPort}/metrics`)).body;
      return body.includes(`node_name="${NODE}"`) ? undefined : body;
    });
    expect(metrics).not.toContain(`node_name="${NODE}"`);
    expect(metrics).not.toContain('karpenter_pods_state{');
    expect(metrics).not.toMatch(/^operator_nodeclaim_status_condition_count\{/m);

    for (const m of ['ec2nodeclass ready', 'found provisionable pod(s)', 'created nodeclaim', 'launched nodeclaim', 'registered nodeclaim', 'initialized nodeclaim']) {
      expect(logger.messages()).toContain(m);
    }
    expect(logger.entries.filter(e => e.level === 'ERROR')).toEqual([]);
  });

  test('every AWS call made during the run is allowed by the synthesized controller policies', async () => {
    const commands = new Set(aws.calls.map(c => `${c.service}:${c.command}`));
    for (const c of ['eks:DescribeCluster', 'ssm:GetParameter', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile', 'ec2:DescribeInstanceTypes', 'ec2:CreateLaunchTemplate', 'ec2:CreateFleet', 'ec2:TerminateInstances']) {
      expect(commands).toContain(c);
    }
    expect(aws.calls.every(c => c.region === REGION)).toBe(true);
    const { checked, denied } = await deniedRequests(documents, aws.calls, aws);
    expect(denied).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});
