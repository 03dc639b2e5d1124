import { ValidationError } from '../shared/errors';
import { REPORT_LANGUAGES, type ReportLanguage } from './compliance-check';

export const DEFAULT_REPORT_LANGUAGE: ReportLanguage = 'zh-CN';

/** The report language a BCP 47 tag asks for (case-insensitive): en and en-*, or Simplified Chinese (zh, zh-CN, zh-SG, zh-Hans…). */
export function languageOfTag(tag: string): ReportLanguage | undefined {
  const t = tag.trim().toLowerCase();
  if (t === 'en' || t.startsWith('en-')) return 'en';
  if (t === 'zh' || t === 'zh-cn' || t === 'zh-sg' || t === 'zh-hans' || t.startsWith('zh-hans-')) return 'zh-CN';
  return undefined;
}

/** RFC 9110 §12.5.4: the supported language with the highest weight; `*` or nothing usable means the default. */
export function languageFromAcceptLanguage(header: string | undefined): ReportLanguage {
  if (!header) return DEFAULT_REPORT_LANGUAGE;
  const ranges = header
    .slice(0, 1024)
    .split(',')
    .map((part, index) => {
      const [range, ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      const weight = q === undefined ? 1 : /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i.test(q) ? Number(q.slice(2)) : -1;
      return { range, weight, index };
    })
    .filter((r) => r.range && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { range } of ranges) {
    if (range === '*') return DEFAULT_REPORT_LANGUAGE;
    const language = languageOfTag(range);
    if (language) return language;
  }
  return DEFAULT_REPORT_LANGUAGE;
}

/** `lang` in the query wins (an unsupported one is a 400); then Accept-Language; then Simplified Chinese. */
export function reportLanguage(langParam: string | undefined, acceptLanguage: string | undefined): ReportLanguage {
  if (langParam === undefined) return languageFromAcceptLanguage(acceptLanguage);
  const language = languageOfTag(langParam);
  if (!language) {
    throw new ValidationError(
      `query.lang: the report is written in ${REPORT_LANGUAGES.join(' or ')}, not ${JSON.stringify(langParam.slice(0, 40))}`,
      [{ path: 'query.lang', message: `must be one of ${REPORT_LANGUAGES.join(', ')}` }],
    );
  }
  return language;
}
