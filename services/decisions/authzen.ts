import { ValidationError } from '../shared/errors';
import type { ClientActor } from '../shared/route';
import type { AuthzenEvaluationRequest, AuthzenEvaluationResponse, AuthzenEvaluationsRequest } from './authzen-schemas';
import { AuthzenEvaluationRequest as Tuple } from './authzen-schemas';
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
  constructor(private readonly decisions: DecisionService) {}

  async evaluate(actor: ClientActor, requestId: string, tuple: AuthzenEvaluationRequest, where = 'body'): Promise<AuthzenEvaluationResponse> {
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
    const tuples = evaluations.map((e, i) => {
      const where = `body.evaluations.${i}`;
      const tuple = complete({ ...defaults, ...definedOnly(e) }, where);
      toDecisionRequest(tuple, where);
      return tuple;
    });
    const semantic = options?.evaluations_semantic ?? 'execute_all';
    if (semantic === 'execute_all') return { evaluations: await Promise.all(tuples.map((t) => this.evaluate(actor, requestId, t))) };
    const stopOn = semantic === 'deny_on_first_deny' ? false : true;
    const answers: AuthzenEvaluationResponse[] = [];
    for (const tuple of tuples) {
      const answer = await this.evaluate(actor, requestId, tuple);
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
  const issues = parsed.error.issues.slice(0, 20).map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
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
