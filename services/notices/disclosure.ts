/**
 * Whether a notice tells people about a sensitive field that vendor grants release (PIPL Art. 17,
 * 29-30): a sensitive category discloses a field when its `fields` list names it (`id_number` or
 * `retail.customer_profile.id_number`), or when the category itself is the field's name written
 * as words (`id number`, `ID_Number`) or with its asset.
 */

/** What the notice says about one sensitive category, as far as disclosure is concerned. */
export interface DisclosedCategory {
  readonly category: string;
  readonly fields?: readonly string[];
}

/** A sensitive field that live grants release under a purpose. */
export interface SensitiveRelease {
  readonly assetKey: string;
  readonly field: string;
  readonly grantIds: readonly string[];
}

const words = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');

export function disclosesField(categories: readonly DisclosedCategory[], assetKey: string, field: string): boolean {
  const names = new Set([words(field), words(`${assetKey}.${field}`)]);
  return categories.some((c) => names.has(words(c.category)) || (c.fields ?? []).some((f) => names.has(words(f))));
}

/** The releases the categories do not disclose. */
export function undisclosed(categories: readonly DisclosedCategory[], releases: readonly SensitiveRelease[]): SensitiveRelease[] {
  return releases.filter((r) => !disclosesField(categories, r.assetKey, r.field));
}

export const fieldLabel = (r: { assetKey: string; field: string }): string => `${r.assetKey}.${r.field}`;
