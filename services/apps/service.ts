import type { Clock } from '../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../audit';
import type { Transactor, Trx } from '../db';
import type { DepartmentService } from '../departments';
import { ConflictError, ForbiddenError, NotFoundError, isUniqueViolation } from '../shared/errors';
import type { DepartmentAccess } from '../http/route';
import { decodeUuidCursor, pageFrom, type Page } from '../shared/schemas';
import { isLive } from './lifecycle';
import type { App, AppDetail, AppQuery, CreateApp, UpdateApp } from './schemas';
import type { AppStoreType } from './store-type';

export const appNotFound = (id: string) => new NotFoundError(`No app ${id}`);
export const appRetired = (name: string) =>
  new ConflictError('app_retired', `The app ${name} is retired; its ledger entry can no longer change`);
const nameTaken = (name: string) => new ConflictError('app_name_taken', `An app named ${name} is already in the ledger`);

/** The staff member making a change (apps are managed by staff only; the demo seed acts as `system:seed`). */
export function staffSubject(ctx: ChangeContext): string {
  if (ctx.actor.kind === 'system') return `system:${ctx.actor.name}`;
  if (ctx.actor.kind !== 'staff') throw new ForbiddenError('Only staff manage the app ledger');
  return ctx.actor.subject;
}

/** Locks an app for a change inside `trx`: 404 when unknown, 409 once retired. */
export async function lockChangeableApp(store: Pick<AppStoreType, 'find'>, trx: Trx, id: string): Promise<App> {
  const app = await store.find(id, trx, true);
  if (!app) throw appNotFound(id);
  if (app.lifecycleState === 'retired') throw appRetired(app.name);
  return app;
}

/** A page of ledger records (apps, plans, warnings…), the next page starting after the last one's id. */
export const pageOf = <T extends { id: string }>(rows: T[], limit: number): Page<T> => pageFrom(rows, limit, (last) => last.id);

/** A rule on a new proposal, run in its transaction once the app is inserted. */
export type ProposalCheck = (trx: Trx, ctx: ChangeContext, app: App, input: CreateApp) => Promise<void>;
/** A rule on a change to a ledger entry, run in its transaction once the entry is updated. */
export type UpdateCheck = (trx: Trx, before: App, after: App) => Promise<void>;

/** The ledger entries: who owns each app, where it is and what it is made of. */
export class AppService {
  constructor(
    private readonly db: Transactor,
    private readonly store: AppStoreType,
    private readonly audit: AuditRecorder,
    private readonly departments: Pick<DepartmentService, 'requireExisting'>,
    /** Run in the proposal's transaction after the app is inserted (plans, caps, overlaps); a throw refuses the proposal. */
    private readonly proposalChecks: readonly ProposalCheck[] = [],
    /** Run in a change's transaction after the entry is updated (a planned app's department and scenarios, caps). */
    private readonly updateChecks: readonly UpdateCheck[] = [],
    private readonly clock: Clock,
  ) {}

  /** The department that owns the app (for route permission scopes); 404 when there is no such app. */
  async departmentOf(id: string): Promise<string> {
    const department = await this.store.owningDepartment(id);
    if (department === undefined) throw appNotFound(id);
    return department;
  }

  async create(ctx: ChangeContext, input: CreateApp): Promise<App> {
    const createdBy = staffSubject(ctx);
    await this.departments.requireExisting([input.leadDepartment], 'body.leadDepartment');
    await this.departments.requireExisting([input.owningDepartment], 'body.owningDepartment');
    const now = this.clock.now().toISOString();
    const app: App = {
      id: crypto.randomUUID(),
      name: input.name,
      kind: input.kind,
      platform: input.platform ?? null,
      audience: input.audience,
      leadDepartment: input.leadDepartment,
      owningDepartment: input.owningDepartment,
      responsiblePerson: input.responsiblePerson,
      businessOwner: input.businessOwner ?? null,
      technologyOwner: input.technologyOwner ?? null,
      filingNumber: input.filingNumber ?? null,
      monthlyActiveUsers: input.monthlyActiveUsers ?? 0,
      satisfaction: input.satisfaction ?? null,
      businessScenarios: distinct(input.businessScenarios ?? []),
      thirdPartySdks: sdks(input.thirdPartySdks ?? []),
      lifecycleState: 'proposed',
      createdBy,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.transaction(async (trx) => {
      await this.writeOrConflict(app, () => this.store.insert(trx, app));
      await this.audit.record(trx, ctx, { action: 'app.created', objectType: 'app', objectId: app.id, details: { after: app } });
      for (const check of this.proposalChecks) await check(trx, ctx, app, input);
    });
    return app;
  }

  /**
   * Changes ledger fields. Moving the app to another owning department needs the permission there
   * too; an app in service keeps its filing number.
   */
  async update(ctx: ChangeContext, id: string, input: UpdateApp, access: DepartmentAccess): Promise<App> {
    staffSubject(ctx);
    if (input.leadDepartment !== undefined) await this.departments.requireExisting([input.leadDepartment], 'body.leadDepartment');
    if (input.owningDepartment !== undefined) {
      await this.departments.requireExisting([input.owningDepartment], 'body.owningDepartment');
      if (!access.all && !access.departments.includes(input.owningDepartment)) {
        throw new ForbiddenError(`Moving the app to ${input.owningDepartment} needs the permission app:update there`);
      }
    }
    return this.db.transaction(async (trx) => {
      const before = await lockChangeableApp(this.store, trx, id);
      if (input.filingNumber === null && isLive(before.lifecycleState)) {
        throw new ConflictError('filing_number_required', `The app is ${before.lifecycleState}; an app in service keeps its filing number`);
      }
      const after: App = {
        ...before,
        name: input.name ?? before.name,
        kind: input.kind ?? before.kind,
        platform: input.platform === undefined ? before.platform : input.platform,
        audience: input.audience ?? before.audience,
        leadDepartment: input.leadDepartment ?? before.leadDepartment,
        owningDepartment: input.owningDepartment ?? before.owningDepartment,
        responsiblePerson: input.responsiblePerson ?? before.responsiblePerson,
        businessOwner: input.businessOwner ?? before.businessOwner,
        technologyOwner: input.technologyOwner ?? before.technologyOwner,
        filingNumber: input.filingNumber === undefined ? before.filingNumber : input.filingNumber,
        monthlyActiveUsers: input.monthlyActiveUsers ?? before.monthlyActiveUsers,
        satisfaction: input.satisfaction === undefined ? before.satisfaction : input.satisfaction,
        businessScenarios: input.businessScenarios === undefined ? before.businessScenarios : distinct(input.businessScenarios),
        thirdPartySdks: input.thirdPartySdks === undefined ? before.thirdPartySdks : sdks(input.thirdPartySdks),
        updatedAt: this.clock.now().toISOString(),
      };
      await this.writeOrConflict(after, () => this.store.update(trx, after));
      for (const check of this.updateChecks) await check(trx, before, after);
      await this.audit.record(trx, ctx, { action: 'app.updated', objectType: 'app', objectId: id, details: { before, after } });
      return after;
    });
  }

  async get(id: string): Promise<AppDetail> {
    const app = await this.store.find(id);
    if (!app) throw appNotFound(id);
    return { ...app, transitions: await this.store.transitionsOf(id) };
  }

  /** Apps of the departments the caller may read, by name. */
  async list(query: AppQuery, access: DepartmentAccess): Promise<Page<App>> {
    if (!access.all && access.departments.length === 0) return { items: [], nextCursor: null };
    const rows = await this.store.list(
      {
        kind: query.kind,
        audience: query.audience,
        lifecycleState: query.lifecycleState,
        owningDepartment: query.owningDepartment,
        leadDepartment: query.leadDepartment,
        businessScenario: query.businessScenario,
        departments: access.all ? undefined : access.departments,
        afterId: decodeUuidCursor(query.cursor),
      },
      query.limit + 1,
    );
    return pageOf(rows, query.limit);
  }

  /** Runs a write that may hit the case-insensitive unique name index; the 409 rolls the whole change back. */
  private async writeOrConflict(app: App, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken(app.name);
      throw err;
    }
  }
}

const distinct = (tags: readonly string[]): string[] => [...new Set(tags)];

const sdks = (input: ReadonlyArray<{ name: string; vendor?: string; purpose?: string }>): App['thirdPartySdks'] =>
  input.map((s) => ({ name: s.name, vendor: s.vendor ?? null, purpose: s.purpose ?? null }));
