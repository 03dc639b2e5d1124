import type { Clock } from '../../platform/clock';
import crypto from 'node:crypto';
import type { AuditRecorder, ChangeContext } from '../../audit';
import type { Transactor, Trx } from '../../db';
import { ConflictError } from '../../shared/errors';
import type { Finding } from '../../reports/compliance-check';
import type { UnmetRequirement } from '../release-gate';
import { appNotFound, lockChangeableApp, staffSubject } from '../service';
import type { AppStoreType } from '../store-type';
import type {
  AppCompatibility,
  CompatibilityResult,
  DeclareSupportedEnvironments,
  OperatingEnvironment,
  RecordCompatibilityResult,
  SetOperatingEnvironment,
  SupportedEnvironment,
} from './schemas';
import type { CompatibilityStoreType, SupportedRecord } from './store-type';

const envName = (e: { platform: string; version: string }) => `${e.platform} ${e.version}`;

/** The most recent result per release and environment: latest test date, then latest recorded. */
function latestResults(results: readonly CompatibilityResult[]): Map<string, CompatibilityResult> {
  const latest = new Map<string, CompatibilityResult>();
  for (const r of results) {
    const key = `${r.release}\u0000${envName(r)}`;
    const seen = latest.get(key);
    if (!seen || r.testedOn > seen.testedOn || (r.testedOn === seen.testedOn && r.recordedAt > seen.recordedAt)) latest.set(key, r);
  }
  return latest;
}

/** Supported OS/platform versions per app release, compatibility results per environment, and the end-of-support register. */
export class CompatibilityService {
  constructor(
    private readonly db: Transactor,
    private readonly apps: Pick<AppStoreType, 'find'>,
    private readonly store: CompatibilityStoreType,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async declareSupported(ctx: ChangeContext, appId: string, input: DeclareSupportedEnvironments): Promise<AppCompatibility> {
    const by = staffSubject(ctx);
    await this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const before = (await this.store.supported(appId, trx)).filter((s) => s.release === input.release).map(envName);
      const at = this.clock.now().toISOString();
      const rows: SupportedRecord[] = input.environments.map((e) => ({
        release: input.release,
        platform: e.platform,
        version: e.version,
        declaredBy: by,
        declaredAt: at,
      }));
      await this.store.replaceSupported(trx, appId, input.release, rows);
      await this.audit.record(trx, ctx, {
        action: 'app.supported_environments_declared',
        objectType: 'app',
        objectId: appId,
        details: { release: input.release, before, after: rows.map(envName) },
      });
    });
    return this.view(appId);
  }

  async recordResult(ctx: ChangeContext, appId: string, input: RecordCompatibilityResult): Promise<CompatibilityResult> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      await lockChangeableApp(this.apps, trx, appId);
      const supported = (await this.store.supported(appId, trx)).some(
        (s) => s.release === input.release && s.platform === input.platform && s.version === input.version,
      );
      if (!supported) {
        throw new ConflictError(
          'environment_not_supported',
          `Release ${input.release} does not declare ${envName(input)} as supported; declare it first`,
        );
      }
      const result: CompatibilityResult = {
        id: crypto.randomUUID(),
        release: input.release,
        platform: input.platform,
        version: input.version,
        result: input.result,
        testedOn: input.testedOn,
        reportReference: input.reportReference ?? null,
        recordedBy: by,
        recordedAt: this.clock.now().toISOString(),
      };
      await this.store.insertResult(trx, appId, result);
      await this.audit.record(trx, ctx, {
        action: 'app.compatibility_result_recorded',
        objectType: 'app',
        objectId: appId,
        details: { ...result },
      });
      return result;
    });
  }

  async view(appId: string): Promise<AppCompatibility> {
    if (!(await this.apps.find(appId))) throw appNotFound(appId);
    const [supportedRows, results, environments] = [
      await this.store.supported(appId),
      await this.store.results(appId),
      await this.store.environments(),
    ];
    const latest = latestResults(results);
    const ends = new Map(environments.map((e) => [envName(e), e.endOfSupport]));
    const now = this.clock.now().toISOString().slice(0, 10);
    const supported: SupportedEnvironment[] = supportedRows.map((s) => {
      const endOfSupport = ends.get(envName(s)) ?? null;
      return {
        ...s,
        latestResult: latest.get(`${s.release}\u0000${envName(s)}`)?.result ?? null,
        endOfSupport,
        pastEndOfSupport: endOfSupport !== null && endOfSupport < now,
      };
    });
    const currentRelease = supportedRows[0]?.release ?? null;
    const warnings = supported
      .filter((s) => s.release === currentRelease && s.pastEndOfSupport)
      .map((s) => `Release ${s.release} still supports ${envName(s)}, past its end of support on ${s.endOfSupport}`);
    return { appId, currentRelease, supported, results, warnings };
  }

  /** The release gate's part: no supported environment of the current release whose most recent result is a fail. */
  async releaseRequirements(trx: Trx, appId: string): Promise<UnmetRequirement[]> {
    const supported = await this.store.supported(appId, trx);
    const current = supported[0]?.release;
    if (current === undefined) return [];
    const latest = latestResults(await this.store.results(appId, trx));
    return supported
      .filter((s) => s.release === current && latest.get(`${current}\u0000${envName(s)}`)?.result === 'fail')
      .map((s) => {
        const failed = latest.get(`${current}\u0000${envName(s)}`) as CompatibilityResult;
        return {
          requirement: 'compatibility_failed' as const,
          environment: envName(s),
          detail: `Release ${current} failed its compatibility test on ${envName(s)} (${failed.testedOn})`,
        };
      });
  }

  environments(): Promise<OperatingEnvironment[]> {
    return this.store.environments();
  }

  async setEnvironment(ctx: ChangeContext, input: SetOperatingEnvironment): Promise<OperatingEnvironment> {
    const by = staffSubject(ctx);
    return this.db.transaction(async (trx) => {
      const before = await this.store.environment(trx, input.platform, input.version);
      const after: OperatingEnvironment = { ...input, setBy: by, setAt: this.clock.now().toISOString() };
      if (before?.endOfSupport === after.endOfSupport) return before;
      await this.store.setEnvironment(trx, after);
      await this.audit.record(trx, ctx, {
        action: 'operating_environment.set',
        objectType: 'operating_environment',
        objectId: envName(input),
        details: { before: before?.endOfSupport ?? null, after: after.endOfSupport },
      });
      return after;
    });
  }

  /** Of the apps in service, those whose current release still supports an environment past its end of support. */
  inServiceSupportingEnded(now = this.clock.now()): Promise<Finding> {
    return this.store.inServiceSupportingEnded(now.toISOString().slice(0, 10));
  }
}
