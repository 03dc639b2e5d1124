import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import type { ChangePublisher } from '../../platform/change-feed';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { decodeCursor, pageFrom, type Page } from '../../shared/schemas';
import { CLIENT_CHANGED } from './client-directory';
import { validateClientJwks } from './client-keys';
import type { ClientSecretHasher } from './client-secrets';
import type { JwksUriPolicy } from './jwks-uri';
import { publicView, type ClientFilter, type ClientRecord, type ClientStoreType } from './store-type';
import type { OAuthClient, RegisterClientInput, RegisteredClient, RotateClientCredentials } from '../schemas';
import { DEFAULT_SECRET_GRACE_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS } from '../settings';
import { systemClock, type Clock } from '../../platform/clock';

/** Registers, disables and rotates OAuth clients; every change audited and announced on the change feed. */
export class ClientService {
  constructor(
    private readonly db: Transactor,
    private readonly store: ClientStoreType,
    private readonly audit: AuditRecorder,
    private readonly changes: ChangePublisher,
    private readonly hasher: ClientSecretHasher,
    private readonly jwksUris: Pick<JwksUriPolicy, 'validate'>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Registers a client. The secret (secret methods) is in the answer only; the database keeps its hash.
   * Pass `trx` to register inside a caller's transaction (e.g. with the vendor it belongs to).
   */
  async register(ctx: ChangeContext, input: RegisterClientInput, trx?: Trx): Promise<RegisteredClient> {
    await this.validateKeys(input, 'body');
    const secret = input.tokenEndpointAuthMethod === 'private_key_jwt' ? undefined : this.hasher.generate();
    const now = this.clock.now().toISOString();
    const record: ClientRecord = {
      clientId: crypto.randomUUID(),
      name: input.name,
      kind: input.kind,
      vendorId: input.kind === 'vendor' ? input.vendorId : null,
      roles: input.kind === 'internal' ? [...new Set(input.roles)] : [],
      scopes: [...new Set(input.scopes)],
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
      jwks: input.jwks ?? null,
      jwksUri: input.jwksUri ?? null,
      accessTokenTtlSeconds: input.accessTokenTtlSeconds ?? MAX_ACCESS_TOKEN_TTL_SECONDS,
      status: 'active',
      previousSecretExpiresAt: null,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
      secretHash: secret === undefined ? null : this.hasher.hash(secret),
      previousSecretHash: null,
    };
    const write = async (t: Trx) => {
      await this.store.insert(t, record);
      await this.audit.record(t, ctx, {
        action: 'client.registered',
        objectType: 'client',
        objectId: record.clientId,
        details: { after: publicView(record) },
      });
      await this.changes.publish(t, CLIENT_CHANGED, { clientId: record.clientId });
    };
    if (trx) await write(trx);
    else await this.changes.transaction(this.db, write);
    if (secret !== undefined) secretShownOnce(ctx, record.clientId, 'registered');
    return { ...publicView(record), ...(secret === undefined ? {} : { clientSecret: secret }) };
  }

  async get(clientId: string): Promise<OAuthClient> {
    const client = await this.store.get(clientId);
    if (!client) throw new NotFoundError(`No client ${clientId}`);
    return publicView(client);
  }

  async list(filter: Omit<ClientFilter, 'afterId'> & { cursor?: string }, limit: number): Promise<Page<OAuthClient>> {
    const page = pageFrom(
      await this.store.list({ ...filter, afterId: decodeCursor(filter.cursor) }, limit + 1),
      limit,
      (last) => last.clientId,
    );
    return { items: page.items.map(publicView), nextCursor: page.nextCursor };
  }

  /** Disables a client: its tokens stop working at once (on every replica within a second). */
  async disable(ctx: ChangeContext, clientId: string): Promise<OAuthClient> {
    return this.changes.transaction(this.db, async (trx) => {
      const before = await this.store.get(clientId, trx, true);
      if (!before) throw new NotFoundError(`No client ${clientId}`);
      if (before.status === 'disabled') throw new ConflictError('client_disabled', `Client ${clientId} is already disabled`);
      return publicView(await this.disableInTransaction(trx, ctx, before, 'client.disabled'));
    });
  }

  /**
   * The vendor kill switch: disables every active client of `vendorId` inside the caller's
   * transaction and returns their ids. Their tokens stop working when the transaction commits.
   */
  async disableVendorClients(trx: Trx, ctx: ChangeContext, vendorId: string): Promise<string[]> {
    const clients = await this.store.activeOfVendor(trx, vendorId);
    for (const client of clients) await this.disableInTransaction(trx, ctx, client, 'client.disabled');
    return clients.map((c) => c.clientId);
  }

  /**
   * New credentials. Secret clients get a new secret (shown once); the previous one keeps working
   * for `graceSeconds` (default 24 h) so deployments can roll over. Key clients replace their key set.
   */
  async rotateCredentials(ctx: ChangeContext, clientId: string, input: RotateClientCredentials): Promise<RegisteredClient> {
    const keyInput = input.jwks !== undefined || input.jwksUri !== undefined;
    if (input.jwks !== undefined && input.jwksUri !== undefined)
      throw ValidationError.field('body.jwks', 'give either jwks or jwksUri, not both');
    await this.validateKeys(input, 'body');
    let secret: string | undefined;
    const after = await this.changes.transaction(this.db, async (trx) => {
      const before = await this.store.get(clientId, trx, true);
      if (!before) throw new NotFoundError(`No client ${clientId}`);
      if (before.status === 'disabled') throw new ConflictError('client_disabled', `Client ${clientId} is disabled; register a new client`);
      const now = this.clock.now();
      let updated: ClientRecord;
      if (before.tokenEndpointAuthMethod === 'private_key_jwt') {
        if (!keyInput) throw ValidationError.field('body.jwks', 'a private_key_jwt client rotates by sending its new jwks or jwksUri');
        if (input.graceSeconds !== undefined) throw ValidationError.field('body.graceSeconds', 'only secret clients have a grace period');
        updated = { ...before, jwks: input.jwks ?? null, jwksUri: input.jwksUri ?? null, updatedAt: now.toISOString() };
      } else {
        if (keyInput) throw ValidationError.field('body.jwks', 'a secret client rotates its secret; it has no keys');
        secret = this.hasher.generate();
        const graceSeconds = input.graceSeconds ?? DEFAULT_SECRET_GRACE_SECONDS;
        updated = {
          ...before,
          secretHash: this.hasher.hash(secret),
          previousSecretHash: graceSeconds > 0 ? before.secretHash : null,
          previousSecretExpiresAt: graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000).toISOString() : null,
          updatedAt: now.toISOString(),
        };
      }
      await this.store.update(trx, updated);
      await this.audit.record(trx, ctx, {
        action: 'client.credentials_rotated',
        objectType: 'client',
        objectId: clientId,
        details: { before: publicView(before), after: publicView(updated), graceSeconds: input.graceSeconds ?? null },
      });
      await this.changes.publish(trx, CLIENT_CHANGED, { clientId });
      return updated;
    });
    if (secret !== undefined) secretShownOnce(ctx, clientId, 'rotated');
    return { ...publicView(after), ...(secret === undefined ? {} : { clientSecret: secret }) };
  }

  private async disableInTransaction(trx: Trx, ctx: ChangeContext, before: ClientRecord, action: string): Promise<ClientRecord> {
    const now = this.clock.now().toISOString();
    const after: ClientRecord = { ...before, status: 'disabled', disabledAt: now, updatedAt: now };
    await this.store.update(trx, after);
    await this.audit.record(trx, ctx, {
      action,
      objectType: 'client',
      objectId: before.clientId,
      details: { before: publicView(before), after: publicView(after) },
    });
    await this.changes.publish(trx, CLIENT_CHANGED, { clientId: before.clientId });
    return after;
  }

  private async validateKeys(input: { jwks?: RegisterClientInput['jwks']; jwksUri?: string }, where: string): Promise<void> {
    if (input.jwks !== undefined) await validateClientJwks(input.jwks, `${where}.jwks`);
    if (input.jwksUri !== undefined) await this.jwksUris.validate(input.jwksUri, `${where}.jwksUri`);
  }
}

/**
 * A response with a client secret is never kept for Idempotency-Key replays: a retry learns that the
 * secret was shown (and which client), not the secret.
 */
function secretShownOnce(ctx: ChangeContext, clientId: string, what: 'registered' | 'rotated'): void {
  ctx.idempotent?.showOnce({
    detail:
      what === 'registered'
        ? `This request already registered client ${clientId}; its secret was shown once, in that response, and is not shown again. If it was lost, rotate the client's credentials.`
        : `This request already rotated the secret of client ${clientId}; the new secret was shown once, in that response, and is not shown again. If it was lost, rotate again.`,
    extensions: { clientId },
  });
}
