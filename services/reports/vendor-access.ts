import type { Db } from '../db';
import { toCsv } from '../shared/csv';
import { z } from '../shared/zod';
import { systemClock, type Clock } from '../platform/clock';

export const UNUSED_DAYS = 30;

export const VendorAccessGrantLine = z.object({
  grant: z.string(),
  asset: z.string(),
  owningDepartment: z.string(),
  fields: z.array(z.string()),
  actions: z.array(z.string()),
  purpose: z.string(),
  validFrom: z.string(),
  validUntil: z.string(),
  approvedBy: z.object({ owner: z.string().nullable(), privacyOfficer: z.string().nullable() }),
  approvedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  flaggedForRevocation: z
    .boolean()
    .openapi({ description: `Not used for ${UNUSED_DAYS} days (or never, ${UNUSED_DAYS} days after approval)` }),
});

export const VendorAccessReport = z
  .object({
    generatedAt: z.string(),
    unusedDays: z.number().int(),
    vendors: z.array(
      z.object({
        vendor: z.object({ id: z.string(), name: z.string(), status: z.string(), contractEndsAt: z.string() }),
        grants: z.array(VendorAccessGrantLine),
      }),
    ),
  })
  .openapi('VendorAccessReport');
export type VendorAccessReport = z.infer<typeof VendorAccessReport>;

interface Row {
  vendor_id: string;
  vendor_name: string;
  vendor_status: string;
  contract_ends_at: string;
  grant_id: string | null;
  asset_key: string | null;
  owning_department: string | null;
  fields: string[] | null;
  actions: string[] | null;
  purpose_key: string | null;
  valid_from: string | null;
  valid_until: string | null;
  owner_approved_by: string | null;
  privacy_approved_by: string | null;
  decided_at: string | null;
  last_used_at: string | null;
}

/** What every vendor may touch right now (approved grants not yet ended), who approved it, and when it was last used. */
export class VendorAccessReportService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  async build(now = this.clock.now()): Promise<VendorAccessReport> {
    const at = now.toISOString();
    const db = this.db;
    const rows = (await db('vendors as v')
      .leftJoin('access_grants as g', function joinLiveGrants() {
        this.on('g.vendor_id', '=', 'v.id')
          .andOn('g.status', '=', db.raw('?', ['approved']))
          .andOn('g.valid_until', '>', db.raw('?', [at]));
      })
      .leftJoin('data_assets as a', 'a.id', 'g.asset_id')
      .orderBy([{ column: 'v.name' }, { column: 'a.key' }, { column: 'g.valid_until' }])
      .select(
        'v.id as vendor_id',
        'v.name as vendor_name',
        'v.status as vendor_status',
        'v.contract_ends_at',
        'g.id as grant_id',
        'a.key as asset_key',
        'a.owning_department',
        'g.fields',
        'g.actions',
        'g.purpose_key',
        'g.valid_from',
        'g.valid_until',
        'g.owner_approved_by',
        'g.privacy_approved_by',
        'g.decided_at',
        'g.last_used_at',
      )) as Row[];
    const unusedSince = new Date(now.getTime() - UNUSED_DAYS * 86_400_000).toISOString();
    const vendors = new Map<string, VendorAccessReport['vendors'][number]>();
    for (const r of rows) {
      let entry = vendors.get(r.vendor_id);
      if (!entry) {
        entry = {
          vendor: { id: r.vendor_id, name: r.vendor_name, status: r.vendor_status, contractEndsAt: r.contract_ends_at },
          grants: [],
        };
        vendors.set(r.vendor_id, entry);
      }
      if (r.grant_id === null) continue;
      const lastActivity = r.last_used_at ?? r.decided_at ?? at;
      entry.grants.push({
        grant: r.grant_id,
        asset: r.asset_key ?? '',
        owningDepartment: r.owning_department ?? '',
        fields: r.fields ?? [],
        actions: r.actions ?? [],
        purpose: r.purpose_key ?? '',
        validFrom: r.valid_from ?? '',
        validUntil: r.valid_until ?? '',
        approvedBy: { owner: r.owner_approved_by, privacyOfficer: r.privacy_approved_by },
        approvedAt: r.decided_at,
        lastUsedAt: r.last_used_at,
        flaggedForRevocation: lastActivity < unusedSince,
      });
    }
    return { generatedAt: at, unusedDays: UNUSED_DAYS, vendors: [...vendors.values()] };
  }
}

const CSV_HEADER = [
  'vendor_id',
  'vendor_name',
  'vendor_status',
  'grant_id',
  'asset',
  'owning_department',
  'fields',
  'actions',
  'purpose',
  'valid_from',
  'valid_until',
  'approved_by_owner',
  'approved_by_privacy_officer',
  'approved_at',
  'last_used_at',
  'flagged_for_revocation',
];

/** One row per grant (vendors without grants get one row with empty grant columns). */
export function vendorAccessCsv(report: VendorAccessReport): string {
  const rows = report.vendors.flatMap(({ vendor, grants }) =>
    grants.length === 0
      ? [[vendor.id, vendor.name, vendor.status, null, null, null, null, null, null, null, null, null, null, null, null, null]]
      : grants.map((g) => [
          vendor.id,
          vendor.name,
          vendor.status,
          g.grant,
          g.asset,
          g.owningDepartment,
          g.fields.join(' '),
          g.actions.join(' '),
          g.purpose,
          g.validFrom,
          g.validUntil,
          g.approvedBy.owner,
          g.approvedBy.privacyOfficer,
          g.approvedAt,
          g.lastUsedAt,
          g.flaggedForRevocation,
        ]),
  );
  return toCsv(CSV_HEADER, rows);
}
