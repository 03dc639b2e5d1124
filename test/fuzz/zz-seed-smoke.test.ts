import { createTestApp, type TestApp } from '../helpers/app';
import { seedWorld } from './world';
let t: TestApp;
afterAll(() => t?.close());
it('seeds', async () => {
  const t0 = Date.now();
  t = await createTestApp();
  const t1 = Date.now();
  const w = await seedWorld(t);
  console.log('app', t1 - t0, 'seed', Date.now() - t1, JSON.stringify(w).slice(0, 300));
}, 300_000);
