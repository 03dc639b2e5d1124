import type { ChangeContext } from '../../services/audit';
import { PurposeService, PurposeStore } from '../../services/purposes';
import { ConflictError } from '../../services/shared/errors';
import { VENDOR_CHANGED, VendorLifecycle, VendorService, VendorStore, type VendorLifecycleEvent } from '../../services/vendors';
import { createTestApp, expectProblem, type TestApp } from '../helpers/app';

let t: TestApp;
const tokens: Record<string, string> = {};
const notices: Array<Record<string, unknown>> = [];
const hookCalls: Array<{ vendorId: string; to: VendorLifecycleEvent; statusSeenInTransaction: string; actor: unknown }> = [];
let failingHook: Error | undefined;

const as = (who: string) => ({
  post: (url: string) => t.http.post(url).set('Authorization', `Bearer ${tokens[who]}`),
  get: (url: string) => t.http.get(url).set('Authorization', `Bearer ${tokens[who]}`),
  patch: (url: string) => t.http.patch(url).set('Authorization', `Bearer ${tokens[who]}`),
});

async function written() {
  const count = async (table: string) => Number(((await t.container.db(table).count({ n: '*' })) as Array<{ n: number }>)[0].n);
  return {
    history: await count('vendor_status_history'),
    audit: await count('audit_events'),
    vendorRows: JSON.stringify(await t.container.db('vendors').orderBy('id')),
  };
}

let serial = 0;
async function newVendor(): Promise<string> {
  serial += 1;
  const res = await as('victor')
    .post('/v1/vendors')
    .send({
      name: `Vendor ${serial}`,
      contacts: [{ name: 'Ops', email: 'ops@vendor.example' }],
      contract: { reference: `C-${serial}`, startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z', purposes: ['collections'] },
    })
    .expect(201);
  return res.body.id as string;
}

const transition = (who: string, id: string, action: 'suspend' | 'reinstate' | 'terminate', reason = `${action} for testing`) =>
  as(who).post(`/v1/vendors/${id}/${action}`).send({ reason });

beforeAll(async () => {
  t = await createTestApp();
  for (const who of ['root-admin', 'petra', 'pia', 'olivia', 'victor', 'vince', 'aude']) tokens[who] = await t.staffToken(who);
  for (const code of ['RETAIL', 'PRIVACY', 'PROCUREMENT']) {
    await as('root-admin').post('/v1/departments').send({ code, name: code, kind: 'business' }).expect(201);
  }
  await t.grantRole('petra', 'privacy_officer', '*');
  await t.grantRole('pia', 'privacy_officer', 'PRIVACY');
  await t.grantRole('olivia', 'data_owner', 'RETAIL');
  // Vendors are bank-wide: the central vendor office holds its role for every department; vince only in one.
  await t.grantRole('victor', 'vendor_manager', '*');
  await t.grantRole('vince', 'vendor_manager', 'PROCUREMENT');
  await t.grantRole('aude', 'auditor', '*');
  await as('petra')
    .post('/v1/purposes')
    .send({ key: 'collections', legalBasis: 'contract', description: 'Debt collection', retentionDays: 30 })
    .expect(201);
  t.container.changes.subscribe(VENDOR_CHANGED, (payload) => void notices.push(payload));
  t.container.vendorLifecycle.subscribe(async (trx, ctx, vendor, to) => {
    const row = (await trx('vendors').where({ id: vendor.id }).first('status')) as { status: string };
    hookCalls.push({ vendorId: vendor.id, to, statusSeenInTransaction: row.status, actor: ctx.actor });
    if (failingHook) throw failingHook;
  });
});
afterAll(() => t.close());
beforeEach(() => {
  notices.length = 0;
  hookCalls.length = 0;
  failingHook = undefined;
});

describe('vendor lifecycle', () => {
  it('suspends, reinstates and terminates with reasons, keeping the history, the audit trail, the hooks and the notices in step', async () => {
    const id = await newVendor();
    notices.length = 0;
    const suspended = await transition('victor', id, 'suspend', 'late security report').expect(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', statusReason: 'late security report', statusChangedBy: 'victor' });
    await transition('petra', id, 'reinstate', 'report received').expect(200);
    await transition('petra', id, 'suspend', 'suspected leak').expect(200);
    const terminated = await transition('victor', id, 'terminate', 'contract ended early').expect(200);
    expect(terminated.body).toMatchObject({ status: 'terminated', statusReason: 'contract ended early', statusChangedBy: 'victor' });
    expect((await as('olivia').get(`/v1/vendors/${id}`)).body).toEqual(terminated.body);

    const history = (await as('aude').get(`/v1/vendors/${id}/status-history`).expect(200)).body.items;
    expect(
      history.map((h: { fromStatus: string | null; toStatus: string; actor: string; reason: string | null }) => [
        h.fromStatus,
        h.toStatus,
        h.actor,
        h.reason,
      ]),
    ).toEqual([
      [null, 'active', 'victor', null],
      ['active', 'suspended', 'victor', 'late security report'],
      ['suspended', 'active', 'petra', 'report received'],
      ['active', 'suspended', 'petra', 'suspected leak'],
      ['suspended', 'terminated', 'victor', 'contract ended early'],
    ]);
    const page = await as('aude').get(`/v1/vendors/${id}/status-history?limit=2`).expect(200);
    const next = await as('aude').get(`/v1/vendors/${id}/status-history?limit=2&cursor=${page.body.nextCursor}`).expect(200);
    expect([...page.body.items, ...next.body.items]).toEqual(history.slice(0, 4));

    const audit = (await as('aude').get(`/v1/audit?objectType=vendor&objectId=${id}`).expect(200)).body.items;
    expect(audit.map((e: { action: string; actorId: string }) => [e.action, e.actorId])).toEqual([
      ['vendor.terminated', 'victor'],
      ['vendor.suspended', 'petra'],
      ['vendor.reinstated', 'petra'],
      ['vendor.suspended', 'victor'],
      ['vendor.created', 'victor'],
    ]);
    expect(audit[0].details).toEqual({ before: { status: 'suspended' }, after: { status: 'terminated' }, reason: 'contract ended early' });

    expect(hookCalls.map((c) => [c.to, c.statusSeenInTransaction])).toEqual([
      ['suspended', 'suspended'],
      ['reinstated', 'active'],
      ['suspended', 'suspended'],
      ['terminated', 'terminated'],
    ]);
    expect(hookCalls[1].actor).toEqual({ kind: 'staff', subject: 'petra' });
    expect(notices).toEqual(Array(4).fill({ vendorId: id }));
    expect(await t.container.vendors.loadOne(id)).toMatchObject({ status: 'terminated' });
  });

  describe('refuses illegal transitions with 409, changing nothing', () => {
    let active: string;
    let suspended: string;
    let terminated: string;
    beforeAll(async () => {
      active = await newVendor();
      suspended = await newVendor();
      terminated = await newVendor();
      await transition('petra', suspended, 'suspend').expect(200);
      await transition('petra', terminated, 'terminate').expect(200);
    });

    it.each([
      ['reinstate an active vendor', () => transition('petra', active, 'reinstate'), 'vendor_not_suspended'],
      ['suspend a suspended vendor', () => transition('victor', suspended, 'suspend'), 'vendor_already_suspended'],
      ['terminate a terminated vendor', () => transition('victor', terminated, 'terminate'), 'vendor_terminated'],
      ['suspend a terminated vendor', () => transition('petra', terminated, 'suspend'), 'vendor_terminated'],
      ['reinstate a terminated vendor', () => transition('petra', terminated, 'reinstate'), 'vendor_terminated'],
      [
        'change a terminated vendor',
        () =>
          as('victor')
            .patch(`/v1/vendors/${terminated}`)
            .send({ contract: { endsAt: '2030-01-01T00:00:00Z' } }),
        'vendor_terminated',
      ],
    ])('%s', async (_label, request, code) => {
      const before = await written();
      expectProblem(await request(), 409, code);
      expect(await written()).toEqual(before);
      expect(hookCalls).toEqual([]);
      expect(notices).toEqual([]);
    });

    it('lets only one of two simultaneous terminations through', async () => {
      const id = await newVendor();
      const results = await Promise.all([transition('petra', id, 'terminate'), transition('victor', id, 'terminate')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const history = (await as('aude').get(`/v1/vendors/${id}/status-history`)).body.items;
      expect(history.map((h: { toStatus: string }) => h.toStatus)).toEqual(['active', 'terminated']);
    });

    it('still allows the neighbouring legal moves', async () => {
      await as('victor')
        .patch(`/v1/vendors/${suspended}`)
        .send({ securityAssessment: { assessedAt: '2026-11-01', result: 'fail' } })
        .expect(200);
      await transition('victor', active, 'suspend').expect(200);
      await transition('petra', active, 'reinstate').expect(200);
      await transition('victor', suspended, 'terminate').expect(200);
      await transition('petra', active, 'terminate').expect(200);
    });
  });

  describe('separation of duties', () => {
    let id: string;
    beforeAll(async () => {
      id = await newVendor();
      await transition('petra', id, 'suspend').expect(200);
    });

    it.each([
      ['a vendor manager reinstating', 'victor', 'reinstate'],
      ['a data owner suspending', 'olivia', 'suspend'],
      ['a data owner reinstating', 'olivia', 'reinstate'],
      ['a data owner terminating', 'olivia', 'terminate'],
      ['an auditor terminating', 'aude', 'terminate'],
      ['an admin reinstating', 'root-admin', 'reinstate'],
      ['an admin terminating', 'root-admin', 'terminate'],
      // Bank-wide effects need bank-wide roles: a role held in one department never reinstates or terminates.
      ['a privacy officer of one department reinstating', 'pia', 'reinstate'],
      ['a privacy officer of one department terminating', 'pia', 'terminate'],
      ['a vendor manager of one department terminating', 'vince', 'terminate'],
    ] as const)('refuses %s (403) and changes nothing', async (_label, who, action) => {
      const before = await written();
      expectProblem(await transition(who, id, action), 403, 'forbidden');
      expect(await written()).toEqual(before);
      expect(hookCalls).toEqual([]);
    });

    it('lets department roles suspend (the kill switch only takes access away) but never change the contract', async () => {
      const other = await newVendor();
      await transition('pia', other, 'suspend').expect(200);
      const before = await written();
      expectProblem(
        await as('vince')
          .patch(`/v1/vendors/${other}`)
          .send({ contract: { endsAt: '2030-01-01T00:00:00Z' } }),
        403,
        'forbidden',
      );
      expectProblem(
        await as('vince')
          .patch(`/v1/vendors/${other}`)
          .send({ contacts: [{ name: 'Ops', email: 'x@vendor.example' }] }),
        403,
        'forbidden',
      );
      expect(await written()).toEqual(before);
      await transition('vince', await newVendor(), 'suspend').expect(200);
    });

    it('lets a privacy officer for every department reinstate', async () => {
      await transition('petra', id, 'reinstate').expect(200);
    });
  });

  describe('status changes validate their reason', () => {
    let id: string;
    beforeAll(async () => {
      id = await newVendor();
    });

    it.each(['suspend', 'reinstate', 'terminate'] as const)(
      '%s: 400 for a missing, blank, mistyped or extended reason, 413 when oversized, 404 when unknown',
      async (action) => {
        const before = await written();
        const post = () => as('petra').post(`/v1/vendors/${id}/${action}`);
        for (const body of [
          {},
          { reason: '' },
          { reason: '   ' },
          { reason: 5 },
          { reason: 'x'.repeat(1001) },
          { reason: 'ok', force: true },
          ['ok'],
        ]) {
          expectProblem(await post().send(body as object), 400, 'validation_failed');
        }
        expectProblem(await post().set('Content-Type', 'application/json').send('{"reason":"x"'), 400);
        expectProblem(await post().set('Content-Type', 'text/plain').send('reason'), 415);
        expectProblem(await post().send({ reason: 'x'.repeat(200 * 1024) }), 413);
        expectProblem(await as('petra').post(`/v1/vendors/not-a-uuid/${action}`).send({ reason: 'x' }), 400, 'validation_failed');
        expectProblem(
          await as('petra').post(`/v1/vendors/00000000-0000-4000-8000-000000000000/${action}`).send({ reason: 'x' }),
          404,
          'not_found',
        );
        expect(await written()).toEqual(before);
        expect(hookCalls).toEqual([]);
      },
    );
  });

  describe('lifecycle hooks run inside the status change’s transaction', () => {
    it('rolls the whole change back when a hook registered on the container throws', async () => {
      const id = await newVendor();
      notices.length = 0;
      const before = await written();
      failingHook = new Error('grant store unavailable');
      const res = await transition('petra', id, 'suspend');
      expectProblem(res, 500, 'internal_error');
      expect(hookCalls).toHaveLength(1);
      expect(await written()).toEqual(before);
      expect(notices).toEqual([]);
      expect((await as('petra').get(`/v1/vendors/${id}`)).body.status).toBe('active');
      expect(JSON.stringify(res.body)).not.toMatch(/grant store/);
    });

    it('passes a hook’s own problem to the caller and undoes what earlier hooks wrote', async () => {
      const { db, audit, changes } = t.container;
      const purposes = new PurposeService(db, new PurposeStore(db), audit, changes);
      const lifecycle = new VendorLifecycle([
        async (trx, ctx, vendor, to) => {
          await audit.record(trx, ctx, { action: 'test.hook_ran', objectType: 'vendor', objectId: vendor.id, details: { to } });
        },
        async () => {
          throw new ConflictError('clients_busy', 'A client could not be disabled');
        },
      ]);
      const service = new VendorService(db, new VendorStore(db), audit, purposes, changes, lifecycle, t.container.clients);
      const id = await newVendor();
      notices.length = 0;
      const before = await written();
      const ctx: ChangeContext = { actor: { kind: 'staff', subject: 'petra' }, requestId: null };
      await expect(service.terminate(ctx, id, 'leak')).rejects.toMatchObject({ status: 409, code: 'clients_busy' });
      expect(await written()).toEqual(before);
      expect(notices).toEqual([]);
      expect((await t.container.audit.list({ action: 'test.hook_ran' }, 10)).length).toBe(0);

      // Without the failing hook the same change commits together with what the hook wrote.
      const recording = new VendorLifecycle([
        async (trx, hookCtx, vendor, to) => {
          await audit.record(trx, hookCtx, { action: 'test.hook_ran', objectType: 'vendor', objectId: vendor.id, details: { to } });
        },
      ]);
      const working = new VendorService(db, new VendorStore(db), audit, purposes, changes, recording, t.container.clients);
      await working.terminate(ctx, id, 'leak');
      expect((await t.container.audit.list({ action: 'test.hook_ran' }, 10)).map((e) => e.details)).toEqual([{ to: 'terminated' }]);
      expect(notices).toEqual([{ vendorId: id }]);
      expect((await t.container.audit.verify()).valid).toBe(true);
    });
  });
});
