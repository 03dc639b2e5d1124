import type { Clock } from '../../platform/clock';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor } from '../../db';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { decodeUuidCursor, type Page } from '../../shared/schemas';
import { penetrationTestCutoff } from '../release-gate';
import { appNotFound, lockChangeableApp, pageOf, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import type { Continuity, CreateOutage, Outage, OutageQuery, SetContinuity } from './schemas';
import type { ContinuityRecord, ContinuityStoreType, OutageRecord } from './store-type';

// Dates carry no time zone: a drill held "today" in UTC+14 must not be refused as a future date.
const LATEST_ZONE_OFFSET_MS = 14 * 3_600_000;

/** The 12-month drill window ends where the penetration-test window does: the same calendar rule. */
export const drillCutoff = (now: Date): string => penetrationTestCutoff(now.toISOString().slice(0, 10));

const withDrillCurrency = (c: ContinuityRecord, now: Date): Continuity => ({
  ...c,
  drillCurrent: c.lastDrill !== null && c.lastDrill.result === 'passed' && c.lastDrill.on >= drillCutoff(now),
});

const profileFacts = (c: ContinuityRecord) => ({
  tier: c.tier,
  rtoMinutes: c.rtoMinutes,
  rpoMinutes: c.rpoMinutes,
  planReference: c.planReference,
  lastDrill: c.lastDrill,
});

const durationMinutes = (o: Pick<OutageRecord, 'startedAt' | 'endedAt'>): number =>
  (Date.parse(o.endedAt) - Date.parse(o.startedAt)) / 60_000;

export const outageView = (o: OutageRecord): Outage => ({
  ...o,
  durationMinutes: durationMinutes(o),
  exceedsRto: durationMinutes(o) > o.rtoMinutes,
});

const noProfile = (appName: string) =>
  new ConflictError(
    'continuity_profile_missing',
    `The app ${appName} has no continuity profile yet; set its tier and RTO before recording outages`,
  );

/** The Notice, item 6: each app's importance tier, recovery objectives, plan and drills, and its outages against the RTO. */
export class ContinuityService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: ContinuityStoreType,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async set(ctx: ChangeContext, appId: string, input: SetContinuity): Promise<Continuity> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    if (input.lastDrill && input.lastDrill.on > new Date(now.getTime() + LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10)) {
      throw ValidationError.field('body.lastDrill.on', 'must not be in the future');
    }
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = (await this.store.profile(appId, trx)) ?? null;
      const after: ContinuityRecord = { appId, ...input, setBy: by, setAt: now.toISOString() };
      await this.store.saveProfile(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'app.continuity_set',
        objectType: 'app',
        objectId: appId,
        details: { before: before ? profileFacts(before) : null, after: profileFacts(after) },
      });
      return withDrillCurrency(after, now);
    });
  }

  async get(appId: string): Promise<Continuity> {
    const app = await this.apps.find(appId);
    if (!app) throw appNotFound(appId);
    const profile = await this.store.profile(appId);
    if (!profile) throw new NotFoundError(`The app ${app.name} has no continuity profile yet`);
    return withDrillCurrency(profile, this.clock.now());
  }

  async recordOutage(ctx: ChangeContext, appId: string, input: CreateOutage): Promise<Outage> {
    const by = staffSubject(ctx);
    const now = this.clock.now();
    const startedAt = new Date(input.startedAt);
    const endedAt = new Date(input.endedAt);
    if (endedAt <= startedAt) throw ValidationError.field('body.endedAt', 'must be after startedAt');
    if (endedAt > now) throw ValidationError.field('body.endedAt', 'must not be in the future');
    return this.db.transaction(async (trx) => {
      const app = await lockChangeableApp(this.apps, trx, appId);
      const profile = await this.store.profile(appId, trx);
      if (!profile) throw noProfile(app.name);
      const outage: OutageRecord = {
        id: crypto.randomUUID(),
        appId,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        impact: input.impact,
        cause: input.cause,
        rtoMinutes: profile.rtoMinutes,
        recordedBy: by,
        recordedAt: now.toISOString(),
      };
      await this.store.insertOutage(trx, outage);
      const view = outageView(outage);
      await this.audit.record(trx, ctx, {
        action: 'app.outage_recorded',
        objectType: 'app_outage',
        objectId: outage.id,
        details: {
          appId,
          startedAt: outage.startedAt,
          endedAt: outage.endedAt,
          rtoMinutes: outage.rtoMinutes,
          exceedsRto: view.exceedsRto,
        },
      });
      return view;
    });
  }

  async listOutages(appId: string, query: OutageQuery): Promise<Page<Outage>> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
    const exceedsRto = query.exceedsRto === undefined ? undefined : query.exceedsRto === 'true';
    const rows = await this.store.outagesOf(appId, { exceedsRto, afterId: decodeUuidCursor(query.cursor) }, query.limit + 1);
    const page = pageOf(rows, query.limit);
    return { items: page.items.map(outageView), nextCursor: page.nextCursor };
  }
}
