/**
 * A table of varied, realistic NodePools and EC2NodeClasses that together set every field of both CRDs
 * (crd-schema.test.ts checks that they validate and that no field is left out).
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { KarpenterNodesChart } from '../../examples/gitops/main';
import {
  AmiFamily, AmiSelector, Budget, CapacityReservationSelectorTerm, ConsolidateAfter, ConsolidationPolicy, DisruptionReason, EbsVolumeType,
  Ec2NodeClass, EnablementState, ExpireAfter, HttpTokens, InstanceMatchCriteria, InstanceStorePolicy, ManifestWarnings, NetworkInterfaceType,
  NodeClassReference,
  NodePool, PlacementGroupSelector, Requirement, SecurityGroupSelectorTerm, SubnetSelectorTerm, Taint, WellKnownLabels,
} from '../../lib/manifests';

export interface Case {
  readonly title: string;
  readonly build: (chart: Chart) => NodePool | Ec2NodeClass;
}

const discovery = { 'karpenter.sh/discovery': 'my-cluster' };
const subnets = [SubnetSelectorTerm.tags(discovery)];
const securityGroups = [SecurityGroupSelectorTerm.tags(discovery)];

export const NODE_POOL_CASES: Case[] = [
  {
    title: 'the getting-started NodePool (GitOps example)',
    build: chart => new KarpenterNodesChart(chart, 'Guide').nodePool,
  },
  {
    title: 'a minimal NodePool referring to a node class by name',
    build: chart => new NodePool(chart, 'Minimal', { nodeClass: NodeClassReference.fromName('default') }),
  },
  {
    title: 'a GPU NodePool: taints, startup taints, node labels and annotations, ranges, minValues, limits',
    build: chart => {
      const pool = new NodePool(chart, 'Gpu', {
        metadata: { name: 'gpu', labels: { team: 'ml' } },
        nodeClass: NodeClassReference.fromName('gpu'),
        labels: { 'example.com/accelerator': 'nvidia', [WellKnownLabels.CAPACITY_TYPE]: 'on-demand' },
        annotations: { 'example.com/owner': 'ml-platform' },
        requirements: [
          Requirement.in(WellKnownLabels.INSTANCE_FAMILY, ['g5', 'g6', 'p4d'], { minValues: 2 }),
          Requirement.gt(WellKnownLabels.INSTANCE_GPU_COUNT, 0),
          Requirement.lt(WellKnownLabels.INSTANCE_GPU_COUNT, 9),
          Requirement.notIn(WellKnownLabels.ZONE, ['us-east-1e']),
          Requirement.exists('example.com/team', { minValues: 1 }),
          Requirement.doesNotExist('example.com/legacy'),
        ],
        taints: [Taint.noSchedule('nvidia.com/gpu', 'true')],
        startupTaints: [Taint.noExecute('example.com/gpu-driver', 'not-ready')],
        expireAfter: ExpireAfter.after(Duration.days(14)),
        terminationGracePeriod: Duration.hours(2),
        limits: { cpu: 512, memory: Size.tebibytes(2), extendedResources: { 'nvidia.com/gpu': '64' } },
        weight: 50,
      });
      pool.addTaint(Taint.preferNoSchedule('example.com/expensive'));
      pool.addLimit('pods', '2000');
      return pool;
    },
  },
  {
    title: 'a NodePool that never expires nor consolidates, with reason budgets and a macro schedule',
    build: chart => {
      const pool = new NodePool(chart, 'Stable', {
        metadata: { name: 'stable' },
        nodeClass: NodeClassReference.fromName('default'),
        requirements: [Requirement.in(WellKnownLabels.CAPACITY_TYPE, ['on-demand'])],
        expireAfter: ExpireAfter.never(),
        disruption: {
          consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY,
          consolidateAfter: ConsolidateAfter.never(),
          budgets: [Budget.nodes('5', { reasons: [DisruptionReason.EMPTY, DisruptionReason.DRIFTED] })],
        },
      });
      pool.addBudget(Budget.count(0, { schedule: '@daily', duration: Duration.minutes(90), reasons: [DisruptionReason.UNDERUTILIZED] }));
      return pool;
    },
  },
  {
    title: 'a static NodePool (replicas) with a node limit',
    build: chart => new NodePool(chart, 'Static', {
      metadata: { name: 'static' },
      nodeClass: NodeClassReference.fromName('default'),
      replicas: 3,
      limits: { nodes: 5 },
      requirements: [Requirement.in(WellKnownLabels.INSTANCE_TYPE, ['m7i.large'])],
    }),
  },
  {
    title: 'a Balanced NodePool with inclusive bounds and storage limits',
    build: chart => new NodePool(chart, 'Balanced', {
      metadata: { name: 'balanced' },
      nodeClass: NodeClassReference.fromName('default'),
      requirements: [
        Requirement.gte(WellKnownLabels.INSTANCE_CPU, 4),
        Requirement.lte(WellKnownLabels.INSTANCE_CPU, 32),
        Requirement.gt(WellKnownLabels.INSTANCE_GENERATION, 5),
        Requirement.in(WellKnownLabels.ARCH, ['arm64']),
      ],
      disruption: { consolidationPolicy: ConsolidationPolicy.BALANCED, consolidateAfter: ConsolidateAfter.after(Duration.minutes(5)) },
      limits: { cpu: 0.5, ephemeralStorage: Size.gibibytes(500), pods: 110 },
    }),
  },
];

export const EC2_NODE_CLASS_CASES: Case[] = [
  {
    title: 'the getting-started EC2NodeClass (GitOps example)',
    build: chart => new KarpenterNodesChart(chart, 'Guide').nodeClass,
  },
  {
    title: 'a minimal EC2NodeClass with the secure defaults',
    build: chart => new Ec2NodeClass(chart, 'Minimal', { role: 'KarpenterNodeRole-my-cluster', subnetSelectorTerms: subnets, securityGroupSelectorTerms: securityGroups }),
  },
  {
    title: 'a Bottlerocket EC2NodeClass with an instance profile, kubelet settings, tags and metadata options',
    build: chart => {
      const nodeClass = new Ec2NodeClass(chart, 'Bottlerocket', {
        metadata: { name: 'bottlerocket' },
        instanceProfile: 'KarpenterNodeInstanceProfile-my-cluster',
        amiFamily: AmiFamily.BOTTLEROCKET,
        amiSelectorTerms: [AmiSelector.alias('bottlerocket@v1.26.0')],
        subnetSelectorTerms: subnets,
        securityGroupSelectorTerms: securityGroups,
        tags: { 'team': 'platform', 'cost-center': '1234' },
        kubelet: {
          clusterDNS: ['10.100.0.10'],
          maxPods: 110,
          podsPerCore: 10,
          systemReserved: { 'cpu': '100m', 'memory': '100Mi', 'ephemeral-storage': '1Gi', 'pid': '1000' },
          kubeReserved: { 'cpu': '200m', 'memory': '100Mi', 'ephemeral-storage': '3Gi' },
          evictionHard: { 'memory.available': '5%', 'nodefs.available': '10%', 'nodefs.inodesFree': '10%' },
          evictionSoft: { 'memory.available': '500Mi', 'nodefs.available': '15%' },
          evictionSoftGracePeriod: { 'memory.available': Duration.minutes(1), 'nodefs.available': Duration.seconds(90) },
          evictionMaxPodGracePeriod: Duration.seconds(60),
          imageGCHighThresholdPercent: 85,
          imageGCLowThresholdPercent: 80,
          cpuCFSQuota: true,
        },
        userData: '[settings.kubernetes]\nmax-pods = 110\n',
        detailedMonitoring: true,
        associatePublicIPAddress: false,
        metadataOptions: { httpPutResponseHopLimit: 2, httpProtocolIPv6: EnablementState.ENABLED },
      });
      nodeClass.addTag('environment', 'prod');
      return nodeClass;
    },
  },
  {
    title: 'a Custom-AMI EC2NodeClass with id, name, tags and SSM terms and detailed volumes',
    build: chart => new Ec2NodeClass(chart, 'Custom', {
      metadata: { name: 'custom' },
      role: 'KarpenterNodeRole-my-cluster',
      amiFamily: AmiFamily.CUSTOM,
      amiSelectorTerms: [
        AmiSelector.id('ami-0123456789abcdef0'),
        AmiSelector.byName('my-eks-node-*', 'self'),
        AmiSelector.tags({ 'example.com/ami': 'eks-node' }, '123456789012'),
        AmiSelector.ssmParameter('/my/eks/ami-id'),
      ],
      subnetSelectorTerms: [SubnetSelectorTerm.id('subnet-0123456789abcdef0'), SubnetSelectorTerm.id('subnet-0fedcba9876543210')],
      securityGroupSelectorTerms: [SecurityGroupSelectorTerm.id('sg-0123456789abcdef0'), SecurityGroupSelectorTerm.byName('eks-nodes')],
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: Size.gibibytes(100),
            volumeType: EbsVolumeType.GP3,
            iops: 6000,
            throughput: 250,
            encrypted: true,
            kmsKeyID: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1234-5678-9abc-0123456789ab',
            deleteOnTermination: true,
          },
          rootVolume: true,
        },
        {
          deviceName: '/dev/xvdb',
          ebs: { snapshotID: 'snap-0123456789abcdef0', volumeInitializationRate: 200, volumeType: EbsVolumeType.IO2, iops: 10000 },
        },
      ],
      instanceStorePolicy: InstanceStorePolicy.RAID0,
      userData: '#!/bin/bash\n/etc/eks/bootstrap.sh my-cluster\n',
      metadataOptions: { httpTokens: HttpTokens.REQUIRED, httpEndpoint: EnablementState.ENABLED },
    }),
  },
  {
    title: 'an EFA EC2NodeClass with capacity reservations, a placement group and network options',
    build: chart => {
      const nodeClass = new Ec2NodeClass(chart, 'Efa', {
        metadata: { name: 'efa' },
        role: 'KarpenterNodeRole-my-cluster',
        amiSelectorTerms: [AmiSelector.alias('al2023@v20250715')],
        subnetSelectorTerms: subnets,
        securityGroupSelectorTerms: securityGroups,
        capacityReservationSelectorTerms: [
          CapacityReservationSelectorTerm.id('cr-0123456789abcdef0'),
          CapacityReservationSelectorTerm.of({ tags: { 'example.com/reservation': 'training' }, ownerID: '123456789012' }),
        ],
        placementGroupSelector: PlacementGroupSelector.byName('training-cluster'),
        networkInterfaces: [
          { networkCardIndex: 0, deviceIndex: 0, interfaceType: NetworkInterfaceType.INTERFACE },
          { networkCardIndex: 1, deviceIndex: 0, interfaceType: NetworkInterfaceType.EFA_ONLY },
        ],
        connectionTracking: {
          tcpEstablishedTimeout: Duration.hours(1),
          udpStreamTimeout: Duration.seconds(120),
          udpTimeout: Duration.seconds(30),
        },
        cpuOptions: { nestedVirtualization: EnablementState.DISABLED },
        ipPrefixCount: 1,
        context: 'cfr-0123456789abcdef0',
      });
      nodeClass.addCapacityReservationSelectorTerm(CapacityReservationSelectorTerm.of({ instanceMatchCriteria: InstanceMatchCriteria.OPEN }));
      return nodeClass;
    },
  },
  {
    title: 'a Windows EC2NodeClass with a placement group by ID and subnets added later',
    build: chart => {
      const nodeClass = new Ec2NodeClass(chart, 'Windows', {
        metadata: { name: 'windows' },
        role: 'KarpenterNodeRole-my-cluster',
        amiSelectorTerms: [AmiSelector.alias('windows2022@latest')],
        placementGroupSelector: PlacementGroupSelector.id('pg-0123456789abcdef0'),
      });
      nodeClass.addSubnetSelectorTerm(...subnets);
      nodeClass.addSecurityGroupSelectorTerm(...securityGroups);
      return nodeClass;
    },
  },
];

/** Renders one case in a fresh chart (warnings are collected, not printed). */
export function renderCase(c: Case): any {
  const chart = Testing.chart();
  ManifestWarnings.setHandler(chart, { warn: () => undefined });
  return c.build(chart).toJson();
}
