import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_STAFF_TOKEN_LIMITS, JwtStaffAuthenticator } from '../../services/auth/staff-auth';
import { ManualClock } from '../../services/platform/clock';

// A verified staff token is taken on trust for at most a minute and never past its expiry; after
// that its signature is checked again (so a key the identity provider withdrew stops working).

const ISSUER = 'https://idp.unit.example';
const AUDIENCE = 'governance-unit';

/** The authenticator on a clock the test moves; tokens are minted at that clock's time. */
async function setUp() {
  const clock = new ManualClock('2026-11-28T12:00:00.000Z');
  const seconds = () => Math.floor(clock.now().getTime() / 1000);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  let lookups = 0;
  let withdrawn = false;
  const keys: JWTVerifyGetKey = async (header, token) => {
    lookups += 1;
    if (withdrawn) throw Object.assign(new Error('no applicable key found in the JSON Web Key Set'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    return jwks(header, token);
  };
  const sign = (sub: string, expiresInSeconds: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(seconds())
      .setExpirationTime(seconds() + expiresInSeconds)
      .sign(privateKey);
  return {
    auth: new JwtStaffAuthenticator(keys, ISSUER, AUDIENCE, DEFAULT_STAFF_TOKEN_LIMITS, clock),
    clock,
    sign,
    lookups: () => lookups,
    withdraw: () => {
      withdrawn = true;
    },
  };
}

describe('staff token verification cache', () => {
  it('checks a token once, then trusts it for a minute; after that a withdrawn key refuses it', async () => {
    const s = await setUp();
    const token = await s.sign('alice', 3600);
    expect(await s.auth.authenticate(token)).toEqual({ kind: 'staff', subject: 'alice' });
    expect(await s.auth.authenticate(token)).toEqual({ kind: 'staff', subject: 'alice' });
    expect(s.lookups()).toBe(1);
    s.withdraw();
    s.clock.advance(59_000);
    expect(await s.auth.authenticate(token)).toEqual({ kind: 'staff', subject: 'alice' });
    s.clock.advance(2_000);
    await expect(s.auth.authenticate(token)).rejects.toMatchObject({ status: 401 });
    expect(s.lookups()).toBe(2);
  });

  it('never trusts a remembered token past its exp: it is verified again (and refused beyond the 15 s tolerance)', async () => {
    const s = await setUp();
    const token = await s.sign('bob', 10);
    await s.auth.authenticate(token);
    s.clock.advance(11_000);
    await s.auth.authenticate(token); // within the tolerance: verified again, accepted
    expect(s.lookups()).toBe(2);
    s.clock.advance(20_000);
    await expect(s.auth.authenticate(token)).rejects.toMatchObject({ status: 401 });
  });

  it('does not remember a token verified past its exp (within the tolerance): each use checks it again', async () => {
    const s = await setUp();
    const token = await s.sign('erin', 10);
    s.clock.advance(12_000);
    await s.auth.authenticate(token);
    await s.auth.authenticate(token);
    expect(s.lookups()).toBe(2);
    expect(s.auth.rememberedTokens).toBe(0);
  });

  it('does not remember refusals, and a different token is checked on its own', async () => {
    const s = await setUp();
    await expect(s.auth.authenticate('not-a-jwt')).rejects.toMatchObject({ status: 401 });
    await s.auth.authenticate(await s.sign('carol', 600));
    await s.auth.authenticate(await s.sign('dave', 600));
    expect(s.lookups()).toBe(2);
  });
});
