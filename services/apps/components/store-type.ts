import type { Db, Trx } from '../../db';
import type { NoticeThirdParty } from './disclosure';
import type { AppSdk } from './schemas';

/** The third parties of the latest published notice of one scope of a purpose (appId null: the general notice). */
export interface PublishedThirdParties {
  readonly purposeKey: string;
  readonly appId: string | null;
  readonly thirdParties: readonly NoticeThirdParty[];
}

/**
 * What the component service needs of the apps' third-party components (store.ts on the database,
 * fake-store.ts in memory). A component is declared once per app, release, name and version (a
 * second insert fails as a unique violation); whether it needs approval is derived from what it
 * collects and its approval. The notices that disclose components, and the apps in service, are
 * read from other features' tables.
 */
export interface AppSdkStoreType {
  /** The components of the given apps, by release, name, version and id. */
  list(appIds: readonly string[], trx?: Db | Trx): Promise<AppSdk[]>;
  /** With `forUpdate`, locks the component until the transaction ends. */
  find(appId: string, id: string, trx?: Db | Trx, forUpdate?: boolean): Promise<AppSdk | undefined>;
  count(trx: Trx, appId: string): Promise<number>;
  exists(trx: Trx, appId: string, sdk: Pick<AppSdk, 'release' | 'name' | 'version'>): Promise<boolean>;
  /** Inserts the declaration, not yet approved. */
  insert(trx: Trx, sdk: AppSdk): Promise<void>;
  approve(trx: Trx, id: string, by: string, at: string): Promise<void>;
  /** The third parties of the latest published general notice of each purpose, and of each of these apps' own. */
  publishedThirdParties(purposeKeys: readonly string[], appIds: readonly string[], trx?: Db | Trx): Promise<PublishedThirdParties[]>;
  /** Apps in service (released, operating or consolidating), by name. */
  appsInService(): Promise<Array<{ id: string }>>;
}
