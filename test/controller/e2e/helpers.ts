/** Shared pieces of the end-to-end tests: settings, objects the user / kubelet / kube-scheduler would create, waits. */
import { Settings } from '../../../controller/src/settings';

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    clusterName: 'e2e',
    batchIdleDurationMs: 50,
    batchMaxDurationMs: 500,
    logLevel: 'info',
    metricsPort: 0,
    healthProbePort: 0,
    vmMemoryOverheadPercent: 0.075,
    reservedENIs: 0,
    featureGates: {},
    systemNamespace: 'kube-system',
    leaderElection: true,
    awsRegion: 'us-west-2',
    ...overrides,
  };
}

export const FAST = {
  resyncMs: 60_000,
  lifecyclePollMs: 100,
  terminationPollMs: 100,
  leaseDurationMs: 2_000,
  renewDeadlineMs: 1_500,
  retryPeriodMs: 200,
  watchTimeoutSeconds: 30,
};

/** Polls until `fn` returns a truthy value (bounded). */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
}

export function nodePool(name = 'default', extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      template: {
        metadata: { labels: { team: 'e2e' } },
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
          ],
          startupTaints: [{ key: 'example.com/agent-not-ready', effect: 'NoSchedule' }],
          expireAfter: '720h',
        },
      },
      ...extra,
    },
  };
}

export function pendingPod(name: string, requests: Record<string, string> = { cpu: '1', memory: '1Gi' }) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: { containers: [{ name: 'app', image: 'pause', resources: { requests } }] },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
  };
}

/** The Node a kubelet registers for an instance: unregistered taint, startup taint, NotReady. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a NodeClaim as read back from the fake API server
export function kubeletNode(name: string, providerID: string, nodeClaim: Record<string, any>) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...nodeClaim.metadata.labels } },
    spec: {
      providerID,
      taints: [{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }, { key: 'example.com/agent-not-ready', effect: 'NoSchedule' }],
    },
    status: {
      capacity: nodeClaim.status?.capacity,
      allocatable: nodeClaim.status?.allocatable,
      conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }],
    },
  };
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}
