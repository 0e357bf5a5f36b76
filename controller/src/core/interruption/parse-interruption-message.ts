import { InterruptionKind, InterruptionMessage, MalformedInterruptionMessageError } from './interruption-message';
import {
  CAPACITY_RESERVATION_INTERRUPTION_WARNING, HEALTH_EVENT, INSTANCE_STATE_CHANGE, InterruptionEventKind, REBALANCE_RECOMMENDATION,
  SPOT_INTERRUPTION_WARNING,
} from '../../../../lib/shared/interruption-events';

/** Instance states that mean the instance is going away, by kind (compared case-insensitively). */
const STOPPED_STATES = new Set(['stopping', 'stopped']);
const TERMINATED_STATES = new Set(['shutting-down', 'terminated']);

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

type Envelope = Record<string, unknown> & { detail: Record<string, unknown> };

function matches(envelope: Envelope, kind: InterruptionEventKind): boolean {
  return envelope.source === kind.source && envelope['detail-type'] === kind.detailType;
}

function instanceId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !INSTANCE_ID.test(value)) {
    throw new MalformedInterruptionMessageError(`${field} is ${JSON.stringify(value)}, not an EC2 instance ID`);
  }
  return value;
}

function parseTime(value: unknown): Date | undefined {
  return typeof value === 'string' && RFC3339.test(value) ? new Date(value) : undefined;
}

/**
 * Parses an SQS message body into an interruption message, choosing the parser by (`version`, `source`,
 * `detail-type`) as upstream does. Unknown triples, running-state changes and non-EC2 Health events are no-ops.
 *
 * @throws MalformedInterruptionMessageError when the body is not JSON, not an EventBridge event, or lacks the
 * fields its kind needs (the caller logs, counts and deletes it: a poison message is never redelivered forever).
 * @see https://github.com/aws/karpenter-provider-aws/tree/main/pkg/controllers/interruption/messages
 */
export function parseInterruptionMessage(body: string): InterruptionMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new MalformedInterruptionMessageError(`body is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedInterruptionMessageError('body is not a JSON object');
  }
  const envelope = parsed as Envelope;
  for (const field of ['version', 'id', 'source', 'detail-type']) {
    if (typeof envelope[field] !== 'string') {
      throw new MalformedInterruptionMessageError(`field "${field}" is missing or not a string`);
    }
  }
  const base = { eventId: envelope.id as string, detailType: envelope['detail-type'] as string, time: parseTime(envelope.time) };
  const noOp: InterruptionMessage = { ...base, kind: InterruptionKind.NO_OP, instanceIds: [] };
  if (envelope.version !== '0') {
    return noOp;
  }
  const known = [SPOT_INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION, INSTANCE_STATE_CHANGE, CAPACITY_RESERVATION_INTERRUPTION_WARNING, HEALTH_EVENT];
  if (!known.some((kind) => matches(envelope, kind))) {
    return noOp;
  }
  if (typeof envelope.detail !== 'object' || envelope.detail === null || Array.isArray(envelope.detail)) {
    throw new MalformedInterruptionMessageError('field "detail" is missing or not an object');
  }
  const detail = envelope.detail;

  if (matches(envelope, HEALTH_EVENT)) {
    if (detail.service !== 'EC2' || detail.eventTypeCategory !== 'scheduledChange') {
      return noOp;
    }
    if (!Array.isArray(detail.affectedEntities)) {
      throw new MalformedInterruptionMessageError('field "detail.affectedEntities" is missing or not a list');
    }
    const instanceIds = detail.affectedEntities.map((entity, index) =>
      instanceId((entity as Record<string, unknown> | null)?.entityValue, `detail.affectedEntities[${index}].entityValue`));
    return { ...base, kind: InterruptionKind.SCHEDULED_CHANGE, instanceIds };
  }

  const instance = instanceId(detail['instance-id'], 'detail.instance-id');
  if (matches(envelope, SPOT_INTERRUPTION_WARNING)) {
    return { ...base, kind: InterruptionKind.SPOT_INTERRUPTED, instanceIds: [instance] };
  }
  if (matches(envelope, REBALANCE_RECOMMENDATION)) {
    return { ...base, kind: InterruptionKind.REBALANCE_RECOMMENDATION, instanceIds: [instance] };
  }
  if (matches(envelope, CAPACITY_RESERVATION_INTERRUPTION_WARNING)) {
    return { ...base, kind: InterruptionKind.CAPACITY_RESERVATION_INTERRUPTED, instanceIds: [instance] };
  }
  if (typeof detail.state !== 'string') {
    throw new MalformedInterruptionMessageError('field "detail.state" is missing or not a string');
  }
  const state = detail.state.toLowerCase();
  if (STOPPED_STATES.has(state)) {
    return { ...base, kind: InterruptionKind.INSTANCE_STOPPED, instanceIds: [instance], state };
  }
  if (TERMINATED_STATES.has(state)) {
    return { ...base, kind: InterruptionKind.INSTANCE_TERMINATED, instanceIds: [instance], state };
  }
  return { ...noOp, state };
}
