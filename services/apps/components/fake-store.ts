import type { AppStoreType } from '../store-type';
import type { AppSdk } from './schemas';
import type { AppSdkStoreType, PublishedThirdParties } from './store-type';

/** A notice of a purpose as the test sets it: its scope (appId null: the general notice), version, status and third parties. */
export interface NoticeRecord extends PublishedThirdParties {
  readonly version: number;
  readonly status: 'draft' | 'published';
}

/** Text in the database's byte order. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** A notice's scope as PostgreSQL orders it ascending: the general notice (null) last. */
const byScope = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : byText(a, b));

const withApproval = (s: AppSdk): AppSdk => ({ ...structuredClone(s), needsApproval: s.piCategories.length > 0 && s.approvedBy === null });

/**
 * Third-party components in memory, for fast tests of the component rules; reads the apps from `apps`
 * and the notices from `notices`, which the test sets.
 */
export class FakeAppSdkStore implements AppSdkStoreType {
  readonly sdks: AppSdk[] = [];
  readonly notices: NoticeRecord[] = [];

  constructor(private readonly apps: Pick<AppStoreType, 'live'>) {}

  async list(appIds: readonly string[]): Promise<AppSdk[]> {
    return this.sdks
      .filter((s) => appIds.includes(s.appId))
      .sort((a, b) => byText(a.release, b.release) || byText(a.name, b.name) || byText(a.version, b.version) || byText(a.id, b.id))
      .map(withApproval);
  }

  async find(appId: string, id: string): Promise<AppSdk | undefined> {
    const sdk = this.sdks.find((s) => s.appId === appId && s.id === id);
    return sdk && withApproval(sdk);
  }

  async count(_trx: unknown, appId: string): Promise<number> {
    return this.sdks.filter((s) => s.appId === appId).length;
  }

  async exists(_trx: unknown, appId: string, s: Pick<AppSdk, 'release' | 'name' | 'version'>): Promise<boolean> {
    return this.sdks.some((x) => x.appId === appId && x.release === s.release && x.name === s.name && x.version === s.version);
  }

  async insert(trx: unknown, sdk: AppSdk): Promise<void> {
    if (await this.exists(trx, sdk.appId, sdk)) throw Object.assign(new Error('duplicate key'), { code: '23505' });
    this.sdks.push({ ...structuredClone(sdk), approvedBy: null, approvedAt: null });
  }

  async approve(_trx: unknown, id: string, by: string, at: string): Promise<void> {
    const sdk = this.sdks.find((s) => s.id === id);
    // The table's check: whoever declared a component never approves it.
    if (sdk?.declaredBy === by) throw Object.assign(new Error('check violation'), { code: '23514' });
    if (sdk) Object.assign(sdk, { approvedBy: by, approvedAt: at });
  }

  async publishedThirdParties(purposeKeys: readonly string[], appIds: readonly string[]): Promise<PublishedThirdParties[]> {
    const latest = new Map<string, NoticeRecord>();
    for (const n of this.notices) {
      if (n.status !== 'published' || !purposeKeys.includes(n.purposeKey) || !(n.appId === null || appIds.includes(n.appId))) continue;
      const scope = `${n.purposeKey} ${n.appId ?? ''}`;
      const seen = latest.get(scope);
      if (!seen || n.version > seen.version) latest.set(scope, n);
    }
    return [...latest.values()]
      .sort((a, b) => byText(a.purposeKey, b.purposeKey) || byScope(a.appId, b.appId))
      .map((n) => ({ purposeKey: n.purposeKey, appId: n.appId, thirdParties: structuredClone(n.thirdParties) }));
  }

  async appsInService(): Promise<Array<{ id: string }>> {
    return (await this.apps.live()).map((a) => ({ id: a.id }));
  }
}
