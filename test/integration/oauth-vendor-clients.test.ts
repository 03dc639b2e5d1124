import { decodeJwt } from 'jose';
import { OAuthError, type AuthorizationDetailsHook, type TokenActivityCheck } from '../../services/oauth';
import { createTestApp, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import {
  assertionForm,
  auditEvents,
  basic,
  clientAssertion,
  newClientKey,
  registerSecretClient,
  tokenFor,
  type KeyClient,
} from '../helpers/oauth';

// The interface the vendor-access feature uses: vendor clients, the authorization_details hook and the kill switch.

let t: TestApp;
let vendorId: string;
const system = { actor: { kind: 'system' as const, name: 'test' }, requestId: null };
const detail = { type: 'data_access', asset: 'retail.customer_profile', fields: ['name'], actions: ['read'], purpose: 'collections' };

beforeAll(async () => {
  t = await createTestApp();
  const f = new Factories(t);
  await f.purpose('collections');
  vendorId = await f.vendor({ purposes: ['collections'] });
  // These tests stand in for the vendor-access feature's policy: its checks of real grants are tested with that feature.
  useActivityCheck(async () => undefined);
});

const useHook = (hook: AuthorizationDetailsHook) => jest.spyOn(t.container.vendorTokens, 'authorizationDetails').mockImplementation(hook);
const useActivityCheck = (check: TokenActivityCheck) => jest.spyOn(t.container.vendorTokens, 'activity').mockImplementation(check);
afterAll(() => t.close());

async function vendorSecretClient() {
  const registered = await t.container.clients.register(system, {
    kind: 'vendor',
    vendorId,
    name: 'Collections agency',
    scopes: [],
    tokenEndpointAuthMethod: 'client_secret_basic',
  });
  return { clientId: registered.clientId, clientSecret: registered.clientSecret as string };
}

const askToken = (client: { clientId: string; clientSecret: string }, form: Record<string, string> = {}) =>
  t.http
    .post('/oauth/token')
    .set('Authorization', basic(client.clientId, client.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials', ...form });

describe('vendor clients and the authorization details hook', () => {
  it('registers a vendor client through ClientService.register, audited', async () => {
    const client = await vendorSecretClient();
    const got = await t.container.clients.get(client.clientId);
    expect(got).toMatchObject({ kind: 'vendor', vendorId, roles: [] });
    const events = await auditEvents(t, { action: 'client.registered', objectId: client.clientId });
    expect(events[0]).toMatchObject({ actorType: 'system', actorId: 'test' });
  });

  it('registers nothing when the caller’s transaction rolls back', async () => {
    let clientId = '';
    await expect(
      t.container.db.transaction(async (trx) => {
        clientId = (
          await t.container.clients.register(
            system,
            { kind: 'vendor', vendorId, name: 'x', scopes: [], tokenEndpointAuthMethod: 'client_secret_post' },
            trx,
          )
        ).clientId;
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await t.container.db('oauth_clients').where({ client_id: clientId }).first()).toBeUndefined();
  });

  it('hands the requested details to the hook and caps exp at its notAfter', async () => {
    const calls: Array<{ clientId: string; requested: unknown[] }> = [];
    const notAfter = new Date(Date.now() + 120_000);
    const hook: AuthorizationDetailsHook = async (client, requested) => {
      calls.push({ clientId: client.clientId, requested });
      return { authorizationDetails: requested.map((d) => ({ ...(d as object), grantId: 'g-1' })), notAfter };
    };
    useHook(hook);
    const client = await vendorSecretClient();
    const res = await askToken(client, { authorization_details: JSON.stringify([detail]) });
    expect(res.status).toBe(200);
    expect(res.body.authorization_details).toEqual([{ ...detail, grantId: 'g-1' }]);
    const claims = decodeJwt(res.body.access_token);
    expect(claims.authorization_details).toEqual([{ ...detail, grantId: 'g-1' }]);
    expect(claims.exp).toBeLessThanOrEqual(Math.floor(notAfter.getTime() / 1000));
    expect(res.body.expires_in).toBeLessThanOrEqual(120);
    expect(calls).toEqual([{ clientId: client.clientId, requested: [detail] }]);

    const actor = await t.container.clientAuth.authenticate(res.body.access_token);
    expect(actor).toMatchObject({ clientId: client.clientId, vendorId, authorizationDetails: [{ ...detail, grantId: 'g-1' }] });
    const events = await auditEvents(t, { action: 'oauth.token_issued', objectId: claims.jti as string });
    expect(events[0].details).toMatchObject({ clientKind: 'vendor', vendorId, authorizationDetails: [{ ...detail, grantId: 'g-1' }] });

    const metadata = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(metadata.body.authorization_details_types_supported).toEqual(['data_access']);
  });

  it('passes the hook’s invalid_authorization_details refusal through as RFC 6749 JSON', async () => {
    useHook(async () => {
      throw new OAuthError('invalid_authorization_details', 'No active grant covers field phone');
    });
    const res = await askToken(await vendorSecretClient(), { authorization_details: JSON.stringify([detail]) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_authorization_details', error_description: 'No active grant covers field phone' });
  });

  it('refuses when the hook answers with a notAfter already past', async () => {
    useHook(async () => ({
      authorizationDetails: [detail],
      notAfter: new Date(Date.now() - 1000),
    }));
    const res = await askToken(await vendorSecretClient(), { authorization_details: JSON.stringify([detail]) });
    expect(res.body.error).toBe('invalid_authorization_details');
  });

  it('refuses a details type the hook does not handle', async () => {
    useHook(async (_c, requested) => ({
      authorizationDetails: requested,
      notAfter: new Date(Date.now() + 60_000),
    }));
    const res = await askToken(await vendorSecretClient(), { authorization_details: JSON.stringify([{ type: 'payment_initiation' }]) });
    expect(res.body.error).toBe('invalid_authorization_details');
  });

  it('refuses details that are not an array of typed objects', async () => {
    const client = await vendorSecretClient();
    for (const bad of ['{}', '[]', '[1]', '[{"asset":"x"}]']) {
      const res = await askToken(client, { authorization_details: bad });
      expect({ bad, status: res.status, error: res.body.error }).toEqual({ bad, status: 400, error: 'invalid_authorization_details' });
    }
  });

  it('asks the hook for a vendor client that requested nothing (its token is still narrowed)', async () => {
    const seen: unknown[][] = [];
    useHook(async (_c, requested) => (seen.push(requested), { authorizationDetails: [], notAfter: new Date(Date.now() + 60_000) }));
    const res = await askToken(await vendorSecretClient());
    expect(res.status).toBe(200);
    expect(seen).toEqual([[]]);
  });
});

describe('the token activity check (vendor access plugs in here)', () => {
  it('makes a verified token inactive as soon as the check names a reason', async () => {
    useHook(async (_c, requested) => ({
      authorizationDetails: requested,
      notAfter: new Date(Date.now() + 600_000),
    }));
    const res = await askToken(await vendorSecretClient(), { authorization_details: JSON.stringify([detail]) });
    const token = res.body.access_token as string;
    await expect(t.container.clientAuth.authenticate(token)).resolves.toMatchObject({ vendorId });
    let reason: string | undefined;
    useActivityCheck(async () => reason);
    try {
      reason = 'The vendor is suspended';
      await expect(t.container.clientAuth.authenticate(token)).rejects.toMatchObject({ status: 401, message: 'The vendor is suspended' });
      reason = undefined;
      await expect(t.container.clientAuth.authenticate(token)).resolves.toMatchObject({ vendorId });
    } finally {
      useActivityCheck(async () => undefined);
    }
  });
});

describe('the kill switch: disableVendorClients', () => {
  it('disables every active client of the vendor in the caller’s transaction; their tokens stop at commit', async () => {
    useHook(async () => ({ authorizationDetails: [], notAfter: new Date(Date.now() + 600_000) }));
    const secretClient = await vendorSecretClient();
    const key = await newClientKey();
    const registered = await t.container.clients.register(system, {
      kind: 'vendor',
      vendorId,
      name: 'Agency batch system',
      scopes: [],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...key.publicJwk, kty: 'EC', use: 'sig' }] },
    });
    const keyClient: KeyClient = { clientId: registered.clientId, ...key };
    const internal = await registerSecretClient(t);
    const tokens = [await tokenFor(t, secretClient), await tokenFor(t, internal)];
    for (const token of tokens) await t.container.clientAuth.authenticate(token);

    const disabled = await t.container.changes.transaction(t.container.db, (trx) =>
      t.container.clients.disableVendorClients(trx, { actor: { kind: 'staff', subject: 'privacy-officer' }, requestId: 'r-1' }, vendorId),
    );
    expect(disabled).toEqual(expect.arrayContaining([secretClient.clientId, keyClient.clientId]));
    await expect(t.container.clientAuth.authenticate(tokens[0])).rejects.toMatchObject({ status: 401 });
    await expect(t.container.clientAuth.authenticate(tokens[1])).resolves.toMatchObject({ clientId: internal.clientId });
    expect((await askToken(secretClient)).status).toBe(401);
    expect(
      (
        await t.http
          .post('/oauth/token')
          .type('form')
          .send(assertionForm(await clientAssertion(t, keyClient)))
      ).status,
    ).toBe(401);
    const events = await auditEvents(t, { action: 'client.disabled', objectId: keyClient.clientId });
    expect(events[0]).toMatchObject({ actorType: 'staff', actorId: 'privacy-officer', requestId: 'r-1' });

    // Nothing left to disable: a second kill switch is a no-op.
    const again = await t.container.db.transaction((trx) => t.container.clients.disableVendorClients(trx, system, vendorId));
    expect(again).toEqual([]);
  });
});
