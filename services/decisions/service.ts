import crypto from 'node:crypto';
import type { AuditEventInput, GroupCommit, GroupCommitWrites } from '../audit';
import { LINE } from '../authz/vendor-policy';
import { IdempotencyKeyTaken, type EarlierRequest, type IdempotentRequest } from '../idempotency';
import { ServiceUnavailableError } from '../shared/errors';
import { pseudonymize } from '../shared/pseudonym';
import type { Clock } from '../platform/clock';
import type { ClientActor } from '../http/route';
import {
  consentReason,
  namedSubjects,
  piCategoryOf,
  type ConsentChecker,
  type PriorDecision,
  type SubjectConsent,
  type SubjectReason,
} from './consent-gate';
import type { AssetSnapshot, GrantMeta, VendorAccessEngine } from './engine';
import type { Decision, DecisionRequest, SubjectDecision } from './schemas';
import type { DayUsage, DecisionStore } from './store';

type Reason = Decision['deniedFields'][number]['reason'];

/** Usage one decision adds: records per grant, written in the same batch as its audit event. */
export interface DecisionUsage {
  readonly day: string;
  readonly at: string;
  readonly byGrant: ReadonlyMap<string, number>;
}

export function usageByDay(usages: readonly DecisionUsage[]): DayUsage[] {
  const byDay = new Map<string, { at: string; byGrant: Map<string, { records: number; decisions: number }> }>();
  for (const u of usages) {
    let day = byDay.get(u.day);
    if (!day) byDay.set(u.day, (day = { at: u.at, byGrant: new Map() }));
    if (u.at > day.at) day.at = u.at;
    for (const [grant, records] of u.byGrant) {
      const sum = day.byGrant.get(grant) ?? { records: 0, decisions: 0 };
      day.byGrant.set(grant, { records: sum.records + records, decisions: sum.decisions + 1 });
    }
  }
  return [...byDay].map(([day, { at, byGrant }]) => {
    const grants = [...byGrant].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      day,
      at,
      grantIds: grants.map(([g]) => g),
      records: grants.map(([, u]) => u.records),
      decisions: grants.map(([, u]) => u.decisions),
    };
  });
}

/**
 * What a batch of decisions writes besides its audit events: the usage counters, per grant and day.
 * One statement (record_decisions) when the chain end is known here and the batch is of one day.
 */
export function decisionCommitWrites(store: DecisionStore): GroupCommitWrites<DecisionUsage> {
  return {
    async alongside(trx, usages) {
      for (const day of usageByDay(usages)) await store.addUsage(trx, day);
    },
    oneStatement(usages) {
      const days = usageByDay(usages);
      if (days.length > 1) return undefined;
      return (linked) => store.recordDecisions(linked, days[0]);
    },
  };
}

const GRANT = LINE.grant;
const UNTIL = LINE.until;
const FIELD = LINE.field;

/** The ports a decision reads besides the engine. */
export interface DecisionPorts {
  /** Customers' consent (the consent feature). */
  readonly consent: ConsentChecker;
  /** True while this replica's policy view is known to be current (see VendorAccessEngine.fresh). */
  readonly fresh: () => boolean;
  /** The first decision of a retried request (Idempotency-Key), from the audit log. */
  readonly prior: (vendorId: string, earlier: EarlierRequest) => Promise<PriorDecision | undefined>;
  /** When a decision is taken: grant windows, contract ends and the day its usage counts towards. */
  readonly clock: Clock;
}

/** What the grants and consent decided, before the answer is shaped. */
interface Verdicts {
  /** Fields denied for everyone, with the reason. */
  readonly denied: Map<string, Reason>;
  /** Per named customer (in order), the fields their consent keeps back, with the reason. */
  readonly withheld: Array<Map<string, SubjectReason>>;
  /** Per named customer, its consent state when a requested field needed it. */
  readonly consent: Array<SubjectDecision['consent']>;
  /** Grant id → the fields it released to someone. */
  readonly released: Map<string, string[]>;
  readonly reserved: Map<string, number>;
  readonly obligations: Decision['obligations'];
}

/**
 * Field-by-field need-to-know decisions. The model (policies/vendor_access.conf) decides each
 * field; then row scope, the daily volume cap and consent of the matched grant apply. Under a
 * consent-based purpose a personal field is released only for a named customer whose consent is
 * current (sensitive fields: given separately). Default deny. The answer leaves only after its
 * audit event is durable (group commit); if that fails, 503. A retry under an Idempotency-Key is
 * decided again, never replayed, and its audit event names the first (`retryOf`).
 */
export class DecisionService {
  constructor(
    /** The in-memory view decisions read (also the search APIs' candidates). */
    readonly engine: VendorAccessEngine,
    private readonly writer: GroupCommit<DecisionUsage>,
    private readonly subjectKey: Buffer,
    private readonly ports: DecisionPorts,
  ) {}

  /** `idempotent`: the request's Idempotency-Key, when it sent one (a retry is decided again and names the first). */
  async decide(actor: ClientActor, requestId: string, input: DecisionRequest, idempotent?: IdempotentRequest): Promise<Decision> {
    if (!this.ports.fresh())
      throw new ServiceUnavailableError('This replica cannot confirm its vendor access policies are current; retry shortly');
    const earlier = idempotent?.retryOf;
    const prior = earlier ? await this.ports.prior(input.vendor, earlier) : undefined;
    const now = this.ports.clock.now().toISOString();
    const today = now.slice(0, 10);
    const asset = await this.engine.asset(input.asset);
    const assetId = asset?.id ?? input.asset;
    const fields = [...new Set(input.fields)];
    const subjects = namedSubjects(input);
    const refs = subjects.map((s) => pseudonymize(this.subjectKey, s));

    const { byGrant, denied, lines } = this.modelVerdicts(input, assetId, fields, now);
    const consents = await this.consentsNeeded(byGrant, asset, refs);
    const verdicts = this.applyGrants(input, asset, subjects.length, byGrant, denied, consents, today, prior);

    const decision = answer(fields, subjects, verdicts, input.subjects !== undefined);
    if (prior) decision.retryOf = prior.decisionId;
    const releasedFields = fields.filter((f) => [...verdicts.released.values()].some((g) => g.includes(f)));
    const event: AuditEventInput = {
      actorType: 'client',
      actorId: actor.clientId,
      action: 'access.decided',
      objectType: 'vendor',
      objectId: input.vendor,
      requestId,
      details: {
        decisionId: decision.decisionId,
        decision: decision.decision,
        asset: assetId,
        assetKey: asset?.key ?? null,
        action: input.action,
        purpose: input.purpose,
        allowedFields: decision.allowedFields,
        deniedFields: decision.deniedFields,
        releasedFields,
        grants: decision.grants,
        matchedRules: lines
          .filter((l) => verdicts.released.get(l[GRANT])?.includes(l[FIELD]))
          .map((l) => ({ grant: l[GRANT], rule: l, until: l[UNTIL] })),
        records: input.records ?? null,
        subjectRef: input.subject === undefined ? null : refs[0],
        ...(input.subjects === undefined ? {} : { subjectGroups: subjectGroups(refs, decision.subjects ?? []) }),
        ...(earlier ? { retryOf: prior?.auditEventId ?? earlier.auditEventId } : {}),
      },
    };
    // A grant the first decision of a retried request already counted is not counted again.
    const counted = [...verdicts.released.keys()].filter((g) => !(prior?.day === today && prior.grants.has(g)));
    const usage: DecisionUsage = { day: today, at: now, byGrant: new Map(counted.map((g) => [g, verdicts.reserved.get(g) ?? 0])) };
    try {
      await this.writer.write(event, usage, idempotent);
    } catch (err) {
      for (const [grantId, records] of verdicts.reserved) this.engine.release(grantId, records, today);
      if (err instanceof IdempotencyKeyTaken) throw err;
      throw new ServiceUnavailableError('The decision could not be recorded, so it is not given', err);
    }
    return decision;
  }

  /**
   * The fields `decide` would allow for `input` at `now`, computed by the same steps (model, grant
   * conditions, consent) but deciding nothing: no usage reserved, no audit event. For the AuthZEN
   * search APIs, which audit one event per search (`record`).
   */
  async wouldAllow(input: DecisionRequest, now: string): Promise<string[]> {
    if (!this.ports.fresh())
      throw new ServiceUnavailableError('This replica cannot confirm its vendor access policies are current; retry shortly');
    const asset = await this.engine.asset(input.asset);
    const fields = [...new Set(input.fields)];
    const subjects = namedSubjects(input);
    const refs = subjects.map((s) => pseudonymize(this.subjectKey, s));
    const { byGrant, denied } = this.modelVerdicts(input, asset?.id ?? input.asset, fields, now);
    const consents = await this.consentsNeeded(byGrant, asset, refs);
    const verdicts = this.applyGrants(input, asset, subjects.length, byGrant, denied, consents, now.slice(0, 10), undefined, false);
    return answer(fields, subjects, verdicts, false).allowedFields;
  }

  /** A key for `label` derived from the subject key (HMAC): never the subject key itself. */
  deriveKey(label: string): Buffer {
    return crypto.createHmac('sha256', this.subjectKey).update(`derived key\u0000${label}`).digest();
  }

  /** Writes an audit event through the decisions' group commit: resolves once it is durable (else 503). */
  async record(event: AuditEventInput): Promise<void> {
    try {
      await this.writer.write(event);
    } catch (err) {
      throw new ServiceUnavailableError('The search could not be recorded, so it is not answered', err);
    }
  }

  /** The model's verdict on each field: denied with its reason, or allowed by a grant's policy line. */
  private modelVerdicts(input: DecisionRequest, assetId: string, fields: readonly string[], now: string) {
    const denied = new Map<string, Reason>();
    const byGrant = new Map<string, string[]>();
    const lines: string[][] = [];
    for (const field of fields) {
      const verdict = this.engine.check(input.vendor, assetId, field, input.action, input.purpose, now);
      if (!verdict.allowed) {
        denied.set(field, verdict.reason);
        continue;
      }
      const grantId = verdict.line[GRANT];
      byGrant.set(grantId, [...(byGrant.get(grantId) ?? []), field]);
      lines.push([...verdict.line]);
    }
    return { byGrant, denied, lines };
  }

  /**
   * The named customers' consent, per purpose, for the grants whose purpose rests on consent and
   * that would release personal fields: one read for all customers per purpose.
   */
  private async consentsNeeded(byGrant: ReadonlyMap<string, string[]>, asset: AssetSnapshot | undefined, refs: readonly string[]) {
    const needed = new Map<string, SubjectConsent[] | undefined>(); // purpose → consents (undefined: nobody named)
    for (const [grantId, grantFields] of byGrant) {
      const meta = this.engine.grant(grantId);
      if (!meta || needed.has(meta.purposeKey) || !grantFields.some((f) => piCategoryOf(asset, f) !== 'none')) continue;
      if ((await this.engine.legalBasis(meta.purposeKey)) !== 'consent') continue;
      const consents: SubjectConsent[] | undefined =
        refs.length > 0 ? await this.ports.consent.consentOf(refs, meta.purposeKey) : undefined;
      needed.set(meta.purposeKey, consents);
    }
    return needed;
  }

  /**
   * Each grant's conditions beyond the model, then consent, field by field and customer by
   * customer; a grant that releases anything reserves its records. Synchronous from the volume
   * check to the reservation, so concurrent decisions cannot both pass the same cap.
   */
  private applyGrants(
    input: DecisionRequest,
    asset: AssetSnapshot | undefined,
    subjectCount: number,
    byGrant: ReadonlyMap<string, string[]>,
    denied: Map<string, Reason>,
    consents: ReadonlyMap<string, SubjectConsent[] | undefined>,
    today: string,
    prior: PriorDecision | undefined,
    reserve = true,
  ): Verdicts {
    const v: Verdicts = {
      denied,
      withheld: Array.from({ length: subjectCount }, () => new Map<string, SubjectReason>()),
      consent: Array.from({ length: subjectCount }, () => 'not_required' as const),
      released: new Map(),
      reserved: new Map(),
      obligations: [],
    };
    for (const [grantId, grantFields] of byGrant) {
      const meta = this.engine.grant(grantId);
      const reason = this.grantReason(meta, input, today, prior);
      if (!meta || reason) {
        for (const f of grantFields) denied.set(f, reason ?? 'no_grant');
        continue;
      }
      const personal = grantFields.filter((f) => piCategoryOf(asset, f) !== 'none');
      const needsConsent = personal.length > 0 && consents.has(meta.purposeKey);
      const named = consents.get(meta.purposeKey);
      if (needsConsent && named === undefined) for (const f of personal) denied.set(f, 'consent_unverifiable');
      if (needsConsent && named !== undefined) {
        named.forEach((consent, i) => {
          v.consent[i] = consent.state;
          for (const f of personal) {
            const why = consentReason(consent, piCategoryOf(asset, f) === 'sensitive');
            if (why) v.withheld[i].set(f, why);
          }
        });
      }
      const released = grantFields.filter((f) => !denied.has(f) && (subjectCount === 0 || v.withheld.some((w) => !w.has(f))));
      if (released.length === 0) continue;
      v.released.set(grantId, released);
      if (meta.rowScope) v.obligations.push({ type: 'row_scope', grant: grantId, filter: meta.rowScope });
      if (reserve && input.records !== undefined && !(prior?.day === today && prior.grants.has(grantId))) {
        this.engine.reserve(grantId, input.records, today);
        v.reserved.set(grantId, input.records);
      }
    }
    return v;
  }

  /** Why a grant the model matched does not apply to this request: row scope, records, volume. */
  private grantReason(
    meta: GrantMeta | undefined,
    input: DecisionRequest,
    today: string,
    prior: PriorDecision | undefined,
  ): Reason | undefined {
    // A line without its grant's metadata means the view is mid-reload: deny rather than guess.
    if (!meta) return 'no_grant';
    if (meta.rowScope && input.rowContext) {
      for (const [attribute, allowed] of Object.entries(meta.rowScope)) {
        const value = input.rowContext[attribute];
        if (value !== undefined && !allowed.includes(value)) return 'row_scope';
      }
    }
    if (meta.dailyRecordCap !== null) {
      // A capped grant counts what it releases: a request that does not say how much is not counted blind.
      if (input.records === undefined) return 'records_required';
      // A retry's own first decision is not counted against it.
      const own = prior?.day === today && prior.grants.has(meta.id) ? prior.records : 0;
      if (this.engine.usedToday(meta.id, today) - own + input.records > meta.dailyRecordCap) return 'volume_exceeded';
    }
    return undefined;
  }
}

/** Shapes the answer: top level for every named customer, and per customer when `subjects` was sent. */
function answer(fields: readonly string[], subjects: readonly string[], v: Verdicts, perSubject: boolean): Decision {
  const withheldFromAnyone = (f: string) => v.withheld.some((w) => w.has(f));
  const topReason = (f: string): Reason | undefined => v.denied.get(f) ?? (withheldFromAnyone(f) ? 'consent_missing' : undefined);
  const allowedFields = fields.filter((f) => topReason(f) === undefined);
  const deniedFields = fields.flatMap((f) => {
    const reason = topReason(f);
    return reason === undefined ? [] : [{ field: f, reason }];
  });
  const decision: Decision = {
    decisionId: crypto.randomUUID(),
    decision: deniedFields.length === 0 ? 'allow' : allowedFields.length === 0 ? 'deny' : 'partial',
    allowedFields,
    deniedFields,
    grants: [...v.released.keys()],
    obligations: v.obligations,
  };
  const scopes = v.obligations.map((o) => JSON.stringify(o.filter));
  if (scopes.length > 0 && scopes.length === v.released.size && scopes.every((s) => s === scopes[0]))
    decision.rowScope = v.obligations[0].filter;
  if (perSubject) {
    decision.subjects = subjects.map((subject, i) => {
      const why = (f: string): SubjectReason | undefined => v.denied.get(f) ?? v.withheld[i].get(f);
      return {
        subject,
        allowedFields: fields.filter((f) => why(f) === undefined),
        deniedFields: fields.flatMap((f) => {
          const reason = why(f);
          return reason === undefined ? [] : [{ field: f, reason }];
        }),
        consent: v.consent[i],
      };
    });
  }
  return decision;
}

/** The audit's view of a bulk decision: pseudonyms grouped by the fields released for them (a few groups, whatever the list). */
function subjectGroups(refs: readonly string[], answers: readonly SubjectDecision[]) {
  const groups = new Map<string, { allowedFields: string[]; subjectRefs: string[] }>();
  answers.forEach((a, i) => {
    const key = JSON.stringify(a.allowedFields);
    const group = groups.get(key) ?? { allowedFields: a.allowedFields, subjectRefs: [] };
    group.subjectRefs.push(refs[i]);
    groups.set(key, group);
  });
  return [...groups.values()];
}
