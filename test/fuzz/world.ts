import type { Response } from 'supertest';
import type { TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { registerSecretClient, tokenFor, type SecretClient } from '../helpers/oauth';

/** The staff roles of policies/staff_policy.csv. */
export const STAFF_ROLES = [
  'admin',
  'data_owner',
  'vendor_manager',
  'privacy_officer',
  'app_manager',
  'auditor',
  'compliance_officer',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Two business departments: objects live in HOME; OTHER is "another department". */
export const HOME = 'FZHOME';
export const OTHER = 'FZOTHER';
export type Placement = typeof HOME | typeof OTHER | '*';
export const PLACEMENTS: readonly Placement[] = [HOME, OTHER, '*'];

/** The subject that holds `role` in `placement` and nothing else. */
export const holder = (role: StaffRole, placement: Placement): string => `${role}@${placement === '*' ? 'all' : placement.toLowerCase()}`;
export const NO_ROLE = 'no-role-staff';

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

/** Where a seeded object lives: its department (for department-scoped permissions) and its id. */
export interface Seeded {
  readonly id: string;
  readonly department: string;
}

/**
 * A small bank, seeded through the API as the people who would do it: objects in two departments,
 * a holder of every staff role in each department and in '*', and machine clients with tokens.
 */
export interface World {
  readonly assets: {
    readonly home: Seeded & { key: string };
    readonly other: Seeded & { key: string };
    readonly movable: Seeded & { key: string };
  };
  readonly purposes: { readonly consent: string; readonly contract: string };
  readonly vendorId: string;
  readonly grants: { readonly requested: Seeded; readonly active: Seeded; readonly other: Seeded };
  /** An open ownership transfer of `assets.movable` from HOME to OTHER. */
  readonly transfer: { readonly id: string; readonly assetId: string; readonly from: string; readonly to: string };
  readonly noticeId: string;
  readonly apps: { readonly home: Seeded; readonly other: Seeded };
  readonly vulnerabilityId: string;
  /** A third-party component of the HOME app that collects personal information, declared by an app manager. */
  readonly sdkId: string;
  /** A submitted app construction plan of HOME with one planned app. */
  readonly appPlan: { readonly id: string; readonly itemId: string };
  readonly complaint: { readonly id: string; readonly reference: string };
  readonly incident: { readonly id: string; readonly rectificationId: string };
  readonly consentId: string;
  readonly consentSubject: string;
  /** An issued compliance report (its signed form is a path parameter's object). */
  readonly complianceReportId: string;
  /** Internal client with roles pep and consent_collector, and its token: the fuzzer's machine identity. */
  readonly machine: { readonly clientId: string; readonly clientSecret: string; readonly token: string };
  /** Tokens of internal clients with one role each, and of a vendor client (no internal role). */
  readonly pepOnlyToken: string;
  /** Internal monitoring client (role app_monitor, scope app_signals) that the HOME app's monitoring profile names. */
  readonly monitorToken: string;
  readonly collectorOnlyToken: string;
  readonly vendorClientToken: string;
  /**
   * Clients, a token and role assignments the fuzzer may disable, revoke or delete without hurting the
   * identities it calls with. `token` belongs to `clients[0]`.
   */
  readonly expendable: { readonly clients: readonly SecretClient[]; readonly token: string; readonly roleAssignmentIds: readonly number[] };
}

async function ok(res: Response | Promise<Response>, what: string, status = [200, 201]): Promise<Response> {
  const r = await res;
  if (!status.includes(r.status)) throw new Error(`seeding ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

export async function seedWorld(t: TestApp): Promise<World> {
  const f = new Factories(t);
  const as = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
  await f.department(HOME);
  await f.department(OTHER);
  for (const role of STAFF_ROLES) for (const placement of PLACEMENTS) await t.grantRole(holder(role, placement), role, placement);
  const po = holder('privacy_officer', '*');
  const vm = holder('vendor_manager', '*');
  const owner = holder('data_owner', '*');

  const purposes = { consent: 'fuzz_marketing', contract: 'fuzz_servicing' };
  await f.purpose(purposes.consent, 'consent', po);
  await f.purpose(purposes.contract, 'contract', po);
  const fields: Array<[string, 'none' | 'personal' | 'sensitive']> = [
    ['name', 'personal'],
    ['phone', 'personal'],
    ['id_number', 'sensitive'],
  ];
  const home = await f.asset(HOME, fields, owner);
  const other = await f.asset(OTHER, fields, owner);
  const movable = await f.asset(HOME, fields, owner);
  const vendorId = await f.vendor({ purposes: [purposes.consent, purposes.contract], manager: vm });

  const requestGrant = async (asset: string) =>
    (
      await ok(
        t.http
          .post('/v1/access-grants')
          .set(await as(vm))
          .send({
            vendor: vendorId,
            asset,
            fields: ['name', 'phone'],
            actions: ['read'],
            purpose: purposes.contract,
            validUntil: inDays(60),
            justification: 'Card servicing calls for the fuzz world',
          }),
        'grant',
      )
    ).body.id as string;
  const requested = await requestGrant(home.key);
  const active = await requestGrant(home.key);
  await ok(
    t.http
      .post(`/v1/access-grants/${active}/approve`)
      .set(await as(owner))
      .send({}),
    'approve grant',
  );
  const otherGrant = await requestGrant(other.key);

  const transfer = await ok(
    t.http
      .post(`/v1/data-assets/${movable.id}/ownership-transfers`)
      .set(await as(owner))
      .send({ toDepartment: OTHER, reason: 'Reorganisation' }),
    'ownership transfer',
  );

  const notice = await ok(
    t.http
      .post('/v1/notices')
      .set(await as(po))
      .send({
        purpose: purposes.consent,
        title: 'Card offers',
        body: '# Card offers\n\nWe use your name and phone to tell you about cards.',
        controller: { name: 'Example Bank Co., Ltd.', contact: 'Personal Information Protection Office', email: 'privacy@bank.example' },
        piCategories: ['name', 'mobile phone number'],
        sensitivePiCategories: [],
        thirdParties: [],
        rights: { access: 'In the app', copy: 'In the app', correct: 'In the app', delete: 'Call 95555', withdraw: 'In the app' },
        complaintChannel: { phone: '95555', url: 'https://bank.example/complaints' },
      }),
    'notice',
  );
  const published = await t.http
    .post(`/v1/notices/${notice.body.id}/publish`)
    .set(await as(po))
    .send();
  if (published.status !== 200) throw new Error(`seeding notice publish: ${published.status} ${JSON.stringify(published.body)}`);

  const am = holder('app_manager', '*');
  const newApp = async (department: string, name: string) =>
    (
      await ok(
        t.http
          .post('/v1/apps')
          .set(await as(am))
          .send({
            name,
            kind: 'app',
            audience: 'customer',
            leadDepartment: department,
            owningDepartment: department,
            responsiblePerson: 'Lead of mobile',
          }),
        'app',
      )
    ).body.id as string;
  const homeApp = await newApp(HOME, 'Fuzz Home Wallet');
  const otherApp = await newApp(OTHER, 'Fuzz Other Portal');
  const today = new Date().toISOString().slice(0, 10);
  await ok(
    t.http
      .post(`/v1/apps/${homeApp}/security-tests`)
      .set(await as(am))
      .send({ kind: 'penetration', performedAt: today, result: 'pass', performer: 'Red team', reportReference: 'PT-1' }),
    'security test',
  );
  await ok(
    t.http
      .put(`/v1/apps/${homeApp}/continuity`)
      .set(await as(am))
      .send({ tier: 'critical', rtoMinutes: 60, rpoMinutes: 15, planReference: 'BCP-1', lastDrill: { on: today, result: 'passed' } }),
    'continuity profile',
  );
  const vulnerability = await ok(
    t.http
      .post(`/v1/apps/${homeApp}/vulnerabilities`)
      .set(await as(am))
      .send({ title: 'Weak TLS config', severity: 'medium', reportedAt: new Date(Date.now() - DAY).toISOString(), dueAt: inDays(30) }),
    'vulnerability',
  );

  const sdk = await ok(
    t.http
      .post(`/v1/apps/${homeApp}/sdks`)
      .set(await as(am))
      .send({
        release: '1.0.0',
        name: 'Fuzz Push',
        provider: 'Push Co.',
        version: '2.0.0',
        piCategories: ['device identifiers'],
        purpose: purposes.contract,
        contractCovered: true,
      }),
    'sdk',
  );

  await ok(
    t.http
      .put(`/v1/apps/${homeApp}/supported-environments`)
      .set(await as(am))
      .send({ release: '1.0.0', environments: [{ platform: 'android', version: '14' }] }),
    'supported environments',
  );
  await ok(
    t.http
      .put('/v1/operating-environments')
      .set(await as(am))
      .send({ platform: 'android', version: '14', endOfSupport: '2030-12-31' }),
    'operating environment',
  );

  const appPlan = await ok(
    t.http
      .post('/v1/app-plans')
      .set(await as(am))
      .send({
        department: HOME,
        periodStart: today,
        periodEnd: new Date(Date.now() + 300 * DAY).toISOString().slice(0, 10),
        justification: 'Fuzz plan',
        plannedApps: [{ name: 'Fuzz Planned', kind: 'app', audience: 'customer', businessScenarios: ['fuzz'], justification: 'Fuzz' }],
      }),
    'app plan',
  );

  const complaint = await ok(
    t.http.post('/v1/public/complaints').send({ category: 'other', description: 'Calls I did not agree to' }),
    'complaint',
  );
  const complaints = await ok(t.http.get('/v1/complaints').set(await as(po)), 'complaint list');
  const complaintId = (complaints.body.items as Array<{ id: string; reference: string }>).find(
    (c) => c.reference === complaint.body.reference,
  )?.id;
  if (!complaintId) throw new Error('seeding complaint: not listed');
  // Linked to HOME's asset: the complaint concerns HOME (complaints are read and handled by the departments they concern).
  await ok(
    t.http
      .post(`/v1/complaints/${complaintId}/links`)
      .set(await as(po))
      .send({ asset: home.key }),
    'complaint link',
  );

  const incident = await ok(
    t.http
      .post('/v1/incidents')
      .set(await as(po))
      .send({
        title: 'Call list leak',
        detectedAt: new Date(Date.now() - 3_600_000).toISOString(),
        source: 'vendor_report',
        severity: 'high',
        vendors: [vendorId],
        assets: [home.key],
        description: 'Reported by the vendor',
      }),
    'incident',
  );
  const rectification = await ok(
    t.http
      .post(`/v1/incidents/${incident.body.id}/rectifications`)
      .set(await as(po))
      .send({ action: 'Block USB drives', owner: HOME, dueAt: inDays(7) }),
    'rectification',
  );

  const machine = await registerSecretClient(t, { roles: ['pep', 'consent_collector'], scopes: [] });
  const machineToken = await tokenFor(t, machine);
  const pepOnly = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
  const collectorOnly = await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] });
  const vendorClient = await ok(
    t.http
      .post(`/v1/vendors/${vendorId}/clients`)
      .set(await as(vm))
      .send({ name: 'Vendor system', tokenEndpointAuthMethod: 'client_secret_basic' }),
    'vendor client',
  );
  const monitor = await registerSecretClient(t, { roles: ['app_monitor'], scopes: ['app_signals'] });
  await ok(
    t.http
      .put(`/v1/apps/${homeApp}/monitoring`)
      .set(await as(am))
      .send({
        clients: [monitor.clientId],
        thresholds: [{ kind: 'availability', windowMinutes: 60, warnBelowPercent: 99.5, majorBelowPercent: 95 }],
      }),
    'monitoring profile',
  );
  const expendableA = await registerSecretClient(t, { roles: ['pep'], scopes: [] });
  const expendableB = await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] });

  const consentSubject = 'C000000042';
  const consent = await ok(
    t.http
      .post('/v1/consents')
      .set({ Authorization: `Bearer ${machineToken}` })
      .send({ subject: consentSubject, purpose: purposes.consent, noticeVersion: published.body.version, channel: 'mobile-bank' }),
    'consent',
  );

  const expendableAssignments: number[] = [];
  for (const subject of ['expendable-1', 'expendable-2', 'expendable-3']) {
    const res = await ok(
      t.http
        .post('/v1/role-assignments')
        .set(await as('root-admin'))
        .send({ subject, role: 'auditor', department: HOME }),
      'role assignment',
    );
    expendableAssignments.push(res.body.id as number);
  }

  const complianceReport = await ok(t.http.get('/v1/reports/compliance').set(await as(po)), 'compliance report');
  return {
    complianceReportId: complianceReport.body.reportId as string,
    assets: { home: { ...home, department: HOME }, other: { ...other, department: OTHER }, movable: { ...movable, department: HOME } },
    purposes,
    vendorId,
    grants: {
      requested: { id: requested, department: HOME },
      active: { id: active, department: HOME },
      other: { id: otherGrant, department: OTHER },
    },
    transfer: { id: transfer.body.id as string, assetId: movable.id, from: HOME, to: OTHER },
    noticeId: notice.body.id as string,
    apps: { home: { id: homeApp, department: HOME }, other: { id: otherApp, department: OTHER } },
    vulnerabilityId: vulnerability.body.id as string,
    sdkId: sdk.body.id as string,
    appPlan: { id: appPlan.body.id as string, itemId: appPlan.body.plannedApps[0].id as string },
    complaint: { id: complaintId, reference: complaint.body.reference as string },
    incident: { id: incident.body.id as string, rectificationId: rectification.body.id as string },
    consentId: consent.body.id as string,
    consentSubject,
    machine: { ...machine, token: machineToken },
    pepOnlyToken: await tokenFor(t, pepOnly),
    monitorToken: await tokenFor(t, monitor),
    collectorOnlyToken: await tokenFor(t, collectorOnly),
    vendorClientToken: await tokenFor(
      t,
      { clientId: vendorClient.body.clientId, clientSecret: vendorClient.body.clientSecret },
      {
        authorization_details: JSON.stringify([
          { type: 'data_access', locations: [home.key], actions: ['read'], datatypes: ['phone'], purpose: purposes.contract },
        ]),
      },
    ),
    expendable: { clients: [expendableA, expendableB], token: await tokenFor(t, expendableA), roleAssignmentIds: expendableAssignments },
  };
}
