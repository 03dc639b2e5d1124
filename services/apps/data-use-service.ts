import type { Clock } from '../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { Transactor } from '../db';
import { ConflictError, ValidationError, isUniqueViolation } from '../shared/errors';
import { decodeUuidCursor, type Page } from '../shared/schemas';
import { isLive } from './lifecycle';
import type { PurposeDirectory } from './lifecycle-service';
import type { PublishedNoticeLookup } from './release-gate';
import type { AppDataUse, CreateAppDataUse, SubResourceQuery } from './schemas';
import { appNotFound, appRetired, lockChangeableApp, pageOf, staffSubject } from './service';
import type { AppStoreType } from './store-type';

/** What data uses need to know about a data asset: whether it is live, and its live fields. */
export interface AssetDirectory {
  asset(
    idOrKey: string,
  ): Promise<
    { id: string; key: string; status: string; fields: ReadonlyArray<{ readonly name: string; readonly status: string }> } | undefined
  >;
}

const dataUseExists = (asset: string, purpose: string) =>
  new ConflictError('data_use_exists', `The app already records a use of ${asset} for ${purpose}`);

/** Which data each app processes and why: live fields of a live asset, for an active purpose. */
export class AppDataUseService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppStoreType,
    private readonly audit: AuditRecorder,
    private readonly assets: AssetDirectory,
    private readonly purposes: PurposeDirectory,
    private readonly notices: PublishedNoticeLookup,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a data use. An app already in service may take on a consent-based purpose only once a
   * published notice covers it (the same rule its release had to meet).
   */
  async add(ctx: ChangeContext, appId: string, input: CreateAppDataUse): Promise<AppDataUse> {
    const by = staffSubject(ctx);
    const app = await this.store.find(appId);
    if (!app) throw appNotFound(appId);
    if (app.lifecycleState === 'retired') throw appRetired(app.name);
    // Other features first: PGlite has one connection, held by the transaction below.
    const asset = await this.assets.asset(input.asset);
    if (!asset || asset.status !== 'active') throw ValidationError.field('body.asset', 'unknown or retired data asset');
    const fields = [...new Set(input.fields)];
    if (fields.length !== input.fields.length) throw ValidationError.field('body.fields', 'lists a field twice');
    const live = new Set(asset.fields.filter((f) => f.status === 'active').map((f) => f.name));
    const notLive = fields.filter((f) => !live.has(f));
    if (notLive.length > 0) throw ValidationError.field('body.fields', `not live fields of ${asset.key}: ${notLive.join(', ')}`);
    const purpose = await this.purposes.purpose(input.purpose);
    if (!purpose || purpose.status !== 'active') throw ValidationError.field('body.purpose', 'unknown or retired purpose');
    const consent = purpose.legalBasis === 'consent';
    const noticePublished = consent && (await this.notices.hasPublishedNotice(purpose.key, appId));

    const use: AppDataUse = {
      id: crypto.randomUUID(),
      appId,
      asset: { id: asset.id, key: asset.key },
      fields,
      purpose: purpose.key,
      createdBy: by,
      createdAt: this.clock.now().toISOString(),
    };
    return this.db.transaction(async (trx) => {
      const locked = await lockChangeableApp(this.store, trx, appId);
      if (consent && !noticePublished && isLive(locked.lifecycleState)) {
        throw new ConflictError(
          'consent_notice_missing',
          `The app is ${locked.lifecycleState}; purpose ${purpose.key} rests on consent and has no published notice yet`,
        );
      }
      if (await this.store.findDataUse(trx, appId, asset.id, purpose.key)) throw dataUseExists(asset.key, purpose.key);
      try {
        await this.store.insertDataUse(trx, use);
      } catch (err) {
        if (isUniqueViolation(err)) throw dataUseExists(asset.key, purpose.key);
        throw err;
      }
      await this.audit.record(trx, ctx, {
        action: 'app.data_use_added',
        objectType: 'app',
        objectId: appId,
        details: { dataUse: use, legalBasis: purpose.legalBasis },
      });
      return use;
    });
  }

  async list(appId: string, query: SubResourceQuery): Promise<Page<AppDataUse>> {
    if (!(await this.store.find(appId))) throw appNotFound(appId);
    return pageOf(await this.store.dataUsesOf(appId, decodeUuidCursor(query.cursor), query.limit + 1), query.limit);
  }
}
