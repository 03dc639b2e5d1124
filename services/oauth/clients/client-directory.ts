import type { JWTVerifyGetKey } from 'jose';
import { boundedCache } from '../../platform/bounded-cache';
import type { ChangeSubscriber } from '../../platform/change-feed';
import { assertionKeyResolver } from './client-keys';
import type { ClientRecord, ClientStoreType } from './store-type';
import type { JwksUriPolicy } from './jwks-uri';
import { CLIENT_CACHE_SIZE, CLIENT_CACHE_TTL_MS } from '../settings';

/** Change-feed topic: a client was registered, disabled or had its credentials rotated. */
export const CLIENT_CHANGED = 'oauth.client_changed';

export interface KnownClient {
  readonly record: ClientRecord;
  /** private_key_jwt clients: the keys their assertions are verified against. */
  readonly assertionKeys: JWTVerifyGetKey | undefined;
}

/**
 * Clients as this process knows them: read from the database once, then from memory until the
 * change feed says the client changed. While the feed cannot hear other replicas (its PostgreSQL
 * listener is down), every lookup goes to the database, so a disabled client never slips through.
 */
export class ClientDirectory {
  private readonly cache = boundedCache<string, KnownClient>({ max: CLIENT_CACHE_SIZE, ttlMs: CLIENT_CACHE_TTL_MS });
  private generation = 0;

  constructor(
    private readonly store: Pick<ClientStoreType, 'get'>,
    private readonly changes: Pick<ChangeSubscriber, 'connected'>,
    private readonly jwksUris: JwksUriPolicy,
  ) {}

  async find(clientId: string): Promise<KnownClient | undefined> {
    const trusted = this.changes.connected;
    const cached = trusted ? this.cache.get(clientId) : undefined;
    if (cached) return cached;
    const generation = this.generation;
    const record = await this.store.get(clientId);
    if (!record) return undefined;
    const known: KnownClient = { record, assertionKeys: assertionKeyResolver(record, this.jwksUris) };
    // A change that arrived while we were reading may be newer than what we read: do not cache it.
    if (trusted && generation === this.generation) this.cache.set(clientId, known);
    return known;
  }

  /** The cached client, if any (the access-token hot path; no database). */
  cached(clientId: string): KnownClient | undefined {
    return this.changes.connected ? this.cache.get(clientId) : undefined;
  }

  invalidate(clientId: string): void {
    this.generation += 1;
    this.cache.delete(clientId);
  }

  clear(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /** Clients remembered right now (bounded by CLIENT_CACHE_SIZE). */
  get size(): number {
    return this.cache.size;
  }
}
