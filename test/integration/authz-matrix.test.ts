import fs from 'node:fs';
import { StringAdapter, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { policyFile } from '../../services/authz';
import type { RouteSpec, StaffPermission } from '../../services/shared/route';
import { createTestApp, type TestApp } from '../helpers/app';
import { operationsOf } from '../fuzz/contract';
import { pathPools } from '../fuzz/requests';
import { pool } from '../fuzz/send';
import { HOME, NO_ROLE, OTHER, PLACEMENTS, STAFF_ROLES, holder, seedWorld, type World } from '../fuzz/world';

// Every staff operation of the served OpenAPI document × every staff role (and none) held in the
// object's department, in another department, or in '*'; machine tokens on staff operations and
// staff tokens on machine operations. The expected answer comes from policies/staff.conf and
// staff_policy.csv through a Casbin enforcer of this test's own, never from a hand-written list.

let t: TestApp;
let world: World;
let policy: Enforcer;
let staffRoutes: RouteSpec[];
let clientRoutes: RouteSpec[];
const tokens = new Map<string, string>();
const SUBJECTS = [NO_ROLE, ...STAFF_ROLES.flatMap((role) => PLACEMENTS.map((placement) => holder(role, placement)))];

interface Call {
  readonly route: RouteSpec;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly body?: Record<string, unknown>;
  /** The department of the object the call is about (department-scoped permissions only). */
  readonly department?: string;
}

/** The policy's answer: does `subject` hold the permission where this call needs it? */
async function policyAllows(subject: string, permission: StaffPermission, department: string | undefined): Promise<boolean> {
  const { object, action, scope } = permission;
  const everywhere = await policy.enforce(subject, '*', object, action);
  if (scope.kind === 'global') return everywhere;
  if (scope.kind === 'any') return everywhere || (await policy.enforce(subject, HOME, object, action)) || (await policy.enforce(subject, OTHER, object, action));
  if (department === undefined) throw new Error('a department-scoped call needs its department');
  return everywhere || (await policy.enforce(subject, department, object, action));
}

/** A concrete request for a route, about seeded objects (in HOME, except the receiving side of a transfer). */
function callFor(route: RouteSpec): Call {
  const pools = pathPools(world);
  const segments = route.path.split('/');
  const onTransfer = route.path.includes('{transferId}');
  const params: Record<string, string> = {};
  const path = segments
    .map((segment, i) => {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!name) return segment;
      const value = onTransfer && name === 'id' ? world.transfer.assetId : pools[`${segments[i - 1]}.${name}`]?.[0];
      if (value === undefined) throw new Error(`no seeded value for ${route.path} {${name}}`);
      params[name] = value;
      return encodeURIComponent(value);
    })
    .join('/');
  const scope = route.auth.kind === 'staff' ? route.auth.permission.scope : undefined;
  if (scope?.kind !== 'department') return { route, path, params, body: route.body ? {} : undefined };
  // The transfer's receiving department accepts or rejects it; everything else is about HOME's objects.
  const department = onTransfer && /\/(accept|reject)$/.test(route.path) ? world.transfer.to : HOME;
  const body = route.body ? { owningDepartment: HOME, asset: world.assets.home.key } : undefined;
  return { route, path, params, body, department };
}

async function send(call: Call, authorization: string | undefined) {
  let req = t.http[call.route.method](call.path);
  if (authorization) req = req.set('Authorization', authorization);
  return call.body !== undefined ? req.send(call.body) : req;
}

beforeAll(async () => {
  t = await createTestApp();
  world = await seedWorld(t);
  const model = newModelFromString(fs.readFileSync(policyFile('staff.conf'), 'utf8'));
  const lines = fs
    .readFileSync(policyFile('staff_policy.csv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  policy = await newEnforcer(model, new StringAdapter(lines.join('\n')));
  for (const role of STAFF_ROLES) for (const placement of PLACEMENTS) await policy.addGroupingPolicy(holder(role, placement), role, placement);
  for (const subject of SUBJECTS) tokens.set(subject, `Bearer ${await t.staffToken(subject, { expiresIn: '1h' })}`);
  const served = operationsOf((await t.http.get('/openapi.json').expect(200)).body as Record<string, unknown>);
  const byOperation = new Map(t.container.routes.map((route) => [route.operationId, route]));
  const documented = served.map((op) => byOperation.get(op.operationId)).filter((route): route is RouteSpec => route !== undefined);
  expect(documented).toHaveLength(served.length);
  staffRoutes = documented.filter((route) => route.auth.kind === 'staff');
  clientRoutes = documented.filter((route) => route.auth.kind === 'client');
}, 120_000);
afterAll(() => t?.close());

describe('authorization matrix', () => {
  it('is built from the document: every staff operation declares a permission the policy knows', async () => {
    expect(staffRoutes.length).toBeGreaterThan(50);
    const known = new Set((await policy.getPolicy()).map(([, object, action]) => `${object}:${action}`));
    const unknown = staffRoutes
      .map((route) => (route.auth.kind === 'staff' ? `${route.auth.permission.object}:${route.auth.permission.action}` : ''))
      .filter((permission) => !known.has(permission));
    // A permission no role holds would make its operation unreachable for everyone but nobody.
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('resolves each department-scoped call to the department the world put its object in', async () => {
    for (const route of staffRoutes) {
      const call = callFor(route);
      if (route.auth.kind !== 'staff' || route.auth.permission.scope.kind !== 'department') continue;
      await expect(route.auth.permission.scope.resolve({ params: call.params, body: call.body })).resolves.toBe(call.department);
    }
  });

  it('never answers 2xx to a role that does not hold the permission where the object lives, and never 401/403 to one that does', async () => {
    const cases = staffRoutes.flatMap((route) => SUBJECTS.map((subject) => ({ call: callFor(route), subject })));
    const verdicts = await Promise.all(
      cases.map(async ({ call, subject }) => ({ call, subject, allowed: await policyAllows(subject, (call.route.auth as { permission: StaffPermission }).permission, call.department) })),
    );
    const unauthorized: string[] = [];
    const refused: string[] = [];
    let denied = 0;
    // Every refusal first, while the seeded objects are as seeded; then the calls the policy allows (they may change things).
    for (const batch of [verdicts.filter((v) => !v.allowed), verdicts.filter((v) => v.allowed)]) {
      await pool(batch, 4, async ({ call, subject, allowed }) => {
        const res = await send(call, tokens.get(subject));
        const label = `${call.route.method.toUpperCase()} ${call.route.path} as ${subject}: ${res.status} ${res.body?.code ?? ''}`;
        if (!allowed) {
          denied += 1;
          if (res.status !== 403 || res.body?.code !== 'forbidden') unauthorized.push(label);
        } else if (res.status === 401 || (res.status === 403 && res.body?.code === 'forbidden' && /needs the permission/.test(res.body?.detail ?? ''))) {
          refused.push(label);
        }
      });
    }
    console.log(`authorization matrix: ${verdicts.length} staff calls (${staffRoutes.length} operations × ${SUBJECTS.length} subjects), ${denied} refused by the policy`);
    expect(unauthorized).toEqual([]);
    expect(refused).toEqual([]);
  }, 600_000);

  it('answers 401 to machine tokens on staff operations and to staff tokens on machine operations', async () => {
    const wrongKind: string[] = [];
    const machineTokens = { machine: world.machine.token, vendor: world.vendorClientToken, pep: world.pepOnlyToken };
    await pool(staffRoutes, 4, async (route) => {
      for (const [who, token] of Object.entries(machineTokens)) {
        const res = await send(callFor(route), `Bearer ${token}`);
        if (res.status !== 401) wrongKind.push(`${route.operationId} as client ${who}: ${res.status}`);
      }
    });
    await pool(clientRoutes, 4, async (route) => {
      for (const subject of ['root-admin', holder('privacy_officer', '*'), holder('auditor', '*')]) {
        const res = await send(callFor(route), `Bearer ${await t.staffToken(subject)}`);
        if (res.status !== 401) wrongKind.push(`${route.operationId} as staff ${subject}: ${res.status}`);
      }
    });
    expect(wrongKind).toEqual([]);
  }, 300_000);

  it('lets a machine client call only the operations its roles name', async () => {
    const clients: Array<[string, string, readonly string[]]> = [
      ['pep only', world.pepOnlyToken, ['pep']],
      ['consent collector only', world.collectorOnlyToken, ['consent_collector']],
      ['vendor client', world.vendorClientToken, []],
      ['pep and consent collector', world.machine.token, ['pep', 'consent_collector']],
    ];
    const wrong: string[] = [];
    for (const route of clientRoutes) {
      if (route.auth.kind !== 'client') continue;
      const needs = route.auth.roles ?? [];
      for (const [who, token, roles] of clients) {
        const res = await send(callFor(route), `Bearer ${token}`);
        const allowed = needs.some((role) => roles.includes(role));
        if (allowed ? res.status === 401 || res.status === 403 : res.status !== 403) wrong.push(`${route.operationId} as ${who}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
