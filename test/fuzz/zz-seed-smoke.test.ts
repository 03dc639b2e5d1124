import { createTestApp } from '../helpers/app';
import { seedWorld } from './world';
it('seeds', async () => {
  const t0 = Date.now();
  const t = await createTestApp();
  const t1 = Date.now();
  const w = await seedWorld(t);
  console.log('app', t1 - t0, 'seed', Date.now() - t1, JSON.stringify(w).slice(0, 300));
  await t.close();
});
