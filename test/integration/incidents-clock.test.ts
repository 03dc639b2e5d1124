import { ManualClock } from '../../services/platform/clock';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

// "In the future" means after the service's clock, not the test machine's: the clock is set a month back.
const DAY = 86_400_000;
const clock = new ManualClock(new Date(Date.now() - 30 * DAY));
const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();
const wallNow = () => new Date().toISOString();

let t: TestApp;
let vendorId: string;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const auditCount = async () => (await t.container.audit.verify()).checked;
const send = async (path: string, body: Record<string, unknown>) =>
  t.http
    .post(`/v1/incidents${path}`)
    .set(await auth('pat'))
    .send(body);
const refused = (res: { status: number; headers: Record<string, string>; body: { code?: string; detail?: string } }, path: string) => {
  expectProblem(res, 400);
  expect(res.body.detail).toMatch(new RegExp(`^${path}: `));
};
const openIncident = (detectedAt: string) =>
  send('', {
    title: 'Call list leak',
    detectedAt,
    source: 'vendor_report',
    severity: 'high',
    vendors: [vendorId],
    description: 'Reported',
  });

beforeAll(async () => {
  t = await createTestApp({ clock });
  const f = new Factories(t);
  await f.department('RETAIL');
  await f.purpose('collections');
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('vic', 'vendor_manager', '*');
  vendorId = await f.vendor({ purposes: ['collections'], manager: 'vic' });
});
afterAll(() => t.close());

describe('incident times are judged by the service clock', () => {
  it('refuses a detection, notification or completion after its now, and writes nothing', async () => {
    const before = await auditCount();
    refused(await openIncident(wallNow()), 'body.detectedAt');
    expect(await auditCount()).toBe(before);

    const incident = await openIncident(at(-60_000));
    expect(incident.status).toBe(201);
    const id = incident.body.id as string;
    const content = {
      categories: ['phone number'],
      cause: 'Export to a personal drive',
      possibleHarm: 'Nuisance calls',
      measures: 'Vendor suspended',
      whatSubjectsCanDo: 'Ignore the calls',
      contact: 'privacy@bank.example',
    };
    const notice = (sentAt: string) =>
      send(`/${id}/notifications`, { audience: 'regulator', sentAt, channel: 'regulatory_system', content });
    const rectify = (dueAt: string) => send(`/${id}/rectifications`, { action: 'Block personal drives', owner: 'RETAIL', dueAt });

    const afterOpen = await auditCount();
    refused(await notice(wallNow()), 'body.sentAt');
    refused(await rectify(at(-60_000)), 'body.dueAt');
    expect(await auditCount()).toBe(afterOpen);

    expect((await notice(at(0))).status).toBe(201);
    // Due in a week of the service's time, though already past on the machine's.
    const item = await rectify(at(7 * DAY));
    expect(item.status).toBe(201);
    const completion = (completedAt: string) =>
      send(`/${id}/rectifications/${item.body.id}/completion`, { evidence: 'Change ticket CHG-1', completedAt });
    const beforeCompletion = await auditCount();
    refused(await completion(wallNow()), 'body.completedAt');
    expect(await auditCount()).toBe(beforeCompletion);
    clock.advance(DAY);
    expect((await completion(at(0))).body).toMatchObject({ status: 'done', completedAt: at(0) });
  });
});
