import fc from 'fast-check';
import { VendorPolicy, type DenyReason, type VendorAttributes } from '../../services/authz/vendor-policy';

// The Casbin model plus the per-field index must answer exactly like a plain reading of the rules,
// for any grants and any request: nothing is ever allowed that the grants do not cover.

const VENDORS = ['v1', 'v2', 'v3'];
const ASSETS = ['a1', 'a2'];
const FIELDS = ['name', 'phone', 'id_number'];
const ACTIONS = ['read', 'export'];
const PURPOSES = ['collections', 'marketing', 'risk'];
const t = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString();

type Line = [string, string, string, string, string, string, string, string];

const line = fc
  .tuple(
    fc.constantFrom(...VENDORS),
    fc.constantFrom(...ASSETS),
    fc.constantFrom(...FIELDS),
    fc.constantFrom(...ACTIONS),
    fc.constantFrom(...PURPOSES),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 1, max: 60 }),
    fc.integer({ min: 1, max: 9 }),
  )
  .map(([v, a, f, act, p, from, len, g]): Line => [v, a, f, act, p, t(from), t(from + len), `g${g}`]);

const vendor = fc.record({
  id: fc.constantFrom(...VENDORS),
  status: fc.constantFrom('active', 'active', 'suspended', 'terminated'),
  contractFrom: fc.integer({ min: 0, max: 30 }).map(t),
  contractUntil: fc.integer({ min: 20, max: 90 }).map(t),
  purposes: fc.subarray(PURPOSES),
});

const request = fc.record({
  vendor: fc.option(vendor, { nil: undefined }),
  asset: fc.constantFrom(...ASSETS, 'a3'),
  field: fc.constantFrom(...FIELDS, 'email'),
  action: fc.constantFrom(...ACTIONS),
  purpose: fc.constantFrom(...PURPOSES),
  now: fc.integer({ min: 0, max: 100 }).map(t),
});

/** The rules of PRODUCT.md §3, written out by hand. */
function reference(
  lines: Line[],
  v: VendorAttributes | undefined,
  asset: string,
  field: string,
  action: string,
  purpose: string,
  now: string,
): true | DenyReason {
  if (!v) return 'no_grant';
  const mine = lines.filter((l) => l[0] === v.id);
  const allowing = mine.filter(
    (l) =>
      l[1] === asset && l[2] === field && l[3] === action && l[4] === purpose && v.purposes.includes(purpose) && l[5] <= now && now < l[6],
  );
  if (v.status === 'active' && v.contractFrom <= now && now < v.contractUntil && allowing.length > 0) return true;
  if (v.status !== 'active') return 'vendor_suspended';
  if (!(v.contractFrom <= now && now < v.contractUntil)) return 'contract_expired';
  const onAsset = mine.filter((l) => l[1] === asset);
  if (onAsset.length === 0) return 'no_grant';
  const sameField = onAsset.filter((l) => l[2] === field && l[3] === action);
  if (sameField.length === 0) return 'field_not_granted';
  const samePurpose = sameField.filter((l) => l[4] === purpose && v.purposes.includes(purpose));
  if (samePurpose.length === 0) return 'purpose_mismatch';
  if (!samePurpose.some((l) => l[5] <= now)) return 'grant_not_yet_valid';
  return 'grant_expired';
}

describe('vendor access decisions match a reference implementation', () => {
  let policy: VendorPolicy;
  beforeAll(async () => {
    policy = await VendorPolicy.create();
  });

  it('for random grants and requests (fixed seed plus a random one)', () => {
    for (const seed of [20261127, Date.now() % 2 ** 31]) {
      fc.assert(
        fc.property(fc.array(line, { maxLength: 40 }), fc.array(request, { minLength: 1, maxLength: 20 }), (lines, requests) => {
          policy.replaceAll(lines);
          for (const r of requests) {
            const got = policy.check(r.vendor, r.asset, r.field, r.action, r.purpose, r.now);
            const want = reference(lines, r.vendor, r.asset, r.field, r.action, r.purpose, r.now);
            if (want === true) {
              expect(got.allowed).toBe(true);
              if (got.allowed) {
                // The matched rule really covers the request.
                expect(got.line.slice(0, 5)).toEqual([r.vendor?.id, r.asset, r.field, r.action, r.purpose]);
                expect(got.line[5] <= r.now && r.now < got.line[6]).toBe(true);
              }
            } else {
              expect(got).toEqual({ allowed: false, reason: want });
            }
          }
        }),
        { seed, numRuns: 300 },
      );
    }
  });
});
