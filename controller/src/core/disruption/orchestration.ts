/**
 * Executing a validated command, as a pure state machine the runtime drives (upstream's orchestration queue):
 *
 *   start ──► taint candidates `karpenter.sh/disrupted:NoSchedule` (and mark them for deletion in cluster state)
 *         ──► create the replacement NodeClaims
 *         ──► wait until every replacement is Initialized
 *         ──► delete the candidate NodeClaims (graceful termination takes over)
 *   a replacement that fails to launch, disappears or is not initialized in time ──► untaint the candidates, give up.
 *
 * `step(state, event, now)` returns the next state and the actions to perform; the runtime performs them and reports
 * back with the next event. Nothing here does I/O.
 */
import { DISRUPTED_NO_SCHEDULE } from './pods';
import { Command } from './types';
import { NodeClaim, Taint } from '../kube-types';

/** How long replacements may take to initialize before the command is abandoned (upstream: 10 minutes). */
export const REPLACEMENT_TIMEOUT_MS = 10 * 60_000;

export type ExecutionPhase = 'Tainting' | 'Launching' | 'WaitingForReplacements' | 'Deleting' | 'Succeeded' | 'Failed';

export interface ExecutionState {
  readonly command: Command;
  readonly phase: ExecutionPhase;
  readonly startedAt: Date;
  /** Names of the created replacements, in the order of `command.replacements`. */
  readonly replacementNames: readonly string[];
  readonly failure?: string;
}

export type ExecutionAction =
  | { readonly type: 'taint'; readonly nodes: readonly string[]; readonly taint: Taint }
  | { readonly type: 'untaint'; readonly nodes: readonly string[]; readonly taint: Taint }
  | { readonly type: 'createNodeClaims'; readonly nodeClaims: readonly NodeClaim[] }
  | { readonly type: 'deleteNodeClaims'; readonly nodeClaims: readonly string[]; readonly reason: Command['reason'] }
  | { readonly type: 'log'; readonly level: 'info' | 'error'; readonly message: string; readonly values?: Record<string, unknown> };

export type ExecutionEvent =
  | { readonly type: 'tainted' }
  | { readonly type: 'taintFailed'; readonly error: string }
  | { readonly type: 'launched'; readonly names: readonly string[] }
  | { readonly type: 'launchFailed'; readonly error: string }
  /** What the runtime sees of each replacement (by name): still launching, Initialized, or failed / deleted. */
  | { readonly type: 'replacements'; readonly status: Readonly<Record<string, 'pending' | 'initialized' | 'failed'>> }
  | { readonly type: 'deleted' }
  | { readonly type: 'deleteFailed'; readonly error: string };

export interface StepResult {
  readonly state: ExecutionState;
  readonly actions: ExecutionAction[];
}

const nodesOf = (cmd: Command) => cmd.candidates.map(c => c.name);

/** Begins executing: taint the candidates first, so nothing new lands on them. */
export function startExecution(command: Command, now: Date): StepResult {
  return {
    state: { command, phase: 'Tainting', startedAt: now, replacementNames: [] },
    actions: [{ type: 'taint', nodes: nodesOf(command), taint: DISRUPTED_NO_SCHEDULE }],
  };
}

function giveUp(state: ExecutionState, failure: string, untaint: boolean): StepResult {
  const actions: ExecutionAction[] = [];
  if (untaint) actions.push({ type: 'untaint', nodes: nodesOf(state.command), taint: DISRUPTED_NO_SCHEDULE });
  actions.push({ type: 'log', level: 'error', message: 'failed to disrupt nodes', values: { reason: state.command.reason.toLowerCase(), error: failure } });
  return { state: { ...state, phase: 'Failed', failure }, actions };
}

function deleteCandidates(state: ExecutionState): StepResult {
  return {
    state: { ...state, phase: 'Deleting' },
    actions: [{ type: 'deleteNodeClaims', nodeClaims: state.command.candidates.map(c => c.nodeClaimName), reason: state.command.reason }],
  };
}

export function step(state: ExecutionState, event: ExecutionEvent, now: Date): StepResult {
  switch (state.phase) {
    case 'Tainting':
      if (event.type === 'taintFailed') return giveUp(state, `tainting candidates, ${event.error}`, true);
      if (event.type !== 'tainted') break;
      if (state.command.replacements.length === 0) return deleteCandidates(state);
      return { state: { ...state, phase: 'Launching' }, actions: [{ type: 'createNodeClaims', nodeClaims: state.command.replacements.map(r => r.nodeClaim) }] };
    case 'Launching':
      if (event.type === 'launchFailed') return giveUp(state, `launching replacement nodeclaim, ${event.error}`, true);
      if (event.type !== 'launched') break;
      return { state: { ...state, phase: 'WaitingForReplacements', replacementNames: [...event.names] }, actions: [] };
    case 'WaitingForReplacements': {
      if (event.type !== 'replacements') break;
      const statuses = state.replacementNames.map(n => event.status[n] ?? 'failed');
      if (statuses.some(s => s === 'failed')) return giveUp(state, 'a replacement nodeclaim failed to launch or was deleted', true);
      if (statuses.every(s => s === 'initialized')) return deleteCandidates(state);
      if (now.getTime() - state.startedAt.getTime() > REPLACEMENT_TIMEOUT_MS) {
        return giveUp(state, `replacement nodeclaims not initialized after ${REPLACEMENT_TIMEOUT_MS / 60_000} minutes`, true);
      }
      return { state, actions: [] };
    }
    case 'Deleting':
      if (event.type === 'deleted') return { state: { ...state, phase: 'Succeeded' }, actions: [] };
      if (event.type === 'deleteFailed') return giveUp(state, `deleting candidates, ${event.error}`, false);
      break;
    default:
      break;
  }
  return { state, actions: [] };
}

export function isFinished(state: ExecutionState): boolean {
  return state.phase === 'Succeeded' || state.phase === 'Failed';
}
