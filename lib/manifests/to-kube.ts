/**
 * Rendering of cdk8s `Duration` and `Size` values to the strings Kubernetes and Karpenter expect
 * (`30s`, `1h30m`, `720h`, `Never`, `50Gi`). Each function returns `undefined` when the value cannot be rendered
 * exactly, so the caller can report which prop is wrong.
 *
 * Internal to the construct library: not re-exported from the package (jsii has no free functions).
 */
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';

/** The value Karpenter uses for "never" in `expireAfter` and `consolidateAfter`. */
export const NEVER = 'Never';

/**
 * A Go-style duration made of hours, minutes and seconds (`30s`, `1m30s`, `720h`), as matched by the CRD pattern
 * `^([0-9]+(s|m|h))+$`. `undefined` when the duration is not a whole number of seconds.
 */
export function durationToKube(duration: Duration): string | undefined {
  const millis = duration.toMilliseconds();
  if (!Number.isInteger(millis) || millis % 1000 !== 0) {
    return undefined;
  }
  const total = millis / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  let text = '';
  if (hours > 0) text += `${hours}h`;
  if (minutes > 0) text += `${minutes}m`;
  if (seconds > 0 || text === '') text += `${seconds}s`;
  return text;
}

/**
 * A duration of whole minutes rendered with hours and minutes only (`8h`, `1h30m`, `45m`), as matched by the
 * budget `duration` pattern `^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$`. `undefined` when not whole minutes.
 */
export function minutesToKube(duration: Duration): string | undefined {
  const millis = duration.toMilliseconds();
  if (!Number.isInteger(millis) || millis % 60_000 !== 0) {
    return undefined;
  }
  const total = millis / 60_000;
  const hours = Math.floor(total / 60);
  const minutes = total % 60;
  if (hours === 0) return `${minutes}m`;
  return minutes === 0 ? `${hours}h` : `${hours}h${minutes}m`;
}

/** Whole seconds of a duration, `undefined` when it is not a whole number of seconds. */
export function durationToSeconds(duration: Duration): number | undefined {
  const millis = duration.toMilliseconds();
  return Number.isInteger(millis) && millis % 1000 === 0 ? millis / 1000 : undefined;
}

const BINARY_UNITS: Array<[string, number]> = [['Pi', 1024 ** 4], ['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]];

/**
 * A Kubernetes quantity with the largest binary suffix that keeps it whole (`50Gi`, `1536Mi`, `2Ti`).
 * `undefined` when the size is not a whole number of kibibytes.
 */
export function sizeToKube(size: Size): string | undefined {
  const kibibytes = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(kibibytes) || kibibytes < 0) {
    return undefined;
  }
  if (kibibytes === 0) {
    return '0';
  }
  for (const [suffix, factor] of BINARY_UNITS) {
    if (kibibytes % factor === 0) {
      return `${kibibytes / factor}${suffix}`;
    }
  }
  return undefined;
}

/** Whole gibibytes of a size (EBS volume sizes), `undefined` when it is not a whole number of GiB. */
export function sizeToGibibytes(size: Size): number | undefined {
  const gibibytes = size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isInteger(gibibytes) ? gibibytes : undefined;
}

/** A duration in error messages: its Kubernetes form (`8h`, `1m30s`) or, when it has none, milliseconds (`1500ms`). */
export function describeDuration(duration: Duration): string {
  return durationToKube(duration) ?? `${duration.toMilliseconds()}ms`;
}

/** A size in error messages (`0.5Ki`, `1.5Gi`). */
export function describeSize(size: Size): string {
  return size.asString();
}
