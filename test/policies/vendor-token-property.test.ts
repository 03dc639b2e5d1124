import fc from 'fast-check';
import { VendorPolicy, type VendorAttributes } from '../../services/authz/vendor-policy';
import type { VendorAccessEngine } from '../../services/decisions/engine';
import { coverage, normalise, type DataAccessDetail } from '../../services/decisions/token-details';

// Vendor tokens (RFC 9396 data_access) are issued only when active grants cover every asset ×
// field × action asked for, and never outlive the earliest covering grant or the contract —
// for any grants and any request, checked against the rules written out by hand.

const ASSETS = ['a1', 'a2'];
const FIELDS = ['name', 'phone', 'id_number'];
const ACTIONS = ['read', 'export'] as const;
const PURPOSES = ['collections', 'marketing'];
const t = (day: number) => new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString();

type Line = [string, string, string, string, string, string, string, string];

const line = fc
  .tuple(
    fc.constantFrom(...ASSETS),
    fc.constantFrom(...FIELDS),
    fc.constantFrom(...ACTIONS),
    fc.constantFrom(...PURPOSES),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 1, max: 60 }),
    fc.integer({ min: 1, max: 9 }),
  )
  .map(([a, f, act, p, from, len, g]): Line => ['v1', a, f, act, p, t(from), t(from + len), `g${g}`]);

const vendor = fc.record({
  id: fc.constant('v1'),
  status: fc.constantFrom('active', 'active', 'active', 'suspended'),
  contractFrom: fc.integer({ min: 0, max: 10 }).map(t),
  contractUntil: fc.integer({ min: 30, max: 90 }).map(t),
  purposes: fc.subarray(PURPOSES, { minLength: 1 }),
});

const detail = fc.record({
  type: fc.constant('data_access' as const),
  locations: fc.uniqueArray(fc.constantFrom(...ASSETS, 'a3'), { minLength: 1, maxLength: 2 }),
  actions: fc.uniqueArray(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 2 }),
  datatypes: fc.uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }),
  purpose: fc.constantFrom(...PURPOSES),
});

/** Covered when every combination has a line allowing it now; the token ends at the earliest of each combination's longest-lasting line and the contract. */
function reference(
  lines: Line[],
  v: VendorAttributes,
  details: DataAccessDetail[],
  now: string,
): { covered: true; notAfter: string } | { covered: false } {
  if (v.status !== 'active' || !(v.contractFrom <= now && now < v.contractUntil)) return { covered: false };
  let notAfter = v.contractUntil;
  for (const d of details) {
    for (const asset of d.locations) {
      for (const field of d.datatypes) {
        for (const action of d.actions) {
          const allowing = lines.filter(
            (l) =>
              l[1] === asset &&
              l[2] === field &&
              l[3] === action &&
              l[4] === d.purpose &&
              v.purposes.includes(d.purpose) &&
              l[5] <= now &&
              now < l[6],
          );
          if (allowing.length === 0) return { covered: false };
          const longest = allowing
            .map((l) => l[6])
            .sort()
            .at(-1) as string;
          if (longest < notAfter) notAfter = longest;
        }
      }
    }
  }
  return { covered: true, notAfter };
}

describe('normalise', () => {
  it('keeps each distinct detail once, in first-seen order, and lists each combination once', () => {
    const d = {
      type: 'data_access' as const,
      locations: ['a1', 'a1', 'a2'],
      actions: ['read' as const, 'read' as const],
      datatypes: ['name', 'phone', 'name'],
      purpose: 'collections',
    };
    const { details, byLocation } = normalise([
      d,
      d,
      { ...d, locations: ['a1', 'a2'], datatypes: ['name', 'phone'], actions: ['read' as const] },
    ]);
    expect(details).toEqual([{ ...d, locations: ['a1', 'a2'], actions: ['read'], datatypes: ['name', 'phone'] }]);
    expect([...byLocation].map(([l, c]) => [l, c.length])).toEqual([
      ['a1', 2],
      ['a2', 2],
    ]);
  });
});

describe('vendor tokens match a reference implementation', () => {
  let policy: VendorPolicy;
  beforeAll(async () => {
    policy = await VendorPolicy.create();
  });

  it('for random grants and authorization_details (fixed seed plus a random one)', async () => {
    for (const seed of [20261128, Date.now() % 2 ** 31]) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(line, { maxLength: 30 }),
          vendor,
          fc.array(detail, { minLength: 1, maxLength: 2 }),
          fc.integer({ min: 0, max: 80 }),
          async (lines, v, details, day) => {
            policy.replaceAll(lines);
            const engine = {
              vendor: (id: string) => (id === v.id ? v : undefined),
              asset: async (ref: string) => (ASSETS.includes(ref) ? { id: ref, status: 'active', fields: [] } : undefined),
              check: (vendorId: string, asset: string, field: string, action: string, purpose: string, now: string) =>
                policy.check(vendorId === v.id ? v : undefined, asset, field, action, purpose, now),
            } as unknown as VendorAccessEngine;
            const now = t(day);
            const got = await coverage(engine, 'v1', details, new Date(now));
            const want = reference(lines, v, details, now);
            expect(got.covered).toBe(want.covered);
            if (got.covered && want.covered) expect(got.notAfter.toISOString()).toBe(want.notAfter);
            // Repeats change nothing: the same details twice, with every list doubled, are covered the same way until the same instant.
            const doubled = details.map((d) => ({
              ...d,
              locations: [...d.locations, ...d.locations],
              actions: [...d.actions, ...d.actions],
              datatypes: [...d.datatypes, ...d.datatypes],
            }));
            const again = await coverage(engine, 'v1', [...doubled, ...details], new Date(now));
            expect(again.covered).toBe(got.covered);
            if (again.covered && got.covered) expect(again.notAfter.toISOString()).toBe(got.notAfter.toISOString());
          },
        ),
        { seed, numRuns: 300 },
      );
    }
  });
});
