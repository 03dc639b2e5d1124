import fc from 'fast-check';
import { createTestApp, type TestApp } from '../helpers/app';

/**
 * Property: over random departments, data owners (each holding data_owner in some of them) and
 * assets, a data owner can read, change, retire, transfer and accept only what their departments
 * own (or receive), gets 403 everywhere else, and the list and the map show exactly their
 * departments' assets. Every refusal leaves the database and the audit log as they were.
 *
 * Departments and data owners are never changed by the commands, so the runs share them: a world of
 * n departments uses the first n of a pool of MAX_DEPARTMENTS, and its owners are the subjects that
 * hold exactly their drawn departments (created the first time a run draws them; two owners of one
 * world that hold the same departments are still two subjects). Assets, which the commands change,
 * are new in every run; what the earlier runs left stays in the model, and the list and the map
 * must show it too.
 */

const MAX_DEPARTMENTS = 4;
let t: TestApp;
let admin: string;
let run = 0;
let pool: string[];
/** Every asset of every run, as the model says it is now. */
const everyAsset: AssetModel[] = [];
const ownerSubjects = new Map<string, Promise<string>>();

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.staffToken('root-admin');
  pool = Array.from({ length: MAX_DEPARTMENTS }, (_, i) => `POOL${i}`);
  for (const code of pool) {
    await t.http.post('/v1/departments').set('Authorization', `Bearer ${admin}`).send({ code, name: code, kind: 'business' }).expect(201);
  }
});
afterAll(() => t.close());

const sameDepartments = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d) => b.includes(d));

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

const worldArb = fc.integer({ min: 2, max: MAX_DEPARTMENTS }).chain((departments) =>
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

/** The `nth` subject (0, 1, …) holding data_owner in exactly `departments` (pool indices), made once. */
function ownerHolding(departments: readonly number[], nth: number): Promise<string> {
  const held = [...departments].sort((a, b) => a - b);
  const sub = `owner-${held.join('')}-${nth}`;
  let made = ownerSubjects.get(sub);
  if (!made) {
    made = (async () => {
      for (const d of held) await t.grantRole(sub, 'data_owner', pool[d]);
      return sub;
    })();
    ownerSubjects.set(sub, made);
    // A failed grant is tried again by the next run that draws this owner.
    made.catch(() => ownerSubjects.delete(sub));
  }
  return made;
}

interface ListedAsset {
  id: string;
  key: string;
  owningDepartment: string;
  status: 'active' | 'retired';
  fields: unknown[];
}

/** Every asset the caller's list shows, page by page. */
async function listed(token: string): Promise<ListedAsset[]> {
  const items: ListedAsset[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: ListedAsset[]; nextCursor: string | null } } = await t.http
      .get(`/v1/data-assets?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * After a failed run the model may be wrong about that run's assets (that is the failure): the runs
 * fast-check makes next, to shrink it, start from what the database holds, so each still fails only
 * for what it does itself.
 */
async function modelFromDatabase(): Promise<void> {
  const held = await listed(admin);
  everyAsset.splice(
    0,
    everyAsset.length,
    ...held.map((a) => ({ id: a.id, key: a.key, department: a.owningDepartment, status: a.status, fields: a.fields.length })),
  );
}

const auditCount = async () => Number(((await t.container.db('audit_events').count('* as n')) as Array<{ n: number | string }>)[0].n);

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

async function checkWorld(world: World): Promise<void> {
  run += 1;
  const departments = pool.slice(0, world.departments);
  const owners = await Promise.all(
    world.owners.map(async (held, i) => {
      const same = world.owners.slice(0, i).filter((o) => sameDepartments(o, held)).length;
      const sub = await ownerHolding(held, same);
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
  everyAsset.push(...assets);

  let fieldCounter = 0;
  for (const command of world.commands) {
    const owner = owners[command.owner % owners.length];
    const may = (department: string) => owner.departments.has(department);
    const as = <R extends { set: (k: string, v: string) => R }>(req: R) => req.set('Authorization', `Bearer ${owner.token}`);

    if (!isAssetCommand(command)) {
      const expected = everyAsset.filter((a) => may(a.department));
      if (command.kind === 'list') {
        const res = await listed(owner.token);
        expect(res.map((a) => [a.key, a.owningDepartment])).toEqual(
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
        if (res.status === 201) asset.transfer = { id: String(res.body.id), from: asset.department, to, proposedBy: owner.sub, open: true };
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
    expect([res.body.owningDepartment, res.body.status, res.body.fields.length]).toEqual([asset.department, asset.status, asset.fields]);
  }
}

it('a data owner acts only on their own departments’ assets, and sees only those', async () => {
  await fc.assert(
    fc.asyncProperty(worldArb, (world) =>
      checkWorld(world).catch(async (err: unknown) => {
        await modelFromDatabase();
        throw err;
      }),
    ),
    { numRuns: 30 },
  );
});
