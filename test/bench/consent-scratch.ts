import { startBaseline } from './baseline';
import { consentCheckBench } from './consent-check';
import { DEFAULT_SETTINGS, formatTable, load, startService, type BenchContext, type BenchSettings } from './lib';

async function main() {
  const settings: BenchSettings = { ...DEFAULT_SETTINGS, durationSeconds: Number(process.env.SECS ?? 8) };
  const nodeArgs = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const base = await startBaseline('json');
  const ctx: BenchContext = {
    settings,
    load: (l, o) => load(l, o, settings),
    baseline: () => load('bare', { url: base.url }, settings),
    startService: (env) => startService(settings, env, nodeArgs),
    log: (m) => console.error(m),
  };
  const rows = await consentCheckBench(ctx, { given: Number(process.env.GIVEN ?? 20000), withdrawn: 2000 });
  console.log(formatTable(rows));
  await base.process.stop();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
