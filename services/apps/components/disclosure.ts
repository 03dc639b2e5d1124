/**
 * Whether a published notice tells people about a third-party component that collects personal
 * information: one of its third parties is named as the component or its provider (case, spaces,
 * `_` and `-` aside: `Chat Widget` names `ChatWidget`) and lists every category the component collects.
 */

export interface NoticeThirdParty {
  readonly name: string;
  readonly piCategories?: readonly string[];
}

export interface ComponentCollection {
  readonly name: string;
  readonly provider: string;
  readonly piCategories: readonly string[];
}

const squeezed = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

export function disclosesComponent(thirdParties: readonly NoticeThirdParty[], sdk: ComponentCollection): boolean {
  const names = new Set([squeezed(sdk.name), squeezed(sdk.provider)]);
  return thirdParties.some((p) => {
    if (!names.has(squeezed(p.name))) return false;
    const listed = new Set((p.piCategories ?? []).map(squeezed));
    return sdk.piCategories.every((c) => listed.has(squeezed(c)));
  });
}
