import crypto from 'node:crypto';
import { CompactSign, compactVerify, type JWK } from 'jose';

/** The JWS `typ` of a checkpoint: nothing else this service signs can pass for one. */
export const CHECKPOINT_TYPE = 'audit-checkpoint+jws';
/** What the first checkpoint chains to. */
export const CHECKPOINT_GENESIS = '0'.repeat(64);

/** What a checkpoint vouches for: the chain ended at `seq` with `hash` when it was made. */
export interface CheckpointPayload {
  /** 1, 2, 3 … with no gaps: a missing number is a deleted checkpoint. */
  readonly number: number;
  readonly seq: number;
  readonly hash: string;
  readonly madeAt: string;
  /** SHA-256 (hex) of the previous checkpoint's JWS; CHECKPOINT_GENESIS for the first. */
  readonly prev: string;
}

export interface Checkpoint extends CheckpointPayload {
  readonly kid: string;
  /** Compact JWS (EdDSA) over the payload: what a witness keeps. */
  readonly jws: string;
}

/** Why a JWS is not a checkpoint of this service. */
export class CheckpointRejected extends Error {}

/** SHA-256 (hex) of a checkpoint's JWS: the next checkpoint's `prev`. */
export const checkpointDigest = (jws: string): string => crypto.createHash('sha256').update(jws, 'utf8').digest('hex');

// PKCS#8 prefix of an Ed25519 private key: the 32-byte seed follows it (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The Ed25519 key that signs checkpoints. It comes from configuration (AUDIT_CHECKPOINT_KEY) or,
 * in development, from DATA_DIR, never from the database: someone who can write the database
 * cannot sign a checkpoint.
 */
export class CheckpointKey {
  private constructor(
    private readonly privateKey: crypto.KeyObject,
    private readonly publicKey: crypto.KeyObject,
    readonly kid: string,
    readonly publicJwk: JWK,
  ) {}

  /** From the 32-byte Ed25519 seed. */
  static fromSeed(seed: Buffer): CheckpointKey {
    if (seed.length !== 32) throw new Error('the audit checkpoint key must be 32 bytes (an Ed25519 seed)');
    const privateKey = crypto.createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    return CheckpointKey.from(privateKey, crypto.createPublicKey(privateKey));
  }

  private static from(privateKey: crypto.KeyObject, publicKey: crypto.KeyObject): CheckpointKey {
    const exported = publicKey.export({ format: 'jwk' }) as JWK;
    // RFC 7638 thumbprint: the required members in lexicographic order, no whitespace.
    const kid = crypto
      .createHash('sha256')
      .update(JSON.stringify({ crv: exported.crv, kty: exported.kty, x: exported.x }))
      .digest('base64url');
    return new CheckpointKey(privateKey, publicKey, kid, {
      kty: exported.kty,
      crv: exported.crv,
      x: exported.x,
      kid,
      alg: 'EdDSA',
      use: 'sig',
    });
  }

  async sign(payload: CheckpointPayload): Promise<Checkpoint> {
    const body = {
      number: payload.number,
      seq: payload.seq,
      hash: payload.hash,
      madeAt: payload.madeAt,
      prev: payload.prev,
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: CHECKPOINT_TYPE })
      .sign(this.privateKey);
    return { ...body, kid: this.kid, jws };
  }

  /** The signed payload of a checkpoint JWS; CheckpointRejected when it is not one this key signed. */
  async verify(jws: string): Promise<Checkpoint> {
    let verified: Awaited<ReturnType<typeof compactVerify>>;
    try {
      verified = await compactVerify(jws, this.publicKey, {
        algorithms: ['EdDSA'],
      });
    } catch {
      throw new CheckpointRejected('its signature does not verify with the checkpoint key');
    }
    if (verified.protectedHeader.typ !== CHECKPOINT_TYPE || verified.protectedHeader.kid !== this.kid) {
      throw new CheckpointRejected(`it is not a checkpoint (typ ${CHECKPOINT_TYPE}, kid ${this.kid})`);
    }
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
    } catch {
      throw new CheckpointRejected('its payload is not JSON');
    }
    const wellFormed =
      Number.isSafeInteger(p.number) &&
      (p.number as number) > 0 &&
      Number.isSafeInteger(p.seq) &&
      (p.seq as number) > 0 &&
      typeof p.hash === 'string' &&
      HEX64.test(p.hash) &&
      typeof p.prev === 'string' &&
      HEX64.test(p.prev) &&
      typeof p.madeAt === 'string' &&
      !Number.isNaN(Date.parse(p.madeAt));
    if (!wellFormed) throw new CheckpointRejected('its payload is not a checkpoint payload');
    return {
      number: p.number as number,
      seq: p.seq as number,
      hash: p.hash as string,
      madeAt: p.madeAt as string,
      prev: p.prev as string,
      kid: this.kid,
      jws,
    };
  }
}
