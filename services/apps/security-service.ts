import type { Clock } from '../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { decodeUuidCursor, type Page } from '../shared/schemas';
import type {
  CreateSecurityTest,
  CreateVulnerability,
  FixVulnerability,
  SecurityTest,
  SecurityTestKind,
  SecurityTestQuery,
  Vulnerability,
  VulnerabilitySource,
  VulnerabilityQuery,
  VulnerabilityStatus,
} from './security-schemas';
import type { AppSecurityStoreType, VulnerabilityRecord } from './security-store-type';
import { appNotFound, lockChangeableApp, pageOf, staffSubject } from './service';
import type { AppStoreType } from './store-type';

// Dates carry no time zone: a test performed "today" in UTC+14 must not be refused as a future date.
const LATEST_ZONE_OFFSET_MS = 14 * 3_600_000;

/**
 * Where a vulnerability came from and so what its due date is: a regulator's notice (通报) brings its
 * reference and its deadline, which is the due date; other sources give dueAt and nothing of a notice.
 */
export function vulnerabilityOrigin(input: CreateVulnerability): {
  source: VulnerabilitySource;
  dueAt: string;
  dueAtPath: string;
  regulatorReference: string | null;
} {
  const source = input.source ?? 'internal_test';
  if (source === 'regulator_notice') {
    if (input.regulatorDeadline === undefined) throw ValidationError.field('body.regulatorDeadline', 'is required for a regulator_notice');
    if (input.regulatorReference === undefined)
      throw ValidationError.field('body.regulatorReference', 'is required for a regulator_notice');
    if (input.dueAt !== undefined)
      throw ValidationError.field('body.dueAt', 'must be omitted for a regulator_notice: the regulator’s deadline is the due date');
    return { source, dueAt: input.regulatorDeadline, dueAtPath: 'body.regulatorDeadline', regulatorReference: input.regulatorReference };
  }
  if (input.regulatorDeadline !== undefined) throw ValidationError.field('body.regulatorDeadline', 'is only for a regulator_notice');
  if (input.regulatorReference !== undefined) throw ValidationError.field('body.regulatorReference', 'is only for a regulator_notice');
  if (input.dueAt === undefined) throw ValidationError.field('body.dueAt', 'is required');
  return { source, dueAt: input.dueAt, dueAtPath: 'body.dueAt', regulatorReference: null };
}

/** open: not fixed and not yet due; overdue: not fixed and past due; fixed. */
export function vulnerabilityStatus(v: Pick<VulnerabilityRecord, 'fixedAt' | 'dueAt'>, now: Date): VulnerabilityStatus {
  if (v.fixedAt !== null) return 'fixed';
  return new Date(v.dueAt) < now ? 'overdue' : 'open';
}

/** High and critical findings and every privacy-review finding block release; others when the reporter says so. */
function blocksRelease(input: CreateVulnerability, testKind: SecurityTestKind | null): boolean {
  const always = input.severity === 'high' || input.severity === 'critical' || testKind === 'privacy_review';
  if (always && input.blocksRelease === false) {
    throw ValidationError.field('body.blocksRelease', 'high, critical and privacy-review findings always block release');
  }
  return always || input.blocksRelease === true;
}

const withStatus = (v: VulnerabilityRecord, now: Date): Vulnerability => ({ ...v, status: vulnerabilityStatus(v, now) });

/** Penetration tests, compatibility tests, privacy reviews and vulnerabilities with their rectification. */
export class AppSecurityService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: AppSecurityStoreType,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async recordTest(ctx: ChangeContext, appId: string, input: CreateSecurityTest): Promise<SecurityTest> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    if (input.performedAt > new Date(now.getTime() + LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10)) {
      throw ValidationError.field('body.performedAt', 'must not be in the future');
    }
    const test: SecurityTest = { id: crypto.randomUUID(), appId, ...input, recordedBy: by, recordedAt: now.toISOString() };
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      await this.store.insertTest(trx, test);
      await this.audit.record(trx, ctx, {
        action: 'app.security_test_recorded',
        objectType: 'app',
        objectId: appId,
        details: { securityTest: test },
      });
      return test;
    });
  }

  async listTests(appId: string, query: SecurityTestQuery): Promise<Page<SecurityTest>> {
    await this.requireApp(appId);
    const rows = await this.store.testsOf(
      appId,
      { kind: query.kind, result: query.result, afterId: decodeUuidCursor(query.cursor) },
      query.limit + 1,
    );
    return pageOf(rows, query.limit);
  }

  async reportVulnerability(ctx: ChangeContext, appId: string, input: CreateVulnerability): Promise<Vulnerability> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    const reportedAt = new Date(input.reportedAt);
    const origin = vulnerabilityOrigin(input);
    const dueAt = new Date(origin.dueAt);
    if (reportedAt > now) throw ValidationError.field('body.reportedAt', 'must not be in the future');
    if (dueAt < reportedAt) throw ValidationError.field(origin.dueAtPath, 'must not be before reportedAt');
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const foundBy = await this.foundBy(trx, appId, input);
      const vulnerability: VulnerabilityRecord = {
        id: crypto.randomUUID(),
        appId,
        title: input.title,
        severity: input.severity,
        reportedAt: reportedAt.toISOString(),
        dueAt: dueAt.toISOString(),
        ...foundBy,
        blocksRelease: blocksRelease(input, foundBy.testKind),
        source: origin.source,
        regulatorReference: origin.regulatorReference,
        fixedAt: null,
        fixEvidence: null,
        fixedBy: null,
        recordedBy: by,
        recordedAt: now.toISOString(),
      };
      await this.store.insertVulnerability(trx, vulnerability);
      await this.audit.record(trx, ctx, {
        action: 'app.vulnerability_reported',
        objectType: 'app',
        objectId: appId,
        details: { vulnerability },
      });
      return withStatus(vulnerability, now);
    });
  }

  /** Records the fix and its evidence; a fix is recorded once. */
  async fixVulnerability(ctx: ChangeContext, appId: string, vulnerabilityId: string, input: FixVulnerability): Promise<Vulnerability> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    const fixedAt = input.fixedAt === undefined ? now : new Date(input.fixedAt);
    if (fixedAt > now) throw ValidationError.field('body.fixedAt', 'must not be in the future');
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = await this.store.findVulnerability(trx, appId, vulnerabilityId, true);
      if (!before) throw new NotFoundError(`No vulnerability ${vulnerabilityId} on app ${appId}`);
      if (before.fixedAt !== null)
        throw new ConflictError('vulnerability_already_fixed', `The vulnerability was already fixed at ${before.fixedAt}`);
      if (fixedAt < new Date(before.reportedAt))
        throw ValidationError.field('body.fixedAt', 'must not be before the vulnerability was reported');
      const after: VulnerabilityRecord = { ...before, fixedAt: fixedAt.toISOString(), fixEvidence: input.evidence, fixedBy: by };
      await this.store.recordFix(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.vulnerability_fixed',
        objectType: 'app',
        objectId: appId,
        details: {
          vulnerability: vulnerabilityId,
          fixedAt: after.fixedAt,
          evidence: after.fixEvidence,
          overdue: fixedAt > new Date(before.dueAt),
        },
      });
      return withStatus(after, now);
    });
  }

  async listVulnerabilities(appId: string, query: VulnerabilityQuery): Promise<Page<Vulnerability>> {
    await this.requireApp(appId);
    const now = this.clock.now();
    const rows = await this.store.vulnerabilitiesOf(
      appId,
      {
        severity: query.severity,
        status: query.status,
        blocksRelease: query.blocksRelease === undefined ? undefined : query.blocksRelease === 'true',
        source: query.source,
        afterId: decodeUuidCursor(query.cursor),
        now: now.toISOString(),
      },
      query.limit + 1,
    );
    const page = pageOf(rows, query.limit);
    return { items: page.items.map((v) => withStatus(v, now)), nextCursor: page.nextCursor };
  }

  /** The test that found a finding: the recorded test named (of this app, of the kind given), or just a kind. */
  private async foundBy(
    trx: Trx,
    appId: string,
    input: CreateVulnerability,
  ): Promise<{ testKind: SecurityTestKind | null; securityTestId: string | null }> {
    if (input.securityTestId === undefined) return { testKind: input.testKind ?? null, securityTestId: null };
    const test = await this.store.findTest(trx, appId, input.securityTestId);
    if (!test) throw ValidationError.field('body.securityTestId', 'not a recorded test of this app');
    if (input.testKind !== undefined && input.testKind !== test.kind)
      throw ValidationError.field('body.testKind', `the test named is a ${test.kind} test`);
    return { testKind: test.kind, securityTestId: test.id };
  }

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
  }
}
