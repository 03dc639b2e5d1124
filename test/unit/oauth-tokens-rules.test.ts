import { decodeJwt } from 'jose';
import type { AuditEventInput } from '../../services/audit';
import { AccessTokenVerifier, InvalidAccessToken } from '../../services/oauth/tokens/access-token-verifier';
import { RevocationList, TOKEN_REVOKED } from '../../services/oauth/tokens/revocation-list';
import { assertionKey, type AssertionClaim } from '../../services/oauth/tokens/store-type';
import { ISSUER, admin, inMemoryOAuth, protocolRequest, type InMemoryOAuth } from '../fakes/oauth';
import { problemOf, settle } from '../fakes/ports';
import { basic } from '../helpers/oauth';

// The token side's rules on in-memory stores: the issuance journal (audit events and assertion
// claims committed together through the audit log's batch commit, replays refused), revocation
// (RFC 7009: own tokens only, recorded and audited once, announced) and what the verifier then refuses.
// (On the database, concurrently and over HTTP: test/integration/oauth-token.test.ts,
// oauth-introspection-revocation.test.ts, oauth-access-tokens.test.ts.)

const issued = (n: number): AuditEventInput => ({
  actorType: 'client',
  actorId: 'c-1',
  action: 'oauth.token_issued',
  objectType: 'access_token',
  objectId: `jti-${n}`,
  requestId: `req-${n}`,
  details: {},
});

const claim = (jti: string, clientId = 'c-1'): AssertionClaim => ({ clientId, jti, expiresAt: '2030-01-01T00:00:00.000Z' });

describe('the issuance journal (in memory)', () => {
  it('commits audit events and assertion claims made together in one transaction of the audit log’s batch commit', async () => {
    const o = inMemoryOAuth();
    const [, fresh] = await Promise.all([o.journal.record([issued(1), issued(2)]), o.journal.claimAssertion(claim('a'))]);
    expect(fresh).toBe(true);
    expect(o.tx.transactions).toBe(1);
    expect(o.tokenStore.writes).toEqual(['transaction']);
    expect(o.audit.events.map((e) => e.objectId)).toEqual(['jti-1', 'jti-2']);
    expect([...o.tokenStore.assertions.keys()]).toEqual([assertionKey('c-1', 'a')]);
  });

  it('writes claims alone as one statement, outside any transaction', async () => {
    const o = inMemoryOAuth();
    expect(await o.journal.claimAssertion(claim('a'))).toBe(true);
    expect(o.tx.transactions).toBe(0);
    expect(o.tokenStore.writes).toEqual(['alone']);
    expect(o.audit.events).toEqual([]);
  });

  it('refuses a replayed assertion jti: the first of a batch wins, and any later use is a replay; another client’s jti is its own', async () => {
    const o = inMemoryOAuth();
    expect(await Promise.all([o.journal.claimAssertion(claim('a')), o.journal.claimAssertion(claim('a'))])).toEqual([true, false]);
    expect(await o.journal.claimAssertion(claim('a'))).toBe(false);
    expect(await o.journal.claimAssertion(claim('a', 'c-2'))).toBe(true);
  });

  it('fails every caller of a batch that fails; the next batch commits', async () => {
    const o = inMemoryOAuth();
    const refused = new Error('refused by the database');
    let fail: (err: Error) => void = () => undefined;
    jest.spyOn(o.tokenStore, 'claimAssertions').mockImplementationOnce(() => new Promise((_resolve, reject) => (fail = reject)));
    const first = o.journal.claimAssertion(claim('a'));
    await settle();
    const queued = o.journal.claimAssertion(claim('b'));
    fail(refused);
    await expect(first).rejects.toBe(refused);
    expect(await queued).toBe(true);
    await o.journal.drain();
  });

  it('fails the requests queued meanwhile too when the database cannot be reached (they would only wait as long again)', async () => {
    const o = inMemoryOAuth();
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let fail: (err: Error) => void = () => undefined;
    jest.spyOn(o.tokenStore, 'claimAssertions').mockImplementationOnce(() => new Promise((_resolve, reject) => (fail = reject)));
    const first = o.journal.claimAssertion(claim('a'));
    await settle();
    const queued = o.journal.record([issued(1)]);
    fail(down);
    await expect(first).rejects.toBe(down);
    await expect(queued).rejects.toBe(down);
    expect(o.audit.events).toEqual([]);
    await o.journal.drain();
  });
});

describe('revocation (in memory)', () => {
  async function world() {
    const o = inMemoryOAuth();
    await o.signingKeys.ensureKey();
    const register = async () => {
      const registered = await o.clients.register(admin, {
        kind: 'internal',
        name: 'Consent collector',
        roles: ['consent_collector'],
        scopes: ['consents:write'],
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      return { clientId: registered.clientId, secret: registered.clientSecret ?? '' };
    };
    const [collector, pep] = [await register(), await register()];
    const tokenOf = async (client: { clientId: string }) =>
      (await o.issuance.issue({ clientId: client.clientId, scopes: ['consents:write'], ttlSeconds: 600 })).token;
    const revoke = (client: { clientId: string; secret: string }, token: string) =>
      o.revocation.revoke(protocolRequest({ authorization: basic(client.clientId, client.secret) }), { token }, 'req-revoke');
    o.audit.events.length = 0;
    o.feed.published.length = 0;
    return { o, collector, pep, tokenOf, revoke };
  }

  const revocationsOf = (o: InMemoryOAuth) => o.audit.events.filter((e) => e.action === 'oauth.token_revoked');

  it('revokes a client’s own token once: recorded, audited as the client, announced, refused from then on; again changes nothing', async () => {
    const { o, collector, tokenOf, revoke } = await world();
    const token = await tokenOf(collector);
    await expect(o.accessTokens.verify(token)).resolves.toMatchObject({ client: { clientId: collector.clientId } });
    const { jti, exp } = decodeJwt(token);
    const expiresAt = new Date(Number(exp) * 1000).toISOString();

    await revoke(collector, token);
    expect(o.tokenStore.revoked.get(String(jti))).toEqual({
      jti,
      clientId: collector.clientId,
      expiresAt,
      revokedAt: o.clock.now().toISOString(),
    });
    expect(revocationsOf(o)).toEqual([
      expect.objectContaining({
        actorType: 'client',
        actorId: collector.clientId,
        objectType: 'access_token',
        objectId: jti,
        requestId: 'req-revoke',
        details: { clientId: collector.clientId, expiresAt },
      }),
    ]);
    expect(o.feed.published).toEqual([{ topic: TOKEN_REVOKED, payload: { jti, exp } }]);
    await expect(o.accessTokens.verify(token)).rejects.toThrow(new InvalidAccessToken('The access token has been revoked'));

    await revoke(collector, token);
    expect(revocationsOf(o)).toHaveLength(1);
    expect(o.feed.published).toHaveLength(1);
  });

  it('needs nothing for tokens it cannot read or that have expired', async () => {
    const { o, collector, tokenOf, revoke } = await world();
    const expired = await tokenOf(collector);
    o.clock.advance(11 * 60_000);
    for (const token of ['not-a-token', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA', expired]) await revoke(collector, token);
    expect(o.tokenStore.revoked.size).toBe(0);
    expect(revocationsOf(o)).toEqual([]);
    expect(o.feed.published).toEqual([]);
  });

  it('refuses to revoke another client’s token (400 invalid_request), which stays active', async () => {
    const { o, collector, pep, tokenOf, revoke } = await world();
    const token = await tokenOf(pep);
    expect(await problemOf(revoke(collector, token))).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(o.tokenStore.revoked.size).toBe(0);
    await expect(o.accessTokens.verify(token)).resolves.toMatchObject({ client: { clientId: pep.clientId } });
  });

  it('refuses an unauthenticated revocation (401 invalid_client), audited as such', async () => {
    const { o, collector, tokenOf } = await world();
    const token = await tokenOf(collector);
    expect(await problemOf(o.revocation.revoke(protocolRequest(), { token }, 'req-anonymous'))).toMatchObject({
      code: 'invalid_client',
      status: 401,
    });
    expect(o.tokenStore.revoked.size).toBe(0);
    expect(o.audit.events).toEqual([
      expect.objectContaining({
        action: 'oauth.client_authentication_failed',
        actorType: 'public',
        details: { endpoint: 'revocation', method: null, reason: 'no_credentials' },
      }),
    ]);
  });

  it('is read from the store while the change feed cannot be trusted, and from memory while it can', async () => {
    const { o, collector, tokenOf, revoke } = await world();
    const token = await tokenOf(collector);
    await revoke(collector, token);
    const verifier = (connected: boolean) =>
      new AccessTokenVerifier(
        o.signingKeys,
        o.directory,
        new RevocationList(o.clock),
        o.tokenStore,
        { connected },
        ISSUER,
        ISSUER,
        undefined,
        o.clock,
      );
    await expect(verifier(false).verify(token)).rejects.toThrow(new InvalidAccessToken('The access token has been revoked'));
    // Trusting the feed, a verifier that heard of no revocation reads none: no database round trip per request.
    await expect(verifier(true).verify(token)).resolves.toMatchObject({ claims: { jti: decodeJwt(token).jti } });
  });

  it('refuses every token of a client as soon as it is disabled', async () => {
    const { o, collector, tokenOf } = await world();
    const token = await tokenOf(collector);
    await o.accessTokens.verify(token);
    await o.clients.disable(admin, collector.clientId);
    await expect(o.accessTokens.verify(token)).rejects.toThrow(new InvalidAccessToken('The client of this access token is disabled'));
  });
});
