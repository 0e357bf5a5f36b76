import { Lazy, Token } from 'aws-cdk-lib';
import { Duration, Size, Testing } from 'cdk8s';
import { crdErrors } from './crd-schema';
import { expectValidationError } from './helpers';
import {
  AmiFamily, AmiSelector, BlockDeviceMapping, CapacityReservationSelectorTerm, EbsVolumeType, Ec2NodeClass, Ec2NodeClassProps, EnablementState,
  HttpTokens, InstanceMatchCriteria, InstanceStorePolicy, NetworkInterfaceType, PlacementGroupSelector, SecurityGroupSelectorTerm, SubnetSelectorTerm,
} from '../../lib/manifests';

const discovery = { 'karpenter.sh/discovery': 'my-cluster' };
const base: Ec2NodeClassProps = {
  metadata: { name: 'test' },
  role: 'KarpenterNodeRole-my-cluster',
  subnetSelectorTerms: [SubnetSelectorTerm.tags(discovery)],
  securityGroupSelectorTerms: [SecurityGroupSelectorTerm.tags(discovery)],
};

function build(props: Partial<Ec2NodeClassProps> = {}): Ec2NodeClass {
  return new Ec2NodeClass(Testing.chart(), 'Class', { ...base, ...props });
}

function render(props: Partial<Ec2NodeClassProps> = {}): any {
  return build(props).toJson();
}

const encryptedGp3 = (deviceName: string, size: string) => ({
  deviceName, ebs: { volumeSize: size, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
});

describe('rendering and secure defaults', () => {
  test('a minimal EC2NodeClass: AL2023 latest, IMDSv2 with hop limit 1, an encrypted gp3 root volume', () => {
    expect(render()).toEqual({
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'test' },
      spec: {
        role: 'KarpenterNodeRole-my-cluster',
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: discovery }],
        securityGroupSelectorTerms: [{ tags: discovery }],
        blockDeviceMappings: [encryptedGp3('/dev/xvda', '20Gi')],
        metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      },
    });
  });

  test.each<[string, Partial<Ec2NodeClassProps>, AmiFamily | undefined, any[], any[] | undefined]>([
    ['AL2023 by default', {}, AmiFamily.AL2023, [{ alias: 'al2023@latest' }], [encryptedGp3('/dev/xvda', '20Gi')]],
    ['AL2 family', { amiFamily: AmiFamily.AL2 }, AmiFamily.AL2, [{ alias: 'al2@latest' }], [encryptedGp3('/dev/xvda', '20Gi')]],
    ['Bottlerocket family: an OS and a data volume', { amiFamily: AmiFamily.BOTTLEROCKET }, AmiFamily.BOTTLEROCKET,
      [{ alias: 'bottlerocket@latest' }], [encryptedGp3('/dev/xvda', '4Gi'), encryptedGp3('/dev/xvdb', '20Gi')]],
    ['Bottlerocket alias', { amiSelectorTerms: [AmiSelector.alias('bottlerocket@v1.26.0')] }, AmiFamily.BOTTLEROCKET,
      [{ alias: 'bottlerocket@v1.26.0' }], [encryptedGp3('/dev/xvda', '4Gi'), encryptedGp3('/dev/xvdb', '20Gi')]],
    ['Windows alias', { amiSelectorTerms: [AmiSelector.alias('windows2025@latest')] }, AmiFamily.WINDOWS_2025,
      [{ alias: 'windows2025@latest' }], [encryptedGp3('/dev/sda1', '50Gi')]],
    ['Windows 2019 family', { amiFamily: AmiFamily.WINDOWS_2019 }, AmiFamily.WINDOWS_2019, [{ alias: 'windows2019@latest' }], [encryptedGp3('/dev/sda1', '50Gi')]],
    ['Custom family: the AMI mappings', { amiFamily: AmiFamily.CUSTOM, amiSelectorTerms: [AmiSelector.id('ami-0123')] }, AmiFamily.CUSTOM,
      [{ id: 'ami-0123' }], undefined],
    ['Custom with an alias: the AMI mappings', { amiFamily: AmiFamily.CUSTOM, amiSelectorTerms: [AmiSelector.alias('al2023@latest')] }, AmiFamily.CUSTOM,
      [{ alias: 'al2023@latest' }], undefined],
  ])('%s', (_title, props, family, terms, mappings) => {
    const nodeClass = build(props);
    const spec = nodeClass.toJson().spec;
    expect(nodeClass.effectiveAmiFamily).toBe(family);
    expect(spec.amiSelectorTerms).toEqual(terms);
    expect(spec.blockDeviceMappings).toEqual(mappings);
  });

  test('given block device mappings are used as given, and replace the defaults', () => {
    const mapping: BlockDeviceMapping = { deviceName: '/dev/xvda', ebs: { volumeSize: Size.gibibytes(100), volumeType: EbsVolumeType.GP3 } };
    expect(render({ blockDeviceMappings: [mapping] }).spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi', volumeType: 'gp3' } }]);
    const nodeClass = build();
    nodeClass.addBlockDeviceMapping({ ...mapping, rootVolume: true });
    expect(nodeClass.toJson().spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '100Gi', volumeType: 'gp3' } }]);
  });

  test('metadata options left out keep the secure defaults', () => {
    expect(render({ metadataOptions: { httpPutResponseHopLimit: 2 } }).spec.metadataOptions)
      .toEqual({ httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 2, httpTokens: 'required' });
    expect(render({ metadataOptions: { httpTokens: HttpTokens.OPTIONAL, httpEndpoint: EnablementState.DISABLED } }).spec.metadataOptions)
      .toEqual({ httpEndpoint: 'disabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'optional' });
  });

  test('values added after construction are rendered: selectors, AMI terms, tags, reservations', () => {
    const nodeClass = new Ec2NodeClass(Testing.chart(), 'Class', { metadata: { name: 'test' }, instanceProfile: 'NodeProfile', amiFamily: AmiFamily.AL2023 });
    nodeClass.addSubnetSelectorTerm(SubnetSelectorTerm.id('subnet-0abc'));
    nodeClass.addSecurityGroupSelectorTerm(SecurityGroupSelectorTerm.byName('nodes'), SecurityGroupSelectorTerm.id('sg-0abc'));
    nodeClass.addAmiSelectorTerm(AmiSelector.tags({ 'example.com/ami': 'eks' }, 'self'));
    nodeClass.addTag('team', 'platform');
    nodeClass.addCapacityReservationSelectorTerm(CapacityReservationSelectorTerm.of({ instanceMatchCriteria: InstanceMatchCriteria.TARGETED }));
    const spec = nodeClass.toJson().spec;
    expect(spec).toMatchObject({
      instanceProfile: 'NodeProfile',
      amiFamily: 'AL2023',
      amiSelectorTerms: [{ tags: { 'example.com/ami': 'eks' }, owner: 'self' }],
      subnetSelectorTerms: [{ id: 'subnet-0abc' }],
      securityGroupSelectorTerms: [{ name: 'nodes' }, { id: 'sg-0abc' }],
      tags: { team: 'platform' },
      capacityReservationSelectorTerms: [{ instanceMatchCriteria: 'targeted' }],
    });
    expect(spec.role).toBeUndefined();
  });

  test('kubelet durations are rendered as Go durations and seconds', () => {
    expect(render({
      kubelet: {
        evictionSoft: { 'memory.available': '500Mi', 'nodefs.available': '15%' },
        evictionSoftGracePeriod: { 'memory.available': Duration.minutes(1), 'nodefs.available': Duration.seconds(90) },
        evictionMaxPodGracePeriod: Duration.minutes(2),
      },
    }).spec.kubelet).toEqual({
      evictionSoft: { 'memory.available': '500Mi', 'nodefs.available': '15%' },
      evictionSoftGracePeriod: { 'memory.available': '1m', 'nodefs.available': '1m30s' },
      evictionMaxPodGracePeriod: 120,
    });
  });

  test('connection tracking timeouts are rendered in seconds', () => {
    expect(render({ connectionTracking: { tcpEstablishedTimeout: Duration.days(5), udpTimeout: Duration.seconds(60) } }).spec.connectionTracking)
      .toEqual({ tcpEstablishedTimeout: 432000, udpTimeout: 60 });
  });

  test('subnet and security group selectors may be added after construction, but must exist when rendered', () => {
    const nodeClass = new Ec2NodeClass(Testing.chart(), 'Class', { metadata: { name: 'test' }, role: 'NodeRole' });
    expectValidationError(() => nodeClass.toJson(), 'EC2NodeClass "test": subnetSelectorTerms ([]): at least one term is required. '
      + "Pass SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': clusterName }) or call addSubnetSelectorTerm().");
    nodeClass.addSubnetSelectorTerm(SubnetSelectorTerm.tags(discovery));
    expectValidationError(() => nodeClass.toJson(), 'EC2NodeClass "test": securityGroupSelectorTerms ([]): at least one term is required. '
      + "Pass SecurityGroupSelectorTerm.tags({ 'karpenter.sh/discovery': clusterName }) or call addSecurityGroupSelectorTerm().");
    nodeClass.addSecurityGroupSelectorTerm(SecurityGroupSelectorTerm.tags(discovery));
    expect(crdErrors(nodeClass.toJson())).toEqual([]);
  });

  test('AWS CDK tokens (role name, cluster name, IDs) pass through unchecked', () => {
    const token = (value: string) => Lazy.string({ produce: () => value });
    const role = token('NodeRole');
    const cluster = token('my-cluster');
    const subnet = token('subnet-0abc');
    const ami = token('ami-0abc');
    const key = token('arn:aws:kms:us-east-1:123456789012:key/x');
    expect(Token.isUnresolved(role)).toBe(true);
    const spec = render({
      role,
      amiFamily: AmiFamily.AL2023,
      amiSelectorTerms: [AmiSelector.id(ami)],
      subnetSelectorTerms: [SubnetSelectorTerm.id(subnet), SubnetSelectorTerm.tags({ 'karpenter.sh/discovery': cluster })],
      tags: { 'example.com/cluster': cluster },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: Size.gibibytes(50), encrypted: true, kmsKeyID: key } }],
    }).spec;
    expect(spec.role).toBe(role);
    expect(spec.amiSelectorTerms).toEqual([{ id: ami }]);
    expect(spec.subnetSelectorTerms).toEqual([{ id: subnet }, { tags: { 'karpenter.sh/discovery': cluster } }]);
    expect(spec.tags).toEqual({ 'example.com/cluster': cluster });
    expect(spec.blockDeviceMappings[0].ebs.kmsKeyID).toBe(key);
  });
});

describe('validation', () => {
  const P = 'EC2NodeClass "test": ';
  const ALIAS_FIX = "Use family@version with a family among al2, al2023, bottlerocket, windows2019, windows2022, windows2025, e.g. AmiSelector.alias('al2023@v20240625').";
  const RESERVED_TAG = 'Remove this tag (Karpenter tags every resource it creates with it).';
  const gp3 = (props: Partial<BlockDeviceMapping['ebs']> = {}): BlockDeviceMapping => ({ deviceName: '/dev/xvda', ebs: { volumeSize: Size.gibibytes(20), ...props } });
  const interfaceAt = (networkCardIndex: number, deviceIndex: number, interfaceType = NetworkInterfaceType.INTERFACE) => ({
    networkCardIndex, deviceIndex, interfaceType,
  });

  describe.each<[string, Partial<Ec2NodeClassProps>, string]>([
    // --- role / instanceProfile
    ['both role and instanceProfile', { instanceProfile: 'NodeProfile' },
      'role, instanceProfile (both set: "KarpenterNodeRole-my-cluster", "NodeProfile"): exactly one of role and instanceProfile must be set. '
      + 'Remove one: role (Karpenter manages the instance profile) or instanceProfile (an existing one).'],
    ['neither role nor instanceProfile', { role: undefined },
      'role, instanceProfile (neither set): exactly one of role and instanceProfile must be set. '
      + 'Set role to the name of the node IAM role, or instanceProfile to an existing instance profile.'],
    ['an empty role', { role: '' }, 'role (""): role may not be empty. Set role to a name, or remove it.'],
    ['an empty instance profile', { role: undefined, instanceProfile: ' ' }, 'instanceProfile (" "): instanceProfile may not be empty. Set instanceProfile to a name, or remove it.'],
    // --- AMI selector terms
    ['Custom without AMI terms', { amiFamily: AmiFamily.CUSTOM },
      "amiSelectorTerms ([]): at least one term is required with amiFamily Custom. Add AmiSelector.id('ami-...'), AmiSelector.tags({...}) or AmiSelector.ssmParameter('...')."],
    ['31 AMI terms', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: Array.from({ length: 31 }, (_, i) => AmiSelector.byName(`ami-${i}`)) },
      'amiSelectorTerms (31 terms): at most 30 terms are allowed. Remove terms.'],
    ['a term with only an owner', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: [AmiSelector.of({ owner: 'self' })] },
      'amiSelectorTerms[0] ({"owner":"self"}): a term needs at least one of tags, id, name, alias or ssmParameter. '
      + "Use AmiSelector.alias('al2023@latest') or another AmiSelector factory."],
    ['an id with a name', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: [AmiSelector.of({ id: 'ami-0abc', name: 'x' })] },
      'amiSelectorTerms[0] ({"id":"ami-0abc","name":"x"}): id cannot be combined with alias, tags, name or owner in the same term. '
      + 'Use AmiSelector.id(id) alone, or put the other fields in another term.'],
    ['an alias with an owner', { amiSelectorTerms: [AmiSelector.of({ alias: 'al2023@latest', owner: 'amazon' })] },
      'amiSelectorTerms[0] ({"alias":"al2023@latest","owner":"amazon"}): alias cannot be combined with other fields in the same term (got alias, owner). '
      + 'Use AmiSelector.alias(alias) alone.'],
    ['an alias with another term', { amiSelectorTerms: [AmiSelector.alias('al2023@latest'), AmiSelector.id('ami-0abc')] },
      'amiSelectorTerms[0] ({"alias":"al2023@latest"}): an alias term must be the only term, got 2 terms. '
      + 'Keep only the alias term, or select AMIs by id, name, tags or ssmParameter.'],
    ['an alias without a version', { amiSelectorTerms: [AmiSelector.alias('al2023')] },
      `amiSelectorTerms[0].alias ("al2023"): alias must have the form 'family@version'. ${ALIAS_FIX}`],
    ['an alias longer than 30 characters', { amiSelectorTerms: [AmiSelector.alias('bottlerocket@v1.26.0-0123456789')] },
      `amiSelectorTerms[0].alias ("bottlerocket@v1.26.0-0123456789"): alias is longer than 30 characters (31). ${ALIAS_FIX}`],
    ['an unknown alias family', { amiSelectorTerms: [AmiSelector.alias('ubuntu@latest')] },
      `amiSelectorTerms[0].alias ("ubuntu@latest"): family "ubuntu" is not supported. ${ALIAS_FIX}`],
    ['a pinned Windows alias', { amiSelectorTerms: [AmiSelector.alias('windows2022@v20250101')] },
      "amiSelectorTerms[0].alias (\"windows2022@v20250101\"): windows families may only specify version latest. Use AmiSelector.alias('windows2022@latest')."],
    ['an AMI id not ami-...', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: [AmiSelector.id('ami_0abc')] },
      'amiSelectorTerms[0] ({"id":"ami_0abc"}): id "ami_0abc" is not an AMI ID. '
      + "Use an ID of the form ami-0123456789abcdef0, or AmiSelector.ssmParameter('...') for an AMI ID in SSM."],
    ['an empty AMI tag value', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: [AmiSelector.tags({ Name: '' })] },
      'amiSelectorTerms[0].tags ("Name": ""): empty tag keys or values are not supported. Use \'*\' to match any value of a key.'],
    ['21 AMI tags', { amiFamily: AmiFamily.AL2023, amiSelectorTerms: [AmiSelector.tags(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])))] },
      'amiSelectorTerms[0].tags (21 tags): at most 20 tags are allowed in a term. Split the term or remove tags.'],
    // --- amiFamily
    ['amiFamily not matching the alias', { amiFamily: AmiFamily.AL2, amiSelectorTerms: [AmiSelector.alias('al2023@latest')] },
      'amiFamily ("AL2"): must be AL2023 or Custom with the alias "al2023@latest" (amiSelectorTerms[0]). Remove amiFamily (it is inferred from the alias), or set AmiFamily.AL2023.'],
    ['amiFamily missing without an alias', { amiSelectorTerms: [AmiSelector.ssmParameter('/my/ami')] },
      'amiFamily (not set): amiFamily is required when amiSelectorTerms has no alias. '
      + 'Set amiFamily to the family of the selected AMIs (e.g. AmiFamily.AL2023), or AmiFamily.CUSTOM with your own userData.'],
    ['an unknown amiFamily', { amiFamily: 'Ubuntu' as AmiFamily },
      'amiFamily ("Ubuntu"): is not one of AL2, AL2023, Bottlerocket, Custom, Windows2019, Windows2022, Windows2025. Use an AmiFamily value such as AmiFamily.AL2023.'],
    // --- subnets, security groups
    ['a subnet id not subnet-...', { subnetSelectorTerms: [SubnetSelectorTerm.id('sn-0abc')] },
      'subnetSelectorTerms[0] ("sn-0abc"): id "sn-0abc" is not a subnet ID. Use an ID of the form subnet-0123456789abcdef0, or select by tags.'],
    ['an empty subnet tag key', { subnetSelectorTerms: [SubnetSelectorTerm.tags({ '': 'x' })] },
      'subnetSelectorTerms[0].tags ("": "x"): empty tag keys or values are not supported. Use \'*\' to match any value of a key.'],
    ['31 subnet terms', { subnetSelectorTerms: Array.from({ length: 31 }, (_, i) => SubnetSelectorTerm.id(`subnet-${i}`)) },
      'subnetSelectorTerms (31 terms): at most 30 terms are allowed. Remove terms, or select several resources by tags in one term.'],
    ['a security group id not sg-...', { securityGroupSelectorTerms: [SecurityGroupSelectorTerm.id('0abc')] },
      'securityGroupSelectorTerms[0] ("0abc"): id "0abc" is not a security group ID. Use an ID of the form sg-0123456789abcdef0, or select by tags.'],
    ['an empty security group name', { securityGroupSelectorTerms: [SecurityGroupSelectorTerm.byName('')] },
      'securityGroupSelectorTerms[0] (""): name may not be empty. Use the security group name, or select by tags.'],
    // --- capacity reservations, placement group
    ['an empty reservation term', { capacityReservationSelectorTerms: [CapacityReservationSelectorTerm.of({})] },
      "capacityReservationSelectorTerms[0] ({}): a term needs at least one of tags, id or instanceMatchCriteria. Use CapacityReservationSelectorTerm.id('cr-...') or CapacityReservationSelectorTerm.of({ tags })."],
    ['a reservation term with only an owner', { capacityReservationSelectorTerms: [CapacityReservationSelectorTerm.of({ ownerID: '123456789012' })] },
      'capacityReservationSelectorTerms[0] ({"ownerID":"123456789012"}): a term needs at least one of tags, id or instanceMatchCriteria. '
      + "Use CapacityReservationSelectorTerm.id('cr-...') or CapacityReservationSelectorTerm.of({ tags })."],
    ['a reservation id not cr-...', { capacityReservationSelectorTerms: [CapacityReservationSelectorTerm.id('cr_1')] },
      'capacityReservationSelectorTerms[0] ({"id":"cr_1"}): id "cr_1" is not a capacity reservation ID. Use an ID of the form cr-0123456789abcdef0.'],
    ['an owner that is not an account ID', { capacityReservationSelectorTerms: [CapacityReservationSelectorTerm.of({ tags: { a: 'b' }, ownerID: 'self' })] },
      'capacityReservationSelectorTerms[0] ({"tags":{"a":"b"},"ownerID":"self"}): ownerID "self" is not a 12-digit account ID. Use the account ID that owns the reservation, e.g. 123456789012.'],
    ['an unknown match criteria', { capacityReservationSelectorTerms: [CapacityReservationSelectorTerm.of({ instanceMatchCriteria: 'any' as InstanceMatchCriteria })] },
      'capacityReservationSelectorTerms[0] ({"instanceMatchCriteria":"any"}): instanceMatchCriteria "any" is not one of open, targeted. Use InstanceMatchCriteria.OPEN or InstanceMatchCriteria.TARGETED.'],
    ['a placement group id not pg-...', { placementGroupSelector: PlacementGroupSelector.id('training') },
      "placementGroupSelector (\"training\"): id \"training\" is not a placement group ID. Use an ID of the form pg-0123456789abcdef0, or PlacementGroupSelector.byName('...')."],
    ['an empty placement group name', { placementGroupSelector: PlacementGroupSelector.byName('') },
      'placementGroupSelector (""): name may not be empty. Use the placement group name.'],
    // --- tags
    ['the EKS cluster name tag', { tags: { 'eks:eks-cluster-name': 'x' } }, `tags["eks:eks-cluster-name"] ("x"): tag "eks:eks-cluster-name" is reserved: Karpenter sets it. ${RESERVED_TAG}`],
    ['the cluster ownership tag', { tags: { 'kubernetes.io/cluster/my-cluster': 'owned' } },
      `tags["kubernetes.io/cluster/my-cluster"] ("owned"): tag "kubernetes.io/cluster/my-cluster" is reserved: Karpenter sets it. ${RESERVED_TAG}`],
    ['the nodepool tag', { tags: { 'karpenter.sh/nodepool': 'x' } }, `tags["karpenter.sh/nodepool"] ("x"): tag "karpenter.sh/nodepool" is reserved: Karpenter sets it. ${RESERVED_TAG}`],
    ['the nodeclaim tag', { tags: { 'karpenter.sh/nodeclaim': 'x' } }, `tags["karpenter.sh/nodeclaim"] ("x"): tag "karpenter.sh/nodeclaim" is reserved: Karpenter sets it. ${RESERVED_TAG}`],
    ['the ec2nodeclass tag', { tags: { 'karpenter.k8s.aws/ec2nodeclass': 'x' } },
      `tags["karpenter.k8s.aws/ec2nodeclass"] ("x"): tag "karpenter.k8s.aws/ec2nodeclass" is reserved: Karpenter sets it. ${RESERVED_TAG}`],
    ['an empty tag key', { tags: { '': 'x' } }, 'tags[""] ("x"): empty tag keys are not supported. Use a non-empty key.'],
    // --- kubelet
    ['negative maxPods', { kubelet: { maxPods: -1 } }, 'kubelet.maxPods (-1): must be a non-negative integer. Use a whole number, e.g. 110.'],
    ['fractional podsPerCore', { kubelet: { podsPerCore: 1.5 } }, 'kubelet.podsPerCore (1.5): must be a non-negative integer. Use a whole number, e.g. 110.'],
    ['an unknown reserved resource', { kubelet: { systemReserved: { gpu: '1' } } },
      'kubelet.systemReserved["gpu"] ("1"): "gpu" is not a valid key for systemReserved. Use one of cpu, memory, ephemeral-storage, pid.'],
    ['a reserved value that is not a quantity', { kubelet: { kubeReserved: { memory: '100MB' } } },
      'kubelet.kubeReserved["memory"] ("100MB"): is not a valid Kubernetes quantity. Use a quantity such as "100m", "100Mi" or "1Gi".'],
    ['a negative reserved value', { kubelet: { kubeReserved: { cpu: '-100m' } } },
      'kubelet.kubeReserved["cpu"] ("-100m"): kubeReserved value cannot be a negative resource quantity. Use a quantity of 0 or more.'],
    ['an unknown eviction signal', { kubelet: { evictionHard: { 'memory.free': '5%' } } },
      'kubelet.evictionHard["memory.free"] ("5%"): "memory.free" is not a valid eviction signal. '
      + 'Use one of memory.available, nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available.'],
    ['an eviction threshold of 101%', { kubelet: { evictionHard: { 'memory.available': '101%' } } },
      'kubelet.evictionHard["memory.available"] ("101%"): is not a percentage or a quantity. Use a threshold such as "5%" or "500Mi".'],
    ['a soft threshold without grace period', { kubelet: { evictionSoft: { 'memory.available': '500Mi' } } },
      "kubelet.evictionSoft[\"memory.available\"] (\"500Mi\"): has no matching evictionSoftGracePeriod. Add evictionSoftGracePeriod: { 'memory.available': Duration.minutes(1) }."],
    ['a grace period without soft threshold', { kubelet: { evictionSoftGracePeriod: { 'nodefs.available': Duration.minutes(2) } } },
      "kubelet.evictionSoftGracePeriod[\"nodefs.available\"] (2m): has no matching evictionSoft threshold. Add evictionSoft: { 'nodefs.available': '500Mi' } or remove the grace period."],
    ['a grace period for an unknown signal', { kubelet: { evictionSoftGracePeriod: { 'disk.available': Duration.minutes(2) } } },
      'kubelet.evictionSoftGracePeriod["disk.available"] (2m): "disk.available" is not a valid eviction signal. '
      + 'Use one of memory.available, nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available.'],
    ['a grace period with milliseconds', { kubelet: { evictionSoft: { 'memory.available': '1Gi' }, evictionSoftGracePeriod: { 'memory.available': Duration.millis(500) } } },
      'kubelet.evictionSoftGracePeriod["memory.available"] (500ms): must be a whole number of seconds. Use Duration.seconds(n) or Duration.minutes(n).'],
    ['evictionMaxPodGracePeriod with milliseconds', { kubelet: { evictionMaxPodGracePeriod: Duration.millis(1500) } },
      'kubelet.evictionMaxPodGracePeriod (1500ms): must be a whole number of seconds. Use Duration.seconds(n).'],
    ['an image GC threshold of 101', { kubelet: { imageGCHighThresholdPercent: 101 } },
      'kubelet.imageGCHighThresholdPercent (101): must be an integer from 0 to 100. Use a percentage of disk usage, e.g. 85.'],
    ['image GC high not above low', { kubelet: { imageGCHighThresholdPercent: 80, imageGCLowThresholdPercent: 80 } },
      'kubelet.imageGCHighThresholdPercent (80): imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent (80). '
      + 'Raise imageGCHighThresholdPercent or lower imageGCLowThresholdPercent.'],
    // --- block device mappings
    ['a volume size of 0', { blockDeviceMappings: [gp3({ volumeSize: Size.gibibytes(0) })] },
      'blockDeviceMappings[0].ebs.volumeSize (0Gi): volume size must be positive. Use Size.gibibytes(n) with n from 1 to 59000, e.g. Size.gibibytes(50).'],
    ['a volume size in MiB', { blockDeviceMappings: [gp3({ volumeSize: Size.mebibytes(1536) })] },
      'blockDeviceMappings[0].ebs.volumeSize (1536Mi): must be a whole number of GiB. Use Size.gibibytes(n), e.g. Size.gibibytes(50).'],
    ['a volume of 60 TiB', { blockDeviceMappings: [gp3({ volumeSize: Size.tebibytes(60) })] },
      'blockDeviceMappings[0].ebs.volumeSize (60Ti): volume size must be at most 59000 GiB. Use a smaller volume, or several volumes.'],
    ['neither size nor snapshot', { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeType: EbsVolumeType.GP3 } }] },
      'blockDeviceMappings[0].ebs ("/dev/xvda"): volumeSize or snapshotID must be set. Set volumeSize, e.g. Size.gibibytes(50), or snapshotID.'],
    ['an empty device name', { blockDeviceMappings: [{ ...gp3(), deviceName: '' }] },
      "blockDeviceMappings[0].deviceName (\"\"): deviceName may not be empty. Use a device name such as '/dev/xvda'."],
    ['an unknown volume type', { blockDeviceMappings: [gp3({ volumeType: 'gp4' as EbsVolumeType })] },
      'blockDeviceMappings[0].ebs.volumeType ("gp4"): is not one of gp3, gp2, io1, io2, st1, sc1, standard. Use EbsVolumeType.GP3.'],
    ['zero IOPS', { blockDeviceMappings: [gp3({ iops: 0 })] }, 'blockDeviceMappings[0].ebs.iops (0): must be a positive integer. Use e.g. 3000 for gp3.'],
    ['fractional throughput', { blockDeviceMappings: [gp3({ throughput: 125.5 })] },
      'blockDeviceMappings[0].ebs.throughput (125.5): must be a positive integer. Use MiB/s, e.g. 125 for gp3.'],
    ['an initialization rate of 50', { blockDeviceMappings: [gp3({ snapshotID: 'snap-1', volumeInitializationRate: 50 })] },
      'blockDeviceMappings[0].ebs.volumeInitializationRate (50): must be an integer from 100 to 300 (MiB/s). Use a rate between 100 and 300.'],
    ['an initialization rate without snapshot', { blockDeviceMappings: [gp3({ volumeInitializationRate: 200 })] },
      'blockDeviceMappings[0].ebs.volumeInitializationRate (200): snapshotID must be set when volumeInitializationRate is set. Set snapshotID, or remove volumeInitializationRate.'],
    ['two root volumes', { blockDeviceMappings: [{ ...gp3(), rootVolume: true }, { ...gp3(), deviceName: '/dev/xvdb', rootVolume: true }] },
      'blockDeviceMappings[1] ("/dev/xvdb"): only one mapping may have rootVolume, blockDeviceMappings[0] already has it. Set rootVolume on one mapping only.'],
    ['51 mappings', { blockDeviceMappings: Array.from({ length: 51 }, (_, i) => ({ ...gp3(), deviceName: `/dev/xvd${i}` })) },
      'blockDeviceMappings (51 mappings): at most 50 mappings are allowed. Remove mappings.'],
    // --- instance store, metadata options
    ['an unknown instance store policy', { instanceStorePolicy: 'RAID1' as InstanceStorePolicy },
      'instanceStorePolicy ("RAID1"): is not one of RAID0. Use InstanceStorePolicy.RAID0.'],
    ['a hop limit of 0', { metadataOptions: { httpPutResponseHopLimit: 0 } },
      'metadataOptions.httpPutResponseHopLimit (0): must be an integer from 1 to 64. Use 1 (pods cannot reach the node credentials) or 2 (containers without host networking can reach IMDS).'],
    ['a hop limit of 65', { metadataOptions: { httpPutResponseHopLimit: 65 } },
      'metadataOptions.httpPutResponseHopLimit (65): must be an integer from 1 to 64. Use 1 (pods cannot reach the node credentials) or 2 (containers without host networking can reach IMDS).'],
    ['an unknown httpTokens', { metadataOptions: { httpTokens: 'v2' as HttpTokens } },
      'metadataOptions.httpTokens ("v2"): is not one of required, optional. Use HttpTokens.REQUIRED (IMDSv2).'],
    ['an unknown httpEndpoint', { metadataOptions: { httpEndpoint: 'on' as EnablementState } },
      'metadataOptions.httpEndpoint ("on"): is not one of enabled, disabled. Use EnablementState.ENABLED or EnablementState.DISABLED.'],
    // --- network interfaces, connection tracking, CPU options, prefixes
    ['no primary interface', { networkInterfaces: [interfaceAt(1, 0)] },
      'networkInterfaces (card 1, device 0, interface): networkInterfaces must include a primary interface. '
      + 'Add { networkCardIndex: 0, deviceIndex: 0, interfaceType: NetworkInterfaceType.INTERFACE }.'],
    ['a duplicate interface', { networkInterfaces: [interfaceAt(0, 0), interfaceAt(0, 0, NetworkInterfaceType.EFA_ONLY)] },
      'networkInterfaces[1] (card 0, device 0, efa-only): networkInterfaces[0] has the same networkCardIndex and deviceIndex. Give each interface its own card and device index pair.'],
    ['two EFA-only interfaces on a card', { networkInterfaces: [interfaceAt(0, 0), interfaceAt(1, 0, NetworkInterfaceType.EFA_ONLY), interfaceAt(1, 1, NetworkInterfaceType.EFA_ONLY)] },
      'networkInterfaces[2] (card 1, device 1, efa-only): networkInterfaces[1] is already the EFA-only interface of card 1. Keep at most one EFA-only interface per network card.'],
    ['a negative device index', { networkInterfaces: [interfaceAt(0, -1)] },
      'networkInterfaces[0] (card 0, device -1, interface): networkCardIndex and deviceIndex must be non-negative integers. Use indexes of 0 or more.'],
    ['an unknown interface type', { networkInterfaces: [interfaceAt(0, 0, 'efa' as NetworkInterfaceType)] },
      'networkInterfaces[0] (card 0, device 0, efa): interfaceType "efa" is not one of interface, efa-only. Use NetworkInterfaceType.INTERFACE or NetworkInterfaceType.EFA_ONLY.'],
    ['151 interfaces', { networkInterfaces: Array.from({ length: 151 }, (_, i) => interfaceAt(i, 0)) },
      'networkInterfaces (151 interfaces): at most 150 interfaces are allowed. Remove interfaces.'],
    ['empty connection tracking', { connectionTracking: {} },
      'connectionTracking ({}): at least one of tcpEstablishedTimeout, udpStreamTimeout or udpTimeout must be set. Set a timeout, or remove connectionTracking.'],
    ['a TCP timeout of 30 seconds', { connectionTracking: { tcpEstablishedTimeout: Duration.seconds(30) } },
      'connectionTracking.tcpEstablishedTimeout (30s): must be a whole number of seconds from 60 to 432000. Use Duration.seconds(n) with n from 60 to 432000.'],
    ['a UDP timeout with milliseconds', { connectionTracking: { udpTimeout: Duration.millis(45_500) } },
      'connectionTracking.udpTimeout (45500ms): must be a whole number of seconds from 30 to 60. Use Duration.seconds(n) with n from 30 to 60.'],
    ['an unknown nested virtualization state', { cpuOptions: { nestedVirtualization: 'on' as EnablementState } },
      'cpuOptions.nestedVirtualization ("on"): is not one of enabled, disabled. Use EnablementState.ENABLED or EnablementState.DISABLED.'],
    ['a negative prefix count', { ipPrefixCount: -1 }, 'ipPrefixCount (-1): must be a non-negative integer. Use a whole number of prefixes, e.g. 1.'],
  ])('%s', (_title, props, message) => {
    test('throws the exact message', () => {
      expectValidationError(() => render(props), P + message);
    });
  });

  test('add methods validate what they add', () => {
    const nodeClass = build();
    expectValidationError(() => nodeClass.addTag('karpenter.sh/nodepool', 'x'),
      `${P}tags["karpenter.sh/nodepool"] ("x"): tag "karpenter.sh/nodepool" is reserved: Karpenter sets it. ${RESERVED_TAG}`);
  });
});
