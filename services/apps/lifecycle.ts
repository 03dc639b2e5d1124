import { ProblemError } from '../shared/errors';

/** The ledger lifecycle (Notice item 2: access and exit): each app moves one step forward at a time. */
export const APP_STATES = ['proposed', 'approved', 'developing', 'testing', 'released', 'operating', 'consolidating', 'retired'] as const;
export type AppState = (typeof APP_STATES)[number];

/** States in which the app is in customers' or staff's hands: released and not yet retired. */
export const LIVE_STATES: readonly AppState[] = ['released', 'operating', 'consolidating'];

export const isLive = (state: AppState): boolean => LIVE_STATES.includes(state);

/** The only state an app in `state` may move to next; undefined once retired. */
export function nextState(state: AppState): AppState | undefined {
  return APP_STATES[APP_STATES.indexOf(state) + 1];
}

/** A 409 naming the allowed next state (none for a retired app). */
export class IllegalTransitionError extends ProblemError {
  constructor(from: AppState, to: AppState) {
    const allowed = nextState(from);
    const detail =
      allowed === undefined
        ? `The app is retired; a retired app cannot move to ${to}`
        : `An app in state ${from} can only move to ${allowed}, not ${to}`;
    super(409, 'illegal_transition', 'Conflict', detail, { extensions: { from, to, allowed: allowed === undefined ? [] : [allowed] } });
  }
}

/** Throws unless `to` is the single next state after `from` (no skipping, no going back, nothing after retirement). */
export function assertTransition(from: AppState, to: AppState): void {
  if (nextState(from) !== to) throw new IllegalTransitionError(from, to);
}
