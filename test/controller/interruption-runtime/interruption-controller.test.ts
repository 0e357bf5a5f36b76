/**
 * The interruption controller against an in-memory queue, on a fake clock: every fixture of
 * ../shared/reference/karpenter/events/ is acted on and deleted; malformed bodies, missing fields and unknown
 * instances are logged with the message ID, counted and deleted; duplicates have no second effect; SQS outages back
 * off and recover; a failed action leaves the message for redelivery, a bounded number of times.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FakeSqs, QUEUE_NAME, QUEUE_URL, sqsError } from './fake-sqs';
import { UnavailableOfferingsCache } from '../../../controller/src/aws/unavailable-offerings';
import { ClusterState } from '../../../controller/src/core/state/cluster-state';
import { ClusterNodeClaim } from '../../../controller/src/core/state/objects';
import { MemoryEventRecorder } from '../../../controller/src/core/state/ports';
import { InterruptionController, InterruptionControllerOptions } from '../../../controller/src/interruption/interruption-controller';
import { FakeTimers, flush } from '../../../controller/src/kube/timers';
import { MemoryLogger } from '../../../controller/src/observability/logger';
import { Metrics } from '../../../controller/src/observability/metrics';
import { SHARED_REFERENCE } from '../../helpers/fixtures';

const EVENTS = path.join(SHARED_REFERENCE, 'events');
const INSTANCE = 'i-0123456789abcdef0';
const fixture = (name: string) => fs.readFileSync(path.join(EVENTS, name), 'utf8');

function nodeClaim(name: string, instanceId: string, capacityType = 'spot'): ClusterNodeClaim {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      labels: {
        'karpenter.sh/nodepool': 'default',
        'node.kubernetes.io/instance-type': 'm5.large',
        'topology.kubernetes.io/zone': 'us-west-2a',
        'karpenter.sh/capacity-type': capacityType,
      },
    },
    spec: { requirements: [] },
    status: { providerID: `aws:///us-west-2a/${instanceId}` },
  };
}

class Harness {
  readonly timers = new FakeTimers('2024-05-01T12:00:30Z');
  readonly sqs = new FakeSqs(() => this.timers.nowMs(), ms => new Promise(r => this.timers.setTimeout(r, ms)));
  readonly cluster = new ClusterState();
  readonly deleted: string[] = [];
  deleteFailures = 0;
  readonly events = new MemoryEventRecorder();
  readonly logger = new MemoryLogger();
  readonly metrics = new Metrics({ defaultMetrics: false });
  readonly offerings = new UnavailableOfferingsCache(this.timers);
  active = true;
  readonly controller: InterruptionController;

  constructor(extra: Partial<InterruptionControllerOptions> = {}) {
    this.cluster.upsertNodeClaim(nodeClaim('default-abcde', INSTANCE));
    this.controller = new InterruptionController({
      sqs: this.sqs,
      queueName: QUEUE_NAME,
      cluster: this.cluster,
      writer: {
        deleteNodeClaim: async (name: string) => {
          if (this.deleteFailures > 0) {
            this.deleteFailures--;
            throw Object.assign(new Error('injected failure 500'), { statusCode: 500 });
          }
          this.deleted.push(name);
          const nc = this.cluster.nodeClaims.get(name);
          if (nc) this.cluster.upsertNodeClaim({ ...nc, metadata: { ...nc.metadata, deletionTimestamp: this.timers.now().toISOString() } });
        },
      },
      events: this.events,
      unavailableOfferings: this.offerings,
      logger: this.logger,
      metrics: this.metrics,
      timers: this.timers,
      active: () => this.active,
      random: () => 1,
      ...extra,
    });
  }

  async run(ms: number): Promise<void> {
    this.controller.start();
    await this.timers.advance(ms);
  }

  async metric(name: string): Promise<string> {
    return (await this.metrics.registry.metrics()).split('\n').filter(l => l.startsWith(name)).join('\n');
  }
}

let h: Harness;
afterEach(async () => {
  await h?.controller.stop();
});

test.each([
  ['spot-interruption-warning.json', 'spot_interrupted', true, ['m5.large']],
  ['rebalance-recommendation.json', 'rebalance_recommendation', false, []],
  ['state-change-stopping.json', 'instance_stopped', true, []],
  ['state-change-stopped.json', 'instance_stopped', true, []],
  ['state-change-shutting-down.json', 'instance_terminated', true, []],
  ['state-change-terminated.json', 'instance_terminated', true, []],
  ['state-change-running-ignored.json', 'no_op', false, []],
  ['health-scheduled-change.json', 'scheduled_change', true, []],
  ['health-non-ec2-ignored.json', 'no_op', false, []],
])('%s: received as %s, acted on, deleted', async (name, messageType, deletesNodeClaim, unavailable) => {
  h = new Harness();
  const id = h.sqs.send(fixture(name));
  await h.run(1_000);
  expect(h.sqs.deletedIds).toEqual([id]);
  expect(h.deleted).toEqual(deletesNodeClaim ? ['default-abcde'] : []);
  expect(h.offerings.list()).toEqual(unavailable.map(t => `spot:${t}:us-west-2a`));
  expect(await h.metric('karpenter_interruption_received_messages_total')).toContain(`message_type="${messageType}"} 1`);
  expect(await h.metric('karpenter_interruption_deleted_messages_total')).toContain(`message_type="${messageType}"} 1`);
  // SentTimestamp is the fake clock's start: on the queue for a moment
  expect(await h.metric('karpenter_interruption_message_queue_duration_seconds_count')).toContain(' 1');
  expect(h.sqs.calls[0]).toEqual({ command: 'GetQueueUrl', input: { QueueName: QUEUE_NAME } });
  expect(h.sqs.calls[1].input).toMatchObject({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 });
});

test('a capacity reservation interruption marks the reserved offering unavailable', async () => {
  h = new Harness();
  h.cluster.upsertNodeClaim(nodeClaim('default-abcde', INSTANCE, 'reserved'));
  h.sqs.send(fixture('capacity-reservation-interruption-warning.json'));
  await h.run(1_000);
  expect(h.deleted).toEqual(['default-abcde']);
  expect(h.offerings.list()).toEqual(['reserved:m5.large:us-west-2a']);
  expect(h.events.reasons()).toEqual(['CapacityReservationInterrupted']);
});

const spot = JSON.parse(fixture('spot-interruption-warning.json'));
test.each([
  ['not JSON', '{"version": "0", '],
  ['an empty body', ''],
  ['a JSON array', '[1, 2]'],
  ['no detail-type', JSON.stringify({ ...spot, 'detail-type': undefined })],
  ['no detail', JSON.stringify({ ...spot, detail: undefined })],
  ['a bad instance id', JSON.stringify({ ...spot, detail: { 'instance-id': 'not-an-instance' } })],
  ['a state change without state', JSON.stringify({ ...JSON.parse(fixture('state-change-stopped.json')), detail: { 'instance-id': INSTANCE } })],
])('a message with %s is logged with its ID, counted and deleted, never a crash', async (_, body) => {
  h = new Harness();
  const id = h.sqs.send(body);
  const good = h.sqs.send(fixture('spot-interruption-warning.json'));
  await h.run(1_000);
  expect(h.sqs.deletedIds).toEqual([id, good]);
  expect(h.sqs.depth).toBe(0);
  expect(h.controller.stats.malformed).toBe(1);
  expect(h.deleted).toEqual(['default-abcde']); // the next message is still handled
  const entry = h.logger.entries.find(e => e.message === 'failed parsing interruption message, deleting it');
  expect(entry?.fields).toMatchObject({ messageId: id, queue: QUEUE_NAME });
  expect(await h.metric('karpenter_interruption_received_messages_total')).toContain('message_type="malformed"} 1');
});

test('an unknown instance ID is logged with the message ID and the message deleted', async () => {
  h = new Harness();
  const id = h.sqs.send(fixture('spot-interruption-warning.json').replace(new RegExp(INSTANCE, 'g'), 'i-0fffffffffffffff0'));
  await h.run(1_000);
  expect(h.sqs.deletedIds).toEqual([id]);
  expect(h.deleted).toEqual([]);
  expect(h.offerings.list()).toEqual([]);
  expect(h.logger.entries.find(e => e.message.startsWith('interruption message names no nodeclaim'))?.fields)
    .toMatchObject({ messageId: id, instanceIds: ['i-0fffffffffffffff0'] });
});

test('duplicates (the same event delivered twice, or redelivered) have one effect', async () => {
  h = new Harness();
  h.sqs.send(fixture('spot-interruption-warning.json'));
  h.sqs.send(fixture('spot-interruption-warning.json'));
  await h.run(1_000);
  // the NodeClaim comes back without deletionTimestamp (a stale cache): the event is still not acted on twice
  h.cluster.upsertNodeClaim(nodeClaim('default-abcde', INSTANCE));
  h.sqs.send(fixture('spot-interruption-warning.json'));
  await h.timers.advance(1_000);
  expect(h.deleted).toEqual(['default-abcde']);
  expect(h.controller.stats.duplicates).toBe(2);
  expect(h.sqs.depth).toBe(0);
});

test('SQS unavailable: backs off exponentially, never crashes, then drains the queue', async () => {
  h = new Harness();
  h.sqs.failWith = sqsError('ServiceUnavailable');
  h.sqs.send(fixture('spot-interruption-warning.json'));
  await h.run(120_000);
  const attempts = h.sqs.calls.length;
  // 1 + 2 + 4 + 8 + 16 + 32 + 60 ... seconds: about 7 attempts in two minutes, not hundreds
  expect(attempts).toBeGreaterThanOrEqual(5);
  expect(attempts).toBeLessThanOrEqual(9);
  expect(h.logger.entries.filter(e => e.message === 'failed polling interruption queue').length).toBe(attempts);
  h.sqs.failWith = undefined;
  await h.timers.advance(61_000);
  expect(h.deleted).toEqual(['default-abcde']);
  expect(h.sqs.depth).toBe(0);
});

test('a failed action leaves the message for redelivery; it is acted on once it succeeds', async () => {
  h = new Harness();
  h.deleteFailures = 2;
  h.sqs.send(fixture('state-change-terminated.json'));
  await h.run(1_000);
  expect(h.sqs.depth).toBe(1);
  expect(h.deleted).toEqual([]);
  await h.timers.advance(45_000); // two visibility timeouts
  expect(h.deleted).toEqual(['default-abcde']);
  expect(h.sqs.depth).toBe(0);
  expect(h.controller.stats.actionFailures).toBe(2);
});

test('a message whose action always fails is dropped after maxReceives, not redelivered forever', async () => {
  h = new Harness({ maxReceives: 3 });
  h.deleteFailures = 1_000;
  h.sqs.send(fixture('state-change-terminated.json'));
  await h.run(120_000);
  expect(h.sqs.depth).toBe(0);
  expect(h.controller.stats.actionFailures).toBe(3);
  expect(h.logger.messages()).toContain('failed acting on interruption message too many times, deleting it');
});

test('inactive (not leader, or not synced): never receives; starts when active', async () => {
  h = new Harness();
  h.active = false;
  h.sqs.send(fixture('spot-interruption-warning.json'));
  await h.run(10_000);
  expect(h.sqs.calls).toEqual([]);
  h.active = true;
  await h.timers.advance(2_000);
  expect(h.deleted).toEqual(['default-abcde']);
});

test('stop ends the loop during a long poll', async () => {
  h = new Harness();
  await h.run(1_000);
  const calls = h.sqs.calls.length;
  await h.controller.stop();
  await flush();
  await h.timers.advance(60_000);
  expect(h.sqs.calls.length).toBe(calls);
});

test('an unknown queue is retried, not fatal', async () => {
  h = new Harness({ queueName: 'missing' });
  await h.run(10_000);
  expect(h.controller.stats.pollFailures).toBeGreaterThan(1);
  expect(h.logger.entries[0].fields.error).toContain('resolving the URL of interruption queue missing');
});
