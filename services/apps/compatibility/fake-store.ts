import type { Finding } from '../../reports/compliance-check';
import type { AppStoreType } from '../store-type';
import type { CompatibilityResult, OperatingEnvironment } from './schemas';
import type { CompatibilityStoreType, SupportedRecord } from './store-type';

/** Text in the database's byte order. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const envKey = (e: { platform: string; version: string }) => `${e.platform} ${e.version}`;

/** Supported environments, compatibility results and the end-of-support register in memory, for fast tests; reads the apps from `apps`. */
export class FakeCompatibilityStore implements CompatibilityStoreType {
  readonly declared: Array<SupportedRecord & { appId: string }> = [];
  readonly recorded: Array<CompatibilityResult & { appId: string }> = [];
  readonly register = new Map<string, OperatingEnvironment>();

  constructor(private readonly apps: Pick<AppStoreType, 'live'>) {}

  async supported(appId: string): Promise<SupportedRecord[]> {
    return this.declared
      .filter((s) => s.appId === appId)
      .sort(
        (a, b) =>
          byText(b.declaredAt, a.declaredAt) ||
          byText(a.release, b.release) ||
          byText(a.platform, b.platform) ||
          byText(a.version, b.version),
      )
      .map(({ appId: _appId, ...s }) => ({ ...s }));
  }

  async replaceSupported(_trx: unknown, appId: string, release: string, rows: readonly SupportedRecord[]): Promise<void> {
    const kept = this.declared.filter((s) => !(s.appId === appId && s.release === release));
    this.declared.splice(0, this.declared.length, ...kept, ...rows.map((r) => ({ ...r, appId, release })));
  }

  async results(appId: string): Promise<CompatibilityResult[]> {
    return this.recorded
      .filter((r) => r.appId === appId)
      .sort((a, b) => byText(b.testedOn, a.testedOn) || byText(b.recordedAt, a.recordedAt) || byText(a.id, b.id))
      .map(({ appId: _appId, ...r }) => ({ ...r }));
  }

  async insertResult(_trx: unknown, appId: string, result: CompatibilityResult): Promise<void> {
    this.recorded.push({ ...result, appId });
  }

  async environments(): Promise<OperatingEnvironment[]> {
    return [...this.register.values()]
      .sort((a, b) => byText(a.platform, b.platform) || byText(a.version, b.version))
      .map((e) => ({ ...e }));
  }

  async environment(_trx: unknown, platform: string, version: string): Promise<OperatingEnvironment | undefined> {
    const environment = this.register.get(envKey({ platform, version }));
    return environment && { ...environment };
  }

  async setEnvironment(_trx: unknown, environment: OperatingEnvironment): Promise<void> {
    this.register.set(envKey(environment), { ...environment });
  }

  async inServiceSupportingEnded(today: string): Promise<Finding> {
    const inService = await this.apps.live();
    const offending = inService.filter((app) => {
      const mine = this.declared.filter((s) => s.appId === app.id);
      const current = mine.sort((a, b) => byText(b.declaredAt, a.declaredAt) || byText(a.release, b.release))[0]?.release;
      return mine.some((s) => {
        const end = this.register.get(envKey(s))?.endOfSupport;
        return s.release === current && end !== undefined && end < today;
      });
    });
    return { examined: inService.length, count: offending.length, examples: offending.slice(0, 10).map((a) => a.id) };
  }
}
