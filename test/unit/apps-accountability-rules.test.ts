import { ResponsibilityService } from '../../services/apps/accountability';
import type { SetResponsibilityMatrix } from '../../services/apps/accountability/schemas';
import { departments, ledgerOnFakes, putApp } from '../fakes/apps';
import { problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const matrix: SetResponsibilityMatrix = {
  business: { department: 'RETAIL', person: 'Zhao Min' },
  data: { department: 'RETAIL', person: 'Qian Li' },
  security: { department: 'DIGITAL', person: 'Sun Hao' },
  operations: { department: 'DIGITAL', person: 'Zhou Yu' },
};

function world() {
  const w = ledgerOnFakes();
  const responsibilities = new ResponsibilityService(w.tx, w.store, w.accountability, w.audit, departments, w.clock);
  return { ...w, responsibilities };
}

describe('the lead department for app management (in memory)', () => {
  it('is named with who and when, audited with before and after; naming the same one again writes nothing', async () => {
    const { lead, accountability, audit } = world();
    accountability.lead = { department: null, setBy: null, setAt: null };
    expect(await lead.get()).toEqual({ department: null, setBy: null, setAt: null });
    await expect(lead.set(staff('root-admin'), { department: 'DIGITAL' })).resolves.toEqual({
      department: 'DIGITAL',
      setBy: 'root-admin',
      setAt: NOW,
    });
    expect(await lead.get()).toMatchObject({ department: 'DIGITAL' });
    await lead.set(staff('root-admin'), { department: 'DIGITAL' });
    await lead.set(staff('root-admin'), { department: 'RETAIL' });
    expect(audit.events.map((e) => [e.action, e.objectType, e.objectId, e.details])).toEqual([
      ['app.lead_department_set', 'app_lead_department', 'DIGITAL', { before: null, after: 'DIGITAL' }],
      ['app.lead_department_set', 'app_lead_department', 'RETAIL', { before: 'DIGITAL', after: 'RETAIL' }],
    ]);
  });

  it('refuses an unknown department, changing nothing', async () => {
    const { lead, audit } = world();
    expect(await problemCode(lead.set(staff('root-admin'), { department: 'NOWHERE' }))).toBe('validation_failed');
    expect((await lead.get()).department).toBe('DIGITAL');
    expect(audit.events).toHaveLength(0);
  });

  it('moves entry approval with the lead department when another one is named', async () => {
    const { lead, lifecycle, store, roles } = world();
    roles.grant('rita', 'app', 'approve', 'RETAIL').grant('dina', 'app', 'approve', 'DIGITAL');
    const app = putApp(store);
    await lead.set(staff('root-admin'), { department: 'RETAIL' });
    expect(await problemCode(lifecycle.transition(staff('dina'), app.id, { to: 'approved' }))).toBe('not_lead_department');
    await expect(lifecycle.transition(staff('rita'), app.id, { to: 'approved' })).resolves.toMatchObject({ lifecycleState: 'approved' });
  });
});

describe('the responsibility matrix (in memory)', () => {
  it('is set with who and when, audited with before and after, and read per app with its owners', async () => {
    const { responsibilities, store, audit } = world();
    const app = putApp(store, { responsiblePerson: 'Li Wei' });
    const set = await responsibilities.set(staff('rita'), app.id, matrix);
    expect(set).toMatchObject({
      appId: app.id,
      appName: app.name,
      businessOwner: 'Zhao Min',
      technologyOwner: 'Chen Jie',
      responsiblePerson: 'Li Wei',
      security: { department: 'DIGITAL', person: 'Sun Hao', setBy: 'rita', setAt: NOW },
    });
    expect(await responsibilities.get(app.id)).toEqual(set);
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'app.responsibility_matrix_set',
        actorId: 'rita',
        details: {
          before: { business: null, data: null, security: null, operations: null },
          after: expect.objectContaining({ data: { department: 'RETAIL', person: 'Qian Li', setBy: 'rita', setAt: NOW } }),
        },
      }),
    ]);
    await responsibilities.set(staff('amy'), app.id, { ...matrix, data: { department: 'CARDS', person: 'Wu Fei' } });
    expect(audit.events[1].details).toMatchObject({
      before: { data: { person: 'Qian Li' } },
      after: { data: { person: 'Wu Fei', setBy: 'amy' } },
    });
  });

  it('refuses an unknown department in any area (400 naming it), a retired app (409) and an unknown one (404)', async () => {
    const { responsibilities, store, audit } = world();
    const app = putApp(store);
    const problem = await problemOf(
      responsibilities.set(staff('amy'), app.id, { ...matrix, data: { department: 'NOWHERE', person: 'X' } }),
    );
    expect(problem.toProblem()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.data.department' }] });
    const retired = putApp(store, { lifecycleState: 'retired' });
    expect(await problemCode(responsibilities.set(staff('amy'), retired.id, matrix))).toBe('app_retired');
    expect(await problemCode(responsibilities.set(staff('amy'), '00000000-0000-4000-8000-000000000000', matrix))).toBe('not_found');
    expect(await problemCode(responsibilities.get('00000000-0000-4000-8000-000000000000'))).toBe('not_found');
    expect(audit.events).toHaveLength(0);
  });

  it('reports every app not retired, by name, with its matrix (null areas where none is set) and the lead department', async () => {
    const { responsibilities, store } = world();
    const b = putApp(store, { name: 'b wallet' });
    const a = putApp(store, { name: 'A portal' });
    putApp(store, { name: 'Gone', lifecycleState: 'retired' });
    await responsibilities.set(staff('amy'), b.id, matrix);
    const report = await responsibilities.report();
    expect(report).toMatchObject({ generatedAt: NOW, leadDepartment: 'DIGITAL' });
    expect(report.apps.map((r) => [r.appId, r.business?.person ?? null])).toEqual([
      [a.id, null],
      [b.id, 'Zhao Min'],
    ]);
  });
});
