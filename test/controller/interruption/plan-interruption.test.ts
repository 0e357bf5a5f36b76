import { InterruptionKind, InterruptionMessage } from '../../../controller/src/core/interruption/interruption-message';
import { InterruptedNodeClaim, planInterruption } from '../../../controller/src/core/interruption/plan-interruption';

const spotClaim: InterruptedNodeClaim = { name: 'default-abcde', instanceType: 'm5.large', zone: 'us-west-2a', capacityType: 'spot' };
const reservedClaim: InterruptedNodeClaim = { name: 'reserved-xyz12', instanceType: 'p5.48xlarge', zone: 'us-west-2b', capacityType: 'reserved' };
const claims = new Map([['i-0aaaaaaaaaaaaaaaa', spotClaim], ['i-0bbbbbbbbbbbbbbbb', reservedClaim]]);

function message(kind: InterruptionKind, instanceIds: string[]): InterruptionMessage {
  return { kind, instanceIds, eventId: 'e-1', detailType: 'detail' };
}

test('a Spot interruption deletes the NodeClaim and marks its spot offering unavailable', () => {
  const plan = planInterruption(message(InterruptionKind.SPOT_INTERRUPTED, ['i-0aaaaaaaaaaaaaaaa']), claims);
  expect(plan.deleteNodeClaims).toEqual(['default-abcde']);
  expect(plan.unavailableOfferings).toEqual([{ instanceType: 'm5.large', zone: 'us-west-2a', capacityType: 'spot' }]);
  expect(plan.events.map((event) => event.reason)).toEqual(['SpotInterrupted']);
});

test('a capacity reservation interruption marks the reserved offering unavailable', () => {
  const plan = planInterruption(message(InterruptionKind.CAPACITY_RESERVATION_INTERRUPTED, ['i-0bbbbbbbbbbbbbbbb']), claims);
  expect(plan.deleteNodeClaims).toEqual(['reserved-xyz12']);
  expect(plan.unavailableOfferings).toEqual([{ instanceType: 'p5.48xlarge', zone: 'us-west-2b', capacityType: 'reserved' }]);
});

test('a rebalance recommendation only records an event', () => {
  const plan = planInterruption(message(InterruptionKind.REBALANCE_RECOMMENDATION, ['i-0aaaaaaaaaaaaaaaa']), claims);
  expect(plan).toEqual({
    deleteNodeClaims: [],
    unavailableOfferings: [],
    unknownInstanceIds: [],
    events: [{ nodeClaim: 'default-abcde', reason: 'SpotRebalanceRecommendation', message: 'detail for instance i-0aaaaaaaaaaaaaaaa' }],
  });
});

test.each([InterruptionKind.INSTANCE_STOPPED, InterruptionKind.INSTANCE_TERMINATED, InterruptionKind.SCHEDULED_CHANGE])(
  '%s deletes every affected NodeClaim, without touching offerings', (kind) => {
    const plan = planInterruption(message(kind, ['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb']), claims);
    expect(plan.deleteNodeClaims).toEqual(['default-abcde', 'reserved-xyz12']);
    expect(plan.unavailableOfferings).toEqual([]);
  });

test('instances of no NodeClaim are reported, not acted on; duplicates count once', () => {
  const plan = planInterruption(message(InterruptionKind.SCHEDULED_CHANGE, ['i-0ccccccccccccccccc', 'i-0aaaaaaaaaaaaaaaa', 'i-0aaaaaaaaaaaaaaaa']), claims);
  expect(plan.unknownInstanceIds).toEqual(['i-0ccccccccccccccccc']);
  expect(plan.deleteNodeClaims).toEqual(['default-abcde']);
});

test('a no-op does nothing, and the same message twice gives the same plan', () => {
  expect(planInterruption(message(InterruptionKind.NO_OP, ['i-0aaaaaaaaaaaaaaaa']), claims).events).toEqual([]);
  const spot = message(InterruptionKind.SPOT_INTERRUPTED, ['i-0aaaaaaaaaaaaaaaa']);
  expect(planInterruption(spot, claims)).toEqual(planInterruption(spot, claims));
});
