import crypto from 'node:crypto';
import type { Clock } from '../platform/clock';
import { ValidationError } from '../shared/errors';
import type { ClientActor } from '../http/route';
import type {
  AuthzenEvaluationRequest,
  AuthzenEvaluationResponse,
  AuthzenEvaluationsRequest,
  AuthzenResourceSearchRequest,
  AuthzenResourceSearchResponse,
  AuthzenSubjectSearchRequest,
  AuthzenSubjectSearchResponse,
} from './authzen-schemas';
import { AuthzenEvaluationRequest as Tuple, DEFAULT_SEARCH_LIMIT } from './authzen-schemas';
import { DecisionRequest, type Decision } from './schemas';
import type { DecisionService } from './service';

/** Where each member of a decision request comes from in an AuthZEN evaluation (for error paths). */
const SOURCE: Record<string, string> = {
  vendor: 'subject.id',
  asset: 'resource.id',
  fields: 'resource.properties.fields',
  action: 'action.name',
  purpose: 'context.purpose',
  subject: 'context.customer',
  subjects: 'context.customers',
  records: 'context.records',
  rowContext: 'context.row_context',
};

/**
 * OpenID AuthZEN 1.0 over the one decision core: every evaluation is a decision of
 * DecisionService (the same model, consent and volume rules, the same audit event, durable before
 * the answer leaves). Subject = the vendor, resource = a data asset with its fields, action =
 * read/write/export, context = purpose, customer(s), records and row context.
 */
export class AuthzenService {
  private readonly pageKey: Buffer;

  constructor(
    private readonly decisions: DecisionService,
    private readonly clock: Clock,
  ) {
    this.pageKey = decisions.deriveKey('authzen page token');
  }

  /**
   * Resource search: the data assets this vendor may act on for this purpose (and customers,
   * records, row context) now, each with the fields an evaluation of the same tuple would allow.
   * Candidates come from the vendor access view's index; each is then decided by the decision
   * core's own steps without deciding (nothing reserved). Pages in asset id order.
   */
  async searchResources(
    actor: ClientActor,
    requestId: string,
    request: AuthzenResourceSearchRequest,
  ): Promise<AuthzenResourceSearchResponse> {
    const base = toDecisionRequest(
      { subject: request.subject, action: request.action, resource: PLACEHOLDER, context: request.context },
      'body',
    );
    const limit = request.page?.limit ?? DEFAULT_SEARCH_LIMIT;
    const query = queryHash('resource', { ...base, asset: undefined, fields: undefined, limit });
    const after = this.cursor(request.page?.token, query);
    const now = this.clock.now().toISOString();
    const engine = this.decisions.engine;
    const results: AuthzenResourceSearchResponse['results'] = [];
    let more = false;
    for (const assetId of engine.assetsOf(base.vendor)) {
      if (after !== undefined && assetId <= after) continue;
      const fields = engine.fieldsOf(base.vendor, assetId).sort();
      const allowed = await this.decisions.wouldAllow({ ...base, asset: assetId, fields }, now);
      if (allowed.length === 0) continue;
      if (results.length === limit) {
        more = true;
        break;
      }
      const key = (await engine.asset(assetId))?.key;
      results.push({ type: 'data_asset', id: assetId, properties: { ...(key ? { key } : {}), fields: allowed } });
    }
    const page = { next_token: more ? this.token(results[results.length - 1].id, query) : '', count: results.length };
    await this.decisions.record({
      actorType: 'client',
      actorId: actor.clientId,
      action: 'access.searched',
      objectType: 'vendor',
      objectId: base.vendor,
      requestId,
      details: {
        search: 'resource',
        ...searchDetails(base, request.page?.token !== undefined, results.length, more),
        assets: results.map((r) => r.id),
      },
    });
    return { page, results };
  }

  /**
   * Subject search: the vendors an evaluation would allow every requested field of this data
   * asset, for this action and purpose (and customers, records, row context), now. Pages in
   * vendor id order.
   */
  async searchSubjects(actor: ClientActor, requestId: string, request: AuthzenSubjectSearchRequest): Promise<AuthzenSubjectSearchResponse> {
    const base = toDecisionRequest(
      { subject: { type: 'vendor', id: NIL }, action: request.action, resource: request.resource, context: request.context },
      'body',
    );
    const limit = request.page?.limit ?? DEFAULT_SEARCH_LIMIT;
    const query = queryHash('subject', { ...base, vendor: undefined, limit });
    const after = this.cursor(request.page?.token, query);
    const now = this.clock.now().toISOString();
    const engine = this.decisions.engine;
    const assetId = (await engine.asset(base.asset))?.id ?? base.asset;
    const fields = [...new Set(base.fields)];
    const results: AuthzenSubjectSearchResponse['results'] = [];
    let more = false;
    for (const vendorId of engine.vendorsOn(assetId, fields)) {
      if (after !== undefined && vendorId <= after) continue;
      const allowed = await this.decisions.wouldAllow({ ...base, vendor: vendorId }, now);
      if (allowed.length !== fields.length) continue;
      if (results.length === limit) {
        more = true;
        break;
      }
      results.push({ type: 'vendor', id: vendorId });
    }
    const page = { next_token: more ? this.token(results[results.length - 1].id, query) : '', count: results.length };
    await this.decisions.record({
      actorType: 'client',
      actorId: actor.clientId,
      action: 'access.searched',
      objectType: 'data_asset',
      objectId: assetId,
      requestId,
      details: {
        search: 'subject',
        fields,
        ...searchDetails(base, request.page?.token !== undefined, results.length, more),
        vendors: results.map((r) => r.id),
      },
    });
    return { page, results };
  }

  /** A page token: the last id of the page and a MAC binding it to this search's request (kind, tuple, limit). */
  private token(after: string, query: string): string {
    return `${Buffer.from(after).toString('base64url')}.${this.mac(after, query)}`;
  }

  /** The id a page token continues after; 400 when it was altered, or belongs to another search or request. */
  private cursor(token: string | undefined, query: string): string | undefined {
    if (token === undefined) return undefined;
    const [encoded, mac, extra] = token.split('.');
    const after = Buffer.from(encoded ?? '', 'base64url').toString();
    const expected = after === '' ? '' : this.mac(after, query);
    if (
      extra !== undefined ||
      !mac ||
      !UUID.test(after) ||
      mac.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    ) {
      throw new ValidationError(
        'body.page.token: not a page token of this search (send the previous next_token with the rest of the request unchanged)',
        [{ path: 'body.page.token', message: 'not a page token of this search' }],
      );
    }
    return after;
  }

  private mac(after: string, query: string): string {
    return crypto.createHmac('sha256', this.pageKey).update(`${query}\u0000${after}`).digest('base64url').slice(0, 32);
  }

  async evaluate(
    actor: ClientActor,
    requestId: string,
    tuple: AuthzenEvaluationRequest,
    where = 'body',
  ): Promise<AuthzenEvaluationResponse> {
    return toResponse(await this.decisions.decide(actor, requestId, toDecisionRequest(tuple, where)));
  }

  /** Boxcarred evaluations: defaults inherited member by member, then decided under the chosen semantic. */
  async evaluations(actor: ClientActor, requestId: string, request: AuthzenEvaluationsRequest) {
    const { evaluations, options, ...defaults } = request;
    if (evaluations === undefined) {
      const single = await this.evaluate(actor, requestId, complete(defaults, 'body'));
      return { decision: single.decision, context: single.context };
    }
    // Every evaluation is checked before any is decided: a bad one refuses the whole batch (400), nothing decided.
    const requests = evaluations.map((e, i) => {
      const where = `body.evaluations.${i}`;
      return toDecisionRequest(complete({ ...defaults, ...definedOnly(e) }, where), where);
    });
    const decide = async (input: DecisionRequest) => toResponse(await this.decisions.decide(actor, requestId, input));
    const semantic = options?.evaluations_semantic ?? 'execute_all';
    if (semantic === 'execute_all') return { evaluations: await Promise.all(requests.map(decide)) };
    const stopOn = semantic === 'deny_on_first_deny' ? false : true;
    const answers: AuthzenEvaluationResponse[] = [];
    for (const input of requests) {
      const answer = await decide(input);
      answers.push(answer);
      if (answer.decision === stopOn) {
        answer.context.reason = semantic;
        break;
      }
    }
    return { evaluations: answers };
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The four members after inheritance; 400 naming the evaluation when one is missing. */
function complete(tuple: Partial<AuthzenEvaluationRequest>, where: string): AuthzenEvaluationRequest {
  const parsed = Tuple.safeParse(tuple);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 20)
    .map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ValidationError(`${issues[0].path}: ${issues[0].message}`, issues);
}

function toDecisionRequest(t: AuthzenEvaluationRequest, where: string): DecisionRequest {
  const parsed = DecisionRequest.safeParse({
    vendor: t.subject.id,
    asset: t.resource.id,
    fields: t.resource.properties.fields,
    action: t.action.name,
    purpose: t.context.purpose,
    subject: t.context.customer,
    subjects: t.context.customers,
    records: t.context.records,
    rowContext: t.context.row_context,
  });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 20).map((issue) => {
    const [first, ...rest] = issue.path.map(String);
    const message = issue.message.replace(/\bsubjects\b/g, 'customers').replace(/\bsubject\b/g, 'customer');
    return { path: [where, SOURCE[first] ?? first, ...rest].join('.'), message };
  });
  throw new ValidationError(`${issues[0].path}: ${issues[0].message}`, issues);
}

function toResponse(d: Decision): AuthzenEvaluationResponse {
  return {
    decision: d.decision === 'allow',
    context: {
      decision_id: d.decisionId,
      outcome: d.decision,
      allowed_fields: d.allowedFields,
      denied_fields: d.deniedFields,
      obligations: d.obligations,
      ...(d.subjects ? { customers: d.subjects } : {}),
    },
  };
}

const NIL = '00000000-0000-0000-0000-000000000000';
/** Stands in for the searched resource while the rest of a resource search is validated. */
const PLACEHOLDER = { type: 'data_asset' as const, id: NIL, properties: { fields: ['placeholder'] } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a search asked, as a hash: a page token is valid only for the request that produced it. */
function queryHash(kind: string, query: Record<string, unknown>): string {
  const canonical = JSON.stringify(query, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
  return crypto.createHash('sha256').update(`${kind}\u0000${canonical}`).digest('base64url');
}

/** A search's audit details: what was asked (customers only counted, never named) and how much was answered. */
function searchDetails(base: DecisionRequest, continued: boolean, count: number, more: boolean) {
  const customers = base.subjects !== undefined ? new Set(base.subjects).size : base.subject !== undefined ? 1 : 0;
  return { action: base.action, purpose: base.purpose, customers, records: base.records ?? null, continued, count, more };
}
