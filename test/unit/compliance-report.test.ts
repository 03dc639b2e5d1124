import type { AuditLog } from '../../services/audit';
import { ConfigError, loadConfig } from '../../services/config';
import { ComplianceChecker, complianceChecks, type ComplianceSources } from '../../services/reports/compliance';
import { REPORT_LANGUAGES, checkStatus, type ComplianceCheckDefinition, type Finding } from '../../services/reports/compliance-check';
import type { ComplianceStore } from '../../services/reports/compliance-store';
import { languageFromAcceptLanguage, reportLanguage } from '../../services/reports/report-language';
import { localDate, localDateTime, resolvePeriod } from '../../services/reports/report-time';

const finding = (examined: number, count: number): Finding => ({ examined, count, examples: count > 0 ? ['x'] : [] });

describe('checkStatus', () => {
  it.each([
    [0, 0, 'fail', 'not_applicable'],
    [0, 0, 'warn', 'not_applicable'],
    [3, 0, 'fail', 'pass'],
    [3, 1, 'fail', 'fail'],
    [3, 1, 'warn', 'warn'],
    // Inconsistent (an offender counted outside what was examined): the offender still shows.
    [0, 2, 'fail', 'fail'],
  ] as const)('examined %i, offending %i, severity %s → %s', (examined, count, severity, expected) => {
    expect(checkStatus(finding(examined, count), severity)).toBe(expected);
  });
});

describe('ComplianceChecker', () => {
  const window = { now: new Date('2026-12-05T00:00:00Z'), from: new Date('2025-12-05T16:00:00Z'), to: new Date('2026-12-05T16:00:00Z') };
  const definition = (code: string, result: Finding): ComplianceCheckDefinition => ({
    code,
    severity: 'fail',
    scope: 'current',
    examines: 'vendor',
    text: { en: { requirement: code, source: 's' }, 'zh-CN': { requirement: code, source: 's' } },
    run: () => Promise.resolve(result),
  });

  it('derives every status from the finding and never reports fewer examined than offending', async () => {
    const outcomes = await new ComplianceChecker([
      definition('none', finding(0, 0)),
      definition('clean', finding(2, 0)),
      definition('race', finding(1, 3)),
    ]).run(window);
    expect(outcomes.map((o) => [o.definition.code, o.status, o.examined, o.count])).toEqual([
      ['none', 'not_applicable', 0, 0],
      ['clean', 'pass', 2, 0],
      ['race', 'fail', 3, 3],
    ]);
  });

  it('every registered check has a unique stable code and its texts in every report language', () => {
    const never = () => Promise.reject(new Error('not run'));
    const store = new Proxy({}, { get: () => never }) as unknown as ComplianceStore;
    const sources = new Proxy({}, { get: () => never }) as unknown as ComplianceSources;
    const checks = complianceChecks(store, sources, { verify: never } as unknown as AuditLog);
    const codes = checks.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of checks) {
      expect(c.code).toMatch(/^[a-z][a-z0-9_]*$/);
      for (const lang of REPORT_LANGUAGES) {
        expect(c.text[lang].requirement.length).toBeGreaterThan(3);
        expect(c.text[lang].source.length).toBeGreaterThan(3);
      }
      expect(c.text['zh-CN'].requirement).toMatch(/[\u4e00-\u9fff]/);
      expect(c.text.en.requirement).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('report language', () => {
  it.each([
    [undefined, 'zh-CN'],
    ['', 'zh-CN'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['de, en-GB;q=0.3', 'en'],
    ['zh-TW, en;q=0.5', 'en'],
    ['ja', 'zh-CN'],
    ['en;q=0', 'zh-CN'],
    ['en;q=1.5', 'zh-CN'],
    ['en;q=abc, zh-SG;q=0.2', 'zh-CN'],
    ['*;q=0.9, en;q=0.1', 'zh-CN'],
    ['ZH-hans-cn', 'zh-CN'],
  ])('Accept-Language %j → %s', (header, expected) => {
    expect(languageFromAcceptLanguage(header)).toBe(expected);
  });

  it('takes lang over the header and refuses a language the report is not written in', () => {
    expect(reportLanguage('en', 'zh-CN')).toBe('en');
    expect(reportLanguage('zh', 'en')).toBe('zh-CN');
    for (const bad of ['fr', 'zh-TW', 'zh-Hant', 'english', '', 'e n']) {
      expect(() => reportLanguage(bad, undefined)).toThrow(
        expect.objectContaining({ status: 400, message: expect.stringMatching(/^query\.lang:/) }),
      );
    }
  });
});

describe('report period and time', () => {
  const now = new Date('2026-12-05T17:30:00Z'); // 01:30 on 6 December in Shanghai

  it('defaults to the twelve months ending today in the institution’s zone', () => {
    expect(resolvePeriod({}, now, 'Asia/Shanghai')).toEqual({
      from: '2025-12-07',
      to: '2026-12-06',
      startsAt: new Date('2025-12-06T16:00:00Z'),
      endsBefore: new Date('2026-12-06T16:00:00Z'),
    });
    expect(resolvePeriod({}, now, 'UTC')).toMatchObject({ from: '2025-12-06', to: '2026-12-05' });
    expect(resolvePeriod({ to: '2024-02-29' }, now, 'UTC')).toMatchObject({ from: '2023-03-01', to: '2024-02-29' });
    expect(resolvePeriod({ to: '2000-06-30' }, now, 'UTC')).toMatchObject({ from: '2000-01-01' });
  });

  it('starts and ends days at local midnight across a daylight-saving change', () => {
    // New York: EST (UTC-5) until 8 March 2026, EDT (UTC-4) after.
    expect(resolvePeriod({ from: '2026-03-01', to: '2026-03-31' }, now, 'America/New_York')).toMatchObject({
      startsAt: new Date('2026-03-01T05:00:00Z'),
      endsBefore: new Date('2026-04-01T04:00:00Z'),
    });
    expect(localDateTime(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe('2026-07-01 08:00:00 (UTC-04:00)');
    expect(localDateTime(new Date('2026-12-05T17:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-06 01:30:00 (UTC+08:00)');
    expect(localDateTime(new Date('2026-12-05T17:30:00Z'), 'Asia/Kolkata')).toBe('2026-12-05 23:00:00 (UTC+05:30)');
    expect(localDate(now, 'Asia/Shanghai')).toBe('2026-12-06');
  });

  it.each([
    [{ from: '2026-02-30' }, 'query.from'],
    [{ to: '2026-13-01' }, 'query.to'],
    [{ from: '26-01-01' }, 'query.from'],
    [{ from: '1999-12-31' }, 'query.from'],
    [{ from: '0000-01-01' }, 'query.from'],
    [{ to: '2026-12-07' }, 'query.to'],
    [{ from: '2026-06-02', to: '2026-06-01' }, 'query.from'],
    [{ from: '２０２６-01-01' }, 'query.from'],
  ])('refuses %j naming %s', (query, path) => {
    expect(() => resolvePeriod(query, now, 'Asia/Shanghai')).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringContaining(`${path}:`) }),
    );
  });
});

describe('institution configuration', () => {
  const base = { DATA_DIR: '/tmp/unused' };

  it('defaults the zone to Asia/Shanghai and reads the name', () => {
    expect(loadConfig(base).institution).toEqual({ name: undefined, timeZone: 'Asia/Shanghai' });
    expect(loadConfig({ ...base, INSTITUTION_NAME: ' 示例银行 ', INSTITUTION_TIME_ZONE: 'Europe/London' }).institution).toEqual({
      name: '示例银行',
      timeZone: 'Europe/London',
    });
  });

  it('refuses at start-up a zone Intl does not know, or an overlong name', () => {
    expect(() => loadConfig({ ...base, INSTITUTION_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, INSTITUTION_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(/INSTITUTION_TIME_ZONE/);
    expect(() => loadConfig({ ...base, INSTITUTION_NAME: 'x'.repeat(201) })).toThrow(/INSTITUTION_NAME/);
  });
});
