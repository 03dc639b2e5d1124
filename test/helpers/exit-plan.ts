import type { TestApp } from './app';

const DAY = 86_400_000;
const day = (from: Date, days: number) => new Date(from.getTime() + days * DAY).toISOString().slice(0, 10);

/** A retirement plan with every part: drafted by `author`, at `now` (dates relative to it). */
export const completePlanBody = (now = new Date()) => ({
  kind: 'retirement',
  reason: 'Functions moved into the main mobile bank',
  riskAssessment: { assessor: 'IT Risk Office', assessedOn: day(now, -3), result: 'acceptable', residualRisks: [] },
  privacyMeasures: ['Exports encrypted in transit and at rest', 'Erasure certified by the data owner'],
  notification: {
    channels: ['in_app', 'sms'],
    notifyOn: day(now, -2),
    content: 'The app closes; your data moves to the main app or is erased.',
  },
  steps: [{ description: 'Erase device and login records', handling: 'deleted', owner: 'Chen Jie', dueOn: day(now, 5) }],
});

/**
 * Everything an app's retirement waits for, through the API: `author` drafts a complete plan, the
 * lead department's `approver` approves it, then the step is done and the notification sent.
 */
export async function completeExitPlan(t: TestApp, appId: string, who: { author: string; approver: string }): Promise<void> {
  const as = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
  const path = `/v1/apps/${appId}/consolidation-plan`;
  const calls: Array<[string, string, Record<string, unknown>]> = [];
  const drafted = await t.http
    .post(path)
    .set(await as(who.author))
    .send(completePlanBody());
  if (drafted.status !== 201) throw new Error(`plan: ${drafted.status} ${JSON.stringify(drafted.body)}`);
  const stepId = (drafted.body as { steps: Array<{ id: string }> }).steps[0].id;
  calls.push(
    [who.approver, `${path}/approve`, {}],
    [who.author, `${path}/steps/${stepId}`, { status: 'done' }],
    [who.author, `${path}/notification-sent`, {}],
  );
  for (const [sub, url, body] of calls) {
    const req = url.includes('/steps/') ? t.http.patch(url) : t.http.post(url);
    const res = await req.set(await as(sub)).send(body);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
