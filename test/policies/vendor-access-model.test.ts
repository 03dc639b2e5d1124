import { VendorPolicy, type DenyReason, type VendorAttributes } from '../../services/authz/vendor-policy';

// policies/vendor_access.conf as a table: lines in, requests and expected answers out.
const NOW = '2026-06-01T00:00:00.000Z';
const active: VendorAttributes = {
  id: 'v1',
  status: 'active',
  contractFrom: '2026-01-01T00:00:00.000Z',
  contractUntil: '2027-01-01T00:00:00.000Z',
  purposes: ['collections', 'marketing'],
};
const lines = [
  ['v1', 'a1', 'phone', 'read', 'collections', '2026-05-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z', 'g1'],
  ['v1', 'a1', 'name', 'read', 'collections', '2026-05-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z', 'g1'],
  ['v1', 'a1', 'name', 'export', 'marketing', '2026-07-01T00:00:00.000Z', '2026-08-01T00:00:00.000Z', 'g2'],
  ['v1', 'a1', 'email', 'read', 'collections', '2026-01-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z', 'g3'],
  ['v1', 'a1', 'email', 'read', 'retired_purpose', '2026-01-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'g4'],
  ['v2', 'a1', 'phone', 'read', 'collections', '2026-05-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z', 'g5'],
];

type Row = [string, Partial<VendorAttributes> | null, string, string, string, string, string, true | DenyReason];
const table: Row[] = [
  ['granted field, action, purpose, inside window', {}, 'a1', 'phone', 'read', 'collections', NOW, true],
  ['another granted field of the same grant', {}, 'a1', 'name', 'read', 'collections', NOW, true],
  ['the window starts inclusive', {}, 'a1', 'phone', 'read', 'collections', '2026-05-01T00:00:00.000Z', true],
  ['the window ends exclusive', {}, 'a1', 'phone', 'read', 'collections', '2026-07-01T00:00:00.000Z', 'grant_expired'],
  ['a millisecond before the window', {}, 'a1', 'phone', 'read', 'collections', '2026-04-30T23:59:59.999Z', 'grant_not_yet_valid'],
  ['field not in any grant', {}, 'a1', 'id_number', 'read', 'collections', NOW, 'field_not_granted'],
  ['granted field, other action', {}, 'a1', 'phone', 'export', 'collections', NOW, 'field_not_granted'],
  ['granted field and action, other purpose', {}, 'a1', 'phone', 'read', 'marketing', NOW, 'purpose_mismatch'],
  ['grant not yet valid', {}, 'a1', 'name', 'export', 'marketing', NOW, 'grant_not_yet_valid'],
  ['grant expired', {}, 'a1', 'email', 'read', 'collections', NOW, 'grant_expired'],
  ['purpose dropped from the contract', {}, 'a1', 'email', 'read', 'retired_purpose', NOW, 'purpose_mismatch'],
  ['asset with no grant', {}, 'a2', 'phone', 'read', 'collections', NOW, 'no_grant'],
  ['unknown vendor', null, 'a1', 'phone', 'read', 'collections', NOW, 'no_grant'],
  ['another vendor’s grant does not help', { id: 'v3' }, 'a1', 'phone', 'read', 'collections', NOW, 'no_grant'],
  ['suspended vendor', { status: 'suspended' }, 'a1', 'phone', 'read', 'collections', NOW, 'vendor_suspended'],
  ['terminated vendor', { status: 'terminated' }, 'a1', 'phone', 'read', 'collections', NOW, 'vendor_suspended'],
  ['contract ended', { contractUntil: '2026-05-15T00:00:00.000Z' }, 'a1', 'phone', 'read', 'collections', NOW, 'contract_expired'],
  ['contract not started', { contractFrom: '2026-06-02T00:00:00.000Z' }, 'a1', 'phone', 'read', 'collections', NOW, 'contract_expired'],
  ['suspension outranks a missing grant', { status: 'suspended' }, 'a9', 'x', 'read', 'collections', NOW, 'vendor_suspended'],
];

describe('policies/vendor_access.conf', () => {
  let policy: VendorPolicy;
  beforeAll(async () => {
    policy = await VendorPolicy.create();
    policy.replaceAll(lines);
  });

  it.each(table)('%s', (_label, vendor, asset, field, action, purpose, now, expected) => {
    const verdict = policy.check(vendor === null ? undefined : { ...active, ...vendor }, asset, field, action, purpose, now);
    if (expected === true) {
      expect(verdict.allowed).toBe(true);
    } else {
      expect(verdict).toEqual({ allowed: false, reason: expected });
    }
  });

  it('names the matched rule for an allow', () => {
    const verdict = policy.check(active, 'a1', 'phone', 'read', 'collections', NOW);
    expect(verdict).toEqual({ allowed: true, line: lines[0] });
  });

  it('counts lines and replaces one vendor without touching others', () => {
    expect(policy.lineCount).toBe(lines.length);
    policy.replaceVendor('v1', []);
    expect(policy.check(active, 'a1', 'phone', 'read', 'collections', NOW)).toEqual({ allowed: false, reason: 'no_grant' });
    expect(policy.check({ ...active, id: 'v2' }, 'a1', 'phone', 'read', 'collections', NOW).allowed).toBe(true);
    expect(policy.lineCount).toBe(1);
  });
});
