import crypto from 'node:crypto';
import type { AccessGrantStore } from '../access-grants';
import { AUDIT_CHAIN_LOCK, type AuditEventInput, type AuditLog } from '../audit';
import type { Db, Trx } from '../db';
import { LINE } from '../authz/vendor-policy';
import { IdempotencyKeyTaken } from '../idempotency';
import { ServiceUnavailableError } from '../shared/errors';
import { pseudonymize } from '../shared/pseudonym';
import type { ClientActor } from '../shared/route';
import type { VendorAccessEngine } from './engine';
import type { GroupCommitWriter } from './group-commit';
import type { Decision, DecisionRequest } from './schemas';

type Reason = Decision['deniedFields'][number]['reason'];

/** Usage one decision adds: records per grant, written in the same batch as its audit event. */
export interface DecisionUsage {
  readonly day: string;
  readonly at: string;
  readonly byGrant: ReadonlyMap<string, number>;
}

/** One day of a batch's usage, per grant in id order (so two replicas' batches lock rows in the same order). */
export interface DayUsage {
  readonly day: string;
  /** The latest decision of the day in the batch: the grants' last use. */
  readonly at: string;
  readonly grantIds: string[];
  readonly records: number[];
  readonly decisions: number[];
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
    return { day, at, grantIds: grants.map(([g]) => g), records: grants.map(([, u]) => u.records), decisions: grants.map(([, u]) => u.decisions) };
  });
}

/** Adds a batch of decisions' usage to the per-grant daily counters (inside the batch's transaction). */
export async function writeDecisionUsage(store: AccessGrantStore, trx: Trx, usages: readonly DecisionUsage[]): Promise<void> {
  for (const day of usageByDay(usages)) await store.addUsage(trx, day);
}

/**
 * Commits a batch of decisions with one statement (record_decisions: usage, then the audit events
 * linked after the chain end this process last knew), instead of a transaction of six round trips.
 * False, with nothing written, when the batch must take the transaction path: the chain end is not
 * known or has moved on (another writer), or the batch spans midnight.
 */
export function recordDecisionsInOneStatement(db: Db, audit: AuditLog) {
  return async (events: readonly AuditEventInput[], usages: readonly DecisionUsage[]): Promise<boolean> => {
    const days = usageByDay(usages);
    if (days.length > 1) return false;
    const linked = audit.linkAfterKnownEnd(events);
    if (!linked) return false;
    const usage = days[0];
    const committed = await linked.send(() =>
      db
        .raw('select record_decisions(?, ?, ?, ?::jsonb, ?::date, ?::timestamptz, ?::uuid[], ?::bigint[], ?::bigint[])', [
          AUDIT_CHAIN_LOCK,
          linked.after.seq,
          linked.after.hash,
          linked.rowsJson,
          usage?.day ?? null,
          usage?.at ?? null,
          usage?.grantIds ?? [],
          usage?.records ?? [],
          usage?.decisions ?? [],
        ])
        .options({ name: 'record_decisions' })
        .then(() => true),
    );
    return committed ?? false;
  };
}

/** A customer's consent to a purpose as a decision sees it; subjects arrive pseudonymised. */
export interface ConsentChecker {
  /** `current`: given and not withdrawn nor stale; `separate`: current and given separately (PIPL Art. 29). */
  currentConsent(subjectRef: string, purposeKey: string): Promise<{ current: boolean; separate: boolean }>;
}

const GRANT = LINE.grant;
const UNTIL = LINE.until;
const FIELD = LINE.field;

/**
 * Field-by-field need-to-know decisions. The model (policies/vendor_access.conf) decides each
 * field; then consent, row scope and the daily volume cap of the matched grant apply. Default deny.
 * The answer leaves only after its audit event is durable (group commit); if that fails, 503.
 */
export class DecisionService {
  constructor(
    private readonly engine: VendorAccessEngine,
    private readonly writer: GroupCommitWriter<DecisionUsage>,
    private readonly subjectKey: Buffer,
    private readonly consent: () => ConsentChecker | undefined,
    /** True while this replica's policy view is known to be current (see VendorAccessEngine.fresh). */
    private readonly fresh: () => boolean,
  ) {}

  async decide(actor: ClientActor, requestId: string, input: DecisionRequest): Promise<Decision> {
    if (!this.fresh()) throw new ServiceUnavailableError('This replica cannot confirm its vendor access policies are current; retry shortly');
    const nowDate = new Date();
    const now = nowDate.toISOString();
    const today = now.slice(0, 10);
    const asset = await this.engine.asset(input.asset);
    const assetId = asset?.id ?? input.asset;
    const fields = [...new Set(input.fields)];
    const subjectRef = input.subject === undefined ? null : pseudonymize(this.subjectKey, input.subject);

    const denied = new Map<string, Reason>();
    const allowedBy = new Map<string, string[]>(); // grant id → fields
    const matchedLines: string[][] = [];
    for (const field of fields) {
      const verdict = this.engine.check(input.vendor, assetId, field, input.action, input.purpose, now);
      if (!verdict.allowed) {
        denied.set(field, verdict.reason);
        continue;
      }
      const grantId = verdict.line[GRANT];
      allowedBy.set(grantId, [...(allowedBy.get(grantId) ?? []), field]);
      matchedLines.push([...verdict.line]);
    }

    const obligations: Decision['obligations'] = [];
    const reserved = new Map<string, number>();
    for (const [grantId, grantFields] of allowedBy) {
      const meta = this.engine.grant(grantId);
      const consent = meta && subjectRef !== null ? await this.consentFor(meta.purposeKey, subjectRef) : undefined;
      const reason = this.postModelReason(meta, input, consent, today);
      if (reason) {
        for (const f of grantFields) denied.set(f, reason);
        allowedBy.delete(grantId);
        continue;
      }
      // Sensitive personal information needs the person's separate consent (PIPL Art. 29): without
      // it, only the sensitive fields are denied.
      const sensitive = grantFields.filter((f) => asset?.fields.find((x) => x.name === f)?.piCategory === 'sensitive');
      if (sensitive.length > 0 && consent && !consent.separate) {
        for (const f of sensitive) denied.set(f, 'consent_missing');
        const rest = grantFields.filter((f) => !sensitive.includes(f));
        if (rest.length === 0) {
          allowedBy.delete(grantId);
          continue;
        }
        allowedBy.set(grantId, rest);
      }
      if (meta?.rowScope) obligations.push({ type: 'row_scope', grant: grantId, filter: meta.rowScope });
      if (input.records !== undefined) {
        this.engine.reserve(grantId, input.records, today);
        reserved.set(grantId, input.records);
      }
    }

    const allowedFields = fields.filter((f) => !denied.has(f));
    const deniedFields = fields.filter((f) => denied.has(f)).map((field) => ({ field, reason: denied.get(field) as Reason }));
    const decision: Decision = {
      decisionId: crypto.randomUUID(),
      decision: deniedFields.length === 0 ? 'allow' : allowedFields.length === 0 ? 'deny' : 'partial',
      allowedFields,
      deniedFields,
      grants: [...allowedBy.keys()],
      obligations,
    };
    const scopes = obligations.map((o) => JSON.stringify(o.filter));
    if (scopes.length > 0 && scopes.length === allowedBy.size && scopes.every((s) => s === scopes[0])) decision.rowScope = obligations[0].filter;

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
        allowedFields,
        deniedFields,
        grants: decision.grants,
        matchedRules: matchedLines.filter((l) => allowedBy.get(l[GRANT])?.includes(l[FIELD])).map((l) => ({ grant: l[GRANT], rule: l, until: l[UNTIL] })),
        records: input.records ?? null,
        subjectRef,
      },
    };
    const usage: DecisionUsage = { day: today, at: now, byGrant: new Map([...allowedBy.keys()].map((g) => [g, reserved.get(g) ?? 0])) };
    try {
      await this.writer.write(event, usage);
    } catch (err) {
      for (const [grantId, records] of reserved) this.engine.release(grantId, records, today);
      if (err instanceof IdempotencyKeyTaken) throw err;
      throw new ServiceUnavailableError('The decision could not be recorded, so it is not given', err);
    }
    return decision;
  }

  /** The named customer's consent, read once per grant, when the grant's purpose rests on consent; undefined otherwise. */
  private async consentFor(purposeKey: string, subjectRef: string): Promise<{ current: boolean; separate: boolean } | undefined> {
    if ((await this.engine.legalBasis(purposeKey)) !== 'consent') return undefined;
    const checker = this.consent();
    return checker ? checker.currentConsent(subjectRef, purposeKey) : { current: false, separate: false };
  }

  private postModelReason(
    meta: ReturnType<VendorAccessEngine['grant']>,
    input: DecisionRequest,
    /** The customer's consent when the request names one and the purpose rests on consent. */
    consent: { current: boolean } | undefined,
    today: string,
  ): Reason | undefined {
    // A line without its grant's metadata means the view is mid-reload: deny rather than guess.
    if (!meta) return 'no_grant';
    if (consent && !consent.current) return 'consent_missing';
    if (meta.rowScope && input.rowContext) {
      for (const [attribute, allowed] of Object.entries(meta.rowScope)) {
        const value = input.rowContext[attribute];
        if (value !== undefined && !allowed.includes(value)) return 'row_scope';
      }
    }
    if (meta.dailyRecordCap !== null && input.records !== undefined) {
      if (this.engine.usedToday(meta.id, today) + input.records > meta.dailyRecordCap) return 'volume_exceeded';
    }
    return undefined;
  }
}
