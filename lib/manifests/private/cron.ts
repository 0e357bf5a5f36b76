/**
 * Validation (only) of a disruption budget `schedule`: the standard 5-field cron syntax Karpenter parses with
 * robfig/cron's `ParseStandard`, or one of the macros the CRD pattern allows. Time zones (`TZ=`, `CRON_TZ=`) are
 * not supported by Karpenter.
 *
 * @see https://karpenter.sh/docs/concepts/disruption/#schedule
 */

/** Macros accepted by the CRD pattern `^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))...`. */
export const CRON_MACROS = ['@annually', '@yearly', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: string[];
  readonly question?: boolean;
}

const FIELDS: CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], question: true },
];

/** Why `schedule` is not a valid cron expression, or `undefined` when it is. */
export function cronProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    return CRON_MACROS.includes(trimmed) ? undefined : `unknown macro "${trimmed}"`;
  }
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    return 'time zones are not supported';
  }
  const parts = trimmed.split(/\s+/).filter(p => p !== '');
  if (parts.length !== 5) {
    return `expected 5 fields, got ${parts.length}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const problem = fieldProblem(parts[i], FIELDS[i]);
    if (problem) {
      return `${FIELDS[i].name} field "${parts[i]}" ${problem}`;
    }
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0) {
      return 'has more than one "/"';
    }
    if (step !== undefined && !/^[0-9]+$/.test(step)) {
      return `has an invalid step "${step}"`;
    }
    if (step !== undefined && Number(step) === 0) {
      return 'has a step of 0';
    }
    if (range === '*' || (range === '?' && field.question)) {
      continue;
    }
    const bounds = range.split('-');
    if (bounds.length > 2) {
      return `has an invalid range "${range}"`;
    }
    const values: number[] = [];
    for (const bound of bounds) {
      const value = parseValue(bound, field);
      if (value === undefined) {
        return `has an invalid value "${bound}"`;
      }
      if (value < field.min || value > field.max) {
        return `is out of range ${field.min}-${field.max}`;
      }
      values.push(value);
    }
    if (values.length === 2 && values[0] > values[1]) {
      return `has a range "${range}" whose start is after its end`;
    }
  }
  return undefined;
}

function parseValue(text: string, field: CronField): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    return Number(text);
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) {
    return undefined;
  }
  return index + field.min;
}
