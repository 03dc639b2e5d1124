import crypto from 'node:crypto';
import pg from 'pg';
import type { Transactor, Trx } from '../db';
import type { Logger } from '../logger';
import { systemClock, type Clock } from './clock';

/** The PostgreSQL channel that carries every change notice between replicas. */
export const CHANGE_CHANNEL = 'governance_changes';

export interface ChangeNotice {
  readonly topic: string;
  readonly payload: Record<string, unknown>;
  readonly origin: string;
}

const RECONNECTED = '__reconnected';

export type ChangeHandler = (payload: Record<string, unknown>) => void | Promise<void>;

/**
 * How current this process's view of other replicas' changes is. `listening: false` means a single
 * process (PGlite): every change happens here, so the view is always current. Otherwise every change
 * committed after `since` (when the current LISTEN session began) reaches this process while the
 * session lives, and every change committed before `confirmedAt` has been received (the last
 * heartbeat on the listening connection was sent then and answered).
 */
export type FeedStatus =
  | { readonly listening: false }
  | { readonly listening: true; readonly since: number; readonly confirmedAt: number; readonly connected: boolean };

export interface ChangeFeedOptions {
  /** How often the listening connection is proven alive (and notices before it proven received). */
  readonly heartbeatMs?: number;
  /**
   * What `since`, `confirmedAt` and the silence of the connection are measured on: the system clock
   * unless a test moves one of its own (a cut feed then goes silent without the test waiting).
   * Not the business clock: moving business time by days must not make a live feed look silent.
   */
  readonly clock?: Clock;
}

/** What a service needs of the change feed to make a change: publish inside it, settle after it. */
export interface ChangePublisher {
  transaction<T>(db: Transactor, fn: (trx: Trx) => Promise<T>): Promise<T>;
  publish(trx: Trx, topic: string, payload: Record<string, unknown>): Promise<void>;
}

/** What a reader that keeps something in memory needs of the change feed: hear changes, and whether it may trust what it keeps. */
export interface ChangeSubscriber {
  subscribe(topic: string, handler: ChangeHandler): void;
  onReconnect(handler: () => void | Promise<void>): void;
  readonly connected: boolean;
}

/**
 * Tells every part of this process, and every other replica, that something changed (a grant was
 * revoked, a vendor suspended, a client disabled…), only once the change has committed.
 * Publishing runs `pg_notify` inside the change's transaction (PostgreSQL delivers it on commit)
 * and hands the notice to local subscribers when the transaction commits.
 */
export class ChangeFeed implements ChangePublisher, ChangeSubscriber {
  readonly instanceId = crypto.randomUUID();
  private readonly handlers = new Map<string, ChangeHandler[]>();
  private readonly inflight = new Set<Promise<void>>();
  private listener: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempted = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;
  /** When the current (or last) LISTEN session began, and when its last answered heartbeat was sent. */
  private sessionSince = 0;
  private confirmedAt = 0;
  private readonly heartbeatMs: number;
  /** The clock of `FeedStatus` (see ChangeFeedOptions.clock): whoever compares with its instants reads this one. */
  readonly clock: Clock;

  constructor(
    private readonly logger: Logger,
    options: ChangeFeedOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.clock = options.clock ?? systemClock;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  subscribe(topic: string, handler: ChangeHandler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  private deliver(topic: string, payload: Record<string, unknown>): Promise<void> {
    const running = Promise.all(
      (this.handlers.get(topic) ?? []).map((h) =>
        Promise.resolve()
          .then(() => h(payload))
          .catch((err: unknown) => this.logger.error({ err, topic }, 'change handler failed')),
      ),
    ).then(() => undefined);
    this.inflight.add(running);
    void running.finally(() => this.inflight.delete(running));
    return running;
  }

  /** Resolves when every local handler of committed changes has finished. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /**
   * Runs `fn` in a transaction and, once it has committed, waits for this process's handlers, so
   * the caller's next request already sees the change (other replicas follow within a second).
   */
  async transaction<T>(db: Transactor, fn: (trx: Trx) => Promise<T>): Promise<T> {
    const result = await db.transaction(fn);
    await this.settle();
    return result;
  }

  /** Publishes inside `trx`; nothing is delivered if the transaction rolls back. */
  async publish(trx: Trx, topic: string, payload: Record<string, unknown>): Promise<void> {
    const notice: ChangeNotice = { topic, payload, origin: this.instanceId };
    await trx.raw('select pg_notify(?, ?)', [CHANGE_CHANNEL, JSON.stringify(notice)]);
    const delivered = trx.executionPromise.then(
      () => this.deliver(topic, payload),
      () => undefined,
    );
    this.inflight.add(delivered);
    void delivered.finally(() => this.inflight.delete(delivered));
  }

  private listening = false;

  /**
   * True when notices from other replicas can arrive (always true for a single process without a
   * listener): the listening connection is up and answered a heartbeat recently.
   */
  get connected(): boolean {
    return !this.listening || (this.connectedAt > 0 && this.now() - this.confirmedAt < this.silenceLimitMs);
  }

  get status(): FeedStatus {
    if (!this.listening) return { listening: false };
    return { listening: true, since: this.sessionSince, confirmedAt: this.confirmedAt, connected: this.connected };
  }

  /** A heartbeat unanswered this long means the connection is dead even if no socket error said so. */
  private get silenceLimitMs(): number {
    return Math.max(2000, 3 * this.heartbeatMs);
  }

  /**
   * Proves the listening connection alive: PostgreSQL sends a session's pending notices before the
   * answer to its next query, so once `select 1` returns, every notice committed before it was sent
   * has been received. A connection that stops answering is dropped and reconnected.
   */
  private startHeartbeat(client: pg.Client, dropped: () => void): void {
    let outstanding = 0;
    const beat = () => {
      if (this.listener !== client) return;
      const now = this.now();
      if (outstanding > 0) {
        if (now - outstanding > this.silenceLimitMs) {
          this.logger.warn({ silentMs: now - outstanding }, 'change feed connection stopped answering; reconnecting');
          dropped();
        }
        return;
      }
      outstanding = now;
      client.query('select 1').then(
        () => {
          if (this.listener === client) this.confirmedAt = outstanding;
          outstanding = 0;
        },
        () => {
          outstanding = 0;
        },
      );
    };
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(beat, this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /** Listens for other replicas' notices on PostgreSQL; reconnects with back-off when the connection drops. */
  async listen(databaseUrl: string): Promise<void> {
    this.listening = true;
    // The first attempt runs before start-up loads anything; when it succeeds, those loads already
    // see every change this session will not deliver, so there is nothing to reload.
    const firstAttempt = !this.attempted;
    this.attempted = true;
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
    this.listener = client;
    const retry = () => {
      if (this.stopped || this.listener !== client) return;
      this.connectedAt = 0;
      this.listener = undefined;
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      client.end().catch(() => undefined);
      this.reconnectTimer = setTimeout(() => {
        this.listen(databaseUrl).catch(() => undefined);
      }, 500);
    };
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'change feed connection lost; reconnecting');
      retry();
    });
    client.on('end', retry);
    client.on('notification', (msg) => {
      if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
      try {
        const notice = JSON.parse(msg.payload) as ChangeNotice;
        if (notice.origin === this.instanceId) return;
        void this.deliver(notice.topic, notice.payload);
      } catch (err) {
        this.logger.warn({ err }, 'ignored an unreadable change notice');
      }
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANGE_CHANNEL}`);
      // From here on every committed change is delivered to this session.
      this.connectedAt = this.now();
      this.sessionSince = this.connectedAt;
      this.confirmedAt = this.connectedAt;
      this.startHeartbeat(client, retry);
      // Anything may have changed while we were not listening: subscribers reload in full.
      if (!firstAttempt) void this.deliver(RECONNECTED, {});
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'change feed cannot connect; retrying');
      retry();
    }
  }

  /** Called after (re)connecting to PostgreSQL: what was missed while disconnected must be reloaded. */
  onReconnect(handler: () => void | Promise<void>): void {
    this.subscribe(RECONNECTED, handler);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const client = this.listener;
    this.listener = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
