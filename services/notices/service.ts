import crypto from 'node:crypto';
import { actorOf, type AuditRecorder, type ChangeContext } from '../audit';
import { withTransaction, type Transactor, type Trx } from '../db';
import type { Purpose, PurposeService } from '../purposes';
import type { ChangePublisher, ChangeSubscriber } from '../platform/change-feed';
import { ConflictError, NotFoundError, ProblemError, ValidationError, isUniqueViolation, type FieldIssue } from '../shared/errors';
import { NOTICES_CHANGED, PublishedNotices } from './published';
import { decodeNumericCursor, pageFrom, type Page } from '../shared/schemas';
import { diffNotices, missingForPublication } from './diff';
import { fieldLabel, undisclosed, type SensitiveRelease } from './disclosure';
import {
  CONTENT_FIELDS,
  type CreateNotice,
  type DraftContent,
  type Notice,
  type NoticeDiff,
  type NoticeStatus,
  type UpdateNotice,
} from './schemas';
import type { GrantedVendor, NoticeRecord, NoticeStoreType, PublishedNotice } from './store-type';
import { systemClock, type Clock } from '../platform/clock';

const DEFAULT_LANGUAGE = 'zh-CN';

/**
 * Privacy notices: drafts per purpose (optionally per app), and publication as immutable numbered
 * versions with a computed diff. What is published is read through `published`.
 */
export class NoticeService {
  /** Reads of published versions: the public view, and the per-purpose versions consent checks need. */
  readonly published: PublishedNotices;

  constructor(
    private readonly db: Transactor,
    private readonly store: NoticeStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher & ChangeSubscriber,
    private readonly purposes: Pick<PurposeService, 'get' | 'find' | 'requireActive'>,
    private readonly clock: Clock = systemClock,
  ) {
    this.published = new PublishedNotices(store, purposes, changes);
  }

  async createDraft(ctx: ChangeContext, input: CreateNotice): Promise<Notice> {
    const { purpose: purposeKey, app, ...given } = input;
    const purpose = await this.activePurpose(purposeKey, 'body.purpose');
    const appId = app ?? null;
    if (appId !== null) await this.requireApp(appId, 'body.app');
    const latest = await this.store.latestPublished(purposeKey, appId);
    const base = latest ? latest.content : await this.prefill(purpose);
    return this.view(await this.insertDraft(ctx, purpose, appId, merge(base, given), latest?.version ?? null));
  }

  /**
   * Changes a draft in place. A published version never changes: editing it opens a new draft of
   * the same scope holding the published content with the changes (`created: true`).
   */
  async update(ctx: ChangeContext, id: string, input: UpdateNotice): Promise<{ notice: Notice; created: boolean }> {
    const current = await this.store.get(id);
    if (!current) throw noticeNotFound(id);
    if (current.status === 'published') {
      const published = current as PublishedNotice;
      const purpose = await this.purposes.get(published.purposeKey);
      if (purpose.status === 'retired') throw purposeRetired(purpose.key);
      const draft = await this.insertDraft(ctx, purpose, published.appId, merge(published.content, input), published.version);
      return { notice: await this.view(draft), created: true };
    }
    const after = await withTransaction(this.db, async (trx) => {
      const before = await this.lockDraft(trx, id);
      const changed: NoticeRecord = {
        ...before,
        content: merge(before.content, input),
        updatedBy: who(ctx),
        updatedAt: this.clock.now().toISOString(),
      };
      await this.store.update(trx, changed);
      await this.audit.record(trx, ctx, {
        action: 'notice.draft_updated',
        objectType: 'notice',
        objectId: id,
        details: { before: auditView(before), after: auditView(changed), fields: Object.keys(input) },
      });
      return changed;
    });
    return { notice: await this.view(after), created: false };
  }

  async discard(ctx: ChangeContext, id: string): Promise<void> {
    await withTransaction(this.db, async (trx) => {
      const draft = await this.lockDraft(trx, id);
      await this.store.deleteDraft(trx, id);
      await this.audit.record(trx, ctx, {
        action: 'notice.draft_discarded',
        objectType: 'notice',
        objectId: id,
        details: { before: auditView(draft) },
      });
    });
  }

  /**
   * Publishes a draft as the purpose's next version. Refused when it lacks the Art. 17 contents or
   * the complaint channel, when its retention differs from the purpose's, when a vendor holding
   * grants for the purpose is not listed, when it does not disclose a sensitive field that approved
   * grants under the purpose release, or when nothing changed since the previous version.
   */
  async publish(ctx: ChangeContext, id: string): Promise<Notice> {
    const peek = await this.store.get(id);
    if (!peek) throw noticeNotFound(id);
    if (peek.status === 'published') throw alreadyPublished(peek);
    const purpose = await this.purposes.get(peek.purposeKey);
    if (purpose.status === 'retired') throw purposeRetired(purpose.key);
    const vendors = await this.store.grantedVendors(purpose.key, this.clock.now().toISOString());
    const published = await this.changes.transaction(this.db, async (trx) => {
      await this.store.lockPurpose(trx, purpose.key);
      const draft = await this.lockDraft(trx, id);
      await this.purposes.requireActive(trx, [purpose.key], 'purpose');
      const issues = [...missingForPublication(draft.content), ...consistencyIssues(draft.content, purpose, vendors)];
      if (issues.length > 0) throw noticeIncomplete(issues);
      const missing = undisclosed(
        draft.content.sensitivePiCategories ?? [],
        await this.store.sensitiveReleases(trx, purpose.key, this.clock.now().toISOString()),
      );
      if (missing.length > 0) throw sensitiveUndisclosed(purpose.key, missing);
      const previous = await this.store.latestPublished(purpose.key, draft.appId, trx);
      const diff = diffNotices(previous ?? null, draft.content);
      if (previous && diff.changes.length === 0) {
        throw new ConflictError(
          'notice_unchanged',
          `The draft says exactly what version ${previous.version} says; there is nothing to publish`,
        );
      }
      const now = this.clock.now().toISOString();
      const after: NoticeRecord = {
        ...draft,
        status: 'published',
        version: (await this.store.maxVersion(trx, purpose.key)) + 1,
        material: diff.material,
        changes: diff,
        updatedBy: who(ctx),
        updatedAt: now,
        publishedBy: who(ctx),
        publishedAt: now,
      };
      await this.store.update(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'notice.published',
        objectType: 'notice',
        objectId: id,
        details: {
          before: auditView(draft),
          after: auditView(after),
          diff: { againstVersion: diff.againstVersion, material: diff.material, fields: diff.changes.map((c) => c.field) },
        },
      });
      await this.changes.publish(trx, NOTICES_CHANGED, { purposeKey: purpose.key });
      return after;
    });
    return this.view(published);
  }

  async get(id: string): Promise<Notice> {
    const notice = await this.store.get(id);
    if (!notice) throw noticeNotFound(id);
    return this.view(notice);
  }

  async list(filter: { purpose?: string; app?: string; status?: NoticeStatus; cursor?: string }, limit: number): Promise<Page<Notice>> {
    const records = await this.store.list(
      { purposeKey: filter.purpose, appId: filter.app, status: filter.status, beforeSeq: decodeNumericCursor(filter.cursor) },
      limit + 1,
    );
    const page = pageFrom(records, limit, (last) => last.seq);
    return { items: await Promise.all(page.items.map((n) => this.view(n))), nextCursor: page.nextCursor };
  }

  /** For the app ledger: whether the purpose has a published notice (for `appId`: its own or the general one). */
  hasPublishedNotice(purposeKey: string, appId?: string): Promise<boolean> {
    return this.published.hasPublishedNotice(purposeKey, appId);
  }

  private async insertDraft(
    ctx: ChangeContext,
    purpose: Purpose,
    appId: string | null,
    content: DraftContent,
    basedOn: number | null,
  ): Promise<NoticeRecord> {
    const now = this.clock.now().toISOString();
    const draft: NoticeRecord = {
      seq: 0,
      id: crypto.randomUUID(),
      purposeKey: purpose.key,
      appId,
      status: 'draft',
      content,
      basedOnVersion: basedOn,
      version: null,
      material: null,
      changes: null,
      createdBy: who(ctx),
      createdAt: now,
      updatedBy: who(ctx),
      updatedAt: now,
      publishedBy: null,
      publishedAt: null,
    };
    return withTransaction(this.db, async (trx) => {
      await this.purposes.requireActive(trx, [purpose.key], 'body.purpose');
      const open = await this.store.draftOf(purpose.key, appId, trx);
      if (open) throw draftExists(open.id);
      try {
        await this.store.insert(trx, draft);
      } catch (err) {
        if (isUniqueViolation(err)) throw draftExists();
        throw err;
      }
      await this.audit.record(trx, ctx, {
        action: 'notice.draft_created',
        objectType: 'notice',
        objectId: draft.id,
        details: { after: auditView(draft) },
      });
      return draft;
    });
  }

  private async lockDraft(trx: Trx, id: string): Promise<NoticeRecord> {
    const notice = await this.store.get(id, trx, true);
    if (!notice) throw noticeNotFound(id);
    if (notice.status !== 'draft') throw alreadyPublished(notice);
    return notice;
  }

  /** A new scope's first draft: the purpose as declared, and every vendor holding grants for it as an entrusted party. */
  private async prefill(purpose: Purpose): Promise<DraftContent> {
    const vendors = await this.store.grantedVendors(purpose.key, this.clock.now().toISOString());
    return {
      purposeDescription: purpose.description,
      retentionDays: purpose.retentionDays,
      thirdParties: vendors.map((v) => ({
        name: v.name,
        kind: 'entrusted',
        vendorId: v.vendorId,
        purpose: purpose.description,
        piCategories: v.fields,
      })),
      language: DEFAULT_LANGUAGE,
    };
  }

  private async activePurpose(key: string, field: string): Promise<Purpose> {
    const purpose = await this.purposes.find(key);
    const message = !purpose ? `unknown purpose ${key}` : purpose.status === 'retired' ? `purpose ${key} is retired` : undefined;
    if (message || !purpose) throw ValidationError.field(field, message ?? '');
    return purpose;
  }

  private async requireApp(appId: string, field: string): Promise<void> {
    const state = await this.store.appState(appId);
    const message = state === undefined ? `no app ${appId} in the app ledger` : state === 'retired' ? `app ${appId} is retired` : undefined;
    if (message) throw ValidationError.field(field, message);
  }

  private async view(n: NoticeRecord): Promise<Notice> {
    let diff: NoticeDiff;
    if (n.changes) diff = n.changes;
    else {
      const previous = await this.store.latestPublished(n.purposeKey, n.appId);
      diff = diffNotices(previous ?? null, n.content);
    }
    const content = Object.fromEntries(CONTENT_FIELDS.map((f) => [f, n.content[f] ?? null])) as {
      [K in keyof DraftContent]-?: NonNullable<DraftContent[K]> | null;
    };
    return {
      ...header(n),
      ...content,
      diff,
      createdBy: n.createdBy,
      createdAt: n.createdAt,
      updatedBy: n.updatedBy,
      updatedAt: n.updatedAt,
      publishedBy: n.publishedBy,
      publishedAt: n.publishedAt,
    };
  }
}

/** Rules that tie a notice to the rest of the bank: the retention the purpose declares and the vendors that hold grants. */
function consistencyIssues(content: DraftContent, purpose: Purpose, vendors: readonly GrantedVendor[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (content.retentionDays !== undefined && content.retentionDays !== purpose.retentionDays) {
    issues.push({
      path: 'retentionDays',
      message: `purpose ${purpose.key} keeps data ${purpose.retentionDays} days; the notice must say the same`,
    });
  }
  const listed = content.thirdParties ?? [];
  for (const v of vendors) {
    if (!listed.some((p) => p.kind === 'entrusted' && (p.vendorId === v.vendorId || p.name === v.name))) {
      issues.push({
        path: 'thirdParties',
        message: `vendor ${v.name} holds active grants for ${purpose.key}; list it as an entrusted party`,
      });
    }
  }
  return issues;
}

const merge = (base: DraftContent, changes: Partial<DraftContent>): DraftContent => {
  const out: DraftContent = { ...base };
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
};

const who = (ctx: ChangeContext): string => actorOf(ctx).actorId;

/** What a notice is, before what it says: the same in the API's view and in the audit log. */
const header = (n: NoticeRecord) => ({
  id: n.id,
  purpose: n.purposeKey,
  app: n.appId,
  status: n.status,
  version: n.version,
  material: n.material,
  basedOnVersion: n.basedOnVersion,
});

/** What the audit log keeps of a notice: everything but the body, which is identified by its hash. */
function auditView(n: NoticeRecord): Record<string, unknown> {
  const { body, ...rest } = n.content;
  return {
    ...header(n),
    content: { ...rest, bodySha256: body === undefined ? null : crypto.createHash('sha256').update(body, 'utf8').digest('hex') },
  };
}

const noticeNotFound = (id: string) => new NotFoundError(`No notice ${id}`);
const purposeRetired = (key: string) => new ConflictError('purpose_retired', `Purpose ${key} is retired; its notices can no longer change`);
const draftExists = (id?: string) =>
  new ConflictError(
    'notice_draft_exists',
    `This purpose${id ? ` already has an open draft (${id})` : ' already has an open draft'} for the same scope; edit or discard it`,
  );
const alreadyPublished = (n: NoticeRecord) =>
  new ConflictError(
    'notice_published',
    `Notice ${n.id} is published as version ${n.version} and never changes; edit it to open a new draft`,
  );
const noticeIncomplete = (issues: FieldIssue[]) =>
  new ProblemError(
    409,
    'notice_incomplete',
    'Conflict',
    `The draft cannot be published: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    {
      extensions: { errors: issues },
    },
  );
const sensitiveUndisclosed = (purposeKey: string, missing: readonly SensitiveRelease[]) =>
  new ProblemError(
    409,
    'notice_omits_sensitive_data',
    'Conflict',
    `Approved grants under ${purposeKey} release sensitive data this notice does not disclose: ` +
      `${missing.map((m) => `${fieldLabel(m)} (grants ${m.grantIds.join(', ')})`).join('; ')}. ` +
      'Add a sensitive category naming each field (or listing it in `fields`), with its necessity and impact, or revoke the grants first',
    { extensions: { missing: missing.map((m) => ({ asset: m.assetKey, field: m.field, grants: [...m.grantIds] })) } },
  );
