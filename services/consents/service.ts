import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import { withTransaction, type Transactor } from '../db';
import type { ConsentChecker, SubjectConsent } from '../decisions';
import { GENERAL_SCOPE, scopeOf, type PublishedNotices, type PurposeNotices } from '../notices';
import { BadRequestError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { pseudonymize } from '../shared/pseudonym';
import type { ClientActor } from '../http/route';
import { decodeNumericCursor, pageFrom } from '../shared/schemas';
import { receiptClaims, signReceipt, type ReceiptSigner, type ReceiptStatus } from './receipt';
import type {
  Consent,
  ConsentEvent,
  ConsentHistory,
  ConsentReceipt,
  ConsentStatus,
  RecordConsent,
  Withdrawal,
  WithdrawConsent,
} from './schemas';
import type { ConsentEventRecord, ConsentStoreType, LatestConsentEvent } from './store-type';
import { systemClock, type Clock } from '../platform/clock';

/**
 * Consent records (PIPL Art. 14, 15, 29): given against the exact published notice version shown,
 * withdrawn by one call from any channel, checked on every consent-aware decision. Customers appear
 * only as HMAC pseudonyms. The state is always read from the database (one index probe), so a
 * withdrawal counts from the next check or decision on every replica.
 */
export class ConsentService implements ConsentChecker {
  constructor(
    private readonly db: Transactor,
    private readonly store: ConsentStoreType,
    private readonly audit: AuditRecorder,
    private readonly notices: Pick<PublishedNotices, 'publishedVersion' | 'purposeNotices'>,
    private readonly subjectKey: Buffer,
    private readonly signer: ReceiptSigner,
    private readonly publicUrl: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async record(ctx: ChangeContext, collector: ClientActor, input: RecordConsent): Promise<Consent> {
    const state = await this.consentPurpose(input.purpose);
    const notice = await this.notices.publishedVersion(input.purpose, input.noticeVersion);
    if (!notice)
      throw ValidationError.field(
        'body.noticeVersion',
        `version ${input.noticeVersion} of the notice for ${input.purpose} is not published`,
      );
    // A notice may be published without the field (no sensitive categories): none then.
    const sensitive = notice.content.sensitivePiCategories ?? [];
    if (sensitive.length > 0 && !input.separate) {
      throw new BadRequestError(
        'separate_consent_required',
        `The notice lists sensitive personal information (${sensitive.map((c) => c.category).join(', ')}): ` +
          'ask for it separately and send separate: true (PIPL Art. 29)',
      );
    }
    const latestMaterial = state.scopes.get(scopeOf(notice.appId))?.latestMaterial ?? 0;
    if (latestMaterial > notice.version) {
      throw new ConflictError(
        'notice_superseded',
        `Version ${notice.version} was superseded by material version ${latestMaterial}; show that one and ask again`,
      );
    }
    const subjectRef = pseudonymize(this.subjectKey, input.subject);
    const event: Omit<ConsentEventRecord, 'seq'> = {
      id: crypto.randomUUID(),
      kind: 'given',
      subjectRef,
      purposeKey: input.purpose,
      noticeId: notice.id,
      noticeVersion: notice.version,
      noticeAppId: notice.appId,
      separate: input.separate,
      channel: input.channel,
      evidence: input.evidence ?? null,
      withdraws: null,
      clientId: collector.clientId,
      recordedAt: this.clock.now().toISOString(),
    };
    await withTransaction(this.db, async (trx) => {
      await this.store.lockSubject(trx, subjectRef, input.purpose);
      await this.store.insert(trx, event);
      await this.audit.record(trx, ctx, {
        action: 'consent.given',
        objectType: 'consent',
        objectId: event.id,
        details: {
          subjectRef,
          purpose: event.purposeKey,
          noticeVersion: event.noticeVersion,
          app: event.noticeAppId,
          channel: event.channel,
          separate: event.separate,
        },
      });
    });
    return this.consentView(event);
  }

  /** Ends the customer's consent to the purpose, whichever channel took it; 409 when there is none to end. */
  async withdraw(ctx: ChangeContext, collector: ClientActor, input: WithdrawConsent): Promise<Withdrawal> {
    await this.knownPurpose(input.purpose, 'body.purpose');
    const subjectRef = pseudonymize(this.subjectKey, input.subject);
    return withTransaction(this.db, async (trx) => {
      await this.store.lockSubject(trx, subjectRef, input.purpose);
      const latest = await this.store.latest(subjectRef, input.purpose, trx);
      if (!latest || latest.kind !== 'given') {
        throw new ConflictError('no_consent_to_withdraw', `This customer has no consent to ${input.purpose} to withdraw`);
      }
      const event: Omit<ConsentEventRecord, 'seq'> = {
        id: crypto.randomUUID(),
        kind: 'withdrawn',
        subjectRef,
        purposeKey: input.purpose,
        noticeId: null,
        noticeVersion: latest.noticeVersion,
        noticeAppId: latest.noticeAppId,
        separate: latest.separate,
        channel: input.channel ?? null,
        evidence: null,
        withdraws: latest.id,
        clientId: collector.clientId,
        recordedAt: this.clock.now().toISOString(),
      };
      await this.store.insert(trx, event);
      await this.audit.record(trx, ctx, {
        action: 'consent.withdrawn',
        objectType: 'consent',
        objectId: latest.id,
        details: { subjectRef, purpose: input.purpose, withdrawal: event.id, noticeVersion: event.noticeVersion, channel: event.channel },
      });
      return {
        id: event.id,
        subjectRef,
        purpose: input.purpose,
        withdraws: latest.id,
        noticeVersion: latest.noticeVersion ?? 0,
        withdrawnAt: event.recordedAt,
      };
    });
  }

  /** `GET /v1/consents/check`: the customer's consent state for a purpose; 404 for an unknown purpose. */
  async check(subject: string, purposeKey: string): Promise<ConsentStatus> {
    const status = await this.status(pseudonymize(this.subjectKey, subject), purposeKey);
    if (!status) throw new NotFoundError(`No purpose ${purposeKey}`);
    return status;
  }

  /**
   * The decision engine's question (subjects arrive pseudonymised): each customer's consent to the
   * purpose, and whether it was given separately, as sensitive personal information needs (PIPL
   * Art. 29). One statement for the whole list (one customer: shared with concurrent reads).
   */
  async consentOf(subjectRefs: readonly string[], purposeKey: string): Promise<SubjectConsent[]> {
    const notices = await this.notices.purposeNotices(purposeKey);
    if (!notices) return subjectRefs.map(() => ({ state: 'never_given', separate: false }));
    const latest =
      subjectRefs.length === 1 ? [await this.store.latest(subjectRefs[0], purposeKey)] : await this.store.latestOf(subjectRefs, purposeKey);
    return latest.map((event) => {
      const status = statusOf(notices, event);
      const state = status.state === 'none' ? 'never_given' : status.state;
      return { state, separate: state === 'current' && event?.separate === true };
    });
  }

  async isCurrent(subjectRef: string, purposeKey: string): Promise<boolean> {
    return (await this.consentOf([subjectRef], purposeKey))[0].state === 'current';
  }

  /**
   * Current when the latest event is a consent given to a version no older than the latest
   * material version of the same notice scope; a later material version makes it stale.
   */
  async status(subjectRef: string, purposeKey: string): Promise<ConsentStatus | undefined> {
    const notices = await this.notices.purposeNotices(purposeKey);
    if (!notices) return undefined;
    return statusOf(notices, await this.store.latest(subjectRef, purposeKey));
  }

  /**
   * A customer's consents and withdrawals, newest first: for staff (the look-up is audited) every one
   * when bank-wide, else those given through apps the reader's departments own (`departments`); only
   * its own for a collector (`collectorId`).
   */
  async history(
    reader: ChangeContext,
    query: { subject: string; purpose?: string; cursor?: string; limit: number },
    scope: { collectorId?: string; departments?: readonly string[] } = {},
  ): Promise<ConsentHistory> {
    const collectorId = scope.collectorId;
    const subjectRef = pseudonymize(this.subjectKey, query.subject);
    const beforeSeq = decodeNumericCursor(query.cursor);
    const rows = await this.store.history(
      { subjectRef, purposeKey: query.purpose, clientId: collectorId, departments: scope.departments, beforeSeq },
      query.limit + 1,
    );
    const page = pageFrom(rows, query.limit, (last) => last.seq);
    if (collectorId === undefined) {
      await withTransaction(this.db, (trx) =>
        this.audit.record(trx, reader, {
          action: 'consent.history_read',
          objectType: 'consent_subject',
          objectId: subjectRef,
          details: { purpose: query.purpose ?? null, events: page.items.length },
        }),
      );
    }
    return { subjectRef, items: page.items.map(eventView), nextCursor: page.nextCursor };
  }

  /**
   * The signed Kantara receipt of a consent, for the collector that recorded it (404 for anyone
   * else). It states the consent's status as of signing: a receipt fetched after a withdrawal says so.
   */
  async receipt(collector: ClientActor, id: string): Promise<ConsentReceipt> {
    const consent = await this.store.get(id);
    if (!consent || consent.kind !== 'given' || consent.clientId !== collector.clientId)
      throw new NotFoundError(`No consent ${id} recorded by this client`);
    const notice = await this.notices.publishedVersion(consent.purposeKey, consent.noticeVersion ?? 0);
    if (!notice) throw new NotFoundError(`No consent ${id} recorded by this client`);
    const state = await this.receiptStatus(consent);
    return {
      id,
      status: state.status,
      statusAt: state.since,
      receipt: await signReceipt(this.signer, this.publicUrl, receiptClaims(consent, notice, this.publicUrl, state)),
    };
  }

  private async receiptStatus(consent: ConsentEventRecord): Promise<ReceiptStatus> {
    const next = await this.store.nextAfter(consent.subjectRef, consent.purposeKey, consent.seq);
    if (next?.kind === 'withdrawn') return { status: 'withdrawn', since: next.recordedAt, cause: { kind: 'withdrawal', id: next.id } };
    if (next) return { status: 'superseded', since: next.recordedAt, cause: { kind: 'consent', id: next.id } };
    const scope = (await this.notices.purposeNotices(consent.purposeKey))?.scopes.get(scopeOf(consent.noticeAppId));
    const given = consent.noticeVersion ?? 0;
    // Stale from the first material version of the same notice scope published after the one agreed to.
    for (let version = given + 1; scope !== undefined && version <= scope.latestMaterial; version++) {
      const later = await this.notices.publishedVersion(consent.purposeKey, version);
      if (later?.material && scopeOf(later.appId) === scopeOf(consent.noticeAppId)) {
        return { status: 'stale', since: later.publishedAt, cause: { kind: 'notice_version', version } };
      }
    }
    return { status: 'given', since: consent.recordedAt };
  }

  /** The purpose of a new consent: known, active, and one whose legal basis is consent. */
  private async consentPurpose(key: string): Promise<PurposeNotices> {
    const state = await this.knownPurpose(key, 'body.purpose');
    if (state.purpose.status === 'retired') throw ValidationError.field('body.purpose', `purpose ${key} is retired`);
    if (state.purpose.legalBasis !== 'consent') {
      throw new ConflictError(
        'consent_not_applicable',
        `Purpose ${key} rests on ${state.purpose.legalBasis}, not on consent; there is no consent to record`,
      );
    }
    return state;
  }

  private async knownPurpose(key: string, field: string): Promise<PurposeNotices> {
    const state = await this.notices.purposeNotices(key);
    if (!state) throw ValidationError.field(field, `unknown purpose ${key}`);
    return state;
  }

  private consentView(e: Omit<ConsentEventRecord, 'seq'>): Consent {
    return {
      id: e.id,
      subjectRef: e.subjectRef,
      purpose: e.purposeKey,
      noticeVersion: e.noticeVersion ?? 0,
      app: e.noticeAppId,
      channel: e.channel ?? '',
      separate: e.separate,
      evidence: e.evidence,
      givenAt: e.recordedAt,
      receiptUrl: `/v1/consents/${e.id}/receipt`,
    };
  }
}

function statusOf(notices: PurposeNotices, latest: LatestConsentEvent | undefined): ConsentStatus {
  const general = notices.scopes.get(GENERAL_SCOPE)?.latest ?? null;
  if (!latest)
    return {
      consented: false,
      state: 'none',
      noticeVersion: null,
      since: null,
      stale: false,
      latestNoticeVersion: general,
      consentId: null,
    };
  if (latest.kind === 'withdrawn') {
    return {
      consented: false,
      state: 'withdrawn',
      noticeVersion: null,
      since: latest.recordedAt,
      stale: false,
      latestNoticeVersion: general,
      consentId: latest.withdraws,
    };
  }
  const scope = notices.scopes.get(scopeOf(latest.noticeAppId));
  const stale = scope !== undefined && scope.latestMaterial > (latest.noticeVersion ?? 0);
  return {
    consented: !stale,
    state: stale ? 'stale' : 'current',
    noticeVersion: latest.noticeVersion,
    since: latest.recordedAt,
    stale,
    latestNoticeVersion: scope?.latest ?? null,
    consentId: latest.id,
  };
}

function eventView(e: ConsentEventRecord): ConsentEvent {
  return {
    id: e.id,
    kind: e.kind,
    purpose: e.purposeKey,
    noticeVersion: e.noticeVersion,
    app: e.noticeAppId,
    channel: e.channel,
    separate: e.separate,
    evidence: e.evidence,
    withdraws: e.withdraws,
    recordedBy: e.clientId,
    recordedAt: e.recordedAt,
  };
}
