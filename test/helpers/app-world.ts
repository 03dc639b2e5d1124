import type { TestApp } from './app';
import type { Factories } from './factories';

export const DAY = 86_400_000;

/** The calendar date (YYYY-MM-DD) `n` days before today (negative: after). */
export const dateDaysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

/** The people a release needs named: the business and technology owners. */
export const APP_OWNERS = { businessOwner: 'Zhao Min', technologyOwner: 'Chen Jie' } as const;

/** A compliance report check as the report lists it. */
export interface ComplianceCheck {
  readonly code: string;
  readonly status: string;
  readonly count: number;
  readonly examined?: number;
  readonly examples: Array<string | { id: string }>;
}

/** How many audit events the database holds (to show that a refused change wrote nothing). */
export async function auditCount(t: TestApp): Promise<number> {
  return Number(((await t.container.db('audit_events').count({ n: '*' })) as Array<{ n: number | string }>)[0].n);
}

/**
 * The app ledger as its tests drive it: customer apps led by DIGITAL and owned by RETAIL, registered
 * by the bank-wide app manager `amy`, moved along their lifecycle by `amy` and approved and released
 * by `ben`; the compliance report read by the bank-wide auditor `erin`. The file grants those roles.
 */
export class AppWorld {
  constructor(
    private readonly t: TestApp,
    private readonly f: Factories,
  ) {}

  async auth(sub: string): Promise<Record<string, string>> {
    return { Authorization: `Bearer ${await this.t.staffToken(sub)}` };
  }

  /** Registers an app (a unique name, the minimal body plus `fields`) as `as`; its id. */
  async newApp(fields: Record<string, unknown> = {}, as = 'amy'): Promise<string> {
    const res = await this.t.http
      .post('/v1/apps')
      .set(await this.auth(as))
      .send({
        name: this.f.unique('App '),
        kind: 'app',
        audience: 'customer',
        leadDepartment: 'DIGITAL',
        owningDepartment: 'RETAIL',
        responsiblePerson: 'Li Wei',
        ...fields,
      });
    if (res.status !== 201) throw new Error(`app: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  /** An app with its owners and filing number named, ready for release but for what a test adds. */
  filedApp(as = 'amy'): Promise<string> {
    return this.newApp({ ...APP_OWNERS, filingNumber: this.f.unique('FN-') }, as);
  }

  /**
   * An app (as `newApp`) whose business is declared within the bank's licence and reviewed by compliance
   * (Notice item 8): the release gate asks for both.
   */
  async reviewedApp(fields: Record<string, unknown> = {}, as = 'amy'): Promise<string> {
    const id = await this.newApp(fields, as);
    await this.f.businessReviewed(id);
    return id;
  }

  /**
   * A filed, business-reviewed app in testing with every security test passed: only what the test
   * adds can hold its release back.
   */
  async readyApp(): Promise<string> {
    const id = await this.filedApp();
    await this.f.businessReviewed(id);
    for (const kind of ['penetration', 'compatibility', 'privacy_review']) {
      await this.t.http
        .post(`/v1/apps/${id}/security-tests`)
        .set(await this.auth('amy'))
        .send({ kind, performedAt: dateDaysAgo(1), result: 'pass', performer: 'QA Lab', reportReference: this.f.unique('R-') })
        .expect(201);
    }
    await this.step(id, 'approved', 'ben');
    await this.step(id, 'developing', 'amy');
    await this.step(id, 'testing', 'amy');
    return id;
  }

  /** Asks for a lifecycle transition as `as`; the answer. */
  async transition(id: string, to: string, as: string, fields: Record<string, unknown> = {}) {
    return this.t.http
      .post(`/v1/apps/${id}/transitions`)
      .set(await this.auth(as))
      .send({ to, ...fields });
  }

  /** A transition that must succeed (set-up, not the subject of the test). */
  async step(id: string, to: string, as: string, fields: Record<string, unknown> = {}): Promise<void> {
    const res = await this.transition(id, to, as, fields);
    if (res.status !== 200) throw new Error(`${to}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  release(id: string, as = 'ben') {
    return this.transition(id, 'released', as);
  }

  /** One check of the compliance report, as `erin` reads it. */
  async complianceCheck(code: string, query = ''): Promise<ComplianceCheck | undefined> {
    const res = await this.t.http
      .get(`/v1/reports/compliance${query}`)
      .set(await this.auth('erin'))
      .expect(200);
    return (res.body.checks as ComplianceCheck[]).find((c) => c.code === code);
  }
}
