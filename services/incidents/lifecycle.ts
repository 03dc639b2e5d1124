import { ConflictError } from '../shared/errors';
import type { IncidentSeverity, IncidentStatus } from './schemas';

/** The only order an incident moves in: each state to the next, never back, never skipping. */
export const INCIDENT_FLOW: readonly IncidentStatus[] = ['open', 'contained', 'notified', 'remediating', 'closed'];

/** What the guards of a move need to know about the incident. */
export interface TransitionFacts {
  readonly regulatorNotified: boolean;
  readonly rectifications: number;
  readonly openRectifications: number;
}

/**
 * Refuses (409) any move but the next one, and a next one whose condition is not met:
 * contained only through containment; notified once the regulator has been; remediating once
 * there is a rectification item; closed once none is open.
 */
export function checkTransition(from: IncidentStatus, to: IncidentStatus, facts: TransitionFacts): void {
  const next = INCIDENT_FLOW[INCIDENT_FLOW.indexOf(from) + 1];
  if (to !== next) {
    throw new ConflictError(
      'illegal_transition',
      `The incident is ${from}; ${next ? `its next state is ${next}` : 'it cannot change'} (open → contained → notified → remediating → closed)`,
    );
  }
  if (to === 'contained') {
    throw new ConflictError(
      'containment_required',
      'An incident is contained by applying containment (POST /v1/incidents/{id}/containment), which records what was done',
    );
  }
  if (to === 'notified' && !facts.regulatorNotified) {
    throw new ConflictError('regulator_not_notified', 'Record the notification to the regulator first (PIPL Art. 57)');
  }
  if (to === 'remediating' && facts.rectifications === 0) {
    throw new ConflictError('no_rectifications', 'Add at least one rectification item before remediating');
  }
  if (to === 'closed' && facts.openRectifications > 0) {
    throw new ConflictError(
      'rectifications_open',
      `${facts.openRectifications} rectification item(s) are still open; complete them with evidence first`,
    );
  }
}

/** When the regulator must have been told: detection plus the configured hours for the severity. */
export function notificationDueAt(
  detectedAt: string,
  severity: IncidentSeverity,
  hours: Readonly<Record<IncidentSeverity, number>>,
): string {
  return new Date(Date.parse(detectedAt) + hours[severity] * 3_600_000).toISOString();
}
