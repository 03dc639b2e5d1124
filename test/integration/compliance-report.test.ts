import crypto from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  calculateJwkThumbprint,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose';
import { verifySignedReport } from '../../services/reports/verify';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';
import { Factories } from '../helpers/factories';

let t: TestApp;
let f: Factories;
const auth = async (sub: string) => ({ Authorization: `Bearer ${await t.staffToken(sub)}` });
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const ahead = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const INSTITUTION = '示例商业银行股份有限公司 Example Commercial Bank';
const ZONE = 'Asia/Shanghai';
/** A department name that cannot wrap at a space: the printed page must still keep it inside A4. */
const LONG_NAME = `深圳分行零售银行客户数据治理与外包机构监督管理委员会办公室${'Supercalifragilisticexpialidocious'.repeat(4)}`;

interface Check {
  code: string;
  id: string;
  requirement: string;
  status: 'pass' | 'warn' | 'fail' | 'not_applicable';
  examined: number;
  count: number;
  examples: string[];
  exampleLabels: Array<{ id: string; label: string | null }>;
}
async function issue(query: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const res = await t.http
    .get('/v1/reports/compliance')
    .query(query)
    .set(await auth('pat'))
    .set(headers);
  expect(res.status).toBe(200);
  return res;
}
async function report(query: Record<string, string> = {}): Promise<Record<string, Check>> {
  const res = await issue(query);
  return Object.fromEntries((res.body.checks as Check[]).map((c) => [c.code, c]));
}
const issuedCount = async () => Number((await t.container.db('compliance_reports').count({ n: '*' }))[0].n);
const todayInZone = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** A grant row written straight into the table: legacy or tampered data the report must catch. */
async function rawGrant(vendorId: string, assetId: string, o: Record<string, unknown>): Promise<string> {
  const id = crypto.randomUUID();
  await t.container.db('access_grants').insert({
    id,
    vendor_id: vendorId,
    asset_id: assetId,
    fields: ['name'],
    actions: ['read'],
    purpose_key: 'collections',
    valid_from: ago(1),
    valid_until: ahead(30),
    justification: 'fixture',
    sensitive: false,
    status: 'approved',
    requested_by: 'vic',
    requested_at: ago(1),
    owner_approved_by: 'olivia',
    owner_approved_at: ago(1),
    decided_by: 'olivia',
    decided_at: ago(1),
    ...o,
  });
  return id;
}

beforeAll(async () => {
  t = await createTestApp({ env: { INSTITUTION_NAME: INSTITUTION, INSTITUTION_TIME_ZONE: ZONE } });
  f = new Factories(t);
  await t.grantRole('pat', 'privacy_officer', '*');
  await t.grantRole('erin', 'auditor', '*');
});
afterAll(() => t.close());

describe('GET /v1/reports/compliance: what each check examined', () => {
  it('passes nothing on an empty bank: every check with nothing to examine is not_applicable', async () => {
    const res = await t.http
      .get('/v1/reports/compliance')
      .set(await auth('erin'))
      .expect(200);
    expect(res.body.checks.length).toBeGreaterThanOrEqual(18);
    for (const check of res.body.checks as Check[]) {
      expect(check.requirement.length).toBeGreaterThan(5);
      if (check.code === 'audit_chain') {
        // The role assignments above are audited: the chain has events to verify.
        expect(check).toMatchObject({ status: 'pass', count: 0 });
        expect(check.examined).toBeGreaterThan(0);
      } else {
        expect(check).toMatchObject({ status: 'not_applicable', examined: 0, count: 0, examples: [], exampleLabels: [] });
      }
    }
    expect(res.body.summary).toEqual({ pass: 1, warn: 0, fail: 0, not_applicable: res.body.checks.length - 1 });
  });

  it('passes a check only when it examined records and none broke the requirement', async () => {
    await f.department('RETAIL');
    await f.purpose('collections');
    await f.asset('RETAIL', [['name', 'personal']]);
    const r = await report();
    expect(r.assets_without_owner).toMatchObject({ status: 'pass', examined: 1, count: 0 });
    expect(r.assets_without_classified_fields).toMatchObject({ status: 'pass', examined: 1, count: 0 });
    // Still nothing to examine: no grant, no incident.
    expect(r.grants_without_end).toMatchObject({ status: 'not_applicable', examined: 0 });
    expect(r.incidents_without_containment).toMatchObject({ status: 'not_applicable', examined: 0 });
    for (const check of Object.values(r)) if (check.status === 'pass') expect(check.examined).toBeGreaterThan(0);
  });

  it('fails each data and vendor check on a fixture that breaks it, naming the offender with a readable name', async () => {
    await f.department('ORPHAN');
    const owned = await f.asset('RETAIL', [['name', 'personal']]);
    // An asset whose department has no data owner: the admin registered it.
    const orphanKey = 'orphan.ledger';
    await t.http
      .post('/v1/data-assets')
      .set(await auth('root-admin'))
      .send({
        key: orphanKey,
        name: 'Orphan ledger',
        owningDepartment: 'ORPHAN',
        classification: 2,
        fields: [{ name: 'amount', piCategory: 'none' }],
      })
      .expect(201);
    await t.http
      .post(`/v1/data-assets/${owned.id}/fields/name/retire`)
      .set(await auth('owner-factory'))
      .send({ reason: 'No longer collected' })
      .expect(200);
    const vendor = await f.vendor({ purposes: ['collections'] });
    const expired = await f.vendor({ purposes: ['collections'], startsAt: ago(400), endsAt: ago(5) });
    const vendorName = (
      await t.http
        .get(`/v1/vendors/${vendor}`)
        .set(await auth('vm-factory'))
        .expect(200)
    ).body.name as string;
    const expiredName = (
      await t.http
        .get(`/v1/vendors/${expired}`)
        .set(await auth('vm-factory'))
        .expect(200)
    ).body.name as string;
    const longGrant = await rawGrant(vendor, owned.id, { valid_until: ahead(500) });
    const pastContract = await rawGrant(expired, owned.id, {});
    const sensitive = await rawGrant(vendor, owned.id, { sensitive: true });
    const unused = await rawGrant(vendor, owned.id, { decided_at: ago(45), valid_from: ago(45) });
    await f.purpose('newsletter', 'consent');

    const r = await report({ lang: 'en' });
    expect(r.assets_without_owner).toMatchObject({ status: 'fail', examined: 3, count: 1, examples: [orphanKey] });
    expect(r.assets_without_owner.exampleLabels).toEqual([{ id: orphanKey, label: 'Orphan ledger · ORPHAN department (ORPHAN)' }]);
    expect(r.assets_without_classified_fields).toMatchObject({ status: 'fail', examples: [owned.key] });
    expect(r.grants_without_end).toMatchObject({ status: 'fail', examined: 4, count: 1, examples: [longGrant] });
    expect(r.grants_without_end.exampleLabels[0].label).toBe(`${vendorName} · ${owned.key} · collections`);
    expect(r.grants_past_contract.examples).toContain(pastContract);
    expect(r.vendors_expired_with_active_grants).toMatchObject({ status: 'fail', examined: 1, examples: [expired] });
    expect(r.vendors_expired_with_active_grants.exampleLabels).toEqual([{ id: expired, label: expiredName }]);
    expect(r.sensitive_grants_without_privacy_officer).toMatchObject({ status: 'fail', examined: 1, examples: [sensitive] });
    expect(r.grants_unused).toMatchObject({ status: 'warn', examples: [unused] });
    expect(r.consent_purposes_without_notice).toMatchObject({ status: 'fail', examined: 1, examples: ['newsletter'] });
    expect(r.consent_purposes_without_notice.exampleLabels[0].label).toBe('newsletter · Purpose newsletter');
    expect(r.audit_chain.status).toBe('pass');
  });

  it('examines the register records open during the period, and only those', async () => {
    const created = await t.http
      .post('/v1/incidents')
      .set(await auth('pat'))
      .send({
        title: 'Call list leak at the Shenzhen branch',
        detectedAt: ago(10),
        source: 'vendor_report',
        severity: 'low',
        description: 'Reported by the vendor',
      })
      .expect(201);
    const id = created.body.id as string;
    const current = await report({ lang: 'en' });
    expect(current.incidents_without_containment).toMatchObject({ status: 'fail', examined: 1, count: 1, examples: [id] });
    expect(current.incidents_without_containment.exampleLabels).toEqual([{ id, label: 'Call list leak at the Shenzhen branch' }]);
    // A period that ended before the incident was detected has nothing to examine.
    const day = (d: number) => ago(d).slice(0, 10);
    const before = await report({ from: day(60), to: day(20) });
    expect(before.incidents_without_containment).toMatchObject({ status: 'not_applicable', examined: 0, count: 0, examples: [] });
    expect(before.notifications_overdue).toMatchObject({ status: 'not_applicable', examined: 0 });
  });
});

describe('languages, institution, period and time', () => {
  it('is Simplified Chinese by default, English on request, with the same stable codes', async () => {
    const zh = await issue();
    expect(zh.headers['content-language']).toBe('zh-CN');
    expect(zh.headers.vary).toMatch(/Accept-Language/);
    expect(zh.body.lang).toBe('zh-CN');
    const en = await issue({ lang: 'en' });
    expect(en.headers['content-language']).toBe('en');
    const zhByCode = Object.fromEntries((zh.body.checks as Check[]).map((c) => [c.code, c.requirement]));
    const enByCode = Object.fromEntries((en.body.checks as Check[]).map((c) => [c.code, c.requirement]));
    expect(Object.keys(zhByCode)).toEqual(Object.keys(enByCode));
    expect(zhByCode.incidents_without_containment).toBe('每起泄露事件均已采取控制措施');
    expect(enByCode.incidents_without_containment).toBe('Every leak incident has been contained');
    for (const c of zh.body.checks as Check[]) {
      expect(c.requirement).toMatch(/[\u4e00-\u9fff]/);
      expect(c.id).toBe(c.code);
    }
  });

  it('takes Accept-Language when no lang is given, by weight, falling back to zh-CN', async () => {
    const cases: Array<[string, string]> = [
      ['en-GB,en;q=0.9', 'en'],
      ['fr-FR, en;q=0.5', 'en'],
      ['fr', 'zh-CN'],
      ['en;q=0, zh;q=0.1', 'zh-CN'],
      ['en;q=0.4, zh-Hans-CN;q=0.8', 'zh-CN'],
      ['*', 'zh-CN'],
      [';;;,q=2', 'zh-CN'],
    ];
    for (const [header, expected] of cases)
      expect([header, (await issue({}, { 'Accept-Language': header })).body.lang]).toEqual([header, expected]);
    // The query parameter wins over the header, and is case-insensitive.
    expect((await issue({ lang: 'EN' }, { 'Accept-Language': 'zh-CN' })).body.lang).toBe('en');
    expect((await issue({ lang: 'zh-cn' }, { 'Accept-Language': 'en' })).body.lang).toBe('zh-CN');
  });

  it('names the institution, the period (twelve months to today by default) and the time in its zone beside UTC', async () => {
    const res = await issue();
    expect(res.body.institution).toEqual({ name: INSTITUTION, timeZone: ZONE });
    expect(res.body.preparedBy).toBe('pat');
    const today = todayInZone();
    expect(res.body.period.to).toBe(today);
    const [y, m, d] = today.split('-').map(Number);
    expect(res.body.period.from).toBe(new Date(Date.UTC(y - 1, m - 1, d + 1)).toISOString().slice(0, 10));
    // Shanghai has no daylight saving: days start at 16:00 UTC the day before.
    expect(res.body.period.startsAt).toBe(new Date(`${res.body.period.from}T00:00:00+08:00`).toISOString());
    expect(res.body.period.endsBefore).toBe(new Date(new Date(`${today}T00:00:00+08:00`).getTime() + DAY).toISOString());
    const generated = new Date(res.body.generatedAt);
    const local = new Date(generated.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(res.body.generatedAtLocal).toBe(`${local} (UTC+08:00)`);

    const explicit = await issue({ from: '2026-01-01', to: '2026-03-31' });
    expect(explicit.body.period).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
      startsAt: '2025-12-31T16:00:00.000Z',
      endsBefore: '2026-03-31T16:00:00.000Z',
    });
  });

  it('refuses a bad language, date or period with a 400 problem, and issues nothing', async () => {
    const before = await issuedCount();
    const bad: Array<Record<string, string>> = [
      { lang: 'fr' },
      { lang: 'zh-TW' },
      { lang: 'zh-Hant' },
      { lang: '' },
      { lang: 'x'.repeat(40) },
      { from: '2026-02-30' },
      { from: '2026-1-1' },
      { to: 'yesterday' },
      { from: '0000-01-01' },
      { from: '2026-03-01', to: '2026-02-01' },
      { to: ahead(2).slice(0, 10) },
      { to: '2026-12-05T00:00:00Z' },
      { period: 'q3' },
    ];
    for (const query of bad) {
      for (const url of ['/v1/reports/compliance', '/v1/reports/compliance.html']) {
        const res = await t.http
          .get(url)
          .query(query)
          .set(await auth('pat'));
        expect([url, query, res.status]).toEqual([url, query, 400]);
        expectProblem(res, 400);
      }
    }
    expect(await issuedCount()).toBe(before);
  });
});

describe('the signed form', () => {
  it('signs every issue with the service key, keeps it, audits it, and the JSON is the signed payload', async () => {
    const res = await issue({ lang: 'en' });
    const id = res.body.reportId as string;
    const signed = await t.http
      .get(`/v1/reports/compliance/${id}/signed`)
      .set(await auth('erin'))
      .expect(200);
    expect(signed.body).toMatchObject({ reportId: id, preparedBy: 'pat', jwksUri: 'http://127.0.0.1/.well-known/jwks.json' });
    const jwks = (await t.http.get('/.well-known/jwks.json').expect(200)).body as { keys: JWK[] };
    const { payload, protectedHeader } = await compactVerify(signed.body.jws, createLocalJWKSet(jwks));
    expect(protectedHeader).toMatchObject({ typ: 'compliance-report+json', kid: signed.body.kid });
    expect(Buffer.from(payload).toString('utf8')).toBe(res.text);
    expect(signed.body.digest).toBe(`sha-256:${crypto.createHash('sha256').update(payload).digest('hex')}`);
    expect(await calculateJwkThumbprint(signed.body.publicJwk as JWK)).toBe(signed.body.kid);
    const [event] = await t.container.db('audit_events').where({ action: 'compliance_report.issued', object_id: id });
    expect(event).toMatchObject({ actor_id: 'pat', object_type: 'compliance_report' });
    expect(event.details).toMatchObject({ digest: signed.body.digest, kid: signed.body.kid, lang: 'en' });

    // What verify-compliance-report runs: the signature holds, and a changed payload or a foreign key does not.
    expect(await verifySignedReport(signed.body.jws, jwks)).toMatchObject({
      reportId: id,
      digest: signed.body.digest,
      kid: signed.body.kid,
    });
    expect(await verifySignedReport(signed.body.jws, { keys: [signed.body.publicJwk as JWK] })).toMatchObject({ reportId: id });
    const [header, body, signature] = (signed.body.jws as string).split('.');
    const altered = Buffer.from(Buffer.from(body, 'base64url').toString('utf8').replace('"pass":', '"pass":9')).toString('base64url');
    await expect(verifySignedReport(`${header}.${altered}.${signature}`, jwks)).rejects.toThrow();
    const stranger = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    await expect(verifySignedReport(signed.body.jws, { keys: [{ ...stranger, kid: signed.body.kid, alg: 'ES256' }] })).rejects.toThrow();
  });

  it('prints the report id and digest on the page, matching the signed form', async () => {
    const html = await t.http
      .get('/v1/reports/compliance.html')
      .query({ lang: 'en' })
      .set(await auth('pat'))
      .expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-language']).toBe('en');
    const id = /<code id="report-id">([0-9a-f-]{36})<\/code>/.exec(html.text)?.[1] as string;
    const digest = /<code id="report-digest">(sha-256:[0-9a-f]{64})<\/code>/.exec(html.text)?.[1];
    const signed = await t.http
      .get(`/v1/reports/compliance/${id}/signed`)
      .set(await auth('pat'))
      .expect(200);
    expect(signed.body.digest).toBe(digest);
    expect(decodeProtectedHeader(signed.body.jws).kid).toBe(signed.body.kid);
    expect(html.text).toContain(`/v1/reports/compliance/${id}/signed`);
    expect(html.text).toContain(signed.body.kid);
  });

  it('answers 404 for an unknown report, 400 for a malformed id, 403 without the report permission', async () => {
    expectProblem(await t.http.get(`/v1/reports/compliance/${crypto.randomUUID()}/signed`).set(await auth('pat')), 404);
    expectProblem(await t.http.get('/v1/reports/compliance/not-a-uuid/signed').set(await auth('pat')), 400);
    await t.grantRole('olivia', 'data_owner', 'RETAIL');
    const id = (await issue()).body.reportId as string;
    expectProblem(await t.http.get(`/v1/reports/compliance/${id}/signed`).set(await auth('olivia')), 403);
    expectProblem(await t.http.get(`/v1/reports/compliance/${id}/signed`), 401);
  });

  it('keeps issued reports append-only', async () => {
    const id = (await issue()).body.reportId as string;
    await expect(t.container.db('compliance_reports').where({ id }).update({ prepared_by: 'mallory' })).rejects.toThrow(/append-only/);
    await expect(t.container.db('compliance_reports').where({ id }).delete()).rejects.toThrow(/append-only/);
  });
});

describe('CSV, permissions and the audit chain', () => {
  it('is CSV on request with stable column names and texts in the report language, and closed to data owners', async () => {
    const csv = await t.http
      .get('/v1/reports/compliance')
      .set(await auth('pat'))
      .set('Accept', 'text/csv')
      .expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('code,requirement,source,scope,status,examined,count,examples,example_labels,checked_at,report_id');
    expect(lines.find((l) => l.startsWith('incidents_without_containment,'))).toContain('每起泄露事件均已采取控制措施');
    const en = await t.http
      .get('/v1/reports/compliance')
      .query({ lang: 'en' })
      .set(await auth('pat'))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(en.text).toContain('Every leak incident has been contained');
    expect(en.headers['content-language']).toBe('en');
    await t.grantRole('olivia', 'data_owner', 'RETAIL');
    expectProblem(await t.http.get('/v1/reports/compliance').set(await auth('olivia')), 403);
    expectProblem(await t.http.get('/v1/reports/compliance.html').set(await auth('olivia')), 403);
  });

  it('fails the audit chain check when a row was altered, naming the event', async () => {
    const [event] = await t.container.db('audit_events').orderBy('seq', 'asc').limit(1).select('id');
    await t.container.db.raw('alter table audit_events disable trigger user');
    await t.container.db('audit_events').where({ id: event.id }).update({ action: 'department.tampered' });
    await t.container.db.raw('alter table audit_events enable trigger user');
    expect((await report()).audit_chain).toMatchObject({ status: 'fail', count: 1, examples: [event.id] });
    const csv = await t.http
      .get('/v1/reports/compliance')
      .set(await auth('pat'))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(csv.text.split('\r\n').find((l) => l.startsWith('audit_chain,'))).toMatch(/,fail,\d+,1,/);
  });
});

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const pdftotext = ['/usr/bin/pdftotext'].find((p) => fs.existsSync(p));
/** Without a CJK font Chromium draws Chinese as empty boxes, and no PDF text can be read back. */
const cjkFont = (() => {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
})();
if (!chromium) {
  console.warn('compliance-report.test.ts: chromium is not installed (apt-get install chromium); the printed-page tests are skipped');
}

describe('the printed page (headless Chromium)', () => {
  const run = promisify(execFile);
  let dir: string;
  const browse = (args: string[]) =>
    run(
      chromium as string,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        `--user-data-dir=${dir}/profile`,
        ...args,
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
  /** Right edges beyond the page's width, measured at A4 width (210 mm at 96 dpi). */
  const OVERFLOW_PROBE = `<script>
    (function () {
      var width = document.documentElement.clientWidth, over = [];
      document.querySelectorAll('body *').forEach(function (e) { if (e.getBoundingClientRect().right > width + 0.5) over.push(e.tagName + '.' + e.className); });
      if (document.documentElement.scrollWidth > width) over.push('scrollWidth ' + document.documentElement.scrollWidth + ' > ' + width);
      document.body.setAttribute('data-overflow', JSON.stringify(over));
    })();
  </script>`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    // A department whose name cannot wrap at a space, owning an asset nobody owns: it is printed as an offender.
    await t.http
      .post('/v1/departments')
      .set(await auth('root-admin'))
      .send({ code: 'LONGNAME', name: LONG_NAME, kind: 'business' })
      .expect(201);
    await t.http
      .post('/v1/data-assets')
      .set(await auth('root-admin'))
      .send({
        key: 'longname.ledger',
        name: 'Ledger of the long-named department',
        owningDepartment: 'LONGNAME',
        classification: 2,
        fields: [{ name: 'amount', piCategory: 'none' }],
      })
      .expect(201);
  });
  afterAll(() => {
    if (dir && !process.env.KEEP_REPORT_PDF) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function page(lang: string): Promise<{ html: string; file: string }> {
    const res = await t.http
      .get('/v1/reports/compliance.html')
      .query({ lang })
      .set(await auth('pat'))
      .expect(200);
    const file = path.join(dir, `report-${lang}.html`);
    fs.writeFileSync(file, res.text);
    return { html: res.text, file };
  }

  (chromium ? it : it.skip).each([
    [
      'zh-CN',
      [
        '隐私与数据访问合规报告',
        '报告期间',
        '编制人',
        '复核人',
        '签名：',
        '日期：',
        '不适用',
        '如何核验本报告',
        '每起泄露事件均已采取控制措施',
      ],
    ],
    [
      'en',
      [
        'Privacy and data-access compliance report',
        'Period covered',
        'Prepared by',
        'Reviewed by',
        'Signature:',
        'Date:',
        'not applicable',
        'How to verify this report',
        'Every leak incident has been contained',
      ],
    ],
  ])('prints the %s page to an A4 PDF with every text present and nothing cut off', async (lang, texts) => {
    const { html, file } = await page(lang);
    const id = /<code id="report-id">([0-9a-f-]{36})<\/code>/.exec(html)?.[1] as string;
    const pdf = path.join(dir, `report-${lang}.pdf`);
    await browse(['--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${file}`]);
    expect(fs.statSync(pdf).size).toBeGreaterThan(1000);
    let text: string;
    if (pdftotext && cjkFont) {
      // -raw: the text in the order it was drawn (cell by cell), not re-flowed across the table's columns.
      text = (await run(pdftotext, ['-raw', '-enc', 'UTF-8', pdf, '-'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    } else {
      console.warn(
        'pdftotext (poppler-utils) or a CJK font (fonts-noto-cjk) is not installed: checking the rendered DOM instead of the PDF text',
      );
      text = (await browse(['--dump-dom', `file://${file}`])).stdout;
    }
    const flat = text.replace(/\s+/g, '');
    for (const expected of [...texts, INSTITUTION, id, 'pat', ZONE])
      expect([lang, expected, flat.includes(expected.replace(/\s+/g, ''))]).toEqual([lang, expected, true]);
    // The long name wraps onto several lines instead of running off the page: all of it is in the PDF.
    expect(flat).toContain(LONG_NAME);

    // Laid out at A4 width, no element reaches past the page's right edge.
    const probe = path.join(dir, `probe-${lang}.html`);
    fs.writeFileSync(probe, html.replace('</body>', `${OVERFLOW_PROBE}</body>`));
    const dom = (await browse(['--window-size=794,1123', '--dump-dom', `file://${probe}`])).stdout;
    const overflow = /data-overflow="([^"]*)"/.exec(dom)?.[1];
    expect(overflow).toBeDefined();
    expect(JSON.parse((overflow as string).replace(/&quot;/g, '"'))).toEqual([]);
    expect(dom).toContain('id="summary-chart"');
  });
});
