import { StaffAuthorizer, insertLines } from '../../services/authz';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The staff model as the service runs it: permissions from policies/, role assignments from casbin_rule.

let database: TestDatabase;
let authz: StaffAuthorizer;

beforeAll(async () => {
  database = await createTestDatabase();
  await insertLines(database.db, 'g', [
    ['alice', 'data_owner', 'RETAIL'],
    ['frank', 'data_owner', 'RETAIL'],
    ['frank', 'data_owner', 'WEALTH'],
    ['erin', 'auditor', '*'],
    ['admin', 'admin', '*'],
  ]);
  authz = new StaffAuthorizer(database.db);
});
afterAll(() => database.drop());

describe('StaffAuthorizer', () => {
  it('answers 503 (not a guess) before the policies are loaded', async () => {
    const fresh = new StaffAuthorizer(database.db);
    expect(fresh.ready).toBe(false);
    await expect(fresh.access('alice', 'data_asset', 'read')).rejects.toMatchObject({ status: 503 });
    await expect(fresh.can('alice', 'RETAIL', 'data_asset', 'read')).rejects.toMatchObject({ status: 503 });
  });

  it('lists the departments where a permission is held, or all of them', async () => {
    await authz.reload();
    expect(authz.ready).toBe(true);
    expect(await authz.access('alice', 'data_asset', 'update')).toEqual({ all: false, departments: ['RETAIL'] });
    expect(await authz.access('frank', 'data_asset', 'update')).toEqual({ all: false, departments: ['RETAIL', 'WEALTH'] });
    expect(await authz.access('erin', 'data_asset', 'read')).toEqual({ all: true });
    expect(await authz.access('erin', 'data_asset', 'update')).toEqual({ all: false, departments: [] });
    expect(await authz.access('nobody', 'department', 'read')).toEqual({ all: false, departments: [] });
    expect(await authz.can('alice', 'RETAIL', 'data_asset', 'update')).toBe(true);
    expect(await authz.can('alice', 'WEALTH', 'data_asset', 'update')).toBe(false);
  });

  it('gives a subject spelled like a role nothing it was not assigned', async () => {
    await authz.reload();
    for (const role of await authz.knownRoles()) {
      const assigned = await authz.rolesOf(role);
      if (assigned.length > 0) continue;
      expect({ role, access: await authz.access(role, 'department', 'read') }).toEqual({ role, access: { all: false, departments: [] } });
      expect(await authz.can(role, 'RETAIL', 'data_asset', 'read')).toBe(false);
    }
    // ...and one that was assigned keeps exactly its assignment.
    expect(await authz.rolesOf('admin')).toEqual([{ role: 'admin', department: '*' }]);
    expect(await authz.access('admin', 'role_assignment', 'create')).toEqual({ all: true });
  });

  it('reports holders and roles by subject', async () => {
    await authz.reload();
    expect(await authz.holders('data_owner', 'RETAIL')).toEqual(['alice', 'frank']);
    expect(await authz.holders('auditor', 'WEALTH')).toEqual(['erin']);
    expect(await authz.rolesOf('frank')).toEqual(
      expect.arrayContaining([
        { role: 'data_owner', department: 'RETAIL' },
        { role: 'data_owner', department: 'WEALTH' },
      ]),
    );
  });

  it('sees role assignments written after the last load only after a reload', async () => {
    await authz.reload();
    await insertLines(database.db, 'g', [['alice', 'data_owner', 'CORPORATE']]);
    expect(await authz.can('alice', 'CORPORATE', 'data_asset', 'update')).toBe(false);
    const before = await authz.access('alice', 'data_asset', 'update');
    expect(before.all === false && before.departments.includes('CORPORATE')).toBe(false);
    await authz.reload();
    expect(await authz.can('alice', 'CORPORATE', 'data_asset', 'update')).toBe(true);
    // access() answers are remembered per loaded policy: a reload forgets them.
    const after = await authz.access('alice', 'data_asset', 'update');
    expect(after.all === false && after.departments.includes('CORPORATE')).toBe(true);
  });
});
