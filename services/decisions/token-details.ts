import { AssetRef, FieldName, GrantAction, PurposeKey } from '../access-grants/schemas';
import { LINE } from '../authz/vendor-policy';
import { OAuthError, type AuthorizationDetailsHook, type TokenActivityCheck } from '../oauth';
import { z } from '../shared/zod';
import type { VendorAccessEngine } from './engine';

/** RFC 9396 authorization detail of type data_access: assets (locations), actions, fields (datatypes), one purpose. */
export const DataAccessDetail = z.strictObject({
  type: z.literal('data_access'),
  locations: z.array(AssetRef).min(1).max(20),
  actions: z.array(GrantAction).min(1).max(3),
  datatypes: z.array(FieldName).min(1).max(200),
  purpose: PurposeKey,
});
export type DataAccessDetail = z.infer<typeof DataAccessDetail>;

const refuse = (description: string) => new OAuthError('invalid_authorization_details', description);

/**
 * Whether active grants cover every location × datatype × action of the details right now, and
 * until when: the earliest end among the covering grants (and the vendor's contract).
 * Returns the reason of the first uncovered combination otherwise.
 */
export async function coverage(
  engine: VendorAccessEngine,
  vendorId: string,
  details: readonly DataAccessDetail[],
  now = new Date(),
): Promise<{ covered: true; notAfter: Date } | { covered: false; reason: string }> {
  const at = now.toISOString();
  let notAfter = engine.vendor(vendorId)?.contractUntil ?? at;
  for (const detail of details) {
    for (const location of detail.locations) {
      const asset = await engine.asset(location);
      if (!asset) return { covered: false, reason: `unknown data asset ${location}` };
      if (asset.status !== 'active') return { covered: false, reason: `data asset ${location} is retired` };
      const retiredField = detail.datatypes.find((f) => asset.fields.find((x) => x.name === f)?.status === 'retired');
      if (retiredField !== undefined) return { covered: false, reason: `field ${location}.${retiredField} is retired` };
      for (const field of detail.datatypes) {
        for (const action of detail.actions) {
          const verdict = engine.check(vendorId, asset.id, field, action, detail.purpose, at);
          if (!verdict.allowed) return { covered: false, reason: `${action} of ${location}.${field} for ${detail.purpose}: ${verdict.reason}` };
          if (verdict.line[LINE.until] < notAfter) notAfter = verdict.line[LINE.until];
        }
      }
    }
  }
  return { covered: true, notAfter: new Date(notAfter) };
}

/**
 * Vendor tokens are narrowed to exactly the data access asked for, only when active grants cover
 * all of it; their lifetime never passes the earliest covering grant's end.
 */
export function vendorAuthorizationDetailsHook(engine: VendorAccessEngine, fresh: () => boolean): AuthorizationDetailsHook {
  return async (client, requested) => {
    if (client.kind !== 'vendor' || !client.vendorId) throw refuse('Only vendor clients may ask for data_access authorization details');
    if (requested.length === 0) throw refuse('A vendor token must name the data it needs: authorization_details of type data_access');
    if (!fresh()) throw new OAuthError('temporarily_unavailable', 'Vendor access policies cannot be confirmed current; retry shortly', 503);
    const details: DataAccessDetail[] = [];
    for (const [i, raw] of requested.entries()) {
      const parsed = DataAccessDetail.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw refuse(`authorization_details[${i}].${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
      }
      details.push(parsed.data);
    }
    const result = await coverage(engine, client.vendorId, details);
    if (!result.covered) throw refuse(`Not covered by an active grant: ${result.reason}`);
    return { authorizationDetails: details, notAfter: result.notAfter };
  };
}

/**
 * Vendor tokens stop being active the moment their vendor is suspended or terminated, or a grant
 * they rely on is revoked or ends: checked against the in-memory view on every verification
 * (introspection included), so the kill switch reaches tokens as fast as it reaches decisions.
 */
export function vendorTokenActivityCheck(engine: VendorAccessEngine, fresh: () => boolean): TokenActivityCheck {
  return async (claims, client) => {
    if (!client.vendorId) return undefined;
    if (!fresh()) return 'Vendor access policies cannot be confirmed current';
    const vendor = engine.vendor(client.vendorId);
    if (!vendor || vendor.status !== 'active') return 'The vendor of this token is not active';
    const details = DataAccessDetail.array().safeParse(claims.authorization_details ?? []);
    if (!details.success) return 'The token carries data access this service does not recognise';
    const result = await coverage(engine, client.vendorId, details.data);
    return result.covered ? undefined : 'The data access this token carries is no longer granted';
  };
}
