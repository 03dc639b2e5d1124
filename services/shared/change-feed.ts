import crypto from 'node:crypto';
import pg from 'pg';
import type { Db, Trx } from '../db';
import type { Logger } from '../logger';

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
 * Tells every part of this process, and every other replica, that something changed (a grant was
 * revoked, a vendor suspended, a client disabled…), only once the change has committed.
 * Publishing runs `pg_notify` inside the change's transaction (PostgreSQL delivers it on commit)
 * and hands the notice to local subscribers when the transaction commits.
 */
export class ChangeFeed {
  readonly instanceId = crypto.randomUUID();
  private readonly handlers = new Map<string, ChangeHandler[]>();
  private readonly inflight = new Set<Promise<void>>();
  private listener: pg.Client | undefined;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;

  constructor(private readonly logger: Logger) {}

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
  async transaction<T>(db: Db, fn: (trx: Trx) => Promise<T>): Promise<T> {
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

  /** True when notices from other replicas can arrive (always true for a single process without a listener). */
  get connected(): boolean {
    return !this.listening || this.connectedAt > 0;
  }

  /** Listens for other replicas' notices on PostgreSQL; reconnects with back-off when the connection drops. */
  async listen(databaseUrl: string): Promise<void> {
    this.listening = true;
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
    this.listener = client;
    const retry = () => {
      if (this.stopped || this.listener !== client) return;
      this.connectedAt = 0;
      this.listener = undefined;
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
      this.connectedAt = Date.now();
      // Anything may have changed while we were not listening: subscribers reload in full.
      void this.deliver(RECONNECTED, {});
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
    const client = this.listener;
    this.listener = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
