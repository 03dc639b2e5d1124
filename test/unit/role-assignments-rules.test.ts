import { FakeRoleAssignmentStore } from '../../services/role-assignments/fake-store';
import { ROLE_ASSIGNMENTS_CHANGED, RoleAssignmentService } from '../../services/role-assignments/service';
import { ValidationError } from '../../services/shared/errors';
import { FakeTransactor, RecordingAudit, RecordingChangeFeed, problemCode, staff } from '../fakes/ports';

function setup() {
  const audit = new RecordingAudit();
  const feed = new RecordingChangeFeed();
  const authz = { knownRoles: async () => ['admin', 'data_owner', 'privacy_officer'] };
  const departments = {
    requireExisting: async (codes: readonly string[], field: string) => {
      const missing = codes.find((c) => c !== 'RETAIL');
      if (missing) throw new ValidationError(`${field}: no department ${missing}`, []);
    },
  };
  const service = new RoleAssignmentService(new FakeTransactor(), new FakeRoleAssignmentStore(), audit, authz, departments, feed);
  return { audit, feed, service };
}

describe('role assignment rules (in memory)', () => {
  it('assigns a known role in a known department, audits it and asks for a policy reload', async () => {
    const { audit, feed, service } = setup();
    const assigned = await service.assign(staff('root'), { subject: 'olivia', role: 'data_owner', department: 'RETAIL' });
    expect(audit.events).toEqual([expect.objectContaining({ action: 'role_assignment.created', details: { after: assigned } })]);
    expect(feed.published).toEqual([{ topic: ROLE_ASSIGNMENTS_CHANGED, payload: { id: assigned.id } }]);
  });

  it.each([
    ['an unknown role', { subject: 'olivia', role: 'wizard', department: 'RETAIL' }, 'validation_failed'],
    ['an unknown department', { subject: 'olivia', role: 'data_owner', department: 'GHOST' }, 'validation_failed'],
  ])('refuses %s', async (_label, input, code) => {
    const { audit, service } = setup();
    expect(await problemCode(service.assign(staff('root'), input))).toBe(code);
    expect(audit.events).toEqual([]);
  });

  it('takes "*" without a department check, and refuses the same assignment twice', async () => {
    const { service } = setup();
    const input = { subject: 'olivia', role: 'admin', department: '*' };
    await service.assign(staff('root'), input);
    expect(await problemCode(service.assign(staff('root'), input))).toBe('role_assignment_exists');
  });

  it('never lets an administrator remove their own admin role; another administrator may', async () => {
    const { audit, service } = setup();
    const own = await service.assign(staff('root'), { subject: 'root', role: 'admin', department: '*' });
    expect(await problemCode(service.revoke(staff('root'), own.id))).toBe('forbidden');
    await service.revoke(staff('second'), own.id);
    expect(audit.actions()).toEqual(['role_assignment.created', 'role_assignment.deleted']);
    expect(await problemCode(service.revoke(staff('second'), own.id))).toBe('not_found');
  });

  it('bootstraps admins once, as the system', async () => {
    const { audit, service } = setup();
    await service.bootstrapAdmins(['root']);
    await service.bootstrapAdmins(['root']);
    expect(audit.events).toEqual([
      expect.objectContaining({ actorType: 'system', actorId: 'bootstrap', action: 'role_assignment.created' }),
    ]);
  });
});
