import fs from 'node:fs';
import { StringAdapter, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { policyFile } from '../../services/authz';

// policies/staff.conf with staff_policy.csv and a table of role assignments, asked a table of
// requests. Domains are department codes; '*' means every department.

const ASSIGNMENTS: ReadonlyArray<readonly [subject: string, role: string, department: string]> = [
  ['alice', 'data_owner', 'RETAIL'],
  ['bob', 'data_owner', 'CORPORATE'],
  ['carol', 'privacy_officer', '*'],
  ['dave', 'vendor_manager', '*'],
  ['erin', 'auditor', '*'],
  ['admin', 'admin', '*'],
  ['frank', 'data_owner', 'RETAIL'],
  ['frank', 'data_owner', 'WEALTH'],
  ['grace', 'auditor', 'RETAIL'],
  ['henry', 'app_manager', 'RETAIL'],
];

const DEPARTMENTS = ['RETAIL', 'CORPORATE', 'WEALTH', 'TREASURY'];

let lines: string[][] | undefined;
/** staff_policy.csv's lines, split into fields (read once: the isolation tests ask for them thousands of times). */
function policyLines(): string[][] {
  lines ??= fs
    .readFileSync(policyFile('staff_policy.csv'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').map((f) => f.trim()));
  return lines;
}

async function staffEnforcer(assignments = ASSIGNMENTS): Promise<Enforcer> {
  const model = newModelFromString(fs.readFileSync(policyFile('staff.conf'), 'utf8'));
  const csv = [...policyLines().map((l) => l.join(', ')), ...assignments.map(([sub, role, dom]) => `g, ${sub}, ${role}, ${dom}`)].join(
    '\n',
  );
  return newEnforcer(model, new StringAdapter(csv));
}

let enforcer: Enforcer;
beforeAll(async () => {
  enforcer = await staffEnforcer();
});

describe('staff_policy.csv is well formed', () => {
  it('has only p lines of exactly role, object, action, none repeated', () => {
    const lines = policyLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect({ line, ptype: line[0], fields: line.length }).toEqual({ line, ptype: 'p', fields: 4 });
      for (const field of line.slice(1)) expect(field).toMatch(/^[a-z][a-z0-9_]*$/);
    }
    const keys = lines.map((l) => l.join(','));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names the roles of PRODUCT.md §2', () => {
    const roles = new Set(policyLines().map((l) => l[1]));
    for (const role of ['admin', 'data_owner', 'vendor_manager', 'privacy_officer', 'app_manager', 'auditor'])
      expect(roles).toContain(role);
  });
});

describe('staff.conf answers the request table', () => {
  // [subject, domain, object, action, expected]
  const table: ReadonlyArray<readonly [string, string, string, string, boolean]> = [
    // A data owner acts in their own department only.
    ['alice', 'RETAIL', 'data_asset', 'create', true],
    ['alice', 'RETAIL', 'data_asset', 'update', true],
    ['alice', 'RETAIL', 'data_asset', 'transfer', true],
    ['alice', 'RETAIL', 'data_asset', 'accept_transfer', true],
    ['alice', 'CORPORATE', 'data_asset', 'read', false],
    ['alice', 'CORPORATE', 'data_asset', 'update', false],
    ['alice', 'CORPORATE', 'data_asset', 'accept_transfer', false],
    ['bob', 'CORPORATE', 'data_asset', 'retire', true],
    ['bob', 'RETAIL', 'data_asset', 'retire', false],
    // A role in a department is not a role everywhere.
    ['alice', '*', 'data_asset', 'read', false],
    ['alice', 'RETAIL', 'department', 'create', false],
    ['alice', 'RETAIL', 'role_assignment', 'create', false],
    ['alice', 'RETAIL', 'audit', 'read', false],
    // Held in several departments: each of them, and no other.
    ['frank', 'RETAIL', 'data_asset', 'update', true],
    ['frank', 'WEALTH', 'data_asset', 'update', true],
    ['frank', 'CORPORATE', 'data_asset', 'update', false],
    // '*' applies in every department and for the whole bank.
    ['carol', 'RETAIL', 'data_asset', 'read', true],
    ['carol', 'TREASURY', 'ownership_map', 'read', true],
    ['carol', '*', 'data_asset', 'read', true],
    ['carol', 'RETAIL', 'data_asset', 'update', false],
    ['carol', 'RETAIL', 'role_assignment', 'create', false],
    ['dave', 'CORPORATE', 'data_asset', 'read', true],
    ['dave', 'CORPORATE', 'data_asset', 'create', false],
    ['erin', '*', 'audit', 'read', true],
    ['erin', '*', 'audit', 'verify', true],
    ['erin', 'RETAIL', 'role_assignment', 'read', true],
    ['erin', 'RETAIL', 'data_asset', 'update', false],
    ['erin', '*', 'role_assignment', 'create', false],
    // An auditor of one department is not an auditor of the bank.
    ['grace', 'RETAIL', 'audit', 'read', true],
    ['grace', '*', 'audit', 'read', false],
    ['grace', 'CORPORATE', 'audit', 'read', false],
    // Administrators.
    ['admin', '*', 'department', 'create', true],
    ['admin', '*', 'role_assignment', 'create', true],
    ['admin', '*', 'role_assignment', 'delete', true],
    ['admin', 'RETAIL', 'data_asset', 'create', true],
    ['admin', '*', 'no_such_object', 'read', false],
    // App construction plans: a department's app managers submit them; approving and configuring are also
    // checked in code against the lead department; auditors read; administrators configure, never approve.
    ['henry', 'RETAIL', 'app_plan', 'submit', true],
    ['henry', 'CORPORATE', 'app_plan', 'submit', false],
    ['henry', 'RETAIL', 'app_plan', 'approve', true],
    ['alice', 'RETAIL', 'app_plan', 'submit', false],
    ['alice', 'RETAIL', 'app_plan', 'read', false],
    ['erin', '*', 'app_plan', 'read', true],
    ['erin', '*', 'app_plan', 'approve', false],
    ['erin', '*', 'report', 'app_plans', true],
    ['carol', '*', 'app_plan', 'read', false],
    ['admin', '*', 'app_plan', 'configure', true],
    ['admin', '*', 'app_plan', 'approve', false],
    // Unknown people, roles as subjects, and wrong actions.
    ['mallory', 'RETAIL', 'department', 'read', false],
    ['mallory', '*', 'department', 'read', false],
    ['alice', 'RETAIL', 'data_asset', 'delete', false],
    ['alice', 'RETAIL', 'data_asset', '*', false],
  ];

  it.each(table)('%s in %s: %s:%s → %s', (sub, dom, obj, act, expected) => {
    expect(enforcer.enforceSync(sub, dom, obj, act)).toBe(expected);
  });

  it('links a name to itself, so a subject spelled like a role holds it (why StaffAuthorizer namespaces subjects)', () => {
    // Casbin's role manager: hasLink(x, x) is true. See test/policies/staff-authorizer.test.ts for the guard.
    expect(enforcer.enforceSync('auditor', '*', 'audit', 'read')).toBe(true);
    expect(enforcer.enforceSync('staff:auditor', '*', 'audit', 'read')).toBe(false);
  });

  it('explains an allow with the permission line that matched', () => {
    expect(enforcer.enforceExSync('alice', 'RETAIL', 'data_asset', 'update')).toEqual([true, ['data_owner', 'data_asset', 'update']]);
    expect(enforcer.enforceExSync('carol', 'WEALTH', 'data_asset', 'read')).toEqual([true, ['privacy_officer', 'data_asset', 'read']]);
    expect(enforcer.enforceExSync('alice', 'CORPORATE', 'data_asset', 'update')).toEqual([false, []]);
  });
});

describe('department isolation, over every permission in the policy', () => {
  const permissions = () => [...new Map(policyLines().map((l) => [`${l[2]}:${l[3]}`, [l[2], l[3]] as const])).values()];
  const roles = () => [...new Set(policyLines().map((l) => l[1]))];

  it('a role held in one department never allows anything in another department or bank-wide', async () => {
    const granting = new Set(policyLines().map((l) => `${l[1]}:${l[2]}:${l[3]}`));
    const checked: string[] = [];
    for (const role of roles()) {
      for (const home of DEPARTMENTS) {
        const e = await staffEnforcer([['someone', role, home]]);
        for (const [obj, act] of permissions()) {
          for (const other of [...DEPARTMENTS.filter((d) => d !== home), '*']) {
            if (e.enforceSync('someone', other, obj, act)) checked.push(`${role}@${home} allowed ${obj}:${act} in ${other}`);
          }
          // ...and in the home department it allows exactly what the role's lines say.
          const granted = granting.has(`${role}:${obj}:${act}`);
          expect(e.enforceSync('someone', home, obj, act)).toBe(granted);
        }
      }
    }
    expect(checked).toEqual([]);
  });

  it('a role held for every department (*) answers the same in each department as bank-wide', async () => {
    for (const role of roles()) {
      const e = await staffEnforcer([['someone', role, '*']]);
      for (const [obj, act] of permissions()) {
        const bankWide = e.enforceSync('someone', '*', obj, act);
        for (const dept of DEPARTMENTS) expect(e.enforceSync('someone', dept, obj, act)).toBe(bankWide);
      }
    }
  });

  it('someone without a role is denied everything everywhere', async () => {
    const e = await staffEnforcer([]);
    for (const [obj, act] of permissions()) {
      for (const dept of [...DEPARTMENTS, '*']) expect(e.enforceSync('nobody', dept, obj, act)).toBe(false);
    }
  });
});
