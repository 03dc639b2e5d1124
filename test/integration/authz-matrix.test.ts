import fs from 'node:fs';
import { StringAdapter, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { policyFile } from '../../services/authz';
import type { RouteSpec, StaffPermission } from '../../services/http/route';
import { createTestApp, type TestApp } from '../helpers/app';
import { operationsOf } from '../fuzz/contract';
import { pathPools } from '../fuzz/requests';
import { pool } from '../fuzz/send';
import { HOME, NO_ROLE, OTHER, PLACEMENTS, STAFF_ROLES, holder, seedWorld, type World } from '../fuzz/world';

// Every staff operation of the served OpenAPI document × every staff role (and none) held in the
// object's department, in another department, or in '*'; machine tokens on staff operations and
// staff tokens on machine operations. The expected answer comes from policies/staff.conf and
// staff_policy.csv through a Casbin enforcer of this test's own, never from a hand-written list.

/**
 * Where each staff operation belongs (docs/security-model.md has the same table with the reasons):
 * global = only a role held for every department ('*'); any = a role held in some department, the
 * service narrowing what it answers; department = the department owning the object; concerned = a
 * department the object concerns (none: bank-wide roles only). A new staff operation must be decided here.
 */
const DECIDED: Readonly<Record<string, 'global' | 'any' | 'department' | 'concerned'>> = {
  createDepartment: 'global',
  listDepartments: 'any',
  getDepartment: 'any',
  updateDepartment: 'global',
  createRoleAssignment: 'global',
  listRoleAssignments: 'global',
  deleteRoleAssignment: 'global',
  createDataAsset: 'department',
  listDataAssets: 'any',
  getDataAsset: 'department',
  updateDataAsset: 'department',
  retireDataAsset: 'department',
  addDataAssetFields: 'department',
  retireDataAssetField: 'department',
  proposeOwnershipTransfer: 'department',
  listAssetOwnershipTransfers: 'department',
  acceptOwnershipTransfer: 'department',
  rejectOwnershipTransfer: 'department',
  cancelOwnershipTransfer: 'department',
  listOwnershipTransfers: 'any',
  getOwnershipMap: 'any',
  createPurpose: 'global',
  listPurposes: 'any',
  getPurpose: 'any',
  updatePurpose: 'global',
  retirePurpose: 'global',
  createVendor: 'any',
  listVendors: 'any',
  getVendor: 'any',
  updateVendor: 'global',
  listVendorStatusHistory: 'any',
  suspendVendor: 'any',
  reinstateVendor: 'global',
  terminateVendor: 'global',
  registerVendorClient: 'global',
  listVendorClients: 'any',
  requestAccessGrant: 'department',
  listAccessGrants: 'any',
  getAccessGrant: 'any',
  approveAccessGrant: 'department',
  rejectAccessGrant: 'department',
  revokeAccessGrant: 'department',
  createNoticeDraft: 'global',
  listNotices: 'any',
  getNotice: 'any',
  updateNotice: 'global',
  discardNoticeDraft: 'global',
  publishNotice: 'global',
  listConsentHistory: 'any',
  complianceReport: 'global',
  complianceReportHtml: 'global',
  signedComplianceReport: 'global',
  vendorAccessReport: 'global',
  createApp: 'department',
  listApps: 'any',
  getApp: 'department',
  updateApp: 'department',
  transitionApp: 'department',
  addAppDataUse: 'department',
  listAppDataUses: 'department',
  recordAppSecurityTest: 'department',
  listAppSecurityTests: 'department',
  reportAppVulnerability: 'department',
  listAppVulnerabilities: 'department',
  fixAppVulnerability: 'department',
  setAppContinuity: 'concerned',
  getAppContinuity: 'department',
  recordAppOutage: 'concerned',
  listAppOutages: 'department',
  draftAppConsolidationPlan: 'department',
  getAppConsolidationPlan: 'concerned',
  reviseAppConsolidationPlan: 'department',
  addAppMigrationStep: 'department',
  updateAppMigrationStep: 'department',
  approveAppConsolidationPlan: 'department',
  recordAppExitNotificationSent: 'department',
  cancelAppConsolidationPlan: 'department',
  setAppMonitoring: 'concerned',
  getAppMonitoring: 'department',
  recordAppSignal: 'concerned',
  listAppSignals: 'department',
  listAppWarnings: 'department',
  acknowledgeAppWarning: 'concerned',
  registerAppInspectionFinding: 'concerned',
  listAppInspectionFindings: 'department',
  addAppRectificationItem: 'concerned',
  closeAppRectificationItem: 'concerned',
  listAppAccountabilityEvents: 'department',
  recordAppAccountabilityDecision: 'concerned',
  listAppAccountabilityDecisions: 'department',
  appConsolidationReport: 'global',
  submitAppPlan: 'department',
  listAppPlans: 'any',
  getAppPlan: 'concerned',
  approveAppPlan: 'any',
  rejectAppPlan: 'any',
  mergePlannedApp: 'department',
  getAppPlanningPolicy: 'any',
  setAppPlanningPolicy: 'any',
  setAppCap: 'any',
  getAppEntryReview: 'concerned',
  justifyAppOverlaps: 'department',
  appPlanReport: 'global',
  getAppLeadDepartment: 'any',
  setAppLeadDepartment: 'global',
  setAppResponsibilityMatrix: 'department',
  getAppResponsibilityMatrix: 'department',
  appResponsibilityMatrixReport: 'global',
  declareAppSdk: 'department',
  listAppSdks: 'department',
  approveAppSdk: 'department',
  declareAppSupportedEnvironments: 'department',
  recordAppCompatibilityResult: 'department',
  getAppCompatibility: 'department',
  listOperatingEnvironments: 'any',
  setOperatingEnvironment: 'global',
  getAppLicensedScope: 'any',
  setAppLicensedScope: 'global',
  setAppBusinessProfile: 'department',
  getAppBusinessProfile: 'department',
  recordAppComplianceReview: 'department',
  listAppComplianceReviews: 'department',
  closeAppComplianceFinding: 'department',
  listComplaints: 'any',
  getComplaint: 'concerned',
  transitionComplaint: 'concerned',
  extendComplaint: 'concerned',
  linkComplaint: 'concerned',
  openIncident: 'concerned',
  listIncidents: 'any',
  getIncident: 'concerned',
  updateIncident: 'concerned',
  containIncident: 'concerned',
  releaseIncidentContainment: 'global',
  transitionIncident: 'concerned',
  getIncidentBlastRadius: 'concerned',
  recordIncidentNotification: 'concerned',
  addIncidentRectification: 'concerned',
  completeIncidentRectification: 'concerned',
  registerClient: 'global',
  listClients: 'global',
  getClient: 'global',
  disableClient: 'global',
  rotateClientCredentials: 'global',
  listSigningKeys: 'global',
  rotateSigningKey: 'global',
  listAuditEvents: 'global',
  listAuditCheckpoints: 'global',
  getAuditCheckpointKeys: 'global',
  verifyAuditChain: 'global',
};

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

/** The policy's own answer for one request, asked once: many operations share a permission, and Casbin scans every line. */
const answers = new Map<string, boolean>();
function enforce(subject: string, where: string, object: string, action: string): boolean {
  const key = JSON.stringify([subject, where, object, action]);
  let answer = answers.get(key);
  if (answer === undefined) answers.set(key, (answer = policy.enforceSync(subject, where, object, action)));
  return answer;
}

/** The policy's answer: does `subject` hold the permission where this call needs it? */
function policyAllows(subject: string, permission: StaffPermission, department: string | undefined): boolean {
  const { object, action, scope } = permission;
  const everywhere = enforce(subject, '*', object, action);
  if (scope.kind === 'global') return everywhere;
  if (scope.kind === 'any') return everywhere || enforce(subject, HOME, object, action) || enforce(subject, OTHER, object, action);
  if (department === undefined) throw new Error('a department-scoped call needs its department');
  // 'concerned': the seeded objects concern exactly one department (HOME), so the answer is the same as 'department'.
  return everywhere || enforce(subject, department, object, action);
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
  if (scope?.kind !== 'department' && scope?.kind !== 'concerned') return { route, path, params, body: route.body ? {} : undefined };
  // The transfer's receiving department accepts or rejects it; everything else is about HOME's objects.
  const department = onTransfer && /\/(accept|reject)$/.test(route.path) ? world.transfer.to : HOME;
  const body = route.body
    ? { owningDepartment: HOME, department: HOME, asset: world.assets.home.key, assets: [world.assets.home.key] }
    : undefined;
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
  for (const role of STAFF_ROLES)
    for (const placement of PLACEMENTS) await policy.addGroupingPolicy(holder(role, placement), role, placement);
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
      if (route.auth.kind !== 'staff') continue;
      const scope = route.auth.permission.scope;
      if (scope.kind === 'department') await expect(scope.resolve({ params: call.params, body: call.body })).resolves.toBe(call.department);
      if (scope.kind === 'concerned')
        await expect(scope.resolve({ params: call.params, body: call.body })).resolves.toEqual([call.department]);
    }
  });

  it('never answers 2xx to a role that does not hold the permission where the object lives, and never 401/403 to one that does', async () => {
    const cases = staffRoutes.flatMap((route) => SUBJECTS.map((subject) => ({ call: callFor(route), subject })));
    const verdicts = cases.map(({ call, subject }) => ({
      call,
      subject,
      allowed: policyAllows(subject, (call.route.auth as { permission: StaffPermission }).permission, call.department),
    }));
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
        } else if (
          res.status === 401 ||
          (res.status === 403 && res.body?.code === 'forbidden' && /needs the permission/.test(res.body?.detail ?? ''))
        ) {
          refused.push(label);
        }
      });
    }
    console.log(
      `authorization matrix: ${verdicts.length} staff calls (${staffRoutes.length} operations × ${SUBJECTS.length} subjects), ${denied} refused by the policy`,
    );
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
        if (allowed ? res.status === 401 || res.status === 403 : res.status !== 403)
          wrong.push(`${route.operationId} as ${who}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});

describe('department scoping', () => {
  const po = (placement: 'FZHOME' | 'FZOTHER' | '*') => holder('privacy_officer', placement);
  const auditor = (placement: 'FZHOME' | 'FZOTHER' | '*') => holder('auditor', placement);
  const as = (subject: string) => ({ Authorization: tokens.get(subject) as string });
  let complaints: { other: string; none: string };
  let incidents: { other: string; none: string };

  beforeAll(async () => {
    const submit = async (body: Record<string, unknown>) => {
      const receipt = await t.http
        .post('/v1/public/complaints')
        .send({ category: 'other', description: 'Calls I did not agree to', ...body })
        .expect(201);
      const row = (await t.container.db('complaints').where({ reference: receipt.body.reference }).first('id')) as { id: string };
      return row.id;
    };
    complaints = { other: await submit({ contact: 'someone@example.com' }), none: await submit({ contact: '+86 138 0000 0000' }) };
    await t.http
      .post(`/v1/complaints/${complaints.other}/links`)
      .set(as(po('*')))
      .send({ asset: world.assets.other.key })
      .expect(200);
    await t.http
      .post(`/v1/complaints/${complaints.none}/links`)
      .set(as(po('*')))
      .send({ vendor: world.vendorId })
      .expect(200);
    const open = async (assets: string[]) =>
      (
        await t.http
          .post('/v1/incidents')
          .set(as(po('*')))
          .send({
            title: 'Leak',
            detectedAt: new Date(Date.now() - 60_000).toISOString(),
            source: 'audit',
            severity: 'low',
            vendors: [world.vendorId],
            assets,
            description: 'Found in review',
          })
          .expect(201)
      ).body.id as string;
    incidents = { other: await open([world.assets.other.key]), none: await open([]) };
  }, 120_000);

  it('decides every staff operation: the declared scope is the one recorded for it', () => {
    const declared = Object.fromEntries(
      staffRoutes.map((r) => [r.operationId, r.auth.kind === 'staff' ? r.auth.permission.scope.kind : 'none']),
    );
    expect(declared).toEqual(DECIDED);
  });

  it('keeps changes with bank-wide effect to bank-wide roles: every department holder is refused, whatever its role', async () => {
    const bankWide = [
      'updateVendor',
      'reinstateVendor',
      'terminateVendor',
      'registerVendorClient',
      'releaseIncidentContainment',
      'createPurpose',
      'updatePurpose',
      'retirePurpose',
      'publishNotice',
      'createNoticeDraft',
    ];
    const wrong: string[] = [];
    for (const route of staffRoutes.filter((r) => bankWide.includes(r.operationId))) {
      for (const role of STAFF_ROLES) {
        for (const placement of [HOME, OTHER] as const) {
          const res = await send(callFor(route), tokens.get(holder(role, placement)));
          if (res.status !== 403) wrong.push(`${route.operationId} as ${holder(role, placement)}: ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('lists only the complaints and incidents that concern the reader’s departments; bank-wide readers see all', async () => {
    for (const reader of [po(HOME), auditor(HOME)]) {
      const listed = (await t.http.get('/v1/complaints?limit=200').set(as(reader)).expect(200)).body.items.map((c: { id: string }) => c.id);
      expect(listed).toContain(world.complaint.id);
      expect(listed).not.toContain(complaints.other);
      expect(listed).not.toContain(complaints.none);
      const incidentIds = (await t.http.get('/v1/incidents?limit=200').set(as(reader)).expect(200)).body.items.map(
        (i: { id: string }) => i.id,
      );
      expect(incidentIds).toContain(world.incident.id);
      expect(incidentIds).not.toContain(incidents.other);
      expect(incidentIds).not.toContain(incidents.none);
    }
    const otherReader = (
      await t.http
        .get('/v1/complaints?limit=200')
        .set(as(po(OTHER)))
        .expect(200)
    ).body.items.map((c: { id: string }) => c.id);
    expect(otherReader).toContain(complaints.other);
    expect(otherReader).not.toContain(world.complaint.id);
    for (const reader of [po('*'), auditor('*')]) {
      const all = (await t.http.get('/v1/complaints?limit=200').set(as(reader)).expect(200)).body.items.map((c: { id: string }) => c.id);
      expect(all).toEqual(expect.arrayContaining([world.complaint.id, complaints.other, complaints.none]));
      const allIncidents = (await t.http.get('/v1/incidents?limit=200').set(as(reader)).expect(200)).body.items.map(
        (i: { id: string }) => i.id,
      );
      expect(allIncidents).toEqual(expect.arrayContaining([world.incident.id, incidents.other, incidents.none]));
    }
  }, 120_000);

  it('refuses a department reader every complaint and incident that does not concern its department, one by one and for every action', async () => {
    const wrong: string[] = [];
    const expect403 = async (label: string, res: { status: number }) => {
      if (res.status !== 403) wrong.push(`${label}: ${res.status}`);
    };
    for (const reader of [po(HOME), auditor(HOME)]) {
      for (const id of [complaints.other, complaints.none]) {
        await expect403(`${reader} GET complaint ${id}`, await t.http.get(`/v1/complaints/${id}`).set(as(reader)));
        await expect403(
          `${reader} transition ${id}`,
          await t.http.post(`/v1/complaints/${id}/transitions`).set(as(reader)).send({ to: 'acknowledged' }),
        );
        await expect403(
          `${reader} extend ${id}`,
          await t.http.post(`/v1/complaints/${id}/extensions`).set(as(reader)).send({ days: 5, justification: 'Complex' }),
        );
        await expect403(
          `${reader} link ${id}`,
          await t.http.post(`/v1/complaints/${id}/links`).set(as(reader)).send({ asset: world.assets.home.key }),
        );
      }
      for (const id of [incidents.other, incidents.none]) {
        await expect403(`${reader} GET incident ${id}`, await t.http.get(`/v1/incidents/${id}`).set(as(reader)));
        await expect403(`${reader} blast radius ${id}`, await t.http.get(`/v1/incidents/${id}/blast-radius`).set(as(reader)));
        await expect403(
          `${reader} contain ${id}`,
          await t.http.post(`/v1/incidents/${id}/containment`).set(as(reader)).send({ suspendVendors: true }),
        );
        await expect403(
          `${reader} update ${id}`,
          await t.http
            .patch(`/v1/incidents/${id}`)
            .set(as(reader))
            .send({ assets: [world.assets.home.key] }),
        );
        await expect403(
          `${reader} release ${id}`,
          await t.http.post(`/v1/incidents/${id}/containment/release`).set(as(reader)).send({ reason: 'Cleared' }),
        );
      }
    }
    // Opening an incident about another department's assets, or about no department's, is not for a department officer either.
    await expect403(
      'open about OTHER',
      await t.http
        .post('/v1/incidents')
        .set(as(po(HOME)))
        .send({
          title: 'x',
          detectedAt: new Date().toISOString(),
          source: 'audit',
          severity: 'low',
          assets: [world.assets.other.key],
          description: 'x',
        }),
    );
    await expect403(
      'open about none',
      await t.http
        .post('/v1/incidents')
        .set(as(po(HOME)))
        .send({
          title: 'x',
          detectedAt: new Date().toISOString(),
          source: 'audit',
          severity: 'low',
          vendors: [world.vendorId],
          description: 'x',
        }),
    );
    expect(wrong).toEqual([]);
  }, 120_000);

  it('shows a complainant’s contact only to privacy officers of a department the complaint concerns, or bank-wide', async () => {
    const shown = async (subject: string, id: string) =>
      (await t.http.get(`/v1/complaints/${id}`).set(as(subject)).expect(200)).body.contact;
    expect(await shown(po(OTHER), complaints.other)).toBe('someone@example.com');
    expect(await shown(po('*'), complaints.other)).toBe('someone@example.com');
    expect(await shown(auditor(OTHER), complaints.other)).toBeUndefined();
    expect(await shown(po('*'), complaints.none)).toBe('+86 138 0000 0000');
  });
});
