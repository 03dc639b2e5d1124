import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app';

/**
 * Property: over random departments, data owners (each holding data_owner in some of them) and
 * assets, a data owner can read, change, retire, transfer and accept only what their departments
 * own (or receive), gets 403 everywhere else, and the list and the map show exactly their
 * departments' assets. Every refusal leaves the database and the audit log as they were.
 */

let t: TestApp;
let admin: string;
let run = 0;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staffToken('root-admin');
});
afterAll(() => t.close());

type AssetCommand =
  | { kind: 'read' | 'update' | 'addField' | 'retire' | 'accept' | 'reject' | 'cancel'; owner: number; asset: number }
  | { kind: 'propose'; owner: number; asset: number; to: number };
type Command = AssetCommand | { kind: 'list' | 'map'; owner: number };
const isAssetCommand = (c: Command): c is AssetCommand => c.kind !== 'list' && c.kind !== 'map';

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('read', 'update', 'addField', 'retire', 'accept', 'reject', 'cancel' as const),
    owner: fc.nat(),
    asset: fc.nat(),
  }),
  fc.record({ kind: fc.constant('propose' as const), owner: fc.nat(), asset: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constantFrom('list', 'map' as const), owner: fc.nat() }),
) as fc.Arbitrary<Command>;

const worldArb = fc.integer({ min: 2, max: 4 }).chain((departments) =>
  fc.record({
    departments: fc.constant(departments),
    owners: fc.array(fc.uniqueArray(fc.nat({ max: departments - 1 }), { minLength: 1, maxLength: departments }), {
      minLength: 1,
      maxLength: 4,
    }),
    assets: fc.array(fc.nat({ max: departments - 1 }), { minLength: 1, maxLength: 5 }),
    commands: fc.array(commandArb, { minLength: 1, maxLength: 14 }),
  }),
);

interface AssetModel {
  id: string;
  key: string;
  department: string;
  status: 'active' | 'retired';
  fields: number;
  /** The latest transfer; open while status is 'proposed'. */
  transfer?: { id: string; from: string; to: string; proposedBy: string; open: boolean };
}

const auditCount = async () => Number(((await t.container.db('audit_events').count('* as n')) as Array<{ n: number | string }>)[0].n);

it('a data owner acts only on their own departments’ assets, and sees only those', async () => {
  await fc.assert(
    fc.asyncProperty(worldArb, async (world) => {
      run += 1;
      const departments = Array.from({ length: world.departments }, (_, i) => `R${run}D${i}`);
      for (const code of departments) {
        await t.http
          .post('/v1/departments')
          .set('Authorization', `Bearer ${admin}`)
          .send({ code, name: code, kind: 'business' })
          .expect(201);
      }
      const owners = await Promise.all(
        world.owners.map(async (held, i) => {
          const sub = `r${run}-owner-${i}`;
          for (const d of held) await t.grantRole(sub, 'data_owner', departments[d]);
          return { sub, token: await t.staffToken(sub), departments: new Set(held.map((d) => departments[d])) };
        }),
      );
      const assets: AssetModel[] = [];
      for (const [i, d] of world.assets.entries()) {
        const key = `r${run}.asset_${i}`;
        const res = await t.http
          .post('/v1/data-assets')
          .set('Authorization', `Bearer ${admin}`)
          .send({ key, name: key, owningDepartment: departments[d], classification: 3, fields: [{ name: 'f0', piCategory: 'personal' }] })
          .expect(201);
        assets.push({ id: res.body.id, key, department: departments[d], status: 'active', fields: 1 });
      }

      let fieldCounter = 0;
      for (const command of world.commands) {
        const owner = owners[command.owner % owners.length];
        const may = (department: string) => owner.departments.has(department);
        const as = <R extends { set: (k: string, v: string) => R }>(req: R) => req.set('Authorization', `Bearer ${owner.token}`);

        if (!isAssetCommand(command)) {
          const expected = assets.filter((a) => may(a.department));
          if (command.kind === 'list') {
            const res = await as(t.http.get('/v1/data-assets?limit=200')).expect(200);
            expect(res.body.items.map((a: { key: string; owningDepartment: string }) => [a.key, a.owningDepartment])).toEqual(
              expected.map((a) => [a.key, a.department]).sort((x, y) => (x[0] < y[0] ? -1 : 1)),
            );
          } else {
            const res = await as(t.http.get('/v1/ownership-map')).expect(200);
            const got = res.body.items.map((e: { key: string; owningDepartment: string }) => `${e.key}@${e.owningDepartment}`).sort();
            expect(got).toEqual(expected.map((a) => `${a.key}@${a.department}`).sort());
          }
          continue;
        }

        const asset = assets[command.asset % assets.length];
        const base = `/v1/data-assets/${asset.id}`;
        const auditBefore = await auditCount();
        let expected: number;
        let res: { status: number; body: { id?: string } };

        switch (command.kind) {
          case 'read':
            expected = may(asset.department) ? 200 : 403;
            res = await as(t.http.get(base));
            break;
          case 'update':
            expected = !may(asset.department) ? 403 : asset.status === 'retired' ? 409 : 200;
            res = await as(t.http.patch(base)).send({ classification: 1 + (fieldCounter % 5) });
            break;
          case 'addField':
            fieldCounter += 1;
            expected = !may(asset.department) ? 403 : asset.status === 'retired' ? 409 : 201;
            res = await as(t.http.post(`${base}/fields`)).send({ fields: [{ name: `f${fieldCounter}`, piCategory: 'none' }] });
            if (res.status === 201) asset.fields += 1;
            break;
          case 'retire':
            expected = !may(asset.department) ? 403 : asset.status === 'retired' || asset.transfer?.open ? 409 : 200;
            res = await as(t.http.post(`${base}/retire`)).send({ reason: 'property test' });
            if (res.status === 200) asset.status = 'retired';
            break;
          case 'propose': {
            const to = departments[command.to % departments.length];
            expected = !may(asset.department)
              ? 403
              : asset.status === 'retired'
                ? 409
                : to === asset.department
                  ? 400
                  : asset.transfer?.open
                    ? 409
                    : 201;
            res = await as(t.http.post(`${base}/ownership-transfers`)).send({ toDepartment: to, reason: 'property test' });
            if (res.status === 201)
              asset.transfer = { id: String(res.body.id), from: asset.department, to, proposedBy: owner.sub, open: true };
            break;
          }
          case 'accept':
          case 'reject':
          case 'cancel': {
            const transfer = asset.transfer;
            if (!transfer) continue;
            const side = command.kind === 'cancel' ? transfer.from : transfer.to;
            const selfDecision = command.kind !== 'cancel' && transfer.proposedBy === owner.sub;
            expected = !may(side) ? 403 : !transfer.open ? 409 : selfDecision ? 403 : 200;
            const path = `${base}/ownership-transfers/${transfer.id}/${command.kind}`;
            res = command.kind === 'reject' ? await as(t.http.post(path)).send({ note: 'no' }) : await as(t.http.post(path));
            if (res.status === 200) {
              transfer.open = false;
              if (command.kind === 'accept') asset.department = transfer.to;
            }
            break;
          }
        }
        expect({ command, owner: owner.sub, status: res.status }).toEqual({ command, owner: owner.sub, status: expected });
        if (res.status >= 400) expect(await auditCount()).toBe(auditBefore);
      }

      // The database agrees with the model: owners, lifecycle and fields moved only where allowed.
      for (const asset of assets) {
        const res = await t.http.get(`/v1/data-assets/${asset.id}`).set('Authorization', `Bearer ${admin}`).expect(200);
        expect([res.body.owningDepartment, res.body.status, res.body.fields.length]).toEqual([
          asset.department,
          asset.status,
          asset.fields,
        ]);
      }
    }),
    { numRuns: 30 },
  );
});
