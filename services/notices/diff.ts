import canonicalize from 'canonicalize';
import type { FieldIssue } from '../shared/errors';
import { CONTENT_FIELDS, type DraftContent, type NoticeChange, type NoticeContent, type NoticeDiff, type ThirdParty } from './schemas';

type Field = keyof NoticeContent;

/**
 * What a field's value means for materiality: two values with the same key tell people the same
 * thing about purpose, categories, third parties or retention. Fields without a key are never material.
 */
const MATERIAL_KEYS: Partial<Record<Field, (value: unknown) => string[]>> = {
  purposeDescription: (v) => [normalizeText(String(v))],
  piCategories: (v) => sortedUnique((v as string[]).map(normalizeText)),
  sensitivePiCategories: (v) =>
    sortedUnique(
      (v as NoticeContent['sensitivePiCategories']).map(
        (c) => canonicalize({ category: normalizeText(c.category), fields: sortedUnique(c.fields ?? []) }) as string,
      ),
    ),
  thirdParties: (v) => sortedUnique((v as ThirdParty[]).map(thirdPartyKey)),
  retentionDays: (v) => [String(v)],
};

export const MATERIAL_FIELDS = Object.keys(MATERIAL_KEYS) as Field[];

const normalizeText = (s: string): string => s.trim().replace(/\s+/g, ' ');
const sortedUnique = (items: string[]): string[] => [...new Set(items)].sort();

/** Who receives what for which purpose: a change to any of it is a change people must agree to. */
function thirdPartyKey(p: ThirdParty): string {
  return canonicalize({
    kind: p.kind,
    name: normalizeText(p.name),
    purpose: p.purpose === undefined ? null : normalizeText(p.purpose),
    piCategories: sortedUnique((p.piCategories ?? []).map(normalizeText)),
  }) as string;
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);

/** Labels for what an array field gained or lost (categories by name, third parties by kind and name). */
function labels(field: Field, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (field === 'piCategories') return (value as string[]).map(normalizeText);
  if (field === 'sensitivePiCategories') return (value as NoticeContent['sensitivePiCategories']).map((c) => normalizeText(c.category));
  if (field === 'thirdParties') return (value as ThirdParty[]).map((p) => `${p.kind}: ${normalizeText(p.name)}`);
  return undefined;
}

function change(field: Field, before: unknown, after: unknown): NoticeChange {
  const key = MATERIAL_KEYS[field];
  const material = key !== undefined && (before == null || after == null ? before != after : !same(key(before), key(after)));
  const out: NoticeChange = { field, material, before: before ?? null, after: after ?? null };
  const was = labels(field, before ?? []);
  const now = labels(field, after ?? []);
  if (was && now) {
    out.added = now.filter((l) => !was.includes(l));
    out.removed = was.filter((l) => !now.includes(l));
  }
  return out;
}

/**
 * The changes from the previous published version of the same scope to `next`. A version is
 * material when purpose, PI categories (sensitive ones included), third parties or retention
 * changed; the first version of a scope is material by definition (nobody has agreed to anything).
 */
export function diffNotices(previous: { version: number; content: DraftContent } | null, next: DraftContent): NoticeDiff {
  if (!previous) return { againstVersion: null, material: true, changes: [] };
  const changes = CONTENT_FIELDS.filter((f) => !same(previous.content[f], next[f])).map((f) => change(f, previous.content[f], next[f]));
  return { againstVersion: previous.version, material: changes.some((c) => c.material), changes };
}

/** What a draft lacks before it may be published (PIPL Art. 17, Art. 30, and the complaint channel of the Notice). */
export function missingForPublication(content: DraftContent): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const need = (path: string, message: string) => issues.push({ path, message });
  if (content.title === undefined) need('title', 'a notice needs a title');
  if (content.body === undefined) need('body', 'a notice needs a body');
  if (content.controller === undefined) need('controller', 'name the controller and how to contact it (Art. 17 (1))');
  if (content.purposeDescription === undefined) need('purposeDescription', 'state the purpose (Art. 17 (2))');
  if (content.piCategories === undefined || content.piCategories.length + (content.sensitivePiCategories?.length ?? 0) === 0) {
    need('piCategories', 'list the categories of personal information processed (Art. 17 (2))');
  }
  if (content.retentionDays === undefined) need('retentionDays', 'state the retention period (Art. 17 (2))');
  if (content.thirdParties === undefined)
    need('thirdParties', 'list the recipients and entrusted vendors, or an empty list when there are none (Art. 21, 23)');
  const rights = content.rights ?? {};
  for (const right of ['access', 'copy', 'correct', 'delete', 'withdraw'] as const) {
    if (rights[right] === undefined)
      need(
        `rights.${right}`,
        `say how a person can ${right === 'withdraw' ? 'withdraw consent' : `${right} their information`} (Art. 17 (3))`,
      );
  }
  if (content.complaintChannel === undefined) need('complaintChannel', 'publish a complaint channel: a phone number, an email or a URL');
  if (content.language === undefined) need('language', 'state the notice’s language');
  return issues;
}
