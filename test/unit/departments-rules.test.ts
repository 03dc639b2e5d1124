import { FakeDepartmentStore } from '../../services/departments/fake-store';
import { DepartmentService } from '../../services/departments/service';
import { FakeTransactor, RecordingAudit, problemCode, staff } from '../fakes/ports';

const ctx = staff('alice');

function setup() {
  const audit = new RecordingAudit();
  const service = new DepartmentService(new FakeTransactor(), new FakeDepartmentStore(), audit);
  return { audit, service };
}

describe('department rules (in memory)', () => {
  it('creates a department and audits it with its after state', async () => {
    const { audit, service } = setup();
    const created = await service.create(ctx, { code: 'RETAIL', name: 'Retail', kind: 'business' });
    expect(created).toMatchObject({ code: 'RETAIL', parent: null });
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'department.created', objectId: 'RETAIL', actorId: 'alice', details: { after: created } }),
    ]);
  });

  it('refuses a taken code and an unknown parent, auditing nothing', async () => {
    const { audit, service } = setup();
    await service.create(ctx, { code: 'RETAIL', name: 'Retail', kind: 'business' });
    expect(await problemCode(service.create(ctx, { code: 'RETAIL', name: 'Again', kind: 'business' }))).toBe('department_exists');
    expect(await problemCode(service.create(ctx, { code: 'CARDS', name: 'Cards', kind: 'business', parent: 'NOPE' }))).toBe(
      'validation_failed',
    );
    expect(audit.actions()).toEqual(['department.created']);
  });

  it('refuses to make a department its own ancestor, directly or through a descendant', async () => {
    const { service } = setup();
    await service.create(ctx, { code: 'RETAIL', name: 'Retail', kind: 'business' });
    await service.create(ctx, { code: 'CARDS', name: 'Cards', kind: 'business', parent: 'RETAIL' });
    await service.create(ctx, { code: 'CREDIT', name: 'Credit cards', kind: 'business', parent: 'CARDS' });
    expect(await problemCode(service.update(ctx, 'RETAIL', { parent: 'RETAIL' }))).toBe('department_cycle');
    expect(await problemCode(service.update(ctx, 'RETAIL', { parent: 'CREDIT' }))).toBe('department_cycle');
    await expect(service.update(ctx, 'CREDIT', { parent: 'RETAIL' })).resolves.toMatchObject({ parent: 'RETAIL' });
  });

  it('audits an update with before and after, and 404s an unknown department', async () => {
    const { audit, service } = setup();
    const before = await service.create(ctx, { code: 'RETAIL', name: 'Retail', kind: 'business' });
    const after = await service.update(ctx, 'RETAIL', { name: 'Retail banking' });
    expect(audit.events[1]).toMatchObject({ action: 'department.updated', details: { before, after } });
    expect(await problemCode(service.update(ctx, 'NOPE', { name: 'x' }))).toBe('not_found');
  });

  it('names the first missing department', async () => {
    const { service } = setup();
    await service.create(ctx, { code: 'RETAIL', name: 'Retail', kind: 'business' });
    await expect(service.requireExisting(['RETAIL', 'GHOST'], 'body.departments')).rejects.toThrow('body.departments: no department GHOST');
  });

  it('pages in code order', async () => {
    const { service } = setup();
    for (const code of ['C', 'A', 'B']) await service.create(ctx, { code: `D${code}`, name: code, kind: 'business' });
    const first = await service.list({}, 2);
    expect(first.items.map((d) => d.code)).toEqual(['DA', 'DB']);
    const second = await service.list({ cursor: first.nextCursor ?? undefined }, 2);
    expect(second).toMatchObject({ items: [{ code: 'DC' }], nextCursor: null });
  });
});
