import crypto from 'node:crypto';
import { FakeCompatibilityStore } from '../../services/apps/compatibility/fake-store';
import type { RecordCompatibilityResult } from '../../services/apps/compatibility/schemas';
import { CompatibilityService } from '../../services/apps/compatibility/service';
import { FakeAppStore } from '../../services/apps/fake-store';
import { ManualClock } from '../../services/platform/clock';
import { inFakeTransaction, putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const DAY = 86_400_000;

type Environment = { platform: string; version: string };
const env = (name: string): Environment => {
  const [platform, version] = name.split(' ');
  return { platform, version };
};

function world() {
  const clock = new ManualClock(NOW);
  const dateDaysAgo = (n: number) => new Date(clock.now().getTime() - n * DAY).toISOString().slice(0, 10);
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeCompatibilityStore(apps);
  const service = new CompatibilityService(tx, apps, store, audit, clock);
  const app = putApp(apps);
  /** Declares the release's environments as amy, a second after whatever was declared before. */
  const declare = (appId: string, release: string, environments: string[]) => {
    clock.advance(1000);
    return service.declareSupported(staff('amy'), appId, { release, environments: environments.map(env) });
  };
  const result = (appId: string, release: string, environment: string, outcome: 'pass' | 'fail', testedDaysAgo = 1) => {
    clock.advance(1000);
    const input: RecordCompatibilityResult = { release, ...env(environment), result: outcome, testedOn: dateDaysAgo(testedDaysAgo) };
    return service.recordResult(staff('amy'), appId, input);
  };
  const gate = (appId: string) => inFakeTransaction((trx) => service.releaseRequirements(trx, appId));
  return { clock, dateDaysAgo, tx, audit, apps, store, service, app, declare, result, gate };
}

describe('supported environments (in memory)', () => {
  it('are declared per release, replacing that release’s list, audited with before and after; the release declared last is current', async () => {
    const { service, app, declare, audit, clock } = world();
    const first = await declare(app.id, '5.2.0', ['ios 17', 'android 14']);
    expect(first).toMatchObject({ appId: app.id, currentRelease: '5.2.0', results: [], warnings: [] });
    expect(first.supported).toEqual([
      {
        release: '5.2.0',
        platform: 'android',
        version: '14',
        declaredBy: 'amy',
        declaredAt: clock.now().toISOString(),
        latestResult: null,
        endOfSupport: null,
        pastEndOfSupport: false,
      },
      expect.objectContaining({ platform: 'ios', version: '17' }),
    ]);
    expect((await declare(app.id, '5.2.0', ['android 14'])).supported).toHaveLength(1);
    const next = await declare(app.id, '6.0', ['android 15']);
    expect(next.currentRelease).toBe('6.0');
    expect(next.supported.map((s) => [s.release, `${s.platform} ${s.version}`])).toEqual([
      ['6.0', 'android 15'],
      ['5.2.0', 'android 14'],
    ]);
    expect(await service.view(app.id)).toEqual(next);
    expect(audit.events.map((e) => [e.action, e.objectType, e.objectId, e.actorId])).toEqual(
      Array(3).fill(['app.supported_environments_declared', 'app', app.id, 'amy']),
    );
    expect(audit.events.map((e) => e.details)).toEqual([
      { release: '5.2.0', before: [], after: ['ios 17', 'android 14'] },
      { release: '5.2.0', before: ['android 14', 'ios 17'], after: ['android 14'] },
      { release: '6.0', before: [], after: ['android 15'] },
    ]);
  });

  it('answer 404 for an unknown app and 409 for a retired one', async () => {
    const { service, apps, declare, result, audit } = world();
    const unknown = crypto.randomUUID();
    expect((await problemOf(declare(unknown, '1', ['ios 17']))).toProblem()).toMatchObject({ status: 404, code: 'not_found' });
    expect(await problemCode(service.view(unknown))).toBe('not_found');
    const retired = putApp(apps, { lifecycleState: 'retired' });
    expect((await problemOf(declare(retired.id, '1', ['ios 17']))).toProblem()).toMatchObject({ status: 409, code: 'app_retired' });
    expect(await problemCode(result(retired.id, '1', 'ios 17', 'pass'))).toBe('app_retired');
    expect(audit.events).toHaveLength(0);
  });
});

describe('compatibility results (in memory)', () => {
  it('are recorded only for an environment the release declares, audited; the latest test date counts, then the latest recorded', async () => {
    const { service, app, declare, result, audit, clock, store } = world();
    await declare(app.id, '5.2.0', ['android 14', 'ios 17']);
    await declare(app.id, '5.2.0', ['android 14']);
    audit.events.length = 0;
    for (const [release, environment] of [
      ['5.2.0', 'ios 17'],
      ['9.9', 'android 14'],
    ]) {
      expect((await problemOf(result(app.id, release, environment, 'pass'))).toProblem()).toMatchObject({
        status: 409,
        code: 'environment_not_supported',
      });
    }
    expect(store.recorded).toHaveLength(0);
    const ok = await service.recordResult(staff('amy'), app.id, {
      release: '5.2.0',
      platform: 'android',
      version: '14',
      result: 'pass',
      testedOn: '2026-06-14',
      reportReference: 'CT-1',
    });
    expect(ok).toEqual({
      id: expect.any(String),
      release: '5.2.0',
      platform: 'android',
      version: '14',
      result: 'pass',
      testedOn: '2026-06-14',
      reportReference: 'CT-1',
      recordedBy: 'amy',
      recordedAt: clock.now().toISOString(),
    });
    expect(audit.events).toEqual([
      expect.objectContaining({ action: 'app.compatibility_result_recorded', objectId: app.id, actorId: 'amy', details: { ...ok } }),
    ]);
    const latest = async () => (await service.view(app.id)).supported[0].latestResult;
    expect(await latest()).toBe('pass');
    // The same test date: the one recorded last.
    const failed = await result(app.id, '5.2.0', 'android 14', 'fail', 1);
    expect(failed.reportReference).toBeNull();
    expect(await latest()).toBe('fail');
    // An older test recorded later does not count.
    await result(app.id, '5.2.0', 'android 14', 'pass', 5);
    expect(await latest()).toBe('fail');
    await result(app.id, '5.2.0', 'android 14', 'pass', 1);
    expect(await latest()).toBe('pass');
    expect((await service.view(app.id)).results.map((r) => [r.testedOn, r.result, r.id === ok.id])).toEqual([
      ['2026-06-14', 'pass', false],
      ['2026-06-14', 'fail', false],
      ['2026-06-14', 'pass', true],
      ['2026-06-10', 'pass', false],
    ]);
  });
});

describe('the release gate’s compatibility part (in memory)', () => {
  it('names each supported environment of the current release whose latest result failed; a passing retest lifts it', async () => {
    const { app, declare, result, gate } = world();
    expect(await gate(app.id)).toEqual([]);
    await declare(app.id, '6.0.0', ['android 13', 'harmonyos 4.0']);
    await result(app.id, '6.0.0', 'android 13', 'fail', 3);
    await result(app.id, '6.0.0', 'harmonyos 4.0', 'pass', 3);
    expect(await gate(app.id)).toEqual([
      {
        requirement: 'compatibility_failed',
        environment: 'android 13',
        detail: 'Release 6.0.0 failed its compatibility test on android 13 (2026-06-12)',
      },
    ]);
    await result(app.id, '6.0.0', 'android 13', 'pass', 1);
    expect(await gate(app.id)).toEqual([]);
  });

  it('judges the release declared last, and only its declared environments; an ended environment does not block', async () => {
    const { app, declare, result, gate, service } = world();
    await declare(app.id, '1.0', ['ios 15']);
    await result(app.id, '1.0', 'ios 15', 'fail', 5);
    expect(await gate(app.id)).toEqual([expect.objectContaining({ requirement: 'compatibility_failed', environment: 'ios 15' })]);
    await declare(app.id, '1.1', ['ios 16']);
    expect(await gate(app.id)).toEqual([]);
    await result(app.id, '1.1', 'ios 16', 'fail', 1);
    expect(await gate(app.id)).toHaveLength(1);
    // Declared again without ios 16: its failure no longer counts.
    await declare(app.id, '1.1', ['ios 17']);
    expect(await gate(app.id)).toEqual([]);
    await service.setEnvironment(staff('amy'), { platform: 'ios', version: '17', endOfSupport: '2026-01-01' });
    expect((await service.view(app.id)).warnings).toHaveLength(1);
    expect(await gate(app.id)).toEqual([]);
  });
});

describe('the end-of-support register (in memory)', () => {
  it('is set with who and when, audited with before and after; the same date again writes nothing; listed by platform and version', async () => {
    const { service, audit, clock } = world();
    const set = await service.setEnvironment(staff('amy'), { platform: 'ios', version: '12', endOfSupport: '2026-06-05' });
    expect(set).toEqual({ platform: 'ios', version: '12', endOfSupport: '2026-06-05', setBy: 'amy', setAt: NOW });
    clock.advance(DAY);
    await expect(service.setEnvironment(staff('ben'), { platform: 'ios', version: '12', endOfSupport: '2026-06-05' })).resolves.toEqual(
      set,
    );
    await service.setEnvironment(staff('ben'), { platform: 'ios', version: '12', endOfSupport: '2026-07-01' });
    await service.setEnvironment(staff('ben'), { platform: 'android', version: '10', endOfSupport: '2025-01-01' });
    expect(audit.events.map((e) => [e.action, e.objectType, e.objectId, e.actorId, e.details])).toEqual([
      ['operating_environment.set', 'operating_environment', 'ios 12', 'amy', { before: null, after: '2026-06-05' }],
      ['operating_environment.set', 'operating_environment', 'ios 12', 'ben', { before: '2026-06-05', after: '2026-07-01' }],
      ['operating_environment.set', 'operating_environment', 'android 10', 'ben', { before: null, after: '2025-01-01' }],
    ]);
    expect((await service.environments()).map((e) => [e.platform, e.version, e.endOfSupport, e.setBy])).toEqual([
      ['android', '10', '2025-01-01', 'ben'],
      ['ios', '12', '2026-07-01', 'ben'],
    ]);
  });

  it('warns in the view and the compliance question about apps in service whose current release supports an ended environment', async () => {
    const { service, apps, declare, clock } = world();
    const live = putApp(apps, { lifecycleState: 'released' });
    const proposed = putApp(apps);
    await declare(live.id, '7.0', ['ios 12', 'ios 13', 'ios 18']);
    await declare(proposed.id, '1.0', ['ios 12']);
    await service.setEnvironment(staff('amy'), { platform: 'ios', version: '12', endOfSupport: '2026-06-14' });
    await service.setEnvironment(staff('amy'), { platform: 'ios', version: '13', endOfSupport: '2026-06-15' });
    await service.setEnvironment(staff('amy'), { platform: 'ios', version: '18', endOfSupport: '2099-12-31' });
    const view = await service.view(live.id);
    expect(view.supported.map((s) => [s.version, s.endOfSupport, s.pastEndOfSupport])).toEqual([
      ['12', '2026-06-14', true],
      ['13', '2026-06-15', false],
      ['18', '2099-12-31', false],
    ]);
    expect(view.warnings).toEqual(['Release 7.0 still supports ios 12, past its end of support on 2026-06-14']);
    expect(await service.inServiceSupportingEnded()).toEqual({ examined: 1, count: 1, examples: [live.id] });
    // A day on, ios 13 has ended too.
    clock.advance(DAY);
    expect((await service.view(live.id)).warnings).toHaveLength(2);
    // The next release drops them: no warning, though the older release still lists them.
    await declare(live.id, '7.1', ['ios 18']);
    const after = await service.view(live.id);
    expect([after.warnings, after.supported.filter((s) => s.pastEndOfSupport).map((s) => s.release)]).toEqual([[], ['7.0', '7.0']]);
    expect(await service.inServiceSupportingEnded()).toEqual({ examined: 1, count: 0, examples: [] });
  });
});
