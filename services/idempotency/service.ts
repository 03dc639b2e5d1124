import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Context } from 'koa';
import type { Logger } from '../logger';
import type { Clock } from '../platform/clock';
import { BadRequestError, ProblemError } from '../shared/errors';
import type { Actor } from '../http/route';
import { IdempotentRequest, type IdempotencyClaim } from './request';
import type { IdempotencyStore } from './store';

/** Keys are remembered this long; a retry after that is a new request. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

// A bare key of visible ASCII, or the structured-field string form ("...") of
// draft-ietf-httpapi-idempotency-key-header.
const BARE_KEY = /^[\x21-\x7E]{1,255}$/;
const QUOTED_KEY = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\]){1,255})"$/;
/** Response headers worth replaying; everything else is per response (request id, dates). */
const REPLAYED_HEADERS = ['location', 'content-location', 'etag', 'last-modified', 'cache-control', 'pragma'];

interface StoredResponse {
  readonly status: number;
  readonly type: string;
  readonly headers: Record<string, string>;
  /** JSON bodies as values, anything else as text. */
  readonly json?: unknown;
  readonly text?: string;
}

/** The request body changed under the same key. */
export class IdempotencyKeyReusedError extends ProblemError {
  constructor() {
    super(
      422,
      'idempotency_key_reused',
      'Unprocessable content',
      'This Idempotency-Key was already used for a different request; use a new key for a new request',
    );
  }
}

/** The earlier request's response held a secret shown once: a retry is told so, never shown it again. */
export class SecretAlreadyShownError extends ProblemError {
  constructor(detail: string, extensions: Record<string, unknown> = {}) {
    super(409, 'secret_already_shown', 'Conflict', detail, { extensions, headers: { 'Cache-Control': 'no-store' } });
  }
}

/** The change of the earlier request committed, but its response was not kept (the process stopped). */
export class IdempotentRequestCompletedError extends ProblemError {
  constructor(auditEventId: string) {
    super(
      409,
      'idempotent_request_completed',
      'Conflict',
      `A request with this Idempotency-Key was carried out (audit event ${auditEventId}), but its response was not kept; read the result instead of retrying`,
      { extensions: { auditEventId } },
    );
  }
}

export function parseIdempotencyKey(header: string): string {
  const quoted = QUOTED_KEY.exec(header);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : BARE_KEY.test(header) ? header : undefined;
  if (key === undefined) {
    throw new BadRequestError(
      'invalid_idempotency_key',
      `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters (a UUID is a good choice)`,
    );
  }
  return key;
}

export interface IdempotentRequestInput {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: unknown;
}

/**
 * Idempotency-Key for POST requests by staff and clients. A first request runs as usual and its
 * first change records the key in its own transaction; after the commit the response is kept,
 * sealed under a key derived from KEY_ENCRYPTION_KEY. A retry with the key gets that response
 * again (Idempotent-Replayed: true); if the process stopped between the commit and keeping the
 * response, a 409 naming the change's audit event; the same key with another request, a 422.
 */
export class IdempotencyService {
  private readonly sealingKey: Buffer;
  /** Keys the request fingerprint: bodies carry customer ids, and an unkeyed hash of a guessable body would confirm them. */
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly store: IdempotencyStore,
    keyEncryptionKey: Buffer,
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {
    this.sealingKey = Buffer.from(crypto.hkdfSync('sha256', keyEncryptionKey, Buffer.alloc(0), 'idempotent-responses', 32));
    this.fingerprintKey = Buffer.from(crypto.hkdfSync('sha256', keyEncryptionKey, Buffer.alloc(0), 'idempotent-request-fingerprint', 32));
  }

  /** Starts tracking a request; throws 400 for a malformed key. Only staff and clients have keys. */
  begin(actor: Actor, header: string, input: IdempotentRequestInput): IdempotentRequest {
    const key = parseIdempotencyKey(header);
    if (actor.kind !== 'staff' && actor.kind !== 'client')
      throw new BadRequestError('invalid_idempotency_key', `${IDEMPOTENCY_HEADER} is for staff and client requests`);
    const requestHash = crypto
      .createHmac('sha256', this.fingerprintKey)
      .update(canonicalize({ method: input.method, path: input.path, query: input.query, body: input.body ?? null }) ?? '')
      .digest('hex');
    const claim: IdempotencyClaim = {
      actorType: actor.kind,
      actorId: actor.kind === 'staff' ? actor.subject : actor.clientId,
      key,
      requestHash,
      method: input.method,
      path: input.path,
    };
    return new IdempotentRequest(claim, this.store);
  }

  /**
   * When the key was used before: writes the earlier response into `ctx` and answers true, or
   * throws 422 (another request) or 409 (done, response not kept). False for a new key.
   */
  async replay(ctx: Context, request: IdempotentRequest): Promise<boolean> {
    const stored = await this.store.find(request.claim);
    if (!stored) return false;
    if (stored.requestHash !== request.claim.requestHash) throw new IdempotencyKeyReusedError();
    if (stored.response === null) {
      throw new IdempotentRequestCompletedError(stored.auditEventId);
    }
    const response = JSON.parse(this.open(request.claim, stored.response)) as StoredResponse;
    ctx.status = response.status;
    for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value);
    ctx.set(REPLAYED_HEADER, 'true');
    ctx.body = response.json !== undefined ? response.json : response.text;
    ctx.type = response.type;
    return true;
  }

  /**
   * For routes whose answers depend on live state (decisions): never replays. When the key was
   * used before for the same request, makes this request a retry of that one and answers true;
   * 422 for another request under the key; false for a new key.
   */
  async followEarlier(request: IdempotentRequest): Promise<boolean> {
    const stored = await this.store.find(request.claim);
    if (!stored) return false;
    if (stored.requestHash !== request.claim.requestHash) throw new IdempotencyKeyReusedError();
    request.follow({ auditEventId: stored.auditEventId, at: new Date(stored.createdAt).toISOString() });
    return true;
  }

  /** Keeps the response of a request whose change committed; a failure here only costs the replay. */
  async complete(ctx: Context, request: IdempotentRequest): Promise<void> {
    const once = request.shownOnce;
    if (once) {
      // Kept in place of the response: what a retry will be told (nothing of the response itself).
      const refusal = new SecretAlreadyShownError(once.detail, once.extensions);
      await this.keep(request, {
        status: refusal.status,
        type: 'application/problem+json',
        headers: refusal.headers,
        json: refusal.toProblem(),
      });
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = ctx.response.get(name);
      if (value) headers[name] = value;
    }
    const body: unknown = ctx.body;
    const response: StoredResponse = {
      status: ctx.status,
      type: ctx.response.type || 'application/json',
      headers,
      ...(typeof body === 'string' ? { text: body } : Buffer.isBuffer(body) ? { text: body.toString('utf8') } : { json: body ?? null }),
    };
    await this.keep(request, response);
  }

  private async keep(request: IdempotentRequest, response: StoredResponse): Promise<void> {
    try {
      await this.store.saveResponse(request.claim, this.seal(request.claim, JSON.stringify(response)));
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'the response of an idempotent request could not be kept; a retry will get 409');
    }
  }

  /** Forgets keys older than the TTL. */
  purge(): Promise<number> {
    const now = this.clock.now();
    return this.store.purge(new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000));
  }

  private seal(claim: IdempotencyClaim, plaintext: string): string {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.sealingKey, nonce);
    cipher.setAAD(additionalData(claim));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', nonce, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  private open(claim: IdempotencyClaim, sealed: string): string {
    const [version, nonce, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !nonce || ciphertext === undefined || !tag) throw new Error('unreadable stored idempotent response');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.sealingKey, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(additionalData(claim));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

const additionalData = (claim: IdempotencyClaim) =>
  Buffer.from(`idempotent-response:${claim.actorType}:${claim.actorId}:${claim.key}`, 'utf8');
