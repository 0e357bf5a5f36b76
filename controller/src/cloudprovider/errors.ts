/** Typed cloud provider errors, each with an isX() guard (works across bundles: checks `name`, not identity). */

export class InsufficientCapacityError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InsufficientCapacityError';
  }
}

export class NodeClaimNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeClaimNotFoundError';
  }
}

export class NodeClassNotReadyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NodeClassNotReadyError';
  }
}

export class CreateError extends Error {
  constructor(message: string, readonly conditionReason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CreateError';
  }
}

function named(e: unknown, name: string): boolean {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 10; cur = (cur as Error & { cause?: unknown }).cause, depth++) {
    if (cur.name === name) return true;
  }
  return false;
}

/** True for an InsufficientCapacityError, also when wrapped as a `cause`. */
export function isInsufficientCapacityError(e: unknown): boolean {
  return named(e, 'InsufficientCapacityError');
}

export function isNodeClaimNotFoundError(e: unknown): boolean {
  return named(e, 'NodeClaimNotFoundError');
}

export function isNodeClassNotReadyError(e: unknown): boolean {
  return named(e, 'NodeClassNotReadyError');
}

export function isCreateError(e: unknown): boolean {
  return named(e, 'CreateError');
}
