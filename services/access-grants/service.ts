import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { StaffAuthorizer } from '../authz';
import type { Transactor, Trx } from '../db';
import type { ChangePublisher } from '../platform/change-feed';
import { systemClock, type Clock } from '../platform/clock';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import type { DepartmentAccess } from '../http/route';
import { decodeUuidCursor, pageFrom, type Page } from '../shared/schemas';
import { assertAssessmentCurrent, assertNoticesDisclose, assertSubjectsLive } from './grantability';
import {
  MAX_GRANT_DAYS,
  prototypeFreeRowScope,
  type AccessGrant,
  type CreateAccessGrant,
  type GrantQuery,
  type GrantStatus,
} from './schemas';
import { grantLines } from './store';
import type { AccessGrantStoreType, GrantRecord } from './store-type';

/** Change-feed topic: a vendor's access lines changed; payload { vendorId }. */
export const ACCESS_GRANTS_CHANGED = 'access_grants.changed';

/** What grants need to know about vendors, assets and purposes (implemented over their services). */
export interface GrantDirectory {
  vendor(id: string): Promise<
    | {
        id: string;
        status: 'active' | 'suspended' | 'terminated';
        contractStartsAt: string;
        contractEndsAt: string;
        purposes: readonly string[];
      }
    | undefined
  >;
  asset(idOrKey: string): Promise<
    | {
        id: string;
        key: string;
        owningDepartment: string;
        status: string;
        fields: ReadonlyArray<{ readonly name: string; readonly piCategory: string; readonly status: string }>;
      }
    | undefined
  >;
  purpose(key: string): Promise<{ key: string; legalBasis: string; status: string } | undefined>;
}

const DAY_MS = 86_400_000;

const grantNotFound = (id: string) => new NotFoundError(`No access grant ${id}`);

export function effectiveStatus(g: GrantRecord, now: string): GrantStatus {
  if (g.status !== 'approved') return g.status;
  if (now >= g.validUntil) return 'expired';
  if (now < g.validFrom) return 'approved';
  return 'active';
}

export class AccessGrantService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AccessGrantStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly authz: Pick<StaffAuthorizer, 'can'>,
    private readonly directory: GrantDirectory,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Department that owns the asset a grant is on (for route permission scopes). */
  async departmentOf(grantId: string): Promise<string> {
    const grant = await this.store.get(grantId);
    if (!grant) throw grantNotFound(grantId);
    const asset = await this.directory.asset(grant.assetId);
    if (!asset) throw grantNotFound(grantId);
    return asset.owningDepartment;
  }

  async request(ctx: ChangeContext, input: CreateAccessGrant): Promise<AccessGrant> {
    const requester = staffSubject(ctx);
    const now = this.clock.now();
    const vendor = await this.directory.vendor(input.vendor);
    if (!vendor) throw ValidationError.field('body.vendor', 'unknown vendor');
    if (vendor.status !== 'active')
      throw new ConflictError('vendor_not_active', `The vendor is ${vendor.status}; grants can only be requested for active vendors`);
    const asset = await this.directory.asset(input.asset);
    if (!asset || asset.status !== 'active') throw ValidationError.field('body.asset', 'unknown or retired data asset');
    const purpose = await this.directory.purpose(input.purpose);
    if (!purpose || purpose.status !== 'active') throw ValidationError.field('body.purpose', 'unknown or retired purpose');
    if (!vendor.purposes.includes(input.purpose)) {
      throw ValidationError.field(
        'body.purpose',
        `not one of the purposes in the vendor’s contract (${vendor.purposes.join(', ') || 'none'})`,
      );
    }
    const fields = [...new Set(input.fields)];
    if (fields.length !== input.fields.length) throw ValidationError.field('body.fields', 'lists a field twice');
    const live = new Map(asset.fields.filter((f) => f.status === 'active').map((f) => [f.name, f]));
    const unknown = fields.filter((f) => !live.has(f));
    if (unknown.length > 0) throw ValidationError.field('body.fields', `not live fields of ${asset.key}: ${unknown.join(', ')}`);
    const actions = [...new Set(input.actions)];
    const validFrom = input.validFrom ? new Date(input.validFrom) : now;
    const validUntil = new Date(input.validUntil);
    if (validUntil <= validFrom) throw ValidationError.field('body.validUntil', 'must be after validFrom');
    if (validUntil <= now) throw ValidationError.field('body.validUntil', 'must be in the future');
    if (validUntil.getTime() - validFrom.getTime() > MAX_GRANT_DAYS * DAY_MS)
      throw ValidationError.field('body.validUntil', `must be at most ${MAX_GRANT_DAYS} days after validFrom`);
    if (validUntil > new Date(vendor.contractEndsAt))
      throw ValidationError.field('body.validUntil', `must not be after the contract’s end (${vendor.contractEndsAt})`);
    if (validFrom < new Date(vendor.contractStartsAt))
      throw ValidationError.field('body.validFrom', `must not be before the contract’s start (${vendor.contractStartsAt})`);

    const grant: GrantRecord = {
      id: crypto.randomUUID(),
      vendorId: vendor.id,
      assetId: asset.id,
      fields,
      actions,
      purposeKey: purpose.key,
      validFrom: validFrom.toISOString(),
      validUntil: validUntil.toISOString(),
      rowScope: input.rowScope === undefined ? null : prototypeFreeRowScope(input.rowScope),
      dailyRecordCap: input.dailyRecordCap ?? null,
      justification: input.justification,
      sensitive: fields.some((f) => live.get(f)?.piCategory === 'sensitive'),
      status: 'requested',
      requestedBy: requester,
      requestedAt: now.toISOString(),
      ownerApprovedBy: null,
      ownerApprovedAt: null,
      privacyApprovedBy: null,
      privacyApprovedAt: null,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
      lastUsedAt: null,
    };
    await this.db.transaction(async (trx) => {
      await this.store.insert(trx, grant);
      await this.audit.record(trx, ctx, {
        action: 'access_grant.requested',
        objectType: 'access_grant',
        objectId: grant.id,
        details: { after: summary(grant), owningDepartment: asset.owningDepartment },
      });
    });
    return this.view(grant, asset);
  }

  /**
   * Records the caller's approval as the owning department's data owner or as a privacy officer
   * (for sensitive fields). Never the requester, and never both approvals by one person.
   */
  async approve(ctx: ChangeContext, id: string, note?: string): Promise<AccessGrant> {
    const subject = staffSubject(ctx);
    // Read what lives outside this feature first: PGlite has one connection, held by the transaction below.
    const current = await this.peek(id);
    const asset = await this.requireAsset(current.assetId);
    const vendor = await this.directory.vendor(current.vendorId);
    const result = await this.changes.transaction(this.db, async (trx) => {
      const grant = await this.load(trx, id);
      if (grant.status !== 'requested')
        throw new ConflictError('grant_not_pending', `The grant is ${grant.status}; only requested grants can be approved`);
      if (grant.requestedBy === subject) throw new ForbiddenError('Separation of duties: the requester of a grant cannot approve it');
      const dept = asset.owningDepartment;
      const canOwner = await this.authz.can(subject, dept, 'access_grant', 'approve_as_owner');
      const canPrivacy = await this.authz.can(subject, dept, 'access_grant', 'approve_as_privacy_officer');
      const now = this.clock.now().toISOString();
      let capacity: 'owner' | 'privacy_officer';
      if (!grant.ownerApprovedBy && canOwner && grant.privacyApprovedBy !== subject) {
        capacity = 'owner';
        grant.ownerApprovedBy = subject;
        grant.ownerApprovedAt = now;
      } else if (grant.sensitive && !grant.privacyApprovedBy && canPrivacy && grant.ownerApprovedBy !== subject) {
        capacity = 'privacy_officer';
        grant.privacyApprovedBy = subject;
        grant.privacyApprovedAt = now;
      } else {
        throw new ForbiddenError(pendingApprovalMessage(grant, dept));
      }
      // Every approval (not only the last) needs a vendor with a current assessment, live subjects and notices that disclose them.
      assertAssessmentCurrent(await this.store.securityAssessmentOf(trx, grant.vendorId), new Date(now));
      const notices = await this.store.lockCurrentNotices(trx, grant.purposeKey);
      const subjects = await this.store.lockSubjects(trx, grant.assetId, grant.purposeKey);
      assertSubjectsLive(grant, subjects);
      assertNoticesDisclose(grant, subjects, notices);
      const complete = grant.ownerApprovedBy !== null && (!grant.sensitive || grant.privacyApprovedBy !== null);
      if (complete) {
        assertStillGrantable(grant, asset, vendor, now);
        grant.status = 'approved';
        grant.decidedBy = subject;
        grant.decidedAt = now;
        grant.decisionReason = note ?? null;
        await this.store.addLines(trx, grantLines(grant));
        await this.changes.publish(trx, ACCESS_GRANTS_CHANGED, { vendorId: grant.vendorId });
      }
      await this.store.update(trx, grant);
      await this.audit.record(trx, ctx, {
        action: complete ? 'access_grant.approved' : 'access_grant.approval_recorded',
        objectType: 'access_grant',
        objectId: grant.id,
        details: { capacity, note: note ?? null, after: summary(grant), owningDepartment: dept },
      });
      return this.view(grant, asset);
    });
    return result;
  }

  async reject(ctx: ChangeContext, id: string, reason: string): Promise<AccessGrant> {
    const subject = staffSubject(ctx);
    const asset = await this.requireAsset((await this.peek(id)).assetId);
    return this.db.transaction(async (trx) => {
      const grant = await this.load(trx, id);
      if (grant.status !== 'requested')
        throw new ConflictError('grant_not_pending', `The grant is ${grant.status}; only requested grants can be rejected`);
      if (grant.requestedBy === subject)
        throw new ForbiddenError('Separation of duties: the requester withdraws nothing by rejecting; ask the owning department');
      const now = this.clock.now().toISOString();
      Object.assign(grant, { status: 'rejected', decidedBy: subject, decidedAt: now, decisionReason: reason });
      await this.store.update(trx, grant);
      await this.audit.record(trx, ctx, {
        action: 'access_grant.rejected',
        objectType: 'access_grant',
        objectId: grant.id,
        details: { reason, after: summary(grant), owningDepartment: asset.owningDepartment },
      });
      return this.view(grant, asset);
    });
  }

  async revoke(ctx: ChangeContext, id: string, reason: string): Promise<AccessGrant> {
    const asset = await this.requireAsset((await this.peek(id)).assetId);
    return this.changes.transaction(this.db, async (trx) => {
      const grant = await this.load(trx, id);
      if (grant.status !== 'approved')
        throw new ConflictError('grant_not_approved', `The grant is ${grant.status}; only approved grants can be revoked`);
      await this.revokeInTransaction(trx, ctx, grant, reason);
      return this.view(grant, asset);
    });
  }

  /** Kill switch for a vendor: revokes (or rejects, if pending) every live grant inside the caller's transaction. */
  async revokeAllOfVendor(trx: Trx, ctx: ChangeContext, vendorId: string, reason: string): Promise<string[]> {
    const grants = await this.store.liveOfVendor(trx, vendorId);
    for (const grant of grants) {
      if (grant.status === 'approved') {
        await this.revokeInTransaction(trx, ctx, grant, reason);
      } else {
        const now = this.clock.now().toISOString();
        Object.assign(grant, { status: 'rejected', decidedBy: actorName(ctx), decidedAt: now, decisionReason: reason });
        await this.store.update(trx, grant);
        await this.audit.record(trx, ctx, {
          action: 'access_grant.rejected',
          objectType: 'access_grant',
          objectId: grant.id,
          details: { reason, after: summary(grant) },
        });
      }
    }
    return grants.map((g) => g.id);
  }

  private async revokeInTransaction(trx: Trx, ctx: ChangeContext, grant: GrantRecord, reason: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.store.removeLines(trx, grantLines(grant));
    Object.assign(grant, { status: 'revoked', decidedBy: actorName(ctx), decidedAt: now, decisionReason: reason });
    await this.store.update(trx, grant);
    await this.changes.publish(trx, ACCESS_GRANTS_CHANGED, { vendorId: grant.vendorId });
    await this.audit.record(trx, ctx, {
      action: 'access_grant.revoked',
      objectType: 'access_grant',
      objectId: grant.id,
      details: { reason, after: summary(grant) },
    });
  }

  async get(id: string, access: DepartmentAccess): Promise<AccessGrant> {
    const grant = await this.store.get(id);
    if (!grant) throw grantNotFound(id);
    const asset = await this.requireAsset(grant.assetId);
    if (!access.all && !access.departments.includes(asset.owningDepartment)) throw grantNotFound(id);
    return this.view(grant, asset);
  }

  async list(query: GrantQuery, access: DepartmentAccess): Promise<Page<AccessGrant>> {
    const now = this.clock.now().toISOString();
    const records = await this.store.list(
      {
        vendorId: query.vendor,
        assetId: query.asset,
        purposeKey: query.purpose,
        status: query.status,
        departments: access.all ? undefined : access.departments,
        afterId: decodeUuidCursor(query.cursor),
        now,
      },
      query.limit + 1,
    );
    const page = pageFrom(records, query.limit, (last) => last.id);
    const items: AccessGrant[] = [];
    for (const g of page.items) items.push(this.view(g, await this.requireAsset(g.assetId)));
    return { items, nextCursor: page.nextCursor };
  }

  /** The grant as it is now, outside any transaction. */
  private async peek(id: string): Promise<GrantRecord> {
    const grant = await this.store.get(id);
    if (!grant) throw grantNotFound(id);
    return grant;
  }

  private async load(trx: Trx, id: string): Promise<GrantRecord> {
    const grant = await this.store.get(id, trx, true);
    if (!grant) throw grantNotFound(id);
    return grant;
  }

  private async requireAsset(assetId: string) {
    const asset = await this.directory.asset(assetId);
    if (!asset) throw new NotFoundError(`No data asset ${assetId}`);
    return asset;
  }

  view(g: GrantRecord, asset: { id: string; key: string; owningDepartment: string }): AccessGrant {
    return {
      id: g.id,
      vendor: g.vendorId,
      asset: { id: asset.id, key: asset.key, owningDepartment: asset.owningDepartment },
      ...terms(g),
      justification: g.justification,
      sensitive: g.sensitive,
      status: effectiveStatus(g, this.clock.now().toISOString()),
      requestedBy: g.requestedBy,
      requestedAt: g.requestedAt,
      approvals: {
        owner: g.ownerApprovedBy && g.ownerApprovedAt ? { by: g.ownerApprovedBy, at: g.ownerApprovedAt } : null,
        privacyOfficer: g.privacyApprovedBy && g.privacyApprovedAt ? { by: g.privacyApprovedBy, at: g.privacyApprovedAt } : null,
        privacyOfficerRequired: g.sensitive,
      },
      decidedBy: g.decidedBy,
      decidedAt: g.decidedAt,
      decisionReason: g.decisionReason,
      lastUsedAt: g.lastUsedAt,
    };
  }
}

type AssetView = NonNullable<Awaited<ReturnType<GrantDirectory['asset']>>>;
type VendorView = Awaited<ReturnType<GrantDirectory['vendor']>>;

/** At final approval the world may have moved: the vendor, contract, fields and window must still allow the grant. */
function assertStillGrantable(grant: GrantRecord, asset: AssetView, vendor: VendorView, now: string): void {
  if (!vendor || vendor.status !== 'active')
    throw new ConflictError('vendor_not_active', 'The vendor is no longer active; the grant cannot be approved');
  if (!vendor.purposes.includes(grant.purposeKey))
    throw new ConflictError('purpose_not_in_contract', 'The purpose is no longer in the vendor’s contract');
  if (grant.validUntil > new Date(vendor.contractEndsAt).toISOString())
    throw new ConflictError('contract_ends_first', 'The contract now ends before the grant would');
  if (grant.validUntil <= now) throw new ConflictError('grant_window_passed', 'The grant’s window has already ended');
  if (asset.status !== 'active') throw new ConflictError('asset_retired', 'The data asset has been retired');
  const live = new Set(asset.fields.filter((f) => f.status === 'active').map((f) => f.name));
  const gone = grant.fields.filter((f) => !live.has(f));
  if (gone.length > 0) throw new ConflictError('fields_retired', `Fields retired since the request: ${gone.join(', ')}`);
}

/** What a grant lets the vendor do: the same in the API's view and in the audit log's summary. */
const terms = (g: GrantRecord) => ({
  fields: g.fields,
  actions: g.actions,
  purpose: g.purposeKey,
  validFrom: g.validFrom,
  validUntil: g.validUntil,
  rowScope: g.rowScope,
  dailyRecordCap: g.dailyRecordCap,
});

function summary(g: GrantRecord): Record<string, unknown> {
  return {
    vendor: g.vendorId,
    asset: g.assetId,
    ...terms(g),
    sensitive: g.sensitive,
    status: g.status,
    ownerApprovedBy: g.ownerApprovedBy,
    privacyApprovedBy: g.privacyApprovedBy,
  };
}

function staffSubject(ctx: ChangeContext): string {
  if (ctx.actor.kind !== 'staff') throw new ForbiddenError('Only staff act on access grants');
  return ctx.actor.subject;
}

function actorName(ctx: ChangeContext): string {
  switch (ctx.actor.kind) {
    case 'staff':
      return ctx.actor.subject;
    case 'client':
      return `client:${ctx.actor.clientId}`;
    case 'system':
      return `system:${ctx.actor.name}`;
    default:
      return 'public';
  }
}

function pendingApprovalMessage(g: GrantRecord, dept: string): string {
  const pending: string[] = [];
  if (!g.ownerApprovedBy) pending.push(`a data owner of ${dept}`);
  if (g.sensitive && !g.privacyApprovedBy) pending.push('a privacy officer');
  return `This grant waits for ${pending.join(' and ')}; you cannot give that approval (one person cannot give both)`;
}
