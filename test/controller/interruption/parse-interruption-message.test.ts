import * as fs from 'fs';
import * as path from 'path';
import { InterruptionKind, MalformedInterruptionMessageError } from '../../../controller/src/core/interruption/interruption-message';
import { parseInterruptionMessage } from '../../../controller/src/core/interruption/parse-interruption-message';
import { SHARED_REFERENCE } from '../../helpers/fixtures';

const EVENTS = path.join(SHARED_REFERENCE, 'events');
const INSTANCE = 'i-0123456789abcdef0';

function fixture(name: string): string {
  return fs.readFileSync(path.join(EVENTS, name), 'utf8');
}

function fixtureObject(name: string): Record<string, any> {
  return JSON.parse(fixture(name));
}

test.each([
  ['spot-interruption-warning.json', InterruptionKind.SPOT_INTERRUPTED, [INSTANCE]],
  ['rebalance-recommendation.json', InterruptionKind.REBALANCE_RECOMMENDATION, [INSTANCE]],
  ['state-change-stopping.json', InterruptionKind.INSTANCE_STOPPED, [INSTANCE]],
  ['state-change-stopped.json', InterruptionKind.INSTANCE_STOPPED, [INSTANCE]],
  ['state-change-shutting-down.json', InterruptionKind.INSTANCE_TERMINATED, [INSTANCE]],
  ['state-change-terminated.json', InterruptionKind.INSTANCE_TERMINATED, [INSTANCE]],
  ['state-change-running-ignored.json', InterruptionKind.NO_OP, []],
  ['health-scheduled-change.json', InterruptionKind.SCHEDULED_CHANGE, [INSTANCE]],
  ['health-non-ec2-ignored.json', InterruptionKind.NO_OP, []],
  ['capacity-reservation-interruption-warning.json', InterruptionKind.CAPACITY_RESERVATION_INTERRUPTED, [INSTANCE]],
])('%s is a %s message about %j', (name, kind, instanceIds) => {
  const message = parseInterruptionMessage(fixture(name));
  expect(message.kind).toBe(kind);
  expect(message.instanceIds).toEqual(instanceIds);
  expect(message.eventId).toBe(fixtureObject(name).id);
  expect(message.time).toEqual(new Date(fixtureObject(name).time));
});

test('every fixture in the reference folder is covered above', () => {
  const covered = 10;
  expect(fs.readdirSync(EVENTS).filter((file) => file.endsWith('.json'))).toHaveLength(covered);
});

test('state names are compared case-insensitively', () => {
  const event = fixtureObject('state-change-stopped.json');
  event.detail.state = 'STOPPED';
  expect(parseInterruptionMessage(JSON.stringify(event))).toMatchObject({ kind: InterruptionKind.INSTANCE_STOPPED, state: 'stopped' });
});

test('a Health event for several instances names them all', () => {
  const event = fixtureObject('health-scheduled-change.json');
  event.detail.affectedEntities = [{ entityValue: 'i-0aaaaaaaaaaaaaaaa' }, { entityValue: 'i-0bbbbbbbbbbbbbbbb' }];
  expect(parseInterruptionMessage(JSON.stringify(event)).instanceIds).toEqual(['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb']);
});

test.each([
  ['another version', (e: any) => { e.version = '1'; }],
  ['an unknown detail-type', (e: any) => { e['detail-type'] = 'EC2 Fleet Instance Change'; }],
  ['another source', (e: any) => { e.source = 'aws.autoscaling'; }],
  ['a Health event that is not a scheduled change', (e: any) => { e.source = 'aws.health'; e['detail-type'] = 'AWS Health Event'; e.detail = { service: 'EC2', eventTypeCategory: 'issue' }; }],
])('%s is a no-op', (_name, mutate) => {
  const event = fixtureObject('spot-interruption-warning.json');
  mutate(event);
  expect(parseInterruptionMessage(JSON.stringify(event)).kind).toBe(InterruptionKind.NO_OP);
});

test.each([
  ['not JSON', () => '{"version": "0",', /^body is not JSON/],
  ['a JSON array', () => '[]', /^body is not a JSON object$/],
  ['without an id', () => { const e = fixtureObject('spot-interruption-warning.json'); delete e.id; return JSON.stringify(e); }, /^field "id" is missing or not a string$/],
  ['without detail', () => { const e = fixtureObject('spot-interruption-warning.json'); delete e.detail; return JSON.stringify(e); }, /^field "detail" is missing or not an object$/],
  ['with a bad instance id', () => { const e = fixtureObject('spot-interruption-warning.json'); e.detail['instance-id'] = 'node-1'; return JSON.stringify(e); }, /^detail.instance-id is "node-1", not an EC2 instance ID$/],
  ['a state change without state', () => { const e = fixtureObject('state-change-stopped.json'); delete e.detail.state; return JSON.stringify(e); }, /^field "detail.state" is missing or not a string$/],
  ['a Health event without entities', () => { const e = fixtureObject('health-scheduled-change.json'); e.detail.affectedEntities = 'i-1'; return JSON.stringify(e); }, /^field "detail.affectedEntities" is missing or not a list$/],
  ['a Health event with a bad entity', () => { const e = fixtureObject('health-scheduled-change.json'); e.detail.affectedEntities = [null]; return JSON.stringify(e); }, /^detail.affectedEntities\[0\].entityValue is undefined, not an EC2 instance ID$/],
])('a message %s is malformed, with the reason', (_name, body, reason) => {
  let thrown: unknown;
  try {
    parseInterruptionMessage(body());
  } catch (error) {
    thrown = error;
  }
  expect(MalformedInterruptionMessageError.isMalformedInterruptionMessageError(thrown)).toBe(true);
  expect((thrown as Error).message).toMatch(reason);
});

test('a time that is not RFC 3339 is left out rather than guessed', () => {
  const event = fixtureObject('spot-interruption-warning.json');
  event.time = 'yesterday';
  expect(parseInterruptionMessage(JSON.stringify(event)).time).toBeUndefined();
});
