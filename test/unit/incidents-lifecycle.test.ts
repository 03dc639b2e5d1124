import { ConfigError, loadConfig } from '../../services/config';
import { INCIDENT_FLOW, checkTransition, notificationDueAt } from '../../services/incidents/lifecycle';
import type { IncidentStatus } from '../../services/incidents/schemas';

const ready = { regulatorNotified: true, rectifications: 1, openRectifications: 0 };

describe('incident transitions', () => {
  const moves: Array<[IncidentStatus, IncidentStatus]> = INCIDENT_FLOW.flatMap((from) =>
    INCIDENT_FLOW.map((to): [IncidentStatus, IncidentStatus] => [from, to]),
  );
  const legal = new Set(['contained→notified', 'notified→remediating', 'remediating→closed']);

  it.each(moves)('%s → %s', (from, to) => {
    const attempt = () => checkTransition(from, to, ready);
    if (legal.has(`${from}→${to}`)) expect(attempt).not.toThrow();
    else if (from === 'open' && to === 'contained')
      expect(attempt).toThrow(expect.objectContaining({ status: 409, code: 'containment_required' }));
    else expect(attempt).toThrow(expect.objectContaining({ status: 409, code: 'illegal_transition' }));
  });

  it('needs the regulator told before notified, a rectification before remediating, none open before closed', () => {
    expect(() => checkTransition('contained', 'notified', { ...ready, regulatorNotified: false })).toThrow(
      expect.objectContaining({ code: 'regulator_not_notified' }),
    );
    expect(() => checkTransition('notified', 'remediating', { ...ready, rectifications: 0 })).toThrow(
      expect.objectContaining({ code: 'no_rectifications' }),
    );
    expect(() => checkTransition('remediating', 'closed', { ...ready, rectifications: 3, openRectifications: 2 })).toThrow(
      expect.objectContaining({ code: 'rectifications_open' }),
    );
  });
});

describe('regulator notification deadline', () => {
  const hours = { critical: 1, high: 4, medium: 24, low: 72 };
  it.each([
    ['critical', '2026-05-01T10:00:00.000Z'],
    ['high', '2026-05-01T13:00:00.000Z'],
    ['medium', '2026-05-02T09:00:00.000Z'],
    ['low', '2026-05-04T09:00:00.000Z'],
  ] as const)('%s: due %s', (severity, due) => {
    expect(notificationDueAt('2026-05-01T09:00:00.000Z', severity, hours)).toBe(due);
  });

  it('has documented defaults, read from the environment, most severe first', () => {
    expect(loadConfig({}).incidentNotificationHours).toEqual({ critical: 1, high: 4, medium: 24, low: 72 });
    expect(loadConfig({ INCIDENT_NOTIFY_HOURS_HIGH: '2' }).incidentNotificationHours.high).toBe(2);
    expect(() => loadConfig({ INCIDENT_NOTIFY_HOURS_CRITICAL: '0' })).toThrow(/INCIDENT_NOTIFY_HOURS_CRITICAL/);
    expect(() => loadConfig({ INCIDENT_NOTIFY_HOURS_CRITICAL: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ INCIDENT_NOTIFY_HOURS_CRITICAL: '48' })).toThrow(/more severe incident cannot have a later deadline/);
  });

  it('reads the public complaint limits with defaults', () => {
    expect(loadConfig({}).publicComplaints).toEqual({
      bodyLimitBytes: 8192,
      submissions: { points: 10, windowSeconds: 600 },
      lookups: { points: 60, windowSeconds: 60 },
    });
    expect(loadConfig({ PUBLIC_COMPLAINT_SUBMISSIONS: '3', PUBLIC_COMPLAINT_BODY_LIMIT_KB: '4' }).publicComplaints).toMatchObject({
      bodyLimitBytes: 4096,
      submissions: { points: 3 },
    });
    expect(() => loadConfig({ PUBLIC_COMPLAINT_BODY_LIMIT_KB: '1000' })).toThrow(/PUBLIC_COMPLAINT_BODY_LIMIT_KB/);
  });
});
