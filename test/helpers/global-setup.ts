import type { Config } from '@jest/types';
import { TEMPLATE_ENV, createTemplate } from './database';

/** Files under test/unit/ need no database (rules on fakes, pure functions): a run of only those makes no template. */
const unitOnly = (args: readonly string[]): boolean =>
  args.length > 0 && args.every((a) => a.replace(/^\.\//, '').startsWith('test/unit/'));

export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  if (unitOnly(globalConfig.nonFlagArgs)) return;
  process.env[TEMPLATE_ENV] = await createTemplate();
}
