import { uniqueViolation } from '../shared/errors';
import type { SensitiveRelease } from './disclosure';
import { scopeOf } from './store';
import type { GrantedVendor, NoticeFilter, NoticeRecord, NoticeStoreType, PublishedNotice, ScopeVersions } from './store-type';

/** Notices in memory, with what a publication reads of other features set by the test. */
export class FakeNoticeStore implements NoticeStoreType {
  readonly notices: NoticeRecord[] = [];
  /** Per app id: its ledger state. */
  readonly apps = new Map<string, string>();
  /** Per purpose: vendors holding grants in their window, and sensitive fields approved grants release. */
  readonly vendors = new Map<string, GrantedVendor[]>();
  readonly releases = new Map<string, SensitiveRelease[]>();
  private seq = 0;

  async get(id: string): Promise<NoticeRecord | undefined> {
    const notice = this.notices.find((n) => n.id === id);
    return notice && structuredClone(notice);
  }

  async list(filter: NoticeFilter, limit: number): Promise<NoticeRecord[]> {
    return this.notices
      .filter((n) => (!filter.purposeKey || n.purposeKey === filter.purposeKey) && (!filter.appId || n.appId === filter.appId))
      .filter((n) => (!filter.status || n.status === filter.status) && (filter.beforeSeq === undefined || n.seq < filter.beforeSeq))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit)
      .map((n) => structuredClone(n));
  }

  async draftOf(purposeKey: string, appId: string | null): Promise<NoticeRecord | undefined> {
    return this.notices.find((n) => n.purposeKey === purposeKey && n.appId === appId && n.status === 'draft');
  }

  async latestPublished(purposeKey: string, appId: string | null): Promise<PublishedNotice | undefined> {
    return this.published(purposeKey)
      .filter((n) => n.appId === appId)
      .sort((a, b) => b.version - a.version)[0];
  }

  async publishedVersion(purposeKey: string, version: number): Promise<PublishedNotice | undefined> {
    return this.published(purposeKey).find((n) => n.version === version);
  }

  async hasPublished(purposeKey: string, appId?: string): Promise<boolean> {
    return this.published(purposeKey).some((n) => n.appId === null || (appId !== undefined && n.appId === appId));
  }

  async scopeVersions(purposeKey: string): Promise<Map<string, ScopeVersions>> {
    const scopes = new Map<string, ScopeVersions>();
    for (const n of this.published(purposeKey)) {
      const scope = scopeOf(n.appId);
      const was = scopes.get(scope) ?? { latest: 0, latestMaterial: 0 };
      scopes.set(scope, {
        latest: Math.max(was.latest, n.version),
        latestMaterial: n.material ? Math.max(was.latestMaterial, n.version) : was.latestMaterial,
      });
    }
    return scopes;
  }

  async lockPurpose(): Promise<void> {}

  async maxVersion(_trx: unknown, purposeKey: string): Promise<number> {
    return Math.max(0, ...this.notices.filter((n) => n.purposeKey === purposeKey).map((n) => n.version ?? 0));
  }

  async insert(_trx: unknown, notice: NoticeRecord): Promise<void> {
    if (await this.draftOf(notice.purposeKey, notice.appId)) throw uniqueViolation();
    this.notices.push({ ...structuredClone(notice), seq: ++this.seq });
  }

  async update(_trx: unknown, notice: NoticeRecord): Promise<void> {
    const at = this.notices.findIndex((n) => n.id === notice.id && n.status === 'draft');
    if (at >= 0) this.notices[at] = { ...structuredClone(notice), seq: this.notices[at].seq };
  }

  async deleteDraft(_trx: unknown, id: string): Promise<void> {
    const at = this.notices.findIndex((n) => n.id === id && n.status === 'draft');
    if (at >= 0) this.notices.splice(at, 1);
  }

  async sensitiveReleases(_trx: unknown, purposeKey: string): Promise<SensitiveRelease[]> {
    return this.releases.get(purposeKey) ?? [];
  }

  async appState(appId: string): Promise<string | undefined> {
    return this.apps.get(appId);
  }

  async grantedVendors(purposeKey: string): Promise<GrantedVendor[]> {
    return this.vendors.get(purposeKey) ?? [];
  }

  private published(purposeKey: string): PublishedNotice[] {
    return this.notices.filter((n): n is PublishedNotice => n.purposeKey === purposeKey && n.status === 'published');
  }
}
