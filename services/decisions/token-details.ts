import { GrantAction } from '../access-grants/schemas';
import { AssetRef, FieldName } from '../data-assets/schemas';
import { PurposeKey } from '../purposes/schemas';
import { LINE } from '../authz/vendor-policy';
import {
  DATA_ACCESS_DETAILS_TYPE,
  OAuthError,
  type AuthorizationDetailsHook,
  type TokenActivityCheck,
  type VendorTokenPolicy,
} from '../oauth';
import { boundedCache } from '../platform/bounded-cache';
import type { Clock } from '../platform/clock';
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
const DataAccessDetails = DataAccessDetail.array();

/** At most this many distinct asset × field × action × purpose combinations in one token (400 beyond). */
export const MAX_DATA_ACCESS_COMBINATIONS = 500;
/** At most this many distinct assets (locations) in one token: each is looked up once. */
export const MAX_DATA_ACCESS_LOCATIONS = 20;
/** Checks run back to back before the event loop gets a turn (each is a few µs of Casbin). */
export const CHECKS_PER_TURN = 16;
/** Vendor tokens whose coverage is remembered (by jti, until they expire). */
const REMEMBERED_TOKENS = 50_000;

const refuse = (description: string) => new OAuthError('invalid_authorization_details', description);
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Combination {
  readonly location: string;
  readonly field: string;
  readonly action: string;
  readonly purpose: string;
}

/**
 * The details without repeats (repeated values inside a detail, repeated details), and the distinct
 * combinations they name, grouped by location. Refused past MAX_DATA_ACCESS_COMBINATIONS or
 * MAX_DATA_ACCESS_LOCATIONS; the work done here never exceeds a few thousand set insertions.
 */
export function normalise(details: readonly DataAccessDetail[]): { details: DataAccessDetail[]; byLocation: Map<string, Combination[]> } {
  const unique = new Map<string, DataAccessDetail>();
  for (const d of details) {
    const detail: DataAccessDetail = {
      type: d.type,
      locations: [...new Set(d.locations)],
      actions: [...new Set(d.actions)],
      datatypes: [...new Set(d.datatypes)],
      purpose: d.purpose,
    };
    if (detail.locations.length * detail.actions.length * detail.datatypes.length > MAX_DATA_ACCESS_COMBINATIONS) throw tooMany();
    unique.set(JSON.stringify(detail), detail);
  }
  const seen = new Set<string>();
  const byLocation = new Map<string, Combination[]>();
  for (const detail of unique.values()) {
    for (const location of detail.locations) {
      let list = byLocation.get(location);
      if (!list) {
        if (byLocation.size >= MAX_DATA_ACCESS_LOCATIONS) {
          throw refuse(`authorization_details may name at most ${MAX_DATA_ACCESS_LOCATIONS} distinct data assets (locations)`);
        }
        byLocation.set(location, (list = []));
      }
      for (const field of detail.datatypes) {
        for (const action of detail.actions) {
          // Purpose, field and action cannot hold a space (their formats say so); the location comes last.
          const key = `${detail.purpose} ${field} ${action} ${location}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (seen.size > MAX_DATA_ACCESS_COMBINATIONS) throw tooMany();
          list.push({ location, field, action, purpose: detail.purpose });
        }
      }
    }
  }
  return { details: [...unique.values()], byLocation };
}

const tooMany = () =>
  refuse(
    `authorization_details may name at most ${MAX_DATA_ACCESS_COMBINATIONS} distinct data asset × field × action × purpose combinations`,
  );

/**
 * Whether active grants cover every location × datatype × action of the details right now, and
 * until when: the earliest end among the covering grants (and the vendor's contract).
 * Returns the reason of the first uncovered combination otherwise. Each distinct combination is
 * checked once, and the event loop gets a turn every CHECKS_PER_TURN checks.
 * An asset that does not exist is checked like one the vendor holds no grant on, so the answer
 * never tells a vendor which assets exist.
 */
export async function coverage(
  engine: Pick<VendorAccessEngine, 'vendor' | 'asset' | 'check'>,
  vendorId: string,
  details: readonly DataAccessDetail[],
  now: Date,
): Promise<{ covered: true; notAfter: Date } | { covered: false; reason: string }> {
  const { byLocation } = normalise(details);
  const at = now.toISOString();
  let notAfter = engine.vendor(vendorId)?.contractUntil ?? at;
  let checks = 0;
  for (const [location, combinations] of byLocation) {
    const asset = await engine.asset(location);
    // No grant can name this id (asset ids are UUIDs): the verdict is the one for an asset not granted.
    // A retired asset answers the same, so a vendor learns nothing about which keys exist.
    const assetId = asset !== undefined && asset.status === 'active' ? asset.id : `unknown asset ${location}`;
    for (const c of combinations) {
      if (++checks % CHECKS_PER_TURN === 0) await yieldToEventLoop();
      // A retired field is never covered, even before the engine's view of what is retired catches up.
      const fieldRetired = asset?.fields.find((x) => x.name === c.field)?.status === 'retired';
      const verdict = fieldRetired
        ? ({ allowed: false, reason: 'field_not_granted' } as const)
        : engine.check(vendorId, assetId, c.field, c.action, c.purpose, at);
      if (!verdict.allowed) return { covered: false, reason: `${c.action} of ${location}.${c.field} for ${c.purpose}: ${verdict.reason}` };
      if (verdict.line[LINE.until] < notAfter) notAfter = verdict.line[LINE.until];
    }
  }
  return { covered: true, notAfter: new Date(notAfter) };
}

function parseDetails(requested: readonly unknown[]): DataAccessDetail[] {
  const details: DataAccessDetail[] = [];
  for (const [i, raw] of requested.entries()) {
    const parsed = DataAccessDetail.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw refuse(`authorization_details[${i}].${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    details.push(parsed.data);
  }
  return details;
}

/**
 * Vendor tokens are narrowed to exactly the data access asked for (without repeats), only when
 * active grants cover all of it; their lifetime never passes the earliest covering grant's end.
 */
export function vendorAuthorizationDetailsHook(engine: VendorAccessEngine, fresh: () => boolean, clock: Clock): AuthorizationDetailsHook {
  return async (client, requested) => {
    if (client.kind !== 'vendor' || !client.vendorId) throw refuse('Only vendor clients may ask for data_access authorization details');
    if (requested.length === 0) throw refuse('A vendor token must name the data it needs: authorization_details of type data_access');
    if (!fresh()) throw new OAuthError('temporarily_unavailable', 'Vendor access policies cannot be confirmed current; retry shortly', 503);
    const { details } = normalise(parseDetails(requested));
    const result = await coverage(engine, client.vendorId, details, clock.now());
    if (!result.covered) throw refuse(`Not covered by an active grant: ${result.reason}`);
    return { authorizationDetails: details, notAfter: result.notAfter };
  };
}

interface RememberedCoverage {
  /** The engine's revision for the vendor when the coverage was computed. */
  readonly revision: string;
  readonly covered: boolean;
  /** Covered until then (the earliest covering grant's end), unless the revision changes first. */
  readonly until: number;
}

/**
 * Vendor tokens stop being active the moment their vendor is suspended or terminated, or a grant
 * they rely on is revoked or ends: checked against the in-memory view on every verification
 * (introspection included), so the kill switch reaches tokens as fast as it reaches decisions.
 * The coverage of a token is computed once and remembered by jti while the engine's revision for
 * its vendor stays the same, so a verification costs the same whatever the token carries.
 */
export function vendorTokenActivityCheck(engine: VendorAccessEngine, fresh: () => boolean, clock: Clock): TokenActivityCheck {
  const remembered = boundedCache<string, RememberedCoverage>({ max: REMEMBERED_TOKENS });
  return async (claims, client) => {
    if (!client.vendorId) return undefined;
    if (!fresh()) return 'Vendor access policies cannot be confirmed current';
    const vendor = engine.vendor(client.vendorId);
    if (!vendor || vendor.status !== 'active') return 'The vendor of this token is not active';
    const notCovered = 'The data access this token carries is no longer granted';
    // Read before computing: a change while computing gives the next verification a new revision.
    const revision = engine.revision(client.vendorId);
    const now = clock.now().getTime();
    const known = remembered.get(claims.jti);
    if (known && known.revision === revision && now < known.until) return known.covered ? undefined : notCovered;
    const details = DataAccessDetails.safeParse(claims.authorization_details ?? []);
    if (!details.success) return 'The token carries data access this service does not recognise';
    let covered = false;
    let until = claims.exp * 1000;
    try {
      const result = await coverage(engine, client.vendorId, details.data, new Date(now));
      covered = result.covered;
      if (result.covered) until = Math.min(until, result.notAfter.getTime());
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
    }
    const ttl = Math.max(1, claims.exp * 1000 - now);
    remembered.set(claims.jti, { revision, covered, until }, { ttl });
    return covered ? undefined : notCovered;
  };
}

/** What vendor tokens carry and how long they stay active, read from the in-memory vendor access view. */
export function vendorTokenPolicy(engine: VendorAccessEngine, fresh: () => boolean, clock: Clock): VendorTokenPolicy {
  return {
    authorizationDetailsTypes: [DATA_ACCESS_DETAILS_TYPE],
    authorizationDetails: vendorAuthorizationDetailsHook(engine, fresh, clock),
    activity: vendorTokenActivityCheck(engine, fresh, clock),
  };
}
