import * as fs from 'fs';
import * as path from 'path';
import { al2023UserData, customEntries, parseMime } from '../../../controller/src/aws/user-data';
import { SHARED_REFERENCE } from '../helpers/reference';

const USERDATA = path.join(SHARED_REFERENCE, 'userdata');
const read = (name: string) => fs.readFileSync(path.join(USERDATA, name), 'utf8');

/** The golden with its `%s` placeholders filled as upstream's suite does: node class, nodepool label key, nodepool. */
function golden(name: string, nodeClass: string, nodePool: string): string {
  const parts = [nodeClass, 'karpenter.sh/nodepool', nodePool];
  return read(name).replace(/%s/g, () => parts.shift()!);
}

/** Upstream's launch template suite: cluster test-cluster, CA "ca-bundle\n", service CIDR 10.100.0.0/16, DNS 10.0.100.10, maxPods 110. */
function userData(custom: string | undefined): string {
  return al2023UserData({
    clusterName: 'test-cluster',
    apiServerEndpoint: 'https://test-cluster',
    caBundle: Buffer.from('ca-bundle\n').toString('base64'),
    clusterCidr: '10.100.0.0/16',
    clusterDns: '10.0.100.10',
    kubelet: { maxPods: 110 },
    labels: {
      'karpenter.k8s.aws/ec2nodeclass': 'default',
      'karpenter.sh/capacity-type': 'on-demand',
      'karpenter.sh/do-not-sync-taints': 'true',
      'karpenter.sh/nodepool': 'default-pool',
      'testing/cluster': 'unspecified',
    },
    customUserData: custom,
  });
}

test.each([
  ['empty', undefined, 'al2023_userdata_unmerged.golden'],
  ['MIME', 'al2023_mime_userdata_input.golden', 'al2023_mime_userdata_merged.golden'],
  ['YAML', 'al2023_yaml_userdata_input.golden', 'al2023_yaml_userdata_merged.golden'],
  ['shell', 'al2023_shell_userdata_input.golden', 'al2023_shell_userdata_merged.golden'],
])('AL2023 user data with %s custom user data is byte for byte the golden', (_, input, merged) => {
  expect(userData(input ? read(input) : undefined)).toBe(golden(merged, 'default', 'default-pool'));
});

test('custom user data content types', () => {
  expect(customEntries(read('al2023_shell_userdata_input.golden'))[0].contentType).toBe('text/x-shellscript; charset="us-ascii"');
  expect(customEntries(read('al2023_yaml_userdata_input.golden'))[0].contentType).toBe('application/node.eks.aws');
  expect(parseMime(read('al2023_mime_userdata_input.golden')).map(e => e.contentType)).toEqual(['application/node.eks.aws', 'text/x-shellscript; charset="us-ascii"']);
});

test('taints are registered before the unregistered taint; a RAID0 policy sets the local storage strategy', () => {
  const text = al2023UserData({
    clusterName: 'c',
    apiServerEndpoint: 'https://e',
    caBundle: 'Y2E=',
    clusterCidr: '10.100.0.0/16',
    clusterDns: '10.100.0.10',
    taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }],
    instanceStorePolicy: 'RAID0',
  });
  expect(text).toContain('      - effect: NoSchedule\n        key: gpu\n        value: "true"\n      - effect: NoExecute\n        key: karpenter.sh/unregistered\n');
  expect(text).toContain('  instance:\n    localStorage:\n      strategy: RAID0\n');
  expect(text).not.toContain('flags');
});

test('a missing cluster CIDR is an error', () => {
  expect(() => al2023UserData({ clusterName: 'c', apiServerEndpoint: 'https://e', caBundle: '', clusterCidr: '' })).toThrow('resolving cluster CIDR');
});
