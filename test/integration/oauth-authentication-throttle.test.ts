import crypto from 'node:crypto';
import { AUTHENTICATION_FAILURE_WINDOW_SECONDS, FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS } from '../../services/oauth/settings';
import { createTestApp, type TestApp } from '../helpers/app';
import { auditEvents, basic, registerSecretClient, type SecretClient } from '../helpers/oauth';

// The attack report: every anonymous failed client authentication appended a permanent audit event
// (kept at least 36 months) and nothing answered 429 even after 60 failures. Now failures are
// throttled per address and per claimed client id, and audited as the first one at once plus one
// count per window, not one event each. Defaults: 40 failures a minute per address, 20 per client id.

const FAILED_AUTHENTICATIONS_PER_ADDRESS = 40;
const FAILED_AUTHENTICATIONS_PER_CLIENT_ID = 20;

let t: TestApp;
let victim: SecretClient;
let bystander: SecretClient;

beforeAll(async () => {
  t = await createTestApp();
  victim = await registerSecretClient(t);
  bystander = await registerSecretClient(t);
});
afterAll(() => t.close());

const token = (header: string) =>
  t.http.post('/oauth/token').set('Authorization', header).type('form').send({ grant_type: 'client_credentials' });
const flushAfterWindow = () =>
  t.container.oauth.authenticationFailures.flush(Date.now() + (AUTHENTICATION_FAILURE_WINDOW_SECONDS + 1) * 1000);

describe('failed client authentications naming one client', () => {
  it('uses the documented defaults', () => {
    expect(t.config.oauthAuthenticationFailures).toEqual({
      perAddress: FAILED_AUTHENTICATIONS_PER_ADDRESS,
      perClientId: FAILED_AUTHENTICATIONS_PER_CLIENT_ID,
    });
  });

  it('audits the first failure at once, answers 429 to failures past the limit, then writes the repeats as one count', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < FAILED_AUTHENTICATIONS_PER_CLIENT_ID + 5; i += 1) {
      const res = await token(basic(victim.clientId, `wrong-${i}`));
      statuses.push(res.status);
      if (i === 0) {
        // Visible at once, before any window ends.
        const first = await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: victim.clientId });
        expect(first).toHaveLength(1);
        expect(first[0].details).toMatchObject({ reason: 'wrong_secret', endpoint: 'token', method: 'client_secret_basic' });
      }
      if (res.status === 429) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({
          error: 'temporarily_unavailable',
          error_description: expect.stringMatching(/Too many failed client authentications/),
        });
        const retryAfter = Number(res.headers['retry-after']);
        expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= AUTHENTICATION_FAILURE_WINDOW_SECONDS).toBe(true);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
    expect(statuses).toEqual([...Array<number>(FAILED_AUTHENTICATIONS_PER_CLIENT_ID).fill(401), ...Array<number>(5).fill(429)]);
    // Naming a client does not lock it out: its own secret still works (there is nothing to guess in 256 bits).
    expect((await token(basic(victim.clientId, victim.clientSecret))).status).toBe(200);
    expect((await token(basic(victim.clientId, 'wrong-again'))).status).toBe(429);
    // Another client from the same address is not affected by the first one's limit.
    expect((await token(basic(bystander.clientId, bystander.clientSecret))).status).toBe(200);

    // One permanent event so far, not one per failure.
    expect(await auditEvents(t, { action: 'oauth.client_authentication_failed', objectId: victim.clientId })).toHaveLength(1);
    expect(await auditEvents(t, { action: 'oauth.client_authentication_failures' })).toHaveLength(0);
    await flushAfterWindow();
    const counted = await auditEvents(t, { action: 'oauth.client_authentication_failures', objectId: victim.clientId });
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({
      actorType: 'public',
      details: { reason: 'wrong_secret', count: FAILED_AUTHENTICATIONS_PER_CLIENT_ID - 1, endpoints: ['token'] },
    });
    const throttled = (await auditEvents(t, { action: 'oauth.client_authentication_failures' })).filter(
      (e) => (e.details as { reason: string }).reason === 'throttled',
    );
    expect(throttled).toHaveLength(1);
    expect(throttled[0].details).toMatchObject({ count: 6, byClientId: { [victim.clientId]: 6 } });
    expect((await auditEvents(t, { action: 'oauth.token_issued', actor: victim.clientId })).length).toBe(1);
    // No secret, and never the address, in what was written.
    expect(JSON.stringify(await auditEvents(t, { action: 'oauth.client_authentication_failures' }))).not.toMatch(/wrong-|127\.0\.0\.1/);
    expect(await t.container.audit.verify()).toMatchObject({ valid: true });
  });
});

describe('failed client authentications from one address, naming a new client id each time', () => {
  it(`audits at most ${FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS} of them one by one, answers 429 past ${FAILED_AUTHENTICATIONS_PER_ADDRESS}, and counts the rest`, async () => {
    const before = await auditEvents(t, { action: 'oauth.client_authentication_failed', limit: '200' });
    const statuses: number[] = [];
    for (let i = 0; i < FAILED_AUTHENTICATIONS_PER_ADDRESS + 10; i += 1) {
      const res = await t.http
        .post(i % 2 === 0 ? '/oauth/introspect' : '/oauth/revoke')
        .type('form')
        .send({ token: 'x', client_id: `guess-${crypto.randomUUID()}`, client_secret: 'x' });
      statuses.push(res.status);
    }
    // The address already spent some failures above (the first describe); the limit counts them too.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(FAILED_AUTHENTICATIONS_PER_ADDRESS);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    const after = await auditEvents(t, { action: 'oauth.client_authentication_failed', limit: '200' });
    expect(after.length - before.length).toBeLessThanOrEqual(FAILURES_AUDITED_ONE_BY_ONE_PER_ADDRESS);
    await flushAfterWindow();
    const counts = await auditEvents(t, { action: 'oauth.client_authentication_failures', limit: '200' });
    const total = counts.reduce((n, e) => n + ((e.details as { count: number }).count ?? 0), 0);
    // Every failure and every refusal is accounted for: one by one or in a count.
    expect(after.length - before.length + total).toBeGreaterThanOrEqual(statuses.length);
    // A client that authenticates properly from that address is refused until the window ends.
    expect((await token(basic(bystander.clientId, bystander.clientSecret))).status).toBe(429);
  });
});
