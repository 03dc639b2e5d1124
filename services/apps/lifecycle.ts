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

/**
 * The checker steps of the lifecycle and the maker steps they check: entry approval checks the
 * proposal, release checks the proposal and the submission for testing, retirement (exit) checks
 * the move to consolidation. Like grants, the maker never checks their own work.
 */
export const CHECKED_STEPS: Readonly<Partial<Record<AppState, readonly AppState[]>>> = {
  approved: ['proposed'],
  released: ['proposed', 'testing'],
  retired: ['consolidating'],
};

/** A 403 for a checker step taken by the one who made the step it checks. */
export class SeparationOfDutiesError extends ProblemError {
  constructor(detail: string, extensions: Record<string, unknown>) {
    super(403, 'separation_of_duties', 'Forbidden', detail, { extensions });
  }
}

const MAKER_WORDS: Partial<Record<AppState, string>> = {
  proposed: 'proposed the app',
  testing: 'submitted it for testing',
  consolidating: 'moved it to consolidation',
};

/**
 * Throws unless `subject` made none of the steps `to` checks. `proposed` is the app's entry
 * (createdBy); other steps are read from the transition history.
 */
export function assertSeparateChecker(
  subject: string,
  to: AppState,
  app: { readonly createdBy: string },
  history: ReadonlyArray<{ readonly to: AppState; readonly transitionedBy: string }>,
): void {
  for (const step of CHECKED_STEPS[to] ?? []) {
    const maker = step === 'proposed' ? app.createdBy : history.find((t) => t.to === step)?.transitionedBy;
    if (maker === subject) {
      throw new SeparationOfDutiesError(`Separation of duties: ${subject} ${MAKER_WORDS[step]}, so someone else must move it to ${to}`, {
        step: to,
        makerStep: step,
      });
    }
  }
}
