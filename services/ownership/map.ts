import { toCsv } from '../shared/csv';
import type { DepartmentAccess } from '../http/route';
import { systemClock, type Clock } from '../platform/clock';
import type { OwnershipMap, OwnershipMapEntry, OwnershipMapQuery } from './schemas';
import type { OwnershipMapReadModel } from './store-type';

export interface DataOwnerDirectory {
  /** Subjects holding `role` in `department` (directly or for every department). */
  holders(role: string, department: string): Promise<string[]>;
}

/** Who owns which data: every asset the caller may see, its department, that department's data owners and its PI field counts. */
export class OwnershipMapService {
  constructor(
    private readonly store: OwnershipMapReadModel,
    private readonly directory: DataOwnerDirectory,
    private readonly clock: Clock = systemClock,
  ) {}

  async build(query: OwnershipMapQuery, access: DepartmentAccess): Promise<OwnershipMap> {
    const generatedAt = this.clock.now().toISOString();
    if (!access.all && access.departments.length === 0) return { generatedAt, items: [] };
    const rows = await this.store.map({ ...query, departments: access.all ? undefined : access.departments });
    const owners = new Map<string, Promise<string[]>>();
    const ownersOf = (department: string) => {
      if (!owners.has(department)) owners.set(department, this.directory.holders('data_owner', department));
      return owners.get(department) as Promise<string[]>;
    };
    const items = await Promise.all(rows.map(async (row) => ({ ...row, dataOwners: await ownersOf(row.owningDepartment) })));
    return { generatedAt, items };
  }
}

const CSV_COLUMNS = [
  'asset_key',
  'asset_name',
  'status',
  'classification',
  'owning_department',
  'owning_department_name',
  'data_owners',
  'fields_none',
  'fields_personal',
  'fields_sensitive',
  'fields_total',
  'open_transfer_to',
] as const;

/** The map as RFC 4180 CSV, one line per asset, data owners separated by "; ". */
export function ownershipMapCsv(items: readonly OwnershipMapEntry[]): string {
  return toCsv(
    CSV_COLUMNS,
    items.map((e) => [
      e.key,
      e.name,
      e.status,
      e.classification,
      e.owningDepartment,
      e.owningDepartmentName,
      e.dataOwners.join('; '),
      e.fieldCounts.none,
      e.fieldCounts.personal,
      e.fieldCounts.sensitive,
      e.fieldCounts.total,
      e.openTransferTo,
    ]),
  );
}
