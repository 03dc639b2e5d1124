import { DEFAULT_SETTINGS, load, startService, BENCH_ADMIN } from './lib';
(async () => {
  const settings = { ...DEFAULT_SETTINGS, databaseUrl: 'postgres://root@127.0.0.1:5432/postgres', durationSeconds: 8, warmupSeconds: 2 };
  const s = await startService(settings, {}, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof2']);
  await s.call(BENCH_ADMIN, 'POST', '/v1/departments', { code: 'RETAIL', name: 'R', kind: 'business' });
  const token = await s.staffToken(BENCH_ADMIN);
  console.log(await load('x', { url: `${s.url}/v1/departments?limit=50`, headers: { authorization: `Bearer ${token}` } }, settings));
  await s.stop();
})();
