import type { BlastRadius } from '../../services/incidents/blast-radius';
import type { TestApp } from './app';

/**
 * Opens an incident a regulator reported, implicating `vendors`, as the privacy officer `officer`,
 * and reads its blast radius over the default window (90 days before detection until now).
 */
export async function blastRadiusOf(t: TestApp, vendors: readonly string[], officer = 'pat'): Promise<BlastRadius> {
  const headers = { Authorization: `Bearer ${await t.staffToken(officer)}` };
  const incident = await t.http
    .post('/v1/incidents')
    .set(headers)
    .send({
      title: 'Customer lists sold',
      detectedAt: new Date().toISOString(),
      source: 'regulator',
      severity: 'high',
      vendors,
      description: 'Lists sold to a third party',
    })
    .expect(201);
  return (await t.http.get(`/v1/incidents/${incident.body.id}/blast-radius`).set(headers).expect(200)).body as BlastRadius;
}
