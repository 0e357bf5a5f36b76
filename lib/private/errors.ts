import { IConstruct } from 'constructs';

/**
 * Thrown at synth time when a prop fails validation.
 *
 * The message names the prop, the value received and what to do; `constructPath` says where in the tree.
 * Kept out of the public API (jsii cannot export Error subclasses); match it by `name === 'ValidationError'`.
 */
export class KarpenterValidationError extends Error {
  public readonly constructPath?: string;

  constructor(message: string, scope?: IConstruct) {
    super(message);
    this.name = 'ValidationError';
    this.constructPath = scope?.node.path;
  }
}

/** Throws a {@link KarpenterValidationError} with the given message. */
export function fail(message: string, scope?: IConstruct): never {
  throw new KarpenterValidationError(message, scope);
}
