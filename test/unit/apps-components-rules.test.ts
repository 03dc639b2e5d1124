import crypto from 'node:crypto';
import { FakeAppSdkStore, type NoticeRecord } from '../../services/apps/components/fake-store';
import { MAX_SDKS_PER_APP, type DeclareAppSdk } from '../../services/apps/components/schemas';
import { AppSdkService } from '../../services/apps/components/service';
import { FakeAppStore } from '../../services/apps/fake-store';
import { ManualClock } from '../../services/platform/clock';
import { inFakeTransaction, putApp } from '../fakes/apps';
import { FakeTransactor, RecordingAudit, problemCode, problemOf, staff } from '../fakes/ports';

const NOW = '2026-06-15T08:00:00.000Z';
const PURPOSE = 'push_messages';
const VENDOR = '00000000-0000-4000-8000-0000000000e1';

const push: DeclareAppSdk = {
  release: '5.2.0',
  name: 'PushKit',
  provider: 'Example Push Co., Ltd.',
  version: '3.1.4',
  piCategories: ['device identifiers', 'location'],
  purpose: PURPOSE,
  contractCovered: true,
};
const plain: DeclareAppSdk = {
  release: '5.2.0',
  name: 'ImageLoader',
  provider: 'Open source',
  version: '1.0.0',
  piCategories: [],
  contractCovered: false,
};

function world() {
  const clock = new ManualClock(NOW);
  const tx = new FakeTransactor();
  const audit = new RecordingAudit();
  const apps = new FakeAppStore();
  const store = new FakeAppSdkStore(apps);
  const purposes = new Map([[PURPOSE, { key: PURPOSE, legalBasis: 'contract', status: 'active' }]]);
  const service = new AppSdkService(
    tx,
    apps,
    store,
    audit,
    { purpose: async (key) => purposes.get(key) },
    { exists: async (id) => id === VENDOR },
    clock,
  );
  const app = putApp(apps);
  const declare = (appId: string, input: DeclareAppSdk, as = 'amy') => service.declare(staff(as), appId, input);
  /** A notice of the purpose (appId null: the general one) listing these third parties. */
  const notice = (appId: string | null, thirdParties: NoticeRecord['thirdParties'], over: Partial<NoticeRecord> = {}) => {
    const version = store.notices.filter((n) => n.purposeKey === PURPOSE && n.appId === appId).length + 1;
    store.notices.push({ purposeKey: PURPOSE, appId, version, status: 'published', thirdParties, ...over });
  };
  const gate = (appId: string) => inFakeTransaction((trx) => service.releaseRequirements(trx, appId));
  const unmet = async (appId: string) => (await gate(appId)).map((u) => [u.requirement, u.sdkId]);
  return { clock, tx, audit, apps, store, service, app, declare, notice, gate, unmet };
}

describe('declaring third-party components (in memory)', () => {
  it('records a declaration with what it collects, audited; one collecting nothing needs no approval; listed by release, name and version', async () => {
    const { service, app, declare, audit } = world();
    const pushKit = await declare(app.id, { ...push, vendorId: VENDOR });
    expect(pushKit).toEqual({
      id: expect.any(String),
      appId: app.id,
      ...push,
      vendorId: VENDOR,
      declaredBy: 'amy',
      declaredAt: NOW,
      approvedBy: null,
      approvedAt: null,
      needsApproval: true,
    });
    const loader = await declare(app.id, plain);
    expect(loader).toMatchObject({ purpose: null, vendorId: null, needsApproval: false });
    const older = await declare(app.id, { ...push, release: '4.0', version: '2.9' });
    expect(audit.events.map((e) => [e.action, e.objectType, e.objectId, e.actorId])).toEqual(
      Array(3).fill(['app.sdk_declared', 'app', app.id, 'amy']),
    );
    expect(audit.events[0].details).toEqual({ ...pushKit });
    expect((await service.list(app.id)).items.map((s) => s.id)).toEqual([older.id, loader.id, pushKit.id]);
    expect(await problemCode(service.list(crypto.randomUUID()))).toBe('not_found');
  });

  it('refuses an unknown purpose or vendor, naming the field, and writes nothing', async () => {
    const { app, declare, audit, store } = world();
    const cases: Array<[DeclareAppSdk, string]> = [
      [{ ...push, purpose: 'no_such_purpose' }, 'body.purpose'],
      [{ ...push, vendorId: '0b4f6a3e-2b8e-4c55-9a0e-6f2d7b1c9e01' }, 'body.vendorId'],
    ];
    for (const [body, path] of cases) {
      expect((await problemOf(declare(app.id, body))).toProblem()).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: [{ path }],
      });
    }
    expect(store.sdks).toHaveLength(0);
    expect(audit.events).toHaveLength(0);
  });

  it('refuses the same component twice for a release, more than the cap per app, and an unknown or retired app', async () => {
    const { app, apps, declare, store } = world();
    await declare(app.id, push);
    expect((await problemOf(declare(app.id, push))).toProblem()).toMatchObject({ status: 409, code: 'sdk_already_declared' });
    await expect(declare(app.id, { ...push, release: '5.3.0' })).resolves.toMatchObject({ release: '5.3.0' });
    await expect(declare(app.id, { ...push, version: '3.1.5' })).resolves.toMatchObject({ version: '3.1.5' });
    const crowded = putApp(apps).id;
    for (let i = 0; i < MAX_SDKS_PER_APP; i += 1) await declare(crowded, { ...plain, name: `Library ${i}` });
    expect((await problemOf(declare(crowded, { ...plain, name: 'One too many' }))).toProblem()).toMatchObject({
      status: 409,
      code: 'too_many_sdks',
    });
    expect(store.sdks.filter((s) => s.appId === crowded)).toHaveLength(MAX_SDKS_PER_APP);
    expect((await problemOf(declare(crypto.randomUUID(), push))).toProblem()).toMatchObject({ status: 404, code: 'not_found' });
    expect(await problemCode(declare(putApp(apps, { lifecycleState: 'retired' }).id, push))).toBe('app_retired');
  });
});

describe('approving a component’s collection (in memory)', () => {
  it('is never the declarer’s; another approves once, with a note, audited', async () => {
    const { service, app, declare, audit, clock } = world();
    const sdk = await declare(app.id, push);
    const own = await problemOf(service.approve(staff('amy'), app.id, sdk.id, {}));
    expect(own.toProblem()).toMatchObject({ status: 403, code: 'separation_of_duties', sdkId: sdk.id });
    expect(audit.actions()).toEqual(['app.sdk_declared']);
    clock.advance(60_000);
    const approved = await service.approve(staff('pia'), app.id, sdk.id, { note: 'DPIA-7 reviewed' });
    expect(approved).toEqual({ ...sdk, approvedBy: 'pia', approvedAt: clock.now().toISOString(), needsApproval: false });
    expect(audit.events[1]).toMatchObject({
      action: 'app.sdk_approved',
      objectType: 'app',
      objectId: app.id,
      actorId: 'pia',
      details: {
        sdkId: sdk.id,
        name: 'PushKit',
        version: '3.1.4',
        release: '5.2.0',
        piCategories: push.piCategories,
        purpose: PURPOSE,
        note: 'DPIA-7 reviewed',
      },
    });
    expect((await problemOf(service.approve(staff('ben'), app.id, sdk.id, {}))).toProblem()).toMatchObject({
      status: 409,
      code: 'sdk_already_approved',
    });
    expect((await service.list(app.id)).items).toEqual([approved]);
    const second = await declare(app.id, { ...push, version: '3.2.0' });
    await service.approve(staff('pia'), app.id, second.id, {});
    expect(audit.events[3].details.note).toBeNull();
  });

  it('answers 409 for a component collecting nothing and 404 for one of another app or unknown', async () => {
    const { service, app, apps, declare, audit } = world();
    const loader = await declare(app.id, plain);
    expect((await problemOf(service.approve(staff('pia'), app.id, loader.id, {}))).toProblem()).toMatchObject({
      status: 409,
      code: 'sdk_collects_no_pi',
    });
    const theirs = await declare(putApp(apps).id, push);
    expect((await problemOf(service.approve(staff('pia'), app.id, theirs.id, {}))).toProblem()).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect(await problemCode(service.approve(staff('pia'), app.id, crypto.randomUUID(), {}))).toBe('not_found');
    expect(audit.actions()).toEqual(['app.sdk_declared', 'app.sdk_declared']);
  });
});

describe('the release gate and the compliance question (in memory)', () => {
  it('pass an app without components, or whose components collect nothing', async () => {
    const { app, declare, gate } = world();
    expect(await gate(app.id)).toEqual([]);
    await declare(app.id, plain);
    expect(await gate(app.id)).toEqual([]);
  });

  it('name each unapproved and each undisclosed component; a notice discloses one when it names it and lists all it collects', async () => {
    const { service, app, apps, declare, notice, gate, unmet } = world();
    const pushKit = await declare(app.id, push);
    const maps = await declare(app.id, {
      ...push,
      name: 'MapsLite',
      provider: 'Example Maps Ltd.',
      version: '2.0',
      piCategories: ['location'],
    });
    await declare(app.id, { ...plain, name: 'Fonts' });
    expect(await unmet(app.id)).toEqual([
      ['sdk_unapproved', maps.id],
      ['sdk_undisclosed', maps.id],
      ['sdk_unapproved', pushKit.id],
      ['sdk_undisclosed', pushKit.id],
    ]);
    expect((await gate(app.id)).map((u) => u.detail)).toContain(
      'Component PushKit 3.1.4 (Example Push Co., Ltd., release 5.2.0) collects device identifiers, location for push_messages without a privacy officer’s approval',
    );
    await service.approve(staff('pia'), app.id, pushKit.id, {});
    await service.approve(staff('pia'), app.id, maps.id, {});
    // The general notice names PushKit by its provider, but without location: not disclosed yet.
    notice(null, [{ name: 'example push co., ltd.', piCategories: ['device identifiers'] }]);
    const both = [
      { name: 'PushKit', piCategories: ['Device identifiers', 'location'] },
      { name: 'Example Maps Ltd.', piCategories: ['location'] },
    ];
    // Neither a draft of the app's own notice, another app's notice, nor a notice of another purpose discloses them.
    notice(app.id, both, { status: 'draft' });
    notice(putApp(apps).id, both);
    notice(app.id, both, { purposeKey: 'marketing', version: 1 });
    expect(await unmet(app.id)).toEqual([
      ['sdk_undisclosed', maps.id],
      ['sdk_undisclosed', pushKit.id],
    ]);
    // The app's own published notice lists both with all they collect.
    notice(app.id, both);
    expect(await gate(app.id)).toEqual([]);
  });

  it('accept the latest general notice of the purpose for every app, naming the component however it is spaced', async () => {
    const { service, app, declare, notice, unmet } = world();
    const chat = await declare(app.id, { ...push, name: 'ChatWidget', provider: 'Example Chat Ltd.', piCategories: ['chat transcripts'] });
    await service.approve(staff('pia'), app.id, chat.id, {});
    notice(null, [{ name: 'Chat Widget', piCategories: ['chat transcripts'] }]);
    expect(await unmet(app.id)).toEqual([]);
    // A later version of the general notice that drops it: undisclosed again.
    notice(null, [{ name: 'Example Push Co., Ltd.', piCategories: ['location'] }]);
    expect(await unmet(app.id)).toEqual([['sdk_undisclosed', chat.id]]);
  });

  it('lists the apps in service with an unapproved or undisclosed component', async () => {
    const { service, apps, declare, notice } = world();
    const live = putApp(apps, { lifecycleState: 'operating' });
    putApp(apps, { lifecycleState: 'released' });
    const proposed = putApp(apps);
    await declare(proposed.id, push);
    const sdk = await declare(live.id, push);
    await service.approve(staff('pia'), live.id, sdk.id, {});
    notice(null, [{ name: 'PushKit', piCategories: push.piCategories }]);
    expect(await service.inServiceWithUnclearedComponents()).toEqual({ examined: 2, count: 0, examples: [] });
    // A component declared after release, not yet approved.
    await declare(live.id, { ...push, release: '5.3.0', version: '3.2.0' });
    expect(await service.inServiceWithUnclearedComponents()).toEqual({ examined: 2, count: 1, examples: [live.id] });
  });
});
