/** Helpers for AWS SDK errors: the error code, and the codes the provider acts on. */

/** The AWS error code of an SDK v3 error (`name`, or `Code` for some query-protocol errors), or undefined. */
export function awsErrorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [o.Code, o.code, o.name]) if (typeof v === 'string' && v !== 'Error') return v;
  return undefined;
}

/** True for a "not found" error of EC2, IAM or SSM. */
export function isAwsNotFound(e: unknown): boolean {
  const code = awsErrorCode(e) ?? '';
  return code.endsWith('.NotFound') || code.endsWith('NotFoundException') || code === 'NoSuchEntity' ||
    code === 'NoSuchEntityException' || code === 'ParameterNotFound' || code === 'InvalidLaunchTemplateName.NotFoundException';
}

/**
 * CreateFleet error codes that mean "this offering has no capacity now": the offering is marked unavailable for a
 * while and the launch is retried elsewhere (upstream `IsUnfulfillableCapacity` / `IsServiceLinkedRoleCreationNotPermitted`).
 */
export const UNFULFILLABLE_CAPACITY_CODES: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'MaxSpotInstanceCountExceeded',
  'VcpuLimitExceeded',
  'UnfulfillableCapacity',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
  'ReservationCapacityExceeded',
]);

/** A short message for an unknown thrown value. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
