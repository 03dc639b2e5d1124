import {
  contentGaps,
  isOverdue,
  retirementGaps,
  type PlanRecord,
  type StepRecord,
  type TargetApp,
} from '../../services/apps/consolidation/completeness';

// The rules that say what stands between a plan and the app's retirement, table by table.

const TODAY = '2026-12-05';

const plan = (overrides: Partial<PlanRecord> = {}): PlanRecord => ({
  id: 'p1',
  appId: 'a1',
  kind: 'retirement',
  status: 'approved',
  reason: 'Low use',
  mergesInto: [],
  riskAssessment: { assessor: 'IT Risk', assessedOn: '2026-11-01', result: 'acceptable', residualRisks: [] },
  privacyMeasures: ['Erasure certified'],
  notification: { channels: ['sms'], notifyOn: '2026-12-01', content: 'The app closes', sentAt: '2026-12-01T02:00:00.000Z', sentBy: 'amy' },
  authors: ['amy'],
  createdBy: 'amy',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-12-01T02:00:00.000Z',
  approvedBy: 'lee',
  approvedAt: '2026-11-02T00:00:00.000Z',
  closedBy: null,
  closedAt: null,
  closeReason: null,
  ...overrides,
});

const step = (overrides: Partial<StepRecord> = {}): StepRecord => ({
  id: 's1',
  planId: 'p1',
  position: 1,
  description: 'Erase logs',
  handling: 'deleted',
  destination: null,
  owner: 'Sun Hao',
  dueOn: '2026-12-03',
  status: 'done',
  completedAt: '2026-12-02T00:00:00.000Z',
  createdBy: 'amy',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedBy: 'amy',
  updatedAt: '2026-12-02T00:00:00.000Z',
  ...overrides,
});

const items = (gaps: Array<{ item: string }>) => gaps.map((g) => g.item);

describe('retirement gaps', () => {
  it('are none for a complete, approved, carried-out plan whose notification day has passed', () => {
    expect(retirementGaps(plan(), [step()], [], TODAY)).toEqual([]);
  });

  it.each<[string, Partial<PlanRecord>, StepRecord[], TargetApp[], string[]]>([
    ['no risk assessment', { riskAssessment: null }, [step()], [], ['risk_assessment_missing']],
    [
      'a risk judged not acceptable',
      { riskAssessment: { assessor: 'IT Risk', assessedOn: '2026-11-01', result: 'not_acceptable', residualRisks: [] } },
      [step()],
      [],
      ['risk_not_acceptable'],
    ],
    ['no migration step', {}, [], [], ['migration_steps_missing']],
    ['no privacy measure', { privacyMeasures: [] }, [step()], [], ['privacy_measures_missing']],
    ['no notification', { notification: null }, [step()], [], ['notification_missing']],
    ['a draft', { status: 'draft', approvedBy: null, approvedAt: null }, [step()], [], ['plan_not_approved']],
    ['a step in progress', {}, [step({ status: 'in_progress', completedAt: null })], [], ['migration_step_not_done']],
    [
      'a notification not sent, planned today',
      { notification: { channels: ['sms'], notifyOn: TODAY, content: 'x', sentAt: null, sentBy: null } },
      [step()],
      [],
      ['notification_not_sent', 'notification_date_not_passed'],
    ],
    [
      'a notification sent today',
      { notification: { channels: ['sms'], notifyOn: TODAY, content: 'x', sentAt: `${TODAY}T01:00:00.000Z`, sentBy: 'amy' } },
      [step()],
      [],
      ['notification_date_not_passed'],
    ],
    ['a consolidation naming no app', { kind: 'consolidation' }, [step()], [], ['merge_target_unavailable']],
    [
      'a consolidation into an app winding down',
      { kind: 'consolidation', mergesInto: ['b', 'c'] },
      [step()],
      [
        { id: 'b', name: 'Main', lifecycleState: 'operating' },
        { id: 'c', name: 'Old', lifecycleState: 'retired' },
      ],
      ['merge_target_unavailable'],
    ],
  ])('name %s', (_label, overrides, steps, targets, expected) => {
    expect(items(retirementGaps(plan(overrides), steps, targets, TODAY))).toEqual(expected);
  });

  it('name every unfinished step, with its id', () => {
    const steps = [
      step(),
      step({ id: 's2', position: 2, status: 'planned', completedAt: null }),
      step({ id: 's3', position: 3, status: 'in_progress', completedAt: null }),
    ];
    const gaps = retirementGaps(plan(), steps, [], TODAY);
    expect(gaps.map((g) => g.stepId)).toEqual(['s2', 's3']);
    expect(gaps[1].detail).toContain('Step 3 “Erase logs” (Sun Hao, due 2026-12-03) is in progress');
  });

  it('leave execution out of what approval needs', () => {
    const draft = plan({
      status: 'draft',
      notification: { channels: ['sms'], notifyOn: '2027-01-01', content: 'x', sentAt: null, sentBy: null },
    });
    expect(contentGaps(draft, [step({ status: 'planned', completedAt: null })], [])).toEqual([]);
  });
});

describe('an overdue step', () => {
  it.each<[StepRecord['status'], string, boolean]>([
    ['planned', '2026-12-04', true],
    ['in_progress', '2026-12-04', true],
    ['done', '2026-12-04', false],
    ['planned', TODAY, false],
    ['planned', '2026-12-06', false],
  ])('%s due %s: %s', (status, dueOn, overdue) => {
    expect(isOverdue({ status, dueOn }, TODAY)).toBe(overdue);
  });
});
