import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPORT_ENV } from './report';

export default async function globalSetup(): Promise<void> {
  const file = path.join(os.tmpdir(), `fault-report-${process.pid}.jsonl`);
  fs.writeFileSync(file, '');
  process.env[REPORT_ENV] = file;
}
