import type { Clock } from '../../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Db, Transactor, Trx } from '../../db';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { Finding } from '../../reports/compliance-check';
import { SeparationOfDutiesError } from '../lifecycle';
import type { PurposeDirectory } from '../lifecycle-service';
import type { UnmetRequirement } from '../release-gate';
import { appNotFound, lockChangeableApp, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import { disclosesComponent } from './disclosure';
import { MAX_SDKS_PER_APP, type AppSdk, type AppSdkList, type ApproveAppSdk, type DeclareAppSdk } from './schemas';
import type { AppSdkStoreType } from './store-type';

/** Whether a vendor is registered. */
export interface VendorDirectory {
  exists(id: string): Promise<boolean>;
}

const sdkNotFound = (id: string) => new NotFoundError(`No component ${id} is declared for this app`);
const label = (s: AppSdk) => `${s.name} ${s.version} (${s.provider}, release ${s.release})`;
const collects = (s: AppSdk) => s.piCategories.length > 0;

/** What is wrong with each PI-collecting component of the apps: unapproved, or disclosed by no published notice of its purpose. */
export interface ComponentGap {
  readonly sdk: AppSdk;
  readonly unapproved: boolean;
  readonly undisclosed: boolean;
}

/** Third-party components (SDKs) per app and release: app managers declare, privacy officers approve PI collection. */
export class AppSdkService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: AppSdkStoreType,
    private readonly audit: AuditRecorder,
    private readonly purposes: PurposeDirectory,
    private readonly vendors: VendorDirectory,
    private readonly clock: Clock,
  ) {}

  async declare(ctx: ChangeContext, appId: string, input: DeclareAppSdk): Promise<AppSdk> {
    const by = staffSubject(ctx);
    if (input.purpose !== undefined && (await this.purposes.purpose(input.purpose)) === undefined) {
      throw new ValidationError(`body.purpose: no purpose ${input.purpose}`, [{ path: 'body.purpose', message: 'unknown purpose' }]);
    }
    if (input.vendorId !== undefined && !(await this.vendors.exists(input.vendorId))) {
      throw new ValidationError(`body.vendorId: no vendor ${input.vendorId}`, [{ path: 'body.vendorId', message: 'unknown vendor' }]);
    }
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      if (await this.store.exists(trx, appId, input)) {
        throw new ConflictError('sdk_already_declared', `${input.name} ${input.version} is already declared for release ${input.release}`);
      }
      if ((await this.store.count(trx, appId)) >= MAX_SDKS_PER_APP) {
        throw new ConflictError('too_many_sdks', `An app declares at most ${MAX_SDKS_PER_APP} components`);
      }
      const sdk: AppSdk = {
        id: crypto.randomUUID(),
        appId,
        release: input.release,
        name: input.name,
        provider: input.provider,
        version: input.version,
        piCategories: input.piCategories,
        purpose: input.purpose ?? null,
        contractCovered: input.contractCovered,
        vendorId: input.vendorId ?? null,
        declaredBy: by,
        declaredAt: this.clock.now().toISOString(),
        approvedBy: null,
        approvedAt: null,
        needsApproval: input.piCategories.length > 0,
      };
      await this.store.insert(trx, sdk);
      const { needsApproval, ...recorded } = sdk;
      await this.audit.record(trx, ctx, {
        action: 'app.sdk_declared',
        objectType: 'app',
        objectId: appId,
        details: { ...recorded, needsApproval },
      });
      return sdk;
    });
  }

  /** A privacy officer approves a PI-collecting component's collection; whoever declared it cannot. */
  async approve(ctx: ChangeContext, appId: string, sdkId: string, input: ApproveAppSdk): Promise<AppSdk> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const sdk = await this.store.find(appId, sdkId, trx, true);
      if (!sdk) throw sdkNotFound(sdkId);
      if (!collects(sdk))
        throw new ConflictError('sdk_collects_no_pi', `${label(sdk)} collects no personal information; there is nothing to approve`);
      if (sdk.approvedBy !== null) throw new ConflictError('sdk_already_approved', `${label(sdk)} was approved by ${sdk.approvedBy}`);
      if (sdk.declaredBy === by) {
        throw new SeparationOfDutiesError(`Separation of duties: ${by} declared ${label(sdk)}, so another privacy officer approves it`, {
          sdkId,
        });
      }
      const at = this.clock.now().toISOString();
      await this.store.approve(trx, sdkId, by, at);
      await this.audit.record(trx, ctx, {
        action: 'app.sdk_approved',
        objectType: 'app',
        objectId: appId,
        details: {
          sdkId,
          name: sdk.name,
          version: sdk.version,
          release: sdk.release,
          piCategories: sdk.piCategories,
          purpose: sdk.purpose,
          note: input.note ?? null,
        },
      });
      return { ...sdk, approvedBy: by, approvedAt: at, needsApproval: false };
    });
  }

  async list(appId: string): Promise<AppSdkList> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
    return { items: await this.store.list([appId]) };
  }

  /** Each PI-collecting component of the apps that is unapproved or undisclosed (the app's own notice or the purpose's general one). */
  async gaps(appIds: readonly string[], trx?: Db | Trx): Promise<ComponentGap[]> {
    const collecting = (await this.store.list(appIds, trx)).filter(collects);
    const purposes = [...new Set(collecting.map((s) => s.purpose).filter((p): p is string => p !== null))];
    const notices = await this.store.publishedThirdParties(purposes, appIds, trx);
    return collecting
      .map((sdk) => {
        const applicable = notices.filter((n) => n.purposeKey === sdk.purpose && (n.appId === null || n.appId === sdk.appId));
        return { sdk, unapproved: sdk.approvedBy === null, undisclosed: !applicable.some((n) => disclosesComponent(n.thirdParties, sdk)) };
      })
      .filter((g) => g.unapproved || g.undisclosed);
  }

  /** The release gate's part: every PI-collecting component of the app approved and disclosed, each gap named. */
  async releaseRequirements(trx: Trx, appId: string): Promise<UnmetRequirement[]> {
    const unmet: UnmetRequirement[] = [];
    for (const g of await this.gaps([appId], trx)) {
      const what = `collects ${g.sdk.piCategories.join(', ')} for ${g.sdk.purpose}`;
      if (g.unapproved)
        unmet.push({
          requirement: 'sdk_unapproved',
          sdkId: g.sdk.id,
          detail: `Component ${label(g.sdk)} ${what} without a privacy officer’s approval`,
        });
      if (g.undisclosed) {
        unmet.push({
          requirement: 'sdk_undisclosed',
          sdkId: g.sdk.id,
          detail: `Component ${label(g.sdk)} ${what} and no published notice of the purpose discloses it`,
        });
      }
    }
    return unmet;
  }

  /** Of the apps in service, those with an unapproved or undisclosed PI-collecting component (examples: app ids). */
  async inServiceWithUnclearedComponents(): Promise<Finding> {
    const apps = await this.store.appsInService();
    const offending = new Set((await this.gaps(apps.map((a) => a.id))).map((g) => g.sdk.appId));
    const ids = apps.map((a) => a.id).filter((id) => offending.has(id));
    return { examined: apps.length, count: ids.length, examples: ids.slice(0, 10) };
  }
}
