import type { TestApp } from './app';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A passed security assessment dated 30 days ago: current for grant approval. */
export const recentPassedAssessment = () => ({
  assessedAt: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
  result: 'pass' as const,
});

/** Ready-made pieces of a bank, created through the API as the right people. */
export class Factories {
  private counter = 0;
  constructor(private readonly t: TestApp) {}

  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}${Math.random().toString(36).slice(2, 6)}`;
  }

  async token(sub: string): Promise<Record<string, string>> {
    return bearer(await this.t.staffToken(sub));
  }

  async department(code: string, kind = 'business'): Promise<void> {
    const res = await this.t.http
      .post('/v1/departments')
      .set(await this.token('root-admin'))
      .send({ code, name: `${code} department`, kind });
    if (res.status !== 201 && res.status !== 409) throw new Error(`department ${code}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async purpose(key: string, legalBasis = 'contract', officer = 'po-factory'): Promise<void> {
    await this.t.grantRole(officer, 'privacy_officer', '*');
    const res = await this.t.http
      .post('/v1/purposes')
      .set(await this.token(officer))
      .send({ key, description: `Purpose ${key}`, legalBasis, retentionDays: 365 });
    if (res.status !== 201 && res.status !== 409) throw new Error(`purpose ${key}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /**
   * A vendor under contract. Grant approval needs a passed security assessment from the last 12
   * months, so by default it has one from 30 days ago; `assessment: null` registers none.
   */
  async vendor(options: {
    purposes: string[];
    startsAt?: string;
    endsAt?: string;
    manager?: string;
    assessment?: { assessedAt: string; result: 'pass' | 'conditional' | 'fail' } | null;
  }): Promise<string> {
    const manager = options.manager ?? 'vm-factory';
    await this.t.grantRole(manager, 'vendor_manager', '*');
    const res = await this.t.http
      .post('/v1/vendors')
      .set(await this.token(manager))
      .send({
        name: this.unique('Vendor '),
        contacts: [{ name: 'Account manager', email: 'am@vendor.example' }],
        contract: {
          reference: this.unique('C-'),
          startsAt: options.startsAt ?? new Date(Date.now() - 86_400_000).toISOString(),
          endsAt: options.endsAt ?? new Date(Date.now() + 400 * 86_400_000).toISOString(),
          purposes: options.purposes,
        },
        ...(options.assessment === null ? {} : { securityAssessment: options.assessment ?? recentPassedAssessment() }),
      });
    if (res.status !== 201) throw new Error(`vendor: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  /**
   * An active access grant: requested by the vendor manager `requester` for `days` days and approved
   * by `approver` (a data owner of the asset's department); its id.
   */
  async activeGrant(o: {
    vendor: string;
    asset: string;
    fields: string[];
    purpose: string;
    requester: string;
    approver: string;
    days?: number;
  }): Promise<string> {
    const requested = await this.t.http
      .post('/v1/access-grants')
      .set(await this.token(o.requester))
      .send({
        vendor: o.vendor,
        asset: o.asset,
        fields: o.fields,
        actions: ['read'],
        purpose: o.purpose,
        validUntil: new Date(Date.now() + (o.days ?? 30) * 86_400_000).toISOString(),
        justification: 'Collections calls',
      });
    if (requested.status !== 201) throw new Error(`grant request: ${requested.status} ${JSON.stringify(requested.body)}`);
    const approved = await this.t.http
      .post(`/v1/access-grants/${requested.body.id}/approve`)
      .set(await this.token(o.approver))
      .send({});
    if (approved.status !== 200 || approved.body.status !== 'active')
      throw new Error(`grant approval: ${approved.status} ${JSON.stringify(approved.body)}`);
    return requested.body.id as string;
  }

  async asset(
    department: string,
    fields: Array<[string, 'none' | 'personal' | 'sensitive']>,
    owner = 'owner-factory',
  ): Promise<{ id: string; key: string }> {
    await this.t.grantRole(owner, 'data_owner', department);
    const key = `${department.toLowerCase()}.${this.unique('set')}`;
    const res = await this.t.http
      .post('/v1/data-assets')
      .set(await this.token(owner))
      .send({
        key,
        name: `Asset ${key}`,
        owningDepartment: department,
        classification: 3,
        fields: fields.map(([name, piCategory]) => ({ name, piCategory })),
      });
    if (res.status !== 201) throw new Error(`asset: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id as string, key };
  }

  /**
   * What the release gate asks of an app's business (Notice item 8): a licensed scope (set once), the
   * app's declared business within it, and a passed compliance review today by someone who did not declare it.
   */
  async businessReviewed(appId: string): Promise<void> {
    await this.t.grantRole('co-factory', 'compliance_officer', '*');
    await this.t.grantRole('am-factory', 'app_manager', '*');
    const put = async (path: string, who: string, body: Record<string, unknown>) => {
      const res = await this.t.http
        .put(path)
        .set(await this.token(who))
        .send(body);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const read = async () =>
      (await this.t.http.get('/v1/app-management/licensed-scope').set(await this.token('co-factory'))).body as {
        businessLines: Array<{ code: string }>;
        regions: string[];
      };
    let scope = await read();
    if (scope.regions.length === 0) {
      await put('/v1/app-management/licensed-scope', 'co-factory', {
        licenceReference: 'B0001H000000001',
        businessLines: [{ code: 'retail_banking', name: 'Retail banking' }],
        regions: ['CN'],
      });
      scope = await read();
    }
    // Declared within whatever scope is set: its first business line, in its first region.
    await put(`/v1/apps/${appId}/business-profile`, 'am-factory', {
      businessLines: [scope.businessLines[0].code],
      regions: [scope.regions[0] === 'CN' ? 'CN-BJ' : scope.regions[0]],
      partners: [],
      productSales: [],
    });
    const res = await this.t.http
      .post(`/v1/apps/${appId}/compliance-reviews`)
      .set(await this.token('co-factory'))
      .send({ reviewedOn: new Date().toISOString().slice(0, 10), outcome: 'passed', summary: 'Within the licensed scope', findings: [] });
    if (res.status !== 201) throw new Error(`compliance review: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
