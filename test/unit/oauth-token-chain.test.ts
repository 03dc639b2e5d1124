import type { Context } from 'koa';
import type { AuthenticatedClient } from '../../services/oauth/clients/client-authentication';
import type { ClientRecord } from '../../services/oauth/clients/store-type';
import { checkGrantType, narrowAuthorizationDetails, narrowScope, tokenEndpointChain } from '../../services/oauth/tokens/token-endpoint';
import type { AuthenticatedRequest, ScopedRequest } from '../../services/oauth/tokens/token-exchange';
import type { VendorTokenPolicy } from '../../services/oauth/tokens/vendor-token-policy';
import { ManualClock } from '../../services/platform/clock';

// The token endpoint's steps on their own: each refusal is an OAuth error with the RFC's code.

const record = (over: Partial<ClientRecord> = {}): ClientRecord => ({
  clientId: 'c-1',
  name: 'client',
  kind: 'internal',
  vendorId: null,
  roles: ['pep'],
  scopes: ['decisions', 'introspect'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  jwks: null,
  jwksUri: null,
  accessTokenTtlSeconds: 600,
  status: 'active',
  previousSecretExpiresAt: null,
  disabledAt: null,
  createdAt: '2026-11-27T00:00:00.000Z',
  updatedAt: '2026-11-27T00:00:00.000Z',
  secretHash: 'x',
  previousSecretHash: null,
  ...over,
});

const exchange = (form: Record<string, string>, client: Partial<ClientRecord> = {}): AuthenticatedRequest => ({
  ctx: {} as Context,
  form: { grant_type: 'client_credentials', ...form },
  requestId: 'r',
  client: { record: record(client), method: 'client_secret_basic' } as AuthenticatedClient,
});
const scoped = (form: Record<string, string>, client: Partial<ClientRecord> = {}): ScopedRequest => ({
  ...exchange(form, client),
  scopes: [],
});

// A bare authorization server: no vendor-access policy.
const noHook = undefined;
const clock = new ManualClock('2026-11-27T12:00:00.000Z');

describe('the token endpoint chain', () => {
  it('reads like the RFC', () => {
    const rateLimit = { points: 10, windowSeconds: 60 };
    const names = tokenEndpointChain({
      authentication: {} as never,
      issuer: {} as never,
      journal: {} as never,
      rateLimit,
      clock,
    }).steps.map((s) => s.name);
    expect(names).toEqual([
      'authenticateClient',
      'checkTokenRateLimit',
      'checkGrantType',
      'narrowScope',
      'narrowAuthorizationDetails',
      'issueAccessToken',
      'auditIssuance',
    ]);
  });

  it.each(['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer', ''])(
    'refuses grant_type %p',
    async (grant) => {
      await expect(checkGrantType(exchange({ grant_type: grant }))).rejects.toMatchObject({ error: 'unsupported_grant_type', status: 400 });
    },
  );

  it('grants every allowed scope when none is asked for, and narrows to what is asked', async () => {
    expect((await narrowScope(exchange({}))).scopes).toEqual(['decisions', 'introspect']);
    expect((await narrowScope(exchange({ scope: 'introspect  introspect' }))).scopes).toEqual(['introspect']);
  });

  it.each(['admin', 'decisions admin', 'déc', 'a"b'])('refuses scope %p (invalid_scope)', async (scope) => {
    await expect(narrowScope(exchange({ scope }))).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  it('lets an internal client without authorization_details through, without a hook', async () => {
    expect((await narrowAuthorizationDetails(noHook, clock)(scoped({}))).authorizationDetails).toBeUndefined();
  });

  it('refuses authorization_details from an internal client while no hook is set', async () => {
    const x = scoped({ authorization_details: JSON.stringify([{ type: 'data_access' }]) });
    await expect(narrowAuthorizationDetails(noHook, clock)(x)).rejects.toMatchObject({ error: 'invalid_authorization_details' });
  });

  it('refuses every vendor token request while no hook is set', async () => {
    const x = scoped({}, { kind: 'vendor', vendorId: '00000000-0000-4000-8000-000000000001', roles: [] });
    await expect(narrowAuthorizationDetails(noHook, clock)(x)).rejects.toMatchObject({
      error: 'invalid_authorization_details',
      status: 400,
    });
  });

  it('refuses access that ends by the service clock, and narrows to access that ends after it', async () => {
    const until = (notAfter: Date): VendorTokenPolicy => ({
      authorizationDetailsTypes: ['data_access'],
      authorizationDetails: async () => ({ authorizationDetails: [{ type: 'data_access' }], notAfter }),
      activity: async () => undefined,
    });
    const x = scoped({}, { kind: 'vendor', vendorId: '00000000-0000-4000-8000-000000000001', roles: [] });
    const now = clock.now().getTime();
    await expect(narrowAuthorizationDetails(until(new Date(now)), clock)(x)).rejects.toMatchObject({
      error: 'invalid_authorization_details',
      message: 'The requested access has ended',
    });
    const open = await narrowAuthorizationDetails(until(new Date(now + 1)), clock)(x);
    expect(open).toMatchObject({ authorizationDetails: [{ type: 'data_access' }], notAfter: new Date(now + 1) });
    clock.advance(1);
    await expect(narrowAuthorizationDetails(until(new Date(now + 1)), clock)(x)).rejects.toMatchObject({
      error: 'invalid_authorization_details',
    });
  });
});
