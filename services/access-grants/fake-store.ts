import type { PolicyLine } from '../authz';
import type { CurrentNotice } from '../notices/store';
import type { AssessmentView, GrantSubjects } from './grantability';
import type { AccessGrantStoreType, GrantFilter, GrantRecord } from './store-type';

/** Grants in memory, with what an approval reads of other features set by the test. */
export class FakeAccessGrantStore implements AccessGrantStoreType {
  readonly grants = new Map<string, GrantRecord>();
  readonly lines: PolicyLine[] = [];
  /** Per asset id: its key, status and fields. */
  readonly assets = new Map<string, { key: string; status: string; fields: GrantSubjects['fields'] }>();
  /** Per purpose key: its status and legal basis. */
  readonly purposes = new Map<string, { status: string; legalBasis: string }>();
  readonly assessments = new Map<string, AssessmentView>();
  readonly notices = new Map<string, CurrentNotice[]>();

  async insert(_trx: unknown, grant: GrantRecord): Promise<void> {
    this.grants.set(grant.id, structuredClone(grant));
  }

  async update(_trx: unknown, grant: GrantRecord): Promise<void> {
    this.grants.set(grant.id, structuredClone(grant));
  }

  async get(id: string): Promise<GrantRecord | undefined> {
    const grant = this.grants.get(id);
    return grant && structuredClone(grant);
  }

  async list(filter: GrantFilter, limit: number): Promise<GrantRecord[]> {
    return [...this.grants.values()]
      .filter((g) => (!filter.vendorId || g.vendorId === filter.vendorId) && (!filter.assetId || g.assetId === filter.assetId))
      .filter((g) => (!filter.purposeKey || g.purposeKey === filter.purposeKey) && (!filter.afterId || g.id > filter.afterId))
      .filter((g) => !filter.status || hasStatus(g, filter.status, filter.now))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((g) => structuredClone(g));
  }

  async liveOfVendor(_trx: unknown, vendorId: string): Promise<GrantRecord[]> {
    return [...this.grants.values()]
      .filter((g) => g.vendorId === vendorId && (g.status === 'requested' || g.status === 'approved'))
      .map((g) => structuredClone(g));
  }

  async addLines(_trx: unknown, lines: readonly PolicyLine[]): Promise<void> {
    this.lines.push(...lines);
  }

  async removeLines(_trx: unknown, lines: readonly PolicyLine[]): Promise<void> {
    const gone = new Set(lines.map((l) => l.join('\u0000')));
    this.lines.splice(0, this.lines.length, ...this.lines.filter((l) => !gone.has(l.join('\u0000'))));
  }

  async lockSubjects(_trx: unknown, assetId: string, purposeKey: string): Promise<GrantSubjects> {
    const asset = this.assets.get(assetId);
    return {
      asset: asset && { key: asset.key, status: asset.status },
      fields: asset?.fields ?? [],
      purpose: this.purposes.get(purposeKey),
    };
  }

  async securityAssessmentOf(_trx: unknown, vendorId: string): Promise<AssessmentView | null> {
    return this.assessments.get(vendorId) ?? null;
  }

  async lockCurrentNotices(_trx: unknown, purposeKey: string): Promise<CurrentNotice[]> {
    return this.notices.get(purposeKey) ?? [];
  }
}

/** The list filter's statuses as the store reads them: active and expired are derived from the window. */
function hasStatus(g: GrantRecord, status: string, now: string): boolean {
  switch (status) {
    case 'approved':
      return g.status === 'approved' && g.validFrom > now;
    case 'active':
      return g.status === 'approved' && g.validFrom <= now && g.validUntil > now;
    case 'expired':
      return g.status === 'approved' && g.validUntil <= now;
    default:
      return g.status === status;
  }
}
