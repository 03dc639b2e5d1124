import type { Context, Next } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db';
import type { Clock } from './clock';

/** Prefix of the service's own (domain) metrics. */
export const METRIC_PREFIX = 'governance_';

/** The service's own metrics, updated where the work happens; each update is a counter or histogram step. */
export interface DomainMetrics {
  /** Durably recorded decisions by outcome (allow, deny, partial). */
  readonly decisions: Counter<'outcome'>;
  /** Denied fields of recorded decisions by reason code. */
  readonly deniedFields: Counter<'reason'>;
  /** POST /oauth/token answers: issued, or refused with the OAuth error code. */
  readonly tokens: Counter<'outcome' | 'reason'>;
  readonly groupCommitBatchSize: Histogram;
  readonly groupCommitSeconds: Histogram<'result'>;
  /** Result of the last audit chain verification on this replica. */
  readonly auditChainValid: Gauge;
  readonly auditChainVerifiedAt: Gauge;
}

/** One registry per app instance, so tests can build many apps in one process. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly domain: DomainMetrics;
}

/** What the change-feed staleness gauge reads (ChangeFeed.status). */
/** What the change-feed gauges read (the ChangeFeed): its status, and the clock its instants are on. */
export interface FeedStatusSource {
  readonly status: { listening: false } | { listening: true; confirmedAt: number; connected: boolean };
  readonly clock: Clock;
}

export function createMetrics(db: Db, options: { defaultMetrics?: boolean; feed?: FeedStatusSource } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = (db.client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending' }, pool.numPendingAcquires());
    },
  });
  return { registry, httpRequests, httpDuration, domain: createDomainMetrics(registry, options.feed) };
}

function createDomainMetrics(registry: Registry, feed: FeedStatusSource | undefined): DomainMetrics {
  const registers = [registry];
  const p = METRIC_PREFIX;
  if (feed) {
    new Gauge({
      name: `${p}change_feed_staleness_seconds`,
      help: "Seconds since the change feed last proved it would deliver other replicas' changes (0 for a single process without a feed)",
      registers,
      collect() {
        const status = feed.status;
        this.set(status.listening ? Math.max(0, feed.clock.now().getTime() - status.confirmedAt) / 1000 : 0);
      },
    });
    new Gauge({
      name: `${p}change_feed_connected`,
      help: '1 while the change feed (PostgreSQL LISTEN/NOTIFY) is connected and answering heartbeats',
      registers,
      collect() {
        const status = feed.status;
        this.set(!status.listening || status.connected ? 1 : 0);
      },
    });
  }
  const auditChainValid = new Gauge({
    name: `${p}audit_chain_valid`,
    help: 'Last audit chain verification on this replica: 1 valid, 0 broken, NaN not yet verified',
    registers,
  });
  auditChainValid.set(Number.NaN);
  return {
    decisions: new Counter({
      name: `${p}decisions_total`,
      help: 'Recorded access decisions by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    deniedFields: new Counter({
      name: `${p}decision_denied_fields_total`,
      help: 'Denied fields of recorded decisions by reason code',
      labelNames: ['reason'] as const,
      registers,
    }),
    tokens: new Counter({
      name: `${p}oauth_tokens_total`,
      help: 'Access-token requests: issued, or refused with the OAuth error code',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    groupCommitBatchSize: new Histogram({
      name: `${p}group_commit_batch_size`,
      help: 'Audit events committed together by the decision group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    groupCommitSeconds: new Histogram({
      name: `${p}group_commit_duration_seconds`,
      help: 'Time to commit one group-commit batch, by result',
      labelNames: ['result'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers,
    }),
    auditChainValid,
    auditChainVerifiedAt: new Gauge({
      name: `${p}audit_chain_verified_timestamp_seconds`,
      help: 'When this replica last verified the audit chain',
      registers,
    }),
  };
}

/** The observer the decision group commit reports each batch to. */
export interface GroupCommitObserver {
  committed(events: readonly { action: string; details?: unknown }[], seconds: number): void;
  failed(size: number, seconds: number): void;
}

/** Counts decisions once they are durable (their audit events committed), and the batches that carried them. */
export function decisionBatchObserver(domain: DomainMetrics): GroupCommitObserver {
  return {
    committed(events, seconds) {
      domain.groupCommitBatchSize.observe(events.length);
      domain.groupCommitSeconds.observe({ result: 'committed' }, seconds);
      for (const event of events) {
        if (event.action !== 'access.decided') continue;
        const details = event.details as { decision?: string; deniedFields?: { reason: string }[] } | undefined;
        domain.decisions.inc({ outcome: details?.decision ?? 'unknown' });
        for (const denied of details?.deniedFields ?? []) domain.deniedFields.inc({ reason: denied.reason });
      }
    },
    failed(size, seconds) {
      domain.groupCommitBatchSize.observe(size);
      domain.groupCommitSeconds.observe({ result: 'failed' }, seconds);
    },
  };
}

const OAUTH_ERROR = /^[a-z_]{1,40}$/;
const TOKEN_ROUTE = '/oauth/token';
const VERIFY_ROUTE = '/v1/audit/verify';

/** Outcomes read off a few answers on their way out: token issuance and audit verification. */
function observeAnswer(domain: DomainMetrics, route: string, ctx: Context): void {
  if (route === TOKEN_ROUTE) {
    if (ctx.status === 200) domain.tokens.inc({ outcome: 'issued', reason: '' });
    else {
      const body = ctx.body as { error?: unknown; code?: unknown } | undefined;
      const reason = String(body?.error ?? body?.code ?? '');
      domain.tokens.inc({ outcome: 'refused', reason: OAUTH_ERROR.test(reason) ? reason : 'other' });
    }
  } else if (route === VERIFY_ROUTE && ctx.status === 200) {
    const valid = (ctx.body as { valid?: unknown } | undefined)?.valid;
    domain.auditChainValid.set(valid === true ? 1 : 0);
    domain.auditChainVerifiedAt.set(Date.now() / 1000);
  }
}

/** Records count and latency per route template (never the raw path, which may carry ids). */
export function httpMetrics(metrics: Metrics) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const end = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { routerPath?: string; _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route: String(route), status: String(ctx.status) };
      metrics.httpRequests.inc(labels);
      end(labels);
      if (ctx.method === 'POST' || ctx.method === 'GET') observeAnswer(metrics.domain, labels.route, ctx);
    }
  };
}
