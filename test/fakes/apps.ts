import crypto from 'node:crypto';
import { LeadDepartmentService, type RoleDirectory } from '../../services/apps/accountability';
import { FakeAccountabilityStore } from '../../services/apps/accountability/fake-store';
import { AppDataUseService } from '../../services/apps/data-use-service';
import { FakeAppStore } from '../../services/apps/fake-store';
import { AppLifecycleService, type RetirementGate } from '../../services/apps/lifecycle-service';
import type { PublishedNoticeLookup, ReleaseCheck } from '../../services/apps/release-gate';
import type { App } from '../../services/apps/schemas';
import { FakeAppSecurityStore } from '../../services/apps/security-fake-store';
import { AppSecurityService } from '../../services/apps/security-service';
import { AppService, type ProposalCheck, type UpdateCheck } from '../../services/apps/service';
import type { Trx } from '../../services/db';
import type { DepartmentAccess } from '../../services/http/route';
import { ManualClock } from '../../services/platform/clock';
import { ValidationError } from '../../services/shared/errors';
import { FakeTransactor, RecordingAudit } from './ports';

/** The departments that exist in the fake world. */
export const DEPARTMENTS = ['DIGITAL', 'RETAIL', 'CARDS'] as const;

/** The department directory: refuses a code that is not in DEPARTMENTS as the department service does. */
export const departments = {
  async requireExisting(codes: readonly string[], field: string): Promise<void> {
    const missing = codes.find((c) => !(DEPARTMENTS as readonly string[]).includes(c));
    if (missing)
      throw new ValidationError(`${field}: no department ${missing}`, [{ path: field, message: `unknown department ${missing}` }]);
  },
};

/** Where staff hold permissions: `grant('ben', 'app', 'approve', 'DIGITAL')` or `'*'` for every department. */
export class FakeRoles implements RoleDirectory {
  private readonly held = new Map<string, DepartmentAccess>();

  grant(subject: string, object: string, action: string, department: string): this {
    const key = `${subject} ${object}:${action}`;
    const before = this.held.get(key);
    if (department === '*') this.held.set(key, { all: true });
    else if (!before?.all) this.held.set(key, { all: false, departments: [...(before?.departments ?? []), department] });
    return this;
  }

  async access(subject: string, object: string, action: string): Promise<DepartmentAccess> {
    return this.held.get(`${subject} ${object}:${action}`) ?? { all: false, departments: [] };
  }
}

let named = 0;

/** A complete ledger entry (a customer app led by DIGITAL, owned by RETAIL, proposed by amy), for putting into a fake store. */
export function appRecord(overrides: Partial<App> = {}): App {
  named += 1;
  return {
    id: crypto.randomUUID(),
    name: `App ${named}`,
    kind: 'app',
    platform: null,
    audience: 'customer',
    leadDepartment: 'DIGITAL',
    owningDepartment: 'RETAIL',
    responsiblePerson: 'Li Wei',
    businessOwner: 'Zhao Min',
    technologyOwner: 'Chen Jie',
    filingNumber: null,
    monthlyActiveUsers: 0,
    satisfaction: null,
    businessScenarios: [],
    thirdPartySdks: [],
    lifecycleState: 'proposed',
    createdBy: 'amy',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Puts an app into the fake store as it stands (no transition history); returns it. */
export function putApp(store: FakeAppStore, overrides: Partial<App> = {}): App {
  const app = appRecord(overrides);
  store.apps.set(app.id, app);
  return app;
}

/** Runs `fn` as the body of one fake transaction (for a sub-feature's check that takes a transaction). */
export const inFakeTransaction = <T>(fn: (trx: Trx) => Promise<T>): Promise<T> => new FakeTransactor().transaction(fn);

export interface LedgerOptions {
  readonly clock?: ManualClock;
  /** The stores and audit log a sub-feature's services share with the ledger (new ones when absent). */
  readonly store?: FakeAppStore;
  readonly audit?: RecordingAudit;
  readonly proposalChecks?: readonly ProposalCheck[];
  readonly updateChecks?: readonly UpdateCheck[];
  readonly releaseChecks?: readonly ReleaseCheck[];
  readonly entryChecks?: ReadonlyArray<(trx: Trx, id: string) => Promise<void>>;
  readonly retirementGates?: readonly RetirementGate[];
}

/**
 * The app ledger's core (entries, lifecycle, data uses, security) on fakes: DIGITAL is the lead
 * department, amy, ben, cat and dan are app managers everywhere, purposes `servicing` (contract),
 * `marketing` and `wealth` (consent) and the retired `old` exist, and `notices` says which purposes
 * have a published notice (`general` for every app, or per app id).
 */
export function ledgerOnFakes(options: LedgerOptions = {}) {
  const clock = options.clock ?? new ManualClock('2026-06-15T08:00:00.000Z');
  const tx = new FakeTransactor();
  const audit = options.audit ?? new RecordingAudit();
  const store = options.store ?? new FakeAppStore();
  const security = new FakeAppSecurityStore();
  const accountability = new FakeAccountabilityStore();
  accountability.lead = { department: 'DIGITAL', setBy: 'root-admin', setAt: '2026-01-01T00:00:00.000Z' };
  const roles = new FakeRoles();
  for (const who of ['amy', 'ben', 'cat', 'dan']) roles.grant(who, 'app', 'approve', '*');
  const purposeTable = new Map([
    ['servicing', { key: 'servicing', legalBasis: 'contract', status: 'active' }],
    ['marketing', { key: 'marketing', legalBasis: 'consent', status: 'active' }],
    ['wealth', { key: 'wealth', legalBasis: 'consent', status: 'active' }],
    ['old', { key: 'old', legalBasis: 'contract', status: 'retired' }],
  ]);
  const purposes = { purpose: async (key: string) => purposeTable.get(key) };
  const published = { general: new Set<string>(), byApp: new Map<string, Set<string>>() };
  const notices: PublishedNoticeLookup = {
    hasPublishedNotice: async (purposeKey, appId) =>
      published.general.has(purposeKey) || (appId !== undefined && (published.byApp.get(appId)?.has(purposeKey) ?? false)),
  };
  const assets = {
    asset: async (idOrKey: string) =>
      [
        {
          id: '00000000-0000-4000-8000-00000000a55e',
          key: 'retail.customer',
          status: 'active',
          fields: [
            { name: 'name', status: 'active' },
            { name: 'phone', status: 'active' },
            { name: 'fax', status: 'retired' },
          ],
        },
        { id: '00000000-0000-4000-8000-0000000001d1', key: 'retail.old', status: 'retired', fields: [] },
      ].find((a) => a.id === idOrKey || a.key === idOrKey),
  };
  const lead = new LeadDepartmentService(tx, accountability, audit, departments, roles, clock);
  const apps = new AppService(tx, store, audit, departments, options.proposalChecks, options.updateChecks, clock);
  const lifecycle = new AppLifecycleService(
    tx,
    store,
    security,
    audit,
    purposes,
    notices,
    lead,
    options.releaseChecks,
    options.entryChecks,
    options.retirementGates,
    clock,
  );
  const dataUses = new AppDataUseService(tx, store, audit, assets, purposes, notices, clock);
  const securityService = new AppSecurityService(tx, store, security, audit, clock);
  return {
    clock,
    tx,
    audit,
    store,
    security,
    accountability,
    roles,
    published,
    lead,
    apps,
    lifecycle,
    dataUses,
    securityService,
  };
}
