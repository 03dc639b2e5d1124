import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { registerSecretClient, tokenFor } from '../helpers/oauth';

let t: TestApp;
const body = { category: 'other', description: 'Please explain what you share with your partners.' };

beforeAll(async () => {
  t = await createTestApp({
    env: {
      PUBLIC_COMPLAINT_SUBMISSIONS: '3',
      PUBLIC_COMPLAINT_SUBMISSION_WINDOW_S: '600',
      PUBLIC_COMPLAINT_LOOKUPS: '4',
      PUBLIC_COMPLAINT_LOOKUP_WINDOW_S: '60',
    },
  });
});
afterAll(() => t.close());

describe('public complaint rate limits', () => {
  it('answers 429 with Retry-After once an address has used its submissions, and stores nothing more', async () => {
    const references: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await t.http.post('/v1/public/complaints').send(body);
      expect(res.status).toBe(201);
      references.push(res.body.reference);
    }
    const limited = await t.http.post('/v1/public/complaints').send(body);
    expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Counted before the body is read: a flood of large or broken bodies is limited too.
    expectProblem(await t.http.post('/v1/public/complaints').set('Content-Type', 'application/json').send('x'.repeat(20_000)), 429);
    const stored = (await t.container.db('complaints').count('* as n')) as Array<{ n: number }>;
    expect(Number(stored[0].n)).toBe(3);

    // Look-ups have their own budget.
    for (let i = 0; i < 4; i += 1) await t.http.get(`/v1/public/complaints/${references[i % 3]}`).expect(200);
    const lookupLimited = await t.http.get(`/v1/public/complaints/${references[0]}`);
    expectProblem(lookupLimited, 429, 'rate_limited');
    expect(Number(lookupLimited.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('never throttles app back ends by address: they speak for many customers', async () => {
    const collector = await registerSecretClient(t, { roles: ['consent_collector'], scopes: [] });
    const token = await tokenFor(t, collector);
    for (let i = 0; i < 5; i += 1) {
      await t.http.post('/v1/complaints').set('Authorization', `Bearer ${token}`).send(body).expect(201);
    }
  });
});
