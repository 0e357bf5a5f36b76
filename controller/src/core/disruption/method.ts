/** The interface every disruption method implements (upstream `Method`). */
import { DisruptionClass } from './candidates';
import { MethodContext } from './consolidation';
import { Candidate, Command, DisruptionReason, MethodName } from './types';

export interface DisruptionMethod {
  readonly name: MethodName;
  /** The budget reason it consumes (`spec.disruption.budgets[].reasons`). */
  readonly reason: DisruptionReason;
  /** Graceful methods respect do-not-disrupt and PDBs; eventual ones (drift) may force past them with a grace period. */
  readonly disruptionClass: DisruptionClass;
  /** `consolidationType` label of the voluntary-disruption metrics ("empty", "multi", "single"; "" for drift). */
  readonly consolidationType: string;
  /** Whether the candidate is for this method at all. */
  shouldDisrupt(candidate: Candidate): boolean;
  /**
   * Commands within the budgets (`budgets` is a copy: methods decrement it as they take candidates). At most one
   * command today, as upstream.
   */
  computeCommands(ctx: MethodContext, budgets: Map<string, number>, candidates: Candidate[]): Command[];
}
