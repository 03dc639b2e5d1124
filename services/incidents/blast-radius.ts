import { NotFoundError, ValidationError } from '../shared/errors';
import { Timestamp, Uuid } from '../shared/schemas';
import { z } from '../shared/zod';
import type { BlastRadiusStore, DecisionTotals, FieldUse } from './blast-radius-store';
import type { IncidentStoreType } from './store-type';
import { systemClock, type Clock } from '../platform/clock';

/** Without `from`, the window opens this long before detection: leaks are found late. */
export const DEFAULT_LOOKBACK_DAYS = 90;
const DAY_MS = 86_400_000;

export const BlastRadiusQuery = z
  .strictObject({
    from: Timestamp.optional().openapi({ description: `Start of the window (default: ${DEFAULT_LOOKBACK_DAYS} days before detection)` }),
    to: Timestamp.optional().openapi({ description: 'End of the window, exclusive (default: now)' }),
  })
  .openapi('BlastRadiusQuery');
export type BlastRadiusQuery = z.infer<typeof BlastRadiusQuery>;

const Exposure = {
  decisions: z
    .number()
    .int()
    .openapi({ description: 'Decisions that released at least one field (a request retried under one Idempotency-Key counts once)' }),
  records: z.number().openapi({ description: 'Sum of `records` over those decisions' }),
  decisionsWithoutRecords: z.number().int().openapi({ description: 'Allowing decisions that did not say how many records' }),
  subjects: z.number().int().openapi({
    description: 'Distinct customers a field was released for (by pseudonym; of a bulk decision, only those its consent let through)',
  }),
};

const ExposedField = z.object({
  name: z.string(),
  piCategory: z.string().nullable(),
  decisions: z.number().int().openapi({ description: 'Allowing decisions that released it' }),
  tokens: z.number().int().openapi({ description: 'Access tokens whose authorization_details named it' }),
});

const ExposedAsset = z.object({
  asset: z.object({ id: z.string(), key: z.string().nullable(), owningDepartment: z.string().nullable() }),
  ...Exposure,
  fields: z.array(ExposedField),
  sensitiveFields: z.array(z.string()),
});

const VendorExposure = z.object({
  vendor: z.object({ id: Uuid, name: z.string().nullable(), status: z.string().nullable() }),
  ...Exposure,
  deniedDecisions: z.number().int().openapi({ description: 'Decisions that allowed nothing (attempts)' }),
  tokens: z.object({ issued: z.number().int(), clients: z.array(z.string()) }),
  assets: z.array(ExposedAsset),
  sensitiveFields: z.array(z.object({ asset: z.string(), field: z.string() })),
  departments: z.array(z.string()).openapi({ description: 'Departments owning the exposed assets: involve them' }),
});

export const BlastRadius = z
  .object({
    incident: Uuid,
    window: z.object({ from: Timestamp, to: Timestamp }),
    computedAt: Timestamp,
    totals: z.object({
      ...Exposure,
      tokens: z.number().int(),
      sensitiveFields: z.number().int(),
      departments: z.array(z.string()),
    }),
    vendors: z.array(VendorExposure),
  })
  .openapi('BlastRadius', { description: 'What the implicated vendors were allowed in the window, computed from the audit log' });
export type BlastRadius = z.infer<typeof BlastRadius>;
type VendorExposure = z.infer<typeof VendorExposure>;
type ExposedAsset = z.infer<typeof ExposedAsset>;

interface AssetMeta {
  id: string;
  key: string;
  owningDepartment: string;
  fields: Map<string, string | null>;
}

const EMPTY: DecisionTotals = {
  vendorId: null,
  assetId: null,
  level: 'all',
  allowed: 0,
  denied: 0,
  records: 0,
  withoutRecords: 0,
  subjects: 0,
};

/** The blast radius of a leak: per implicated vendor, what it was allowed, how much and about how many people. */
export class BlastRadiusService {
  constructor(
    private readonly incidents: Pick<IncidentStoreType, 'get'>,
    private readonly store: BlastRadiusStore,
    private readonly clock: Clock = systemClock,
  ) {}

  async compute(incidentId: string, query: BlastRadiusQuery, now = this.clock.now()): Promise<BlastRadius> {
    const incident = await this.incidents.get(incidentId);
    if (!incident) throw new NotFoundError(`No incident ${incidentId}`);
    const to = new Date(query.to ?? now).toISOString();
    const from = new Date(query.from ?? Date.parse(incident.detectedAt) - DEFAULT_LOOKBACK_DAYS * DAY_MS).toISOString();
    if (from >= to) throw new ValidationError('query.from: must be before to', [{ path: 'query.from', message: 'must be before to' }]);
    const vendorIds = incident.vendors;
    const { totals, decided, tokens, tokenFields } = await this.store.exposure(vendorIds, from, to);
    const vendorInfo = await this.store.vendors(vendorIds);
    const assets = await this.assetMeta([...new Set([...decided, ...tokenFields].map((f) => f.asset))]);

    const vendors = vendorIds.map((vendorId): VendorExposure => {
      const vendorTotals = totals.find((t) => t.level === 'vendor' && t.vendorId === vendorId) ?? EMPTY;
      const token = tokens.find((t) => t.vendorId === vendorId);
      const exposed = this.exposedAssets(
        totals.filter((t) => t.level === 'asset' && t.vendorId === vendorId),
        decided.filter((f) => f.vendorId === vendorId),
        tokenFields.filter((f) => f.vendorId === vendorId),
        assets,
      );
      const info = vendorInfo.get(vendorId);
      return {
        vendor: { id: vendorId, name: info?.name ?? null, status: info?.status ?? null },
        ...exposure(vendorTotals),
        deniedDecisions: vendorTotals.denied,
        tokens: { issued: token?.tokens ?? 0, clients: token?.clients ?? [] },
        assets: exposed,
        sensitiveFields: exposed.flatMap((a) => a.sensitiveFields.map((field) => ({ asset: a.asset.key ?? a.asset.id, field }))),
        departments: sorted(exposed.flatMap((a) => (a.asset.owningDepartment ? [a.asset.owningDepartment] : []))),
      };
    });
    const overall = totals.find((t) => t.level === 'all') ?? EMPTY;
    return {
      incident: incident.id,
      window: { from, to },
      computedAt: now.toISOString(),
      totals: {
        ...exposure(overall),
        tokens: vendors.reduce((n, v) => n + v.tokens.issued, 0),
        sensitiveFields: new Set(vendors.flatMap((v) => v.sensitiveFields.map((s) => `${s.asset}\u0000${s.field}`))).size,
        departments: sorted(vendors.flatMap((v) => v.departments)),
      },
      vendors,
    };
  }

  private exposedAssets(
    perAsset: DecisionTotals[],
    decided: FieldUse[],
    tokenFields: FieldUse[],
    assets: Map<string, AssetMeta>,
  ): ExposedAsset[] {
    // Token locations may name an asset by key; fold them onto its id.
    const idOf = (ref: string) => assets.get(ref)?.id ?? ref;
    const byAsset = new Map<string, Map<string, { decisions: number; tokens: number }>>();
    const fieldOf = (asset: string, field: string) => {
      const fields = byAsset.get(asset) ?? new Map<string, { decisions: number; tokens: number }>();
      byAsset.set(asset, fields);
      const use = fields.get(field) ?? { decisions: 0, tokens: 0 };
      fields.set(field, use);
      return use;
    };
    for (const f of decided) fieldOf(idOf(f.asset), f.field).decisions += f.count;
    for (const f of tokenFields) fieldOf(idOf(f.asset), f.field).tokens += f.count;
    return [...byAsset.entries()]
      .map(([assetId, fields]): ExposedAsset => {
        const meta = assets.get(assetId);
        const totals = perAsset.find((t) => t.assetId === assetId) ?? EMPTY;
        const exposedFields = [...fields.entries()]
          .map(([name, use]) => ({ name, piCategory: meta?.fields.get(name) ?? null, ...use }))
          .sort((a, b) => a.name.localeCompare(b.name));
        return {
          asset: { id: assetId, key: meta?.key ?? null, owningDepartment: meta?.owningDepartment ?? null },
          ...exposure(totals),
          fields: exposedFields,
          sensitiveFields: exposedFields.filter((f) => f.piCategory === 'sensitive').map((f) => f.name),
        };
      })
      .sort((a, b) => (a.asset.key ?? a.asset.id).localeCompare(b.asset.key ?? b.asset.id));
  }

  /** Asset metadata reachable by id and by key. */
  private async assetMeta(refs: string[]): Promise<Map<string, AssetMeta>> {
    const out = new Map<string, AssetMeta>();
    for (const row of await this.store.assets(refs)) {
      const meta = out.get(row.id) ?? {
        id: row.id,
        key: row.key,
        owningDepartment: row.owningDepartment,
        fields: new Map<string, string | null>(),
      };
      if (row.field !== null) meta.fields.set(row.field, row.piCategory);
      out.set(row.id, meta);
      out.set(row.key, meta);
    }
    return out;
  }
}

const exposure = (t: DecisionTotals) => ({
  decisions: t.allowed,
  records: t.records,
  decisionsWithoutRecords: t.withoutRecords,
  subjects: t.subjects,
});
const sorted = (items: string[]) => [...new Set(items)].sort();
