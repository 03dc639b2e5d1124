import { decodeJwt } from 'jose';
import { CHECKS_PER_TURN, MAX_DATA_ACCESS_COMBINATIONS, MAX_DATA_ACCESS_LOCATIONS } from '../../services/decisions/token-details';
import { createTestApp, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';
import { basic, registerSecretClient, tokenFor } from '../helpers/oauth';

// The attack report's CPU amplification through authorization_details: ~31 KB of repeated details
// made one token request run ~52,000 policy checks (0.3-1.4 s of blocked event loop) and each
// introspection of the resulting token ~16,000 more. Now: repeats are dropped, distinct
// combinations are bounded (400 beyond), each is checked once with the event loop getting turns,
// and a token's coverage is remembered by jti, so introspection costs the same for any token.
// These tests count checks and turns of the event loop; how long the loop is held, and how fast
// /healthz answers meanwhile, are measured by `npm run bench -- oauth-timing` (docs/benchmarks.md).

let t: TestApp;
let f: Factories;
let vendorId: string;
let asset: { id: string; key: string };
let other: { id: string; key: string };
let client: { clientId: string; clientSecret: string };
let pep: string;
const FIELDS = Array.from({ length: 160 }, (_, i) => `field_${i}`);
const ACTIONS = ['read', 'write', 'export'];
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });

const ask = (details: unknown, who = client) =>
  t.http
    .post('/oauth/token')
    .set('Authorization', basic(who.clientId, who.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials', authorization_details: typeof details === 'string' ? details : JSON.stringify(details) });
const introspect = (token: string) => t.http.post('/oauth/introspect').set('Authorization', `Bearer ${pep}`).type('form').send({ token });
const detail = (over: Record<string, unknown> = {}) => ({
  type: 'data_access',
  locations: [asset.key],
  actions: ACTIONS,
  datatypes: FIELDS,
  purpose: 'collections',
  ...over,
});

/**
 * Runs `work` and counts the policy checks it makes, and how many of them ran in one turn of the
 * event loop at most: a setImmediate callback, scheduled before the work starts and again on each
 * run until the work is done, notes the count once per turn (each turn runs every immediate queued
 * before it once, the work's own and this one alike). Work that ran its checks in one synchronous
 * go would show all of them in one turn.
 */
async function checksPerTurn(work: () => Promise<unknown>): Promise<{ checks: number; mostInOneTurn: number }> {
  const check = jest.spyOn(t.container.accessEngine, 'check');
  const atTurn: number[] = [];
  let working = true;
  const turn = () => {
    atTurn.push(check.mock.calls.length);
    if (working) setImmediate(turn);
  };
  setImmediate(turn);
  try {
    await work();
  } finally {
    working = false;
  }
  const checks = check.mock.calls.length;
  check.mockRestore();
  const counts = [0, ...atTurn, checks];
  return { checks, mostInOneTurn: Math.max(...counts.slice(1).map((n, i) => n - counts[i])) };
}

beforeAll(async () => {
  t = await createTestApp({ env: { OAUTH_TOKEN_RATE_LIMIT: '1000' } });
  f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await t.grantRole('vic', 'vendor_manager', '*');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
  asset = await f.asset(
    'RETAIL',
    FIELDS.map((name) => [name, 'none']),
    'olivia',
  );
  other = await f.asset('RETAIL', [['name', 'none']], 'olivia');
  const grant = await t.http
    .post('/v1/access-grants')
    .set(await auth('vic'))
    .send({
      vendor: vendorId,
      asset: asset.key,
      fields: FIELDS,
      actions: ACTIONS,
      purpose: 'collections',
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      justification: 'Every field, every action: the largest token a grant allows',
    });
  expect(grant.status).toBe(201);
  await t.http
    .post(`/v1/access-grants/${grant.body.id}/approve`)
    .set(await auth('olivia'))
    .send({})
    .expect(200);
  const registered = await t.http
    .post(`/v1/vendors/${vendorId}/clients`)
    .set(await auth('vic'))
    .send({ name: 'Bulk reader', scopes: [], tokenEndpointAuthMethod: 'client_secret_basic' });
  expect(registered.status).toBe(201);
  client = { clientId: registered.body.clientId, clientSecret: registered.body.clientSecret };
  pep = await tokenFor(t, await registerSecretClient(t, { roles: ['pep'] }));
}, 120_000);
afterAll(() => t.close());

describe('authorization_details: what one request may cost', () => {
  it('refuses the attack body itself (31 KB of one detail, repeated): authorization_details are at most 16,000 characters', async () => {
    const repeated = JSON.stringify(Array.from({ length: 20 }, () => detail()));
    expect(repeated.length).toBeGreaterThan(30_000);
    const check = jest.spyOn(t.container.accessEngine, 'check');
    try {
      const res = await ask(repeated);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(check).not.toHaveBeenCalled();
    } finally {
      check.mockRestore();
    }
  });

  it('drops repeats: repeated details, locations and fields are one detail, each combination checked once', async () => {
    const repeated = Array.from({ length: 6 }, () =>
      detail({ locations: [asset.key, asset.key, asset.key], datatypes: [...FIELDS, ...FIELDS.slice(0, 10)] }),
    );
    const body = JSON.stringify(repeated);
    expect(body.length).toBeGreaterThan(12_000);
    const check = jest.spyOn(t.container.accessEngine, 'check');
    try {
      const res = await ask(body);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token).authorization_details).toEqual([detail()]);
      expect(res.body.authorization_details).toEqual([detail()]);
      expect(check).toHaveBeenCalledTimes(FIELDS.length * ACTIONS.length);
    } finally {
      check.mockRestore();
    }
  });

  it(`refuses more than ${MAX_DATA_ACCESS_COMBINATIONS} distinct combinations with 400, before checking any`, async () => {
    const check = jest.spyOn(t.container.accessEngine, 'check');
    try {
      // 160 fields × 3 actions = 480, plus 21 on another asset: 501 in two details.
      const res = await ask([detail(), detail({ locations: [other.key], datatypes: FIELDS.slice(0, 7) })]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_authorization_details',
        error_description: expect.stringContaining(String(MAX_DATA_ACCESS_COMBINATIONS)),
      });
      // One detail alone past the bound, and the same combinations spread over several purposes.
      expect((await ask([detail({ locations: [asset.key, other.key] })])).status).toBe(400);
      const purposes = ['collections', 'marketing', 'fraud_review', 'servicing'].map((purpose) =>
        detail({ purpose, datatypes: FIELDS.slice(0, 50) }),
      );
      expect((await ask(purposes)).status).toBe(400);
      expect(check).not.toHaveBeenCalled();
    } finally {
      check.mockRestore();
    }
  });

  it(`refuses more than ${MAX_DATA_ACCESS_LOCATIONS} distinct assets (each one is a look-up)`, async () => {
    const locations = Array.from({ length: MAX_DATA_ACCESS_LOCATIONS + 1 }, (_, i) => `retail.nothing_${i}`);
    const res = await ask([
      detail({ locations: locations.slice(0, 20), datatypes: ['name'], actions: ['read'] }),
      detail({ locations: locations.slice(20), datatypes: ['name'], actions: ['read'] }),
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/at most 20 distinct data assets/);
  });

  it('refuses details nested deeper than a detail can be, and more than 50 of them', async () => {
    expect((await ask([{ ...detail(), purpose: { deeper: [[['x']]] } }])).body.error).toBe('invalid_authorization_details');
    expect((await ask(Array.from({ length: 51 }, () => detail({ datatypes: ['field_1'] })))).body.error).toBe(
      'invalid_authorization_details',
    );
  });

  // On the service's own work (the hook that narrows a token, the verification that introspection
  // runs), not through HTTP, so that nothing else checks while it is counted.
  it(`checks each combination once, at most ${CHECKS_PER_TURN} between turns of the event loop: the largest allowed token, 4 at once, and 20 verifications of it`, async () => {
    const hook = t.container.vendorTokens.authorizationDetails;
    const vendorClient = await t.container.clients.get(client.clientId);
    const token = (await ask([detail()])).body.access_token as string;
    const combinations = FIELDS.length * ACTIONS.length;
    const narrowing = await checksPerTurn(async () => {
      const decided = await Promise.all(Array.from({ length: 4 }, () => hook(vendorClient, [detail()])));
      expect(decided.map((d) => d.authorizationDetails)).toEqual(Array.from({ length: 4 }, () => [detail()]));
    });
    expect(narrowing.checks).toBe(4 * combinations);
    // Each of the 4 runs one batch of checks per turn: 4 × 16 = 64 at most, where one synchronous go would show 480 or more.
    expect(narrowing.mostInOneTurn).toBeLessThanOrEqual(4 * CHECKS_PER_TURN);
    // The first verification after a change checks the token again; the next 19 remember it.
    await t.container.accessEngine.reloadVendor(vendorId);
    const verifying = await checksPerTurn(async () => {
      for (let i = 0; i < 20; i += 1) await t.container.oauth.accessTokens.verify(token);
    });
    expect(verifying.checks).toBe(combinations);
    expect(verifying.mostInOneTurn).toBeLessThanOrEqual(CHECKS_PER_TURN);
  });

  it('answers /healthz while 8 large token requests in parallel are still being checked', async () => {
    const engine = t.container.accessEngine;
    const total = 8 * FIELDS.length * ACTIONS.length;
    // The asset is answered from memory (as the engine's cache does), so a request's checks wait on nothing but the event loop's turns.
    const snapshot = await engine.asset(asset.key);
    let lookups = 0;
    let lastStarted!: () => void;
    const allChecking = new Promise<void>((resolve) => (lastStarted = resolve));
    const lookup = jest.spyOn(engine, 'asset').mockImplementation(async () => {
      lookups += 1;
      if (lookups === 8) lastStarted();
      return snapshot;
    });
    const check = jest.spyOn(engine, 'check');
    try {
      const requests = Promise.all(Array.from({ length: 8 }, () => ask([detail()])));
      // The last of the 8 has looked up its asset: all of its checks are still to come.
      await allChecking;
      const health = await t.http.get('/healthz');
      const checkedWhenAnswered = check.mock.calls.length;
      expect(health.status).toBe(200);
      expect((await requests).every((r) => r.status === 200)).toBe(true);
      expect(check).toHaveBeenCalledTimes(total);
      // Had the requests held the event loop through their checks, /healthz would have waited for all of them.
      expect(checkedWhenAnswered).toBeLessThan(total);
    } finally {
      lookup.mockRestore();
      check.mockRestore();
    }
  });

  it('introspects a large token without re-checking it, until something about its vendor changes', async () => {
    const token = (await ask([detail()])).body.access_token as string;
    expect((await introspect(token)).body.active).toBe(true);
    const check = jest.spyOn(t.container.accessEngine, 'check');
    try {
      for (let i = 0; i < 5; i += 1) expect((await introspect(token)).body.active).toBe(true);
      expect(check).not.toHaveBeenCalled();
      // Anything that changes the vendor's answers (here a reload of its lines) makes the next verification check again, once.
      await t.container.accessEngine.reloadVendor(vendorId);
      expect((await introspect(token)).body.active).toBe(true);
      expect((await introspect(token)).body.active).toBe(true);
      expect(check).toHaveBeenCalledTimes(FIELDS.length * ACTIONS.length);
    } finally {
      check.mockRestore();
    }
  });

  it('keeps every token it issues under the size its verifier accepts', async () => {
    const token = (await ask([detail()])).body.access_token as string;
    expect(token.length).toBeLessThan(16_000);
  });
});

describe('authorization_details: no enumeration, nothing unstorable', () => {
  it('answers an asset that does not exist exactly like one the vendor holds no grant on', async () => {
    const missing = await ask([detail({ locations: ['retail.no_such_asset'], datatypes: ['name'], actions: ['read'] })]);
    const notGranted = await ask([detail({ locations: [other.key], datatypes: ['name'], actions: ['read'] })]);
    expect(missing.status).toBe(400);
    expect(notGranted.status).toBe(400);
    const scrub = (s: string, key: string) => s.replace(key, 'ASSET');
    expect(scrub(missing.body.error_description, 'retail.no_such_asset')).toBe(scrub(notGranted.body.error_description, other.key));
    expect(missing.body.error_description).not.toMatch(/unknown/i);
  });

  it('answers a field that does not exist exactly like one not granted', async () => {
    const missing = await ask([detail({ datatypes: ['shoe_size'], actions: ['read'] })]);
    const notGranted = await ask([detail({ locations: [other.key], datatypes: ['name'], actions: ['read'] })]);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe(notGranted.body.error);
  });

  it.each([
    ['a NUL in a location', '["retail.a\\u0000b"]'],
    ['an unpaired surrogate in a location', '["retail.\\ud800"]'],
    ['a byte order mark at the start of a location', '["\\ufeffretail.x"]'],
  ])('refuses %s with invalid_authorization_details (never a 500)', async (_label, locations) => {
    const before = t.logLines.length;
    const raw = `[{"type":"data_access","locations":${locations},"actions":["read"],"datatypes":["name"],"purpose":"collections"}]`;
    const res = await ask(raw);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_authorization_details');
    expect(t.logLines.slice(before).join('\n')).not.toMatch(/"level":50/);
  });

  it('refuses a NUL in a key of a detail', async () => {
    const res = await ask('[{"type":"data_access","a\\u0000":1}]');
    expect(res.status).toBe(400);
  });
});
