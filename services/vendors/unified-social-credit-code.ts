// GB 32100-2015: 18 characters from a 31-character alphabet (no I, O, S, V, Z); the last is a check
// character over the first 17 with weights 3^i mod 31.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export const UNIFIED_SOCIAL_CREDIT_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

/** The check character (18th) the first 17 characters call for. */
export function unifiedSocialCreditCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** True when `code` has the shape and the check character GB 32100-2015 prescribes. */
export function isValidUnifiedSocialCreditCode(code: string): boolean {
  return UNIFIED_SOCIAL_CREDIT_CODE_PATTERN.test(code) && unifiedSocialCreditCheckCharacter(code) === code[17];
}
